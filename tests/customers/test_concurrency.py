"""Real concurrent transactions on PostgreSQL: each thread has its own database connection.

On SQLite these skip: its one writer at a time cannot show a race; the PostgreSQL pass of the
suite runs them (make test runs both).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from ispcare.accounts.models import User
from ispcare.billing.choices import InvoiceKind, InvoiceStatus
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.services import payment_record
from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.common.models import Sequence
from ispcare.customers.choices import ApplicationStatus
from ispcare.customers.models import Application, Customer, Subscription
from ispcare.customers.services import registration_approve, registration_submit
from tests import factories
from tests.factories import cleaned

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")


def run_parallel(calls: list[Callable[[], Any]], timeout: float = 60) -> list[tuple[bool, Any]]:
    """Start every call at the same moment, each in its own thread and connection.

    Returns (True, result) or (False, exception) per call, in order.
    """
    barrier = threading.Barrier(len(calls))
    results: list[tuple[bool, Any]] = [(False, RuntimeError("did not finish"))] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = (True, call())
        except BaseException as exc:
            results[i] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _errors(results):
    return [r for ok, r in results if not ok]


def test_twenty_parallel_approvals_get_twenty_distinct_numbers(staff):
    reviewer = staff("registration")
    apps = [factories.submit() for _ in range(20)]
    results = run_parallel(
        [
            (lambda pk=app.pk: registration_approve(application_id=pk, actor=reviewer).number)
            for app in apps
        ]
    )
    assert _errors(results) == []
    numbers = [n for _, n in results]
    assert len(set(numbers)) == 20
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, 21))  # gap-free
    yymm = timezone.localtime().strftime("%y%m")
    assert Sequence.objects.get(name=f"customer:{yymm}").value == 20
    assert Customer.objects.count() == 20
    assert Subscription.objects.values("pppoe_username").distinct().count() == 20
    assert not Application.objects.filter(status=ApplicationStatus.SUBMITTED).exists()


def test_two_reviewers_approving_the_same_application_one_wins(staff):
    first, second = staff("registration"), staff("manager")
    app = factories.submit()
    results = run_parallel(
        [
            lambda: registration_approve(application_id=app.pk, actor=first),
            lambda: registration_approve(application_id=app.pk, actor=second),
        ]
    )
    errors = _errors(results)
    assert len(errors) == 1, results
    assert isinstance(errors[0], Conflict) and errors[0].code == "application.already_reviewed"
    assert Customer.objects.count() == 1
    assert Subscription.objects.count() == 1
    assert User.objects.filter(role="customer").count() == 1
    assert Sequence.objects.get().value == 1  # the loser took no number


def test_two_payments_exceeding_the_balance_the_rest_is_credit(onboarding):
    _, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
    assert deposit.amount == 300_000

    def pay(reference: str):
        return payment_record(
            invoice_id=deposit.pk,
            amount=200_000,
            method="bank_transfer",
            reference=reference,
            actor=onboarding.finance,
        )

    results = run_parallel([lambda: pay("TRF-A"), lambda: pay("TRF-B")])
    assert _errors(results) == [], results
    deposit.refresh_from_db()
    assert deposit.amount_paid == 300_000 and deposit.status == InvoiceStatus.PAID
    credit = Payment.objects.filter(customer=deposit.customer).values_list("unallocated", flat=True)
    assert sum(credit) == 100_000  # one of the two transfers left 100,000 of credit


def test_two_payments_settling_the_deposit_together_activate_once(onboarding):
    _, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)

    def pay(reference: str):
        return payment_record(
            invoice_id=deposit.pk,
            amount=150_000,
            method="bank_transfer",
            reference=reference,
            actor=onboarding.finance,
        )

    results = run_parallel([lambda: pay("TRF-A"), lambda: pay("TRF-B")])
    assert _errors(results) == []
    sub.refresh_from_db()
    assert sub.state == "active"
    assert sub.events.filter(kind="state_changed", to_state="active").count() == 1


def test_same_receipt_recorded_twice_at_once_is_one_payment(onboarding):
    _, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
    pay = lambda: payment_record(  # noqa: E731
        invoice_id=deposit.pk,
        amount=100_000,
        method="bank_transfer",
        reference="TRF-SAME",
        actor=onboarding.finance,
    )
    results = run_parallel([pay, pay])
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], Duplicate), results
    assert Payment.objects.filter(reference="TRF-SAME").count() == 1


def test_two_identical_registrations_at_once_make_one_application():
    factories.coverage()
    data = cleaned()
    results = run_parallel([lambda: registration_submit(cleaned=dict(data))] * 2)
    errors = _errors(results)
    assert len(errors) == 1, results
    assert isinstance(errors[0], Duplicate)
    assert set(errors[0].fields) == {"nik", "phone"}
    assert Application.objects.count() == 1


def test_same_receipt_on_two_invoices_at_once_is_one_payment_and_a_duplicate(onboarding):
    """Different invoices do not lock each other: the unique index decides, and the loser
    must get the same Duplicate answer as when the first payment had already committed."""
    _, first = onboarding.installed()
    _, second = onboarding.installed()
    invoices = [
        Invoice.objects.get(subscription=s, kind=InvoiceKind.DEPOSIT) for s in (first, second)
    ]

    def pay(invoice):
        return lambda: payment_record(
            invoice_id=invoice.pk,
            amount=100_000,
            method="bank_transfer",
            reference="TRF-TWICE",
            actor=onboarding.finance,
        )

    results = run_parallel([pay(invoices[0]), pay(invoices[1])])
    errors = _errors(results)
    assert len(errors) == 1, results
    assert isinstance(errors[0], Duplicate), repr(errors[0])
    assert set(errors[0].fields) == {"reference"}
    assert Payment.objects.filter(reference="TRF-TWICE").count() == 1


def test_one_device_installed_at_two_customers_at_once_goes_to_one(onboarding):
    from ispcare.customers.models import Equipment
    from ispcare.workorders.services import installation_complete

    jobs = [onboarding.scheduled() for _ in range(2)]
    device = factories.equipment()

    def complete(n: int):
        _, sub, order = jobs[n]
        return lambda: installation_complete(
            work_order_id=order.pk,
            actor=onboarding.technician,
            serials=[device.serial],
            amount=sub.plan.installation_fee,
            method="cash",
            receipt_number=f"KW-{n}",
        )

    results = run_parallel([complete(0), complete(1)])
    errors = _errors(results)
    assert len(errors) == 1 and isinstance(errors[0], ValidationFailed), results
    assert "equipment" in errors[0].fields
    device.refresh_from_db()
    winner = next(sub for (_, sub, _), (ok, _) in zip(jobs, results, strict=True) if ok)
    assert device.subscription_id == winner.pk
    states = sorted(Subscription.objects.values_list("state", flat=True))
    assert states == ["awaiting_deposit", "pending_installation"]
    assert Payment.objects.count() == 1
    assert Equipment.objects.filter(status="installed").count() == 1
