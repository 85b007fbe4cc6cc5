"""Real concurrent transactions on PostgreSQL (each thread its own connection): numbers
stay unique and gap-free, a period is billed once, and a payment racing the isolation
run never leaves a paid subscriber isolated."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from ispcare.billing.dunning import isolation_run
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.payments import payment_record
from ispcare.billing.run import period_bill
from ispcare.customers.models import Subscription
from tests.customers.test_concurrency import run_parallel

from .support import monthly_invoice, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")
    settings.BILLING_DAY = 1
    settings.BILLING_GRACE_DAYS = 5
    settings.BILLING_GRACE_WORKING_DAYS = False


def _seqs():
    return sorted(
        int(re.search(r"(\d+)$", n).group(1))
        for n in Invoice.objects.values_list("number", flat=True)
    )


def test_two_runs_of_the_same_period_bill_each_subscriber_once(onboarding):
    for _ in range(6):
        subscriber(onboarding, activated=dt.date(2026, 9, 3))
    run = lambda: period_bill(  # noqa: E731
        start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1), today=dt.date(2026, 12, 1), actor="x"
    )
    results = run_parallel([run, run])
    runs = [r for ok, r in results if ok]
    assert len(runs) == 2 and sorted(r.counts["invoices"] for r in runs) == [0, 6]
    assert Invoice.objects.count() == 6
    seqs = _seqs()
    assert seqs == list(range(seqs[0], seqs[0] + 6))


def test_invoices_issued_at_once_get_distinct_consecutive_numbers(onboarding):
    _, sub = onboarding.approved()
    results = run_parallel([lambda: monthly_invoice(sub, onboarding.finance) for _ in range(5)])
    assert all(ok for ok, _r in results), results
    seqs = _seqs()
    assert seqs == list(range(seqs[0], seqs[0] + 5))


@pytest.mark.parametrize("attempt", range(3))
def test_a_payment_racing_the_isolation_run_never_leaves_a_paid_subscriber_isolated(
    onboarding, attempt
):
    customer, sub = onboarding.active()
    invoice = monthly_invoice(sub, onboarding.finance, due=timezone.localdate() - dt.timedelta(20))

    def pay():
        return payment_record(
            customer_id=customer.pk,
            amount=invoice.amount,
            method="bank_transfer",
            reference=f"TRF-RACE-{attempt}",
            actor=onboarding.finance,
        )

    results = run_parallel([pay, isolation_run] if attempt % 2 else [isolation_run, pay])
    assert all(ok for ok, _r in results), results
    sub = Subscription.objects.get(pk=sub.pk)
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"
    assert sub.state == "active", (sub.state, sub.isolation_cause)
    assert Payment.objects.get(reference=f"TRF-RACE-{attempt}").unallocated == 0


def test_two_payments_at_once_are_allocated_without_double_counting(onboarding):
    customer, sub = onboarding.active()
    a = monthly_invoice(sub, onboarding.finance, amount=100_000)
    b = monthly_invoice(sub, onboarding.finance, amount=100_000)

    def pay(ref):
        return payment_record(
            customer_id=customer.pk, amount=150_000, method="cash", reference=ref, actor=None
        )

    results = run_parallel([lambda: pay("K-1"), lambda: pay("K-2")])
    assert all(ok for ok, _r in results), results
    paid = dict(Invoice.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "amount_paid"))
    assert paid == {a.pk: 100_000, b.pk: 100_000}
    assert sum(Payment.objects.filter(customer=customer).values_list("unallocated", flat=True)) == (
        100_000
    )
