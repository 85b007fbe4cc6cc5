"""The monthly run: who is billed for what, prorated; prices by period; credits and
charges; catch-up; running twice issues nothing twice; a failure is recorded."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest

from ispcare.billing.choices import InvoiceKind, InvoiceStatus, LineKind, RunKind, RunStatus
from ispcare.billing.invoicing import adjustment_add, final_invoice_issue
from ispcare.billing.models import BillingRun, Invoice, Payment
from ispcare.billing.payments import payment_record
from ispcare.billing.pricing import plan_price_change
from ispcare.billing.run import invoices_run, period_bill
from ispcare.customers.choices import EventKind
from ispcare.customers.models import Plan, PlanChange, Subscription
from tests.factories import PlanFactory

from .support import subscriber

pytestmark = pytest.mark.django_db
D = dt.date
NOV, DEC = (D(2026, 11, 1), D(2026, 12, 1)), (D(2026, 12, 1), D(2027, 1, 1))
DEC_1 = D(2026, 12, 1)


@pytest.fixture(autouse=True)
def _billing(settings):
    settings.BILLING_DAY = 1
    settings.BILLING_DUE_DAYS = 10


def _bill(period=NOV, today=DEC_1, actor="billing run"):
    return period_bill(start=period[0], end=period[1], today=today, actor=actor)


def test_a_full_month_a_first_month_and_a_last_month(onboarding):
    _, full = subscriber(onboarding, activated=D(2026, 9, 3))
    _, new = subscriber(onboarding, activated=D(2026, 11, 16))  # 15 of 30 days
    _, gone = subscriber(onboarding, activated=D(2026, 1, 1), closed=D(2026, 11, 11))  # 10 days
    _, later = subscriber(onboarding, activated=D(2026, 12, 1))  # after the period
    _, waiting = onboarding.approved()  # never activated
    run = _bill()
    assert run.status == RunStatus.DONE, run.errors
    amounts = dict(Invoice.objects.values_list("subscription_id", "amount"))
    assert amounts == {full.pk: 200_000, new.pk: 100_000, gone.pk: 66_667}
    assert later.pk not in amounts and waiting.pk not in amounts
    invoice = Invoice.objects.get(subscription=new)
    assert (invoice.kind, invoice.period_start, invoice.period_end) == (
        InvoiceKind.MONTHLY,
        D(2026, 11, 16),
        D(2026, 12, 1),
    )
    assert invoice.due_date == D(2026, 12, 11) and invoice.status == InvoiceStatus.ISSUED
    (line,) = invoice.lines.all()
    assert (line.kind, line.amount, line.period_start, line.period_end) == (
        LineKind.SERVICE,
        100_000,
        D(2026, 11, 16),
        D(2026, 12, 1),
    )
    assert "16/11/2026" in line.description and "30/11/2026" in line.description
    assert run.counts["invoices"] == 3 and run.counts["prorated"] == 2
    assert run.counts["amount"] == 366_667
    event = invoice.customer.events.get(kind=EventKind.INVOICE_ISSUED)
    assert event.actor_label == "billing run" and event.data["invoice"] == invoice.number


def test_running_twice_issues_nothing_twice(onboarding):
    subscriber(onboarding, activated=D(2026, 9, 3))
    subscriber(onboarding, activated=D(2026, 10, 3))
    first = invoices_run(today=D(2026, 12, 2))
    again = invoices_run(today=D(2026, 12, 2))
    assert [r.counts["invoices"] for r in first] == [2] and again == []
    # Even a forced second run of the same period finds everyone billed.
    assert _bill().counts["invoices"] == 0
    assert Invoice.objects.count() == 2


def test_numbers_are_consecutive_across_a_bulk_run(onboarding):
    for _ in range(5):
        subscriber(onboarding, activated=D(2026, 9, 3))
    _bill()
    seqs = sorted(
        int(re.search(r"(\d+)$", n).group(1))
        for n in Invoice.objects.values_list("number", flat=True)
    )
    assert seqs == list(range(seqs[0], seqs[0] + 5))


def test_catch_up_after_downtime_bills_each_missed_period_once(onboarding):
    _, sub = subscriber(onboarding, activated=D(2026, 8, 20))
    BillingRun.objects.create(kind=RunKind.INVOICES, period_end=D(2026, 10, 1), status="done")
    runs = invoices_run(today=D(2026, 12, 4))
    assert [r.period_end for r in runs] == [D(2026, 11, 1), D(2026, 12, 1)]
    ends = sorted(Invoice.objects.filter(subscription=sub).values_list("period_end", flat=True))
    assert ends == [D(2026, 11, 1), D(2026, 12, 1)]
    assert invoices_run(today=D(2026, 12, 5)) == []


def test_a_failed_run_is_recorded_and_writes_nothing(onboarding):
    subscriber(onboarding, activated=D(2026, 9, 3))
    with mock.patch("ispcare.billing.run.drafts_write", side_effect=RuntimeError("disk full")):
        run = _bill()
    assert run.status == RunStatus.FAILED and "disk full" in run.errors
    assert run.finished_at is not None
    assert not Invoice.objects.exists()
    # The next run bills the period (a failed run does not count as done).
    assert invoices_run(today=D(2026, 12, 2))[0].counts["invoices"] == 1


def test_a_price_change_applies_from_the_next_period_only(onboarding, finance_user):
    _, sub = subscriber(onboarding, activated=D(2026, 9, 3))
    with mock.patch("ispcare.billing.pricing.timezone.localdate", return_value=D(2026, 11, 20)):
        plan_price_change(plan_id=sub.plan_id, monthly_price=220_000, actor=finance_user)
    _bill(NOV)
    _bill(DEC, today=D(2027, 1, 1))
    amounts = dict(Invoice.objects.values_list("period_end", "amount"))
    assert amounts == {D(2026, 12, 1): 200_000, D(2027, 1, 1): 220_000}


def test_issued_invoices_keep_their_price(onboarding, finance_user):
    _, sub = subscriber(onboarding, activated=D(2026, 9, 3))
    _bill(NOV)
    invoice = Invoice.objects.get()
    plan_price_change(plan_id=sub.plan_id, monthly_price=999_000, actor=finance_user)
    Plan.objects.filter(pk=sub.plan_id).update(monthly_price=999_000)
    invoice.refresh_from_db()
    assert invoice.amount == 200_000 and invoice.lines.get().amount == 200_000


@pytest.mark.parametrize("price", [0, -1, 1.5, "220000", True])
def test_a_bad_price_is_refused(onboarding, finance_user, price):
    from ispcare.common.errors import ValidationFailed

    _, sub = subscriber(onboarding, activated=D(2026, 9, 3))
    with pytest.raises(ValidationFailed) as exc:
        plan_price_change(plan_id=sub.plan_id, monthly_price=price, actor=finance_user)
    assert set(exc.value.fields) == {"monthly_price"}


def test_a_plan_change_mid_period_is_prorated_per_plan(onboarding):
    _, sub = subscriber(onboarding, activated=D(2026, 9, 3))
    bigger = PlanFactory(code="home-50", name="Home 50", monthly_price=350_000)
    PlanChange.objects.create(
        subscription=sub, from_plan=sub.plan, to_plan=bigger, effective_date=D(2026, 11, 21)
    )
    Subscription.objects.filter(pk=sub.pk).update(plan=bigger)
    _bill()
    lines = list(Invoice.objects.get().lines.values_list("plan_id", "amount", "period_start"))
    # 20 days of Home 20 at 200,000 and 10 days of Home 50 at 350,000 (of 30).
    assert lines == [
        (sub.plan_id, 133_333, D(2026, 11, 1)),
        (bigger.pk, 116_667, D(2026, 11, 21)),
    ]


def test_credits_and_charges_go_on_the_next_invoice(onboarding, finance_user):
    customer, _sub = subscriber(onboarding, activated=D(2026, 9, 3))
    adjustment_add(
        customer_id=customer.pk,
        amount=-50_000,
        kind="compensation",
        description="Gangguan 3 hari",
        actor=finance_user,
    )
    adjustment_add(
        customer_id=customer.pk,
        amount=25_000,
        kind="correction",
        description="Ganti adaptor",
        actor=finance_user,
    )
    run = _bill()
    invoice = Invoice.objects.get()
    assert invoice.amount == 175_000 and run.counts["adjustments"] == 2
    kinds = sorted(invoice.lines.values_list("kind", "amount"))
    assert kinds == [("adjustment", -50_000), ("adjustment", 25_000), ("service", 200_000)]
    assert not customer.adjustments.filter(invoice__isnull=True).exists()


def test_a_credit_larger_than_the_invoice_waits_for_the_next(onboarding, finance_user):
    customer, _sub = subscriber(onboarding, activated=D(2026, 9, 3))
    adjustment_add(
        customer_id=customer.pk,
        amount=-300_000,
        kind="compensation",
        description="Gangguan panjang",
        actor=finance_user,
    )
    _bill(NOV)
    first = Invoice.objects.get()
    assert first.amount == 0 and first.status == InvoiceStatus.PAID
    rest = customer.adjustments.get(invoice__isnull=True)
    assert rest.amount == -100_000
    _bill(DEC, today=D(2027, 1, 1))
    second = Invoice.objects.get(period_end=D(2027, 1, 1))
    assert second.amount == 100_000


def test_tax_on_the_service_when_configured(onboarding, settings):
    settings.BILLING_TAX_PERCENT = "11"
    subscriber(onboarding, activated=D(2026, 9, 3))
    _bill()
    invoice = Invoice.objects.get()
    assert (invoice.subtotal, invoice.tax, invoice.amount) == (200_000, 22_000, 222_000)


def test_credit_from_an_overpayment_pays_the_new_invoice(onboarding, finance_user):
    customer, _sub = subscriber(onboarding, activated=D(2026, 9, 3))
    payment = payment_record(
        customer_id=customer.pk,
        amount=150_000,
        method="cash",
        reference="KW-1",
        actor=finance_user,
    )
    assert Payment.objects.get(pk=payment.pk).unallocated == 150_000
    run = _bill()
    invoice = Invoice.objects.get()
    assert (invoice.amount_paid, invoice.status) == (150_000, InvoiceStatus.PARTIALLY_PAID)
    assert Payment.objects.get(pk=payment.pk).unallocated == 0
    assert run.counts["credit_used"] == 150_000


def test_final_invoice_bills_from_the_last_period_to_closing(onboarding, finance_user):
    customer, sub = subscriber(onboarding, activated=D(2026, 9, 3))
    _bill(NOV)
    adjustment_add(
        customer_id=customer.pk,
        amount=-10_000,
        kind="correction",
        description="Koreksi",
        actor=finance_user,
    )
    final = final_invoice_issue(subscription_id=sub.pk, until=D(2026, 12, 16), actor=finance_user)
    # 15 of December's 31 days at 200,000 = 96,774, minus the 10,000 credit.
    assert (final.kind, final.period_start, final.period_end) == (
        InvoiceKind.FINAL,
        D(2026, 12, 1),
        D(2026, 12, 16),
    )
    assert final.amount == 86_774
    again = final_invoice_issue(subscription_id=sub.pk, until=D(2026, 12, 20), actor=finance_user)
    assert again.pk == final.pk
    # The monthly run never bills a subscription that has its final invoice.
    assert _bill(DEC, today=D(2027, 1, 1)).counts["invoices"] == 0
