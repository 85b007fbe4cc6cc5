"""payment_record and invoice numbering: partial deposits, refusals, sequential numbers."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ispcare.billing.choices import InvoiceKind, InvoiceStatus
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.services import (
    deposit_invoice_issue,
    installation_invoice_ensure,
    invoice_issue,
    payment_record,
)
from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.lifecycle import access_state
from ispcare.customers.models import Subscription
from ispcare.network.specs import AccessState
from tests.factories import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed(onboarding):
    _customer, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
    return sub, deposit


def _pay(onboarding, invoice, amount, reference="TRF-1", method="bank_transfer"):
    return payment_record(
        invoice_id=invoice.pk,
        amount=amount,
        method=method,
        reference=reference,
        actor=onboarding.finance,
    )


def test_partial_deposit_keeps_the_subscription_isolated_with_the_balance(onboarding, installed):
    sub, deposit = installed
    _pay(onboarding, deposit, 100_000)
    deposit.refresh_from_db()
    assert deposit.status == InvoiceStatus.PARTIALLY_PAID
    assert (deposit.amount_paid, deposit.balance) == (100_000, 200_000)
    assert deposit.paid_at is None
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.AWAITING_DEPOSIT and sub.deposit_paid_at is None
    assert access_state(sub.state) == AccessState.ISOLATED
    event = sub.events.filter(kind=EventKind.PAYMENT_RECORDED).latest("id")
    assert event.data["balance"] == 200_000 and event.actor == onboarding.finance


def test_final_part_activates(onboarding, installed):
    sub, deposit = installed
    _pay(onboarding, deposit, 100_000, "TRF-1")
    _pay(onboarding, deposit, 150_000, "TRF-2")
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.AWAITING_DEPOSIT
    _pay(onboarding, deposit, 50_000, "TRF-3")
    deposit.refresh_from_db()
    assert deposit.status == InvoiceStatus.PAID and deposit.balance == 0
    assert deposit.paid_at is not None
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE
    assert sub.deposit_paid_at is not None and sub.activated_at is not None
    change = sub.events.filter(kind=EventKind.STATE_CHANGED).latest("id")
    assert (change.from_state, change.to_state) == ("awaiting_deposit", "active")
    assert change.actor == onboarding.finance
    assert Payment.objects.filter(invoice=deposit).count() == 3


def test_installation_invoice_payment_does_not_activate(onboarding):
    _customer, sub, _order = onboarding.scheduled()
    invoice = Invoice.objects.get(subscription=sub, kind=InvoiceKind.INSTALLATION)
    _pay(onboarding, invoice, invoice.amount, "KW-9", method="cash")
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.PENDING_INSTALLATION and sub.deposit_paid_at is None


def test_duplicate_reference_is_refused_and_changes_nothing(onboarding, installed):
    _sub, deposit = installed
    _pay(onboarding, deposit, 100_000, "TRF-777")
    before = row_counts()
    with pytest.raises(Duplicate) as exc:
        _pay(onboarding, deposit, 100_000, " TRF-777 ")
    assert set(exc.value.fields) == {"reference"}
    assert row_counts() == before
    deposit.refresh_from_db()
    assert deposit.amount_paid == 100_000


def test_same_reference_for_another_method_is_a_different_receipt(onboarding, installed):
    _sub, deposit = installed
    _pay(onboarding, deposit, 100_000, "001", method="bank_transfer")
    _pay(onboarding, deposit, 100_000, "001", method="qris")
    assert Payment.objects.filter(reference="001").count() == 2


def test_amount_above_the_balance_becomes_customer_credit(onboarding, installed):
    """Overpayment is never refused nor lost: the rest waits as credit for the next
    invoice (the cashier cannot give change on a bank transfer)."""
    sub, deposit = installed
    payment = _pay(onboarding, deposit, 350_000)
    deposit.refresh_from_db()
    assert deposit.status == InvoiceStatus.PAID and deposit.amount_paid == 300_000
    payment.refresh_from_db()
    assert payment.unallocated == 50_000
    event = sub.customer.events.filter(kind=EventKind.PAYMENT_RECORDED).latest("id")
    assert event.data["credit"] == 50_000
    assert event.data["allocations"] == [{"invoice": deposit.number, "amount": 300_000}]
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ACTIVE


@pytest.mark.parametrize(
    "amount,method,reference,fields",
    [
        (0, "cash", "R1", {"amount"}),
        (-5, "cash", "R1", {"amount"}),
        (1000.5, "cash", "R1", {"amount"}),
        ("1000", "cash", "R1", {"amount"}),
        (1000, "gold", "R1", {"method"}),
        (1000, "cash", "   ", {"reference"}),
        (0, "", "", {"amount", "method", "reference"}),
    ],
)
def test_bad_payment_details_are_field_errors(
    onboarding, installed, amount, method, reference, fields
):
    _sub, deposit = installed
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _pay(onboarding, deposit, amount, reference, method=method)
    assert set(exc.value.fields) == fields
    assert row_counts() == before


def test_bool_is_not_an_amount(onboarding, installed):
    """True is an int in Python; a checkbox value must not pay Rp 1."""
    _sub, deposit = installed
    with pytest.raises(ValidationFailed):
        _pay(onboarding, deposit, True)
    assert not Payment.objects.filter(invoice=deposit).exists()


def test_paid_invoice_is_a_conflict(onboarding, installed):
    _sub, deposit = installed
    _pay(onboarding, deposit, deposit.amount, "TRF-1")
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _pay(onboarding, deposit, 1, "TRF-2")
    assert exc.value.code == "invoice.not_open"
    assert row_counts() == before


def test_void_invoice_is_a_conflict(onboarding, installed):
    sub, deposit = installed
    Invoice.objects.filter(pk=deposit.pk).update(status=InvoiceStatus.VOID)
    with pytest.raises(Conflict) as exc:
        _pay(onboarding, deposit, 1000)
    assert exc.value.code == "invoice.not_open"
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.AWAITING_DEPOSIT


def test_database_refuses_an_overpaid_invoice(installed):
    """The last line of defence if a service ever skipped the balance check."""
    _sub, deposit = installed
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=deposit.pk).update(amount_paid=deposit.amount + 1)


# --- Invoices -----------------------------------------------------------------------------


def _issue(sub, actor, amount=1000):
    return invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=amount,
        description="x",
        due_date=timezone.localdate(),
        actor=actor,
    )


def test_invoice_numbers_are_sequential_per_year_and_unique(onboarding, settings):
    _, sub = onboarding.approved()
    year = timezone.localdate().year
    numbers = [_issue(sub, onboarding.finance).number for _ in range(3)]
    assert numbers == [f"INV/{year}/{n:06d}" for n in (1, 2, 3)]
    next_year = dt.date(year + 1, 1, 1)
    with mock.patch("ispcare.billing.drafts.timezone.localdate", return_value=next_year):
        assert _issue(sub, onboarding.finance).number == f"INV/{year + 1}/000001"
    assert _issue(sub, onboarding.finance).number == f"INV/{year}/000004"


def test_invoices_of_the_whole_onboarding_have_distinct_sequential_numbers(onboarding):
    for _ in range(3):
        onboarding.installed()
    numbers = list(Invoice.objects.order_by("id").values_list("number", flat=True))
    assert len(numbers) == 6 and len(set(numbers)) == 6
    seqs = [int(re.search(r"(\d+)$", n).group(1)) for n in numbers]
    assert seqs == list(range(1, 7))


def test_invoice_number_format_is_configurable(onboarding, settings):
    settings.INVOICE_NUMBER_FORMAT = "VN/{year}/{seq:04d}"
    _customer, sub, _order = onboarding.scheduled()
    invoice = Invoice.objects.get(subscription=sub)
    assert re.fullmatch(r"VN/\d{4}/0001", invoice.number)


def test_onboarding_invoices_are_issued_once(onboarding, installed):
    sub, deposit = installed
    again = deposit_invoice_issue(subscription=sub, actor=onboarding.finance)
    assert again.pk == deposit.pk
    installation = Invoice.objects.get(subscription=sub, kind=InvoiceKind.INSTALLATION)
    assert (
        installation_invoice_ensure(
            subscription=sub, due_date=timezone.localdate(), actor=onboarding.finance
        ).pk
        == installation.pk
    )
    assert Invoice.objects.filter(subscription=sub).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice_issue(
            subscription=sub,
            kind=InvoiceKind.DEPOSIT,
            amount=1,
            description="twice",
            due_date=timezone.localdate(),
            actor=onboarding.finance,
        )


def test_invoice_issue_records_an_event_and_cuts_the_description(onboarding):
    _, sub = onboarding.approved()
    invoice = invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=200_000,
        description="x" * 300,
        due_date=timezone.localdate(),
        actor=onboarding.finance,
    )
    assert len(invoice.description) == 200
    event = sub.events.get(kind=EventKind.INVOICE_ISSUED)
    assert event.data == {"invoice": invoice.number, "kind": "monthly", "amount": 200_000}
