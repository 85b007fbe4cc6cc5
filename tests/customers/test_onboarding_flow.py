"""The SOP's first section through the services: register, approve, install, deposit, active."""

from __future__ import annotations

import pytest
from django.core import mail

from ispcare.billing.models import Invoice
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.lifecycle import access_state
from ispcare.network.specs import AccessState

pytestmark = pytest.mark.django_db


def test_whole_flow_ends_active_with_an_event_for_every_step(
    onboarding, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer, sub = onboarding.active()
    assert sub.state == SubscriptionState.ACTIVE
    assert access_state(sub.state) == AccessState.ACTIVE
    assert sub.deposit_paid_at is not None
    kinds = list(customer.events.values_list("kind", flat=True))
    for expected in (
        EventKind.APPLICATION_SUBMITTED,
        EventKind.APPLICATION_APPROVED,
        EventKind.CUSTOMER_CREATED,
        EventKind.INSTALLATION_SCHEDULED,
        EventKind.EQUIPMENT_INSTALLED,
        EventKind.PAYMENT_RECORDED,
        EventKind.INSTALLATION_COMPLETED,
    ):
        assert expected in kinds, expected
    states = list(
        customer.events.filter(kind=EventKind.STATE_CHANGED).values_list("to_state", flat=True)
    )
    assert states == [SubscriptionState.AWAITING_DEPOSIT, SubscriptionState.ACTIVE]
    invoices = Invoice.objects.filter(customer=customer)
    assert {i.kind: i.status for i in invoices} == {"installation": "paid", "deposit": "paid"}
    subjects = [m.subject for m in mail.outbox]
    assert any(customer.number in s for s in subjects)  # the welcome with the customer number
    assert any(i.number in s for i in invoices.filter(kind="deposit") for s in subjects)


def test_installed_subscription_is_isolated_until_deposit(onboarding):
    _, sub = onboarding.installed()
    assert sub.state == SubscriptionState.AWAITING_DEPOSIT
    assert access_state(sub.state) == AccessState.ISOLATED
