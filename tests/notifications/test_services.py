"""Queueing: rows written with the business change, one per channel decision, never twice."""

from __future__ import annotations

import pytest
from django.db import transaction

from ispcare.notifications.choices import Failure, Status
from ispcare.notifications.models import Notification
from ispcare.notifications.selectors import inbox_for, unread_count
from ispcare.notifications.services import Message, inbox_mark_read, message_send
from tests import factories

from .support import announce, external, recipient

pytestmark = pytest.mark.django_db


def test_a_rolled_back_change_leaves_no_message(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        announce("rolled-back")
        assert Notification.objects.count() == 1  # written inside the transaction
        raise RuntimeError("the business change failed")
    assert Notification.objects.count() == 0
    assert callbacks == []  # and no delivery was started


def test_queued_row_holds_everything_the_worker_needs():
    (row,) = announce("k1")
    row = Notification.objects.get(pk=row.pk)
    assert (row.channel, row.status, row.to) == ("email", Status.QUEUED, "dewi@example.id")
    assert row.subject == "Gangguan" and "Halo Dewi O'Brien & Putra" in row.body
    assert "&amp;" not in row.body and "&#x27;" not in row.body  # plain text, not HTML
    assert row.idempotency_key == "k1:email" and row.next_attempt_at is not None
    assert row.recipient_ref == "customer:1" and row.language == "id"


def test_same_idempotency_key_never_produces_a_second_message(settings):
    first = announce("once")
    again = announce("once", channels=("whatsapp", "email"))  # even on another channel
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1


def test_without_a_key_every_call_is_a_new_message():
    announce("")
    announce("")
    assert Notification.objects.count() == 2


def test_invalid_email_is_flagged_when_queued_with_the_reason():
    rows = announce("bad", email="dewi@", channels=("email",))
    (row,) = rows
    assert row.status == Status.FAILED and row.failure == Failure.INVALID_ADDRESS
    assert "dewi@" in row.last_error and "email" in row.last_error
    assert row.attempts == 0  # never handed to a mail server


def test_invalid_phone_falls_back_to_email_and_says_so(wa_cloud):
    rows = announce("fallback", phone="12345", channels=("whatsapp", "email"))
    by = {r.channel: r for r in rows}
    assert by["whatsapp"].status == Status.FAILED
    assert (
        by["whatsapp"].failure == Failure.INVALID_ADDRESS and "12345" in by["whatsapp"].last_error
    )
    assert by["email"].status == Status.QUEUED
    assert "WhatsApp" in by["email"].note and "12345" in by["email"].note


def test_missing_phone_falls_back_without_a_failed_row(wa_cloud):
    rows = announce("nophone", phone="", channels=("whatsapp", "email"))
    assert [(r.channel, r.status) for r in rows] == [("email", Status.QUEUED)]
    assert "WhatsApp" in rows[0].note


def test_whatsapp_not_configured_falls_back_to_email(settings):
    settings.WHATSAPP = {**settings.WHATSAPP, "access_token": ""}
    (row,) = announce("nowa", channels=("whatsapp", "email"))
    assert row.channel == "email" and "WhatsApp" in row.note


def test_no_usable_channel_leaves_one_failed_row_saying_why():
    (row,) = announce("none", email="", phone="", channels=("email", "whatsapp"))
    assert row.status == Status.FAILED and row.failure == Failure.NO_ADDRESS
    assert "email" in row.last_error.lower() and "WhatsApp" in row.last_error


def test_preferred_channel_order_is_respected(wa_cloud):
    (row,) = announce("wa-first", channels=("whatsapp", "email"))
    assert row.channel == "whatsapp" and row.to == "6281234567890"
    assert row.wa_template == "ispcare_announcement"
    assert row.wa_params == ["Dewi O'Brien & Putra", "Gangguan", "Perbaikan sedang berjalan."]
    (row,) = announce("email-first", channels=("email", "whatsapp"))
    assert row.channel == "email"


def test_portal_only_customers_get_the_inbox_copy_alone():
    user = factories.staff_user("customer")
    rows = announce("portal", channels=(), user_id=user.pk)
    assert [(r.channel, r.status) for r in rows] == [("inapp", Status.SENT)]


def test_language_of_the_recipient_is_used():
    (row,) = announce("en", language="en", context={"subject": "Outage"})
    assert row.body.startswith("Hello ") and "Regards" in row.body


def test_context_must_be_plain_data():
    customer = factories.Onboarding().approved()[0]
    before = Notification.objects.count()
    with pytest.raises(TypeError, match="plain values"):
        message_send(
            message=Message(
                template="announcement", recipient=recipient(), context={"customer": customer}
            )
        )
    assert Notification.objects.count() == before


def test_inbox_unread_count_and_mark_read():
    user = factories.staff_user("customer")
    other = factories.staff_user("customer")
    announce("a", channels=(), user_id=user.pk)
    announce("b", channels=(), user_id=user.pk)
    assert unread_count(user_id=user.pk) == 2
    ids = list(inbox_for(user_id=user.pk).values_list("id", flat=True))
    assert inbox_mark_read(user_id=other.pk, ids=ids) == 0  # not theirs
    assert inbox_mark_read(user_id=user.pk, ids=ids[:1]) == 1
    assert unread_count(user_id=user.pk) == 1
    assert external().count() == 0


def test_a_message_sent_by_email_is_also_the_portal_copy():
    user = factories.staff_user("customer")
    (row,) = announce("both", user_id=user.pk)
    assert row.channel == "email" and row.user_id == user.pk
    assert list(inbox_for(user_id=user.pk)) == [row]
    assert inbox_mark_read(user_id=user.pk, ids=[row.pk]) == 1
    row.refresh_from_db()
    assert row.read_at is not None and row.status == Status.QUEUED  # delivery status kept


def test_an_invalid_address_row_stays_out_of_the_portal():
    user = factories.staff_user("customer")
    rows = announce("invalid-portal", email="x@", user_id=user.pk)
    by = {r.channel: r for r in rows}
    assert by["email"].status == Status.FAILED and by["email"].user_id is None
    assert by["inapp"].user_id == user.pk and "email" in by["inapp"].note.lower()
    assert [r.pk for r in inbox_for(user_id=user.pk)] == [by["inapp"].pk]
