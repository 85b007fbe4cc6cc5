"""Delivery: a backend that is down never loses a message; the failure stays visible."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail

from ispcare.notifications.delivery import notification_deliver
from ispcare.notifications.models import Channel, Notification, Status

pytestmark = pytest.mark.django_db


def _row(**overrides) -> Notification:
    fields = {
        "channel": Channel.EMAIL,
        "to": "budi@example.id",
        "template_key": "welcome",
        "subject": "Hello",
        "body": "Body",
    }
    fields.update(overrides)
    return Notification.objects.create(**fields)


def test_queued_email_is_sent_once():
    row = _row()
    assert notification_deliver(notification_id=row.pk) is True
    assert notification_deliver(notification_id=row.pk) is False  # already sent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["budi@example.id"] and mail.outbox[0].subject == "Hello"
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.last_error == ""


def test_missing_row_is_not_an_error():
    assert notification_deliver(notification_id=987_654) is False


def test_smtp_failure_keeps_it_queued_with_the_error_and_the_attempt():
    row = _row()
    down = smtplib.SMTPConnectError(421, "mail.vokasi.net is down")
    with (
        mock.patch("ispcare.notifications.delivery.send_mail", side_effect=down),
        pytest.raises(smtplib.SMTPException),  # raised so that Huey retries it
    ):
        notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.sent_at is None
    assert row.attempts == 1
    assert "SMTPConnectError" in row.last_error and "down" in row.last_error
    assert mail.outbox == []

    # The retry succeeds and clears the error.
    assert notification_deliver(notification_id=row.pk) is True
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2 and row.last_error == ""
