"""The settlement statement reaches a customer who takes their notices by email as a PDF
attachment, through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import pytest

from ispcare.closures import services
from ispcare.customers.models import Equipment
from ispcare.notifications.channels.email import build_email
from ispcare.notifications.documents import document_render
from ispcare.notifications.models import Notification
from ispcare.notifications.outbox import drain
from tests.notifications.conftest import smtp  # noqa: F401 (the fixture)

from .support import request

pytestmark = pytest.mark.django_db


def _settled(customer, sub, closing):
    closure = request(sub, customer.user, return_method="dropoff")
    ont = Equipment.objects.get(subscription=sub)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: "damaged"}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    services.closure_settle(closure_id=closure.pk, actor=closing)
    return closure


def test_statement_goes_with_the_settlement_email(subscriber, closing, prices, smtp):  # noqa: F811
    customer, sub = subscriber
    customer.notify_channels = "email"
    customer.save(update_fields=["notify_channels"])
    closure = _settled(customer, sub, closing)
    row = Notification.objects.get(template_key="closure_settled", channel="email")
    assert row.attachment == f"settlement_statement:{closure.pk}"
    # Only the settlement carries it.
    assert not Notification.objects.exclude(pk=row.pk).exclude(attachment="").exists()
    drain("email", budget_seconds=10)
    received = [m for m in smtp.received if m["X-ISPcare-Notification"] == str(row.pk)]
    (message,) = received
    (pdf,) = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename().endswith(".pdf")
    assert pdf.get_content().startswith(b"%PDF")


def test_a_document_that_cannot_be_made_does_not_hold_the_message(subscriber, closing, prices):
    customer, sub = subscriber
    closure = _settled(customer, sub, closing)
    row = Notification.objects.filter(template_key="closure_settled").first()
    row.attachment = "settlement_statement:987654"
    assert document_render(row.attachment) is None
    assert build_email(row).attachments == []
    row.attachment = "no_such_kind:1"
    assert build_email(row).attachments == []
    assert closure.settlement.refund_due >= 0
