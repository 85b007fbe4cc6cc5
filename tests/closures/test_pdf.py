"""The settlement statement PDF: what it says (read back from the bytes with billing's
`pdf_text`), in the customer's language, amounts as Rp 1.500.000, moments in WIB."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, translation

from ispcare.billing.services import payment_record
from ispcare.closures import pdf, services
from ispcare.customers.models import Equipment

from ..billing.test_pdf import pdf_text
from .support import request

pytestmark = pytest.mark.django_db
WIB = dt.timezone(dt.timedelta(hours=7))


def rp(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def _settled(subscriber, closing, condition: str, **kw):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user, **kw)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: condition}, via="pickup", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    closure.refresh_from_db()
    return closure, settlement, ont


def test_statement_with_a_damaged_device_and_money_still_owed(subscriber, closing, prices):
    closure, settlement, ont = _settled(subscriber, closing, "damaged")
    data = pdf.statement_pdf(closure)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    customer = closure.customer
    assert closure.number in text
    assert customer.full_name in text and customer.number in text
    invoice = settlement.final_invoice
    assert invoice.number in text and rp(invoice.amount) in text
    assert rp(settlement.service_charge) in text
    assert ont.serial in text and rp(300_000) in text  # the damage charge
    assert rp(settlement.deposit_held) in text
    assert f"-{rp(settlement.deposit_applied)}" in text
    assert rp(settlement.balance_left) in text and settlement.balance_left > 0
    assert rp(settlement.owed) in text
    with translation.override("id"):
        assert formats.date_format(closure.end_date, "j F Y") in text  # Indonesian month
    assert "WIB" in text  # the settlement moment
    assert pdf.statement_filename(closure).endswith(".pdf")


def test_statement_after_the_refund_in_english(subscriber, closing):
    customer, _sub = subscriber
    customer.language = "en"
    customer.save(update_fields=["language"])
    closure, settlement, ont = _settled(subscriber, closing, "good")
    assert settlement.refund_due > 0
    services.closure_refund(
        closure_id=closure.pk,
        amount=settlement.refund_due,
        method="bank_transfer",
        reference="TRF-KEMBALI-9",
        actor=closing,
    )
    closure.refresh_from_db()
    text = pdf_text(pdf.statement_pdf(closure))
    assert "SETTLEMENT" in text and "STATEMENT" in text  # the title, on two lines
    assert "Refund due to you" in text and rp(settlement.refund_due) in text
    assert "TRF-KEMBALI-9" in text and "bank transfer" in text
    assert ont.serial in text and "good" in text and "Rp 0" in text
    with translation.override("en"):
        assert formats.date_format(closure.end_date, "j F Y") in text
    assert pdf.statement_filename(closure) == (
        f"settlement-{closure.number.replace('/', '-').lower()}.pdf"
    )


def test_statement_says_when_the_rest_was_paid(subscriber, closing, prices, onboarding):
    customer, _sub = subscriber
    customer.language = "en"
    customer.save(update_fields=["language"])
    closure, settlement, _ont = _settled(
        subscriber,
        closing,
        "missing",
        refund_bank="",
        refund_account_number="",
        refund_account_name="",
    )
    text = pdf_text(pdf.statement_pdf(closure))
    assert "Please pay" in text and rp(settlement.balance_left) in text
    payment_record(
        customer_id=customer.pk,
        amount=settlement.balance_left,
        method="cash",
        reference="KW-SISA",
        actor=onboarding.finance,
    )
    text = pdf_text(pdf.statement_pdf(closure))
    assert "Paid in full since" in text and "Please pay" not in text
