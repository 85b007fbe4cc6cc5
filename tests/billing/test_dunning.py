"""Dunning: reminders by stage, isolation after the grace period through the lifecycle
(the network follows), lifted by a payment that settles everything overdue, and not by
one that does not; staff isolation is left alone; void needs a manager and a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.billing.choices import InvoiceStatus, Reminder, RunStatus
from ispcare.billing.dunning import isolation_run, reminders_run
from ispcare.billing.invoicing import invoice_void
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.payments import payment_record
from ispcare.common.errors import PermissionDenied, ValidationFailed
from ispcare.customers.choices import EventKind, IsolationCause, SubscriptionState
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Subscription
from ispcare.network.models import SubscriberAccess
from ispcare.notifications.models import Notification

from .support import monthly_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.BILLING_GRACE_DAYS = 5
    settings.BILLING_GRACE_WORKING_DAYS = False
    settings.BILLING_REMIND_DAYS_BEFORE = 3


def today():
    return timezone.localdate()


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@pytest.fixture
def active(onboarding):
    customer, sub = onboarding.active()
    return customer, sub


def _pay(customer, amount, ref, actor):
    return payment_record(
        customer_id=customer.pk, amount=amount, method="bank_transfer", reference=ref, actor=actor
    )


def test_overdue_past_grace_isolates_through_the_lifecycle(onboarding, active):
    _customer, sub = active
    invoice = monthly_invoice(sub, onboarding.finance, due=ago(6))
    run = isolation_run()
    assert run.status == RunStatus.DONE and run.counts["isolated"] == 1
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ISOLATED
    assert sub.isolation_cause == IsolationCause.OVERDUE
    event = sub.events.filter(kind=EventKind.STATE_CHANGED).latest("id")
    assert (event.from_state, event.to_state, event.actor_label) == (
        "active",
        "isolated",
        "dunning",
    )
    assert event.reason and event.data["cause"] == "overdue"
    # The network is told: the desired access is isolated (applied by the worker).
    assert SubscriberAccess.objects.get(username=sub.pppoe_username).state == "isolated"
    notice = (
        Notification.objects.filter(template_key="service_isolated").exclude(channel="inapp").get()
    )
    assert "200.000" in notice.body
    assert invoice.number  # the invoice stays open
    assert isolation_run().counts["isolated"] == 0  # idempotent


def test_within_the_grace_period_nothing_happens(onboarding, active):
    _customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(5))
    assert isolation_run().counts["isolated"] == 0
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE


def test_full_payment_restores_at_once_partial_does_not(onboarding, active):
    customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(40), amount=200_000)
    monthly_invoice(sub, onboarding.finance, due=ago(10), amount=200_000)
    isolation_run()
    _pay(customer, 300_000, "TRF-A", onboarding.finance)
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ISOLATED  # 100,000 still overdue
    _pay(customer, 100_000, "TRF-B", onboarding.finance)
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE and sub.isolation_cause == ""
    event = sub.events.filter(kind=EventKind.STATE_CHANGED).latest("id")
    assert (event.from_state, event.to_state) == ("isolated", "active")
    assert SubscriberAccess.objects.get(username=sub.pppoe_username).state == "active"


def test_an_invoice_not_yet_overdue_does_not_keep_the_isolation(onboarding, active):
    customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(10))
    isolation_run()
    monthly_invoice(sub, onboarding.finance, due=today() + dt.timedelta(days=5))
    _pay(customer, 200_000, "TRF-1", onboarding.finance)
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE


def test_staff_isolation_is_not_lifted_by_a_payment(onboarding, active):
    customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(10))
    subscription_transition(
        subscription_id=sub.pk, action="isolate", actor=onboarding.finance, reason="abuse"
    )
    assert isolation_run().counts["isolated"] == 0
    _pay(customer, 200_000, "TRF-1", onboarding.finance)
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ISOLATED and sub.isolation_cause == IsolationCause.STAFF


def test_the_isolation_run_lifts_isolation_nothing_overdue_justifies(onboarding, active):
    """E.g. the overdue invoice was voided by a path that did not lift it."""
    _customer, sub = active
    invoice = monthly_invoice(sub, onboarding.finance, due=ago(10))
    isolation_run()
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.VOID)
    run = isolation_run()
    assert run.counts["restored"] == 1
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ACTIVE


def test_working_day_grace_never_isolates_on_a_holiday(onboarding, active, settings):
    settings.BILLING_GRACE_WORKING_DAYS = True
    _customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=dt.date(2026, 12, 10))
    run = isolation_run(today=dt.date(2026, 12, 25))  # Christmas
    assert run.counts == {"isolated": 0, "restored": 0, "skipped": "non-working day"}
    assert isolation_run(today=dt.date(2026, 12, 28)).counts["isolated"] == 1


def test_void_releases_payments_to_credit_and_lifts_isolation(onboarding, active, manager_user):
    customer, sub = active
    first = monthly_invoice(sub, onboarding.finance, due=ago(10))
    isolation_run()
    _pay(customer, 50_000, "TRF-1", onboarding.finance)
    invoice_void(invoice_id=first.pk, reason="Salah tagih", actor=manager_user)
    first.refresh_from_db()
    assert (first.status, first.amount_paid, first.void_reason) == ("void", 0, "Salah tagih")
    assert Payment.objects.get(reference="TRF-1").unallocated == 50_000
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ACTIVE
    event = customer.events.filter(kind=EventKind.INVOICE_VOIDED).latest("id")
    assert event.reason == "Salah tagih" and event.data["returned_to_credit"] == 50_000
    # The freed credit goes to the next invoice.
    second = monthly_invoice(sub, onboarding.finance, due=today())
    assert second.amount_paid == 50_000


def test_void_needs_a_manager_and_a_reason(onboarding, active, manager_user):
    _customer, sub = active
    invoice = monthly_invoice(sub, onboarding.finance)
    with pytest.raises(PermissionDenied):
        invoice_void(invoice_id=invoice.pk, reason="x", actor=onboarding.finance)
    with pytest.raises(ValidationFailed) as exc:
        invoice_void(invoice_id=invoice.pk, reason="  ", actor=manager_user)
    assert set(exc.value.fields) == {"reason"}
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED


def test_reminders_by_stage_once_each_and_only_the_latest_when_late(onboarding, active):
    _customer, sub = active
    new = monthly_invoice(sub, onboarding.finance, due=today() + dt.timedelta(days=10))
    soon = monthly_invoice(sub, onboarding.finance, due=today() + dt.timedelta(days=3))
    due = monthly_invoice(sub, onboarding.finance, due=today())
    late = monthly_invoice(sub, onboarding.finance, due=ago(2))
    run = reminders_run()
    assert run.counts == {
        "invoice_overdue": 1,
        "invoice_due": 1,
        "invoice_reminder": 1,
        "invoice_issued": 1,
    }
    stages = dict(Invoice.objects.values_list("pk", "reminder"))
    assert stages[new.pk] == Reminder.ISSUED and stages[soon.pk] == Reminder.BEFORE_DUE
    assert stages[due.pk] == Reminder.DUE and stages[late.pk] == Reminder.OVERDUE
    sent = set(Notification.objects.values_list("template_key", flat=True))
    assert {"invoice_issued", "invoice_reminder", "invoice_due", "invoice_overdue"} <= sent
    reminder = Notification.objects.filter(template_key="invoice_reminder").first()
    assert soon.number in reminder.body
    assert sub.events.filter(kind=EventKind.REMINDER_SENT).count() == 4
    # Nothing twice.
    assert set(reminders_run().counts.values()) == {0}


def test_a_paid_invoice_gets_no_reminder(onboarding, active):
    customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(2))
    _pay(customer, 200_000, "TRF-9", onboarding.finance)
    assert set(reminders_run().counts.values()) == {0}


def test_isolir_page_shows_the_remaining_balance_after_a_partial_payment(
    client, onboarding, active
):
    customer, sub = active
    monthly_invoice(sub, onboarding.finance, due=ago(10), amount=200_000)
    isolation_run()
    _pay(customer, 80_000, "TRF-P", onboarding.finance)
    html = client.post("/isolir/", {"number": customer.number}).content.decode()
    assert 'data-total="120000"' in html
    assert "Rp 120.000" in html and "Rp 80.000" in html  # left to pay; paid so far
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ISOLATED


def test_a_run_for_a_given_day_judges_overdue_as_of_that_day(onboarding, active):
    """Isolation and its lifting use the same day (a catch-up run passes its own)."""
    _customer, sub = active
    due = ago(12)
    monthly_invoice(sub, onboarding.finance, due=due)
    isolation_run()
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ISOLATED
    # As of three days after the due date nothing was overdue past grace yet.
    run = isolation_run(today=due + dt.timedelta(days=3))
    assert run.counts["restored"] == 1
    assert Subscription.objects.get(pk=sub.pk).state == SubscriptionState.ACTIVE
