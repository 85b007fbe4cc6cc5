"""The hourly sweep's settled pass: it locks and closes only the settled requests that can
close now (no device out, refund paid or none due, nothing owed), and leaves the others
as they were."""

from __future__ import annotations

import pytest

from ispcare.billing.services import open_balance, payment_record
from ispcare.closures import services
from ispcare.closures.lifecycle import MACHINE, closable, closure_locked
from ispcare.closures.models import Closure
from ispcare.customers.models import Equipment, Event

from .support import settled

pytestmark = pytest.mark.django_db


def _settled(onboarding, closing, condition):
    customer, sub = onboarding.active()
    return settled(sub, customer.user, closing, condition)


def _pay_the_rest(onboarding, closure):
    payment_record(
        customer_id=closure.customer_id,
        amount=open_balance(customer_id=closure.customer_id),
        method="cash",
        reference=f"KW-{closure.pk}",
        actor=onboarding.finance,
    )


@pytest.fixture
def four(onboarding, closing, prices):
    """Settled requests: one ready to close (its last payment arrived since the settlement)
    and three that are not, each for one reason the close guards give."""
    # Settled first, all of them: settling sweeps, and a sweep would close the ready one.
    ready, _ = _settled(onboarding, closing, "damaged")
    owing, s_owing = _settled(onboarding, closing, "damaged")
    refund_unpaid, s_refund = _settled(onboarding, closing, "good")
    device_out, _ = _settled(onboarding, closing, "damaged")

    _pay_the_rest(onboarding, ready)
    assert s_owing.balance_left > 0 and s_owing.refund_due == 0
    assert s_refund.refund_due > 0 and s_refund.refund_id is None
    # A device on the subscription again after the settlement (settling refuses it before,
    # closing must too); nothing is owed and no refund due.
    _pay_the_rest(onboarding, device_out)
    Equipment.objects.create(
        kind="router",
        model_name="Test",
        serial=f"RTR-{device_out.pk}",
        status="installed",
        subscription_id=device_out.subscription_id,
    )
    return ready, [owing, refund_unpaid, device_out]


def test_closable_is_what_the_close_guards_allow(four):
    ready, waiting = four
    for closure in [ready, *waiting]:
        locked = closure_locked(closure.pk)
        assert MACHINE.allowed(locked, "close", locked.status) == (closure is ready)
    assert list(closable().values_list("pk", flat=True)) == [ready.pk]


def test_sweep_closes_the_ready_request_and_does_not_touch_the_others(four, monkeypatch):
    ready, waiting = four
    before = {
        c.pk: (c.updated_at, Event.objects.filter(customer_id=c.customer_id).count())
        for c in Closure.objects.filter(pk__in=[c.pk for c in waiting])
    }
    locked: list[int] = []

    def spy(closure_id):
        locked.append(closure_id)
        return closure_locked(closure_id)

    monkeypatch.setattr(services, "closure_locked", spy)

    result = services.closures_sweep(today=ready.end_date)

    assert result == {"ended": 0, "closed": 1, "failed": 0}
    assert locked == [ready.pk]  # the waiting ones are not even locked
    ready.refresh_from_db()
    assert ready.status == "closed" and ready.subscription.state == "closed"
    for closure in Closure.objects.filter(pk__in=before):
        assert closure.status == "settled" and closure.closed_at is None
        events = Event.objects.filter(customer_id=closure.customer_id).count()
        assert (closure.updated_at, events) == before[closure.pk]


def test_a_waiting_request_closes_on_the_sweep_after_its_payment(four, onboarding):
    _, waiting = four
    owing = waiting[0]
    assert services.closures_sweep(today=owing.end_date)["closed"] == 1  # the ready one
    _pay_the_rest(onboarding, owing)
    assert services.closures_sweep(today=owing.end_date)["closed"] == 1
    owing.refresh_from_db()
    assert owing.status == "closed"
    assert services.closures_sweep(today=owing.end_date)["closed"] == 0
