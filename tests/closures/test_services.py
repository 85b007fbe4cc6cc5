"""The closing services: bad input changes nothing, the money adds up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.billing.ledger import balance, ledger
from ispcare.billing.models import Invoice, Payment, Refund
from ispcare.billing.periods import period_of, prorate
from ispcare.billing.reports import daily_cash
from ispcare.billing.services import open_balance, payment_record
from ispcare.closures import services
from ispcare.closures.models import Closure, RetentionOffer, ReturnItem
from ispcare.customers.models import Equipment, Event
from ispcare.workorders.models import WorkOrder

from .support import request


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"reason": "bosan"}, "reason"),
        ({"reason": "other", "reason_text": "  "}, "reason_text"),
        ({"return_method": "post"}, "return_method"),
        ({"refund_account_number": ""}, "refund_account_number"),
        ({"refund_bank": ""}, "refund_bank"),
        ({"refund_account_number": "12-ABC"}, "refund_account_number"),
        ({"end_date": "2026-12-31"}, "end_date"),
        ({"days": 400}, "end_date"),
    ],
)
def test_bad_request_is_a_field_error_and_writes_nothing(subscriber, overrides, field):
    customer, sub = subscriber
    events = Event.objects.count()
    days = overrides.pop("days", 7)
    with pytest.raises(services.ValidationFailed) as exc:
        request(sub, customer.user, days=days, **overrides)
    assert field in exc.value.fields
    assert not Closure.objects.exists() and Event.objects.count() == events


def test_no_bank_details_means_cash(subscriber):
    customer, sub = subscriber
    closure = request(
        sub, customer.user, refund_bank="", refund_account_number="", refund_account_name=""
    )
    assert closure.refund_account_number == ""


def test_a_subscription_not_yet_installed_cannot_be_terminated(onboarding):
    customer, sub, _order = onboarding.scheduled()
    with pytest.raises(services.Conflict) as exc:
        request(sub, customer.user)
    assert exc.value.code == "closure.not_terminable"


def test_check_in_of_a_device_not_at_the_customer_is_refused(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    stranger = Equipment.objects.create(kind="ont", model_name="X", serial="NOT-HERE-1")
    ont = Equipment.objects.get(subscription=sub)
    for conditions in ({stranger.pk: "good"}, {}, {ont.pk: "lost"}):
        with pytest.raises(services.ValidationFailed):
            services.closure_check_in(
                closure_id=closure.pk, conditions=conditions, via="dropoff", actor=closing
            )
    with pytest.raises(services.ValidationFailed):
        services.closure_check_in(
            closure_id=closure.pk, conditions={ont.pk: "good"}, via="post", actor=closing
        )
    ont.refresh_from_db()
    assert ont.status == "installed" and not ReturnItem.objects.exists()
    closure.refresh_from_db()
    assert closure.status == "requested"


def test_a_device_is_checked_in_once(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    ont = Equipment.objects.get(subscription=sub)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: "good"}, via="dropoff", actor=closing
    )
    with pytest.raises(services.ValidationFailed):
        services.closure_check_in(
            closure_id=closure.pk, conditions={ont.pk: "damaged"}, via="dropoff", actor=closing
        )
    assert ReturnItem.objects.get().condition == "good"
    with pytest.raises(services.Conflict) as exc:
        services.closure_pickup_schedule(
            closure_id=closure.pk,
            technician_id=closing.pk,
            date=timezone.localdate(),
            actor=closing,
        )
    assert exc.value.code == "closure.nothing_to_pick_up"


def test_pickup_needs_a_technician_and_a_date_ahead(subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    with pytest.raises(services.ValidationFailed) as exc:
        services.closure_pickup_schedule(
            closure_id=closure.pk,
            technician_id=closing.pk,
            date=timezone.localdate(),
            actor=closing,
        )
    assert "technician" in exc.value.fields
    with pytest.raises(services.ValidationFailed) as exc:
        services.closure_pickup_schedule(
            closure_id=closure.pk,
            technician_id=onboarding.technician.pk,
            date=timezone.localdate() - dt.timedelta(days=1),
            actor=closing,
        )
    assert "date" in exc.value.fields
    assert not WorkOrder.objects.filter(kind="pickup").exists()
    closure.refresh_from_db()
    assert closure.status == "requested"  # a failed step does not process it either


def _ended(sub, customer, closing, condition="good"):
    closure = request(sub, customer.user)
    ont = Equipment.objects.get(subscription=sub)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: condition}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    closure.refresh_from_db()
    return closure


def test_final_invoice_is_prorated_to_the_end_date(subscriber, closing):
    customer, sub = subscriber
    closure = _ended(sub, customer, closing)
    services.closure_settle(closure_id=closure.pk, actor=closing)
    final = Invoice.objects.get(subscription=sub, kind="final")
    start = timezone.localtime(sub.activated_at).date()
    assert (final.period_start, final.period_end) == (start, closure.end_date)
    # One line per period the stretch touches, each prorated on its own period's length.
    expected, day = 0, start
    while day < closure.end_date:
        p_start, p_end = period_of(day)
        last = min(p_end, closure.end_date)
        expected += prorate(sub.plan.monthly_price, (last - day).days, (p_end - p_start).days)
        day = last
    assert final.subtotal == expected


def test_unused_credit_is_refunded_with_the_deposit_and_the_ledger_adds_up(
    subscriber, closing, onboarding
):
    customer, sub = subscriber
    payment_record(
        customer_id=customer.pk,
        amount=500_000,
        method="cash",
        reference="KW-ADVANCE",
        actor=onboarding.finance,
    )
    closure = _ended(sub, customer, closing)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    # The advance paid the final invoice; the whole deposit and the rest of the advance
    # come back.
    final = Invoice.objects.get(subscription=sub, kind="final")
    assert final.status == "paid" and settlement.deposit_applied == 0
    assert settlement.credit == 500_000 - final.amount
    assert settlement.refund_due == 300_000 + settlement.credit
    with pytest.raises(services.ValidationFailed) as exc:  # less than due: refused too
        services.closure_refund(
            closure_id=closure.pk,
            amount=settlement.refund_due - 1,
            method="cash",
            reference="KW-REF-1",
            actor=closing,
        )
    assert "amount" in exc.value.fields
    services.closure_refund(
        closure_id=closure.pk,
        amount=settlement.refund_due,
        method="cash",
        reference="KW-REF-1",
        actor=closing,
    )
    refund = Refund.objects.get()
    assert (refund.from_deposit, refund.from_credit) == (300_000, settlement.credit)
    entries = ledger(customer_id=customer.pk)
    assert entries[-1].balance == balance(customer_id=customer.pk) == 0
    assert any(e.kind == "refund" and e.debit == settlement.credit for e in entries)
    assert not Payment.objects.filter(unallocated__gt=0).exists()
    closure.refresh_from_db()
    assert closure.status == "closed"
    with pytest.raises(services.Conflict):
        services.closure_refund(
            closure_id=closure.pk, amount=1, method="cash", reference="KW-REF-2", actor=closing
        )


def test_deposit_and_write_off_are_not_cash(subscriber, closing, manager, prices):
    customer, sub = subscriber
    closure = _ended(sub, customer, closing, condition="missing")
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    services.closure_write_off(closure_id=closure.pk, reason="Tidak dapat ditagih", actor=manager)
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {"deposit", "write_off"} <= methods
    cash = daily_cash(day=timezone.localdate())
    assert cash.amount == sum(
        Payment.objects.exclude(method__in=["deposit", "write_off"]).values_list(
            "amount", flat=True
        )
    )
    assert settlement.equipment_charges == 750_000


def test_write_off_with_nothing_owed_is_refused(subscriber, closing, manager):
    customer, sub = subscriber
    closure = _ended(sub, customer, closing)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    assert settlement.balance_left == 0
    with pytest.raises(services.ValidationFailed):
        services.closure_write_off(closure_id=closure.pk, reason="", actor=manager)
    with pytest.raises(services.Conflict) as exc:
        services.closure_write_off(closure_id=closure.pk, reason="Salah input", actor=manager)
    assert exc.value.code == "closure.nothing_owed"


def test_an_unpaid_deposit_is_voided_at_settlement(onboarding, closing):
    customer, sub = onboarding.installed()  # awaiting the deposit
    closure = _ended(sub, customer, closing)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    assert deposit.status == "void"
    assert settlement.deposit_held == 0 and settlement.refund_due == 0
    assert open_balance(customer_id=customer.pk) == 0
    closure.refresh_from_db()
    assert closure.status == "closed"  # nothing to pay, nothing to refund


def test_offers(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    with pytest.raises(services.ValidationFailed) as exc:
        services.retention_offer_make(closure_id=closure.pk, text="x", credit=-5, actor=closing)
    assert set(exc.value.fields) == {"text", "credit"}
    offer = services.retention_offer_make(
        closure_id=closure.pk, text="Upgrade gratis ke 50 Mbps", credit=0, actor=closing
    )
    with pytest.raises(services.Conflict) as exc:
        services.retention_offer_make(
            closure_id=closure.pk, text="Diskon lain lagi", credit=0, actor=closing
        )
    assert exc.value.code == "closure.offer_pending"
    services.retention_offer_answer(offer_id=offer.pk, accept=False, actor=customer.user)
    with pytest.raises(services.Conflict):
        services.retention_offer_answer(offer_id=offer.pk, accept=True, actor=customer.user)
    closure.refresh_from_db()
    assert closure.status == "requested"
    services.closures_sweep(today=closure.end_date)
    with pytest.raises(services.Conflict) as exc:
        services.retention_offer_make(
            closure_id=closure.pk, text="Terlambat tapi coba", credit=0, actor=closing
        )
    assert exc.value.code == "closure.offer_too_late"
    assert RetentionOffer.objects.count() == 1


def test_processed_request_cannot_be_cancelled(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closure_process(closure_id=closure.pk, actor=closing)
    with pytest.raises(services.Conflict):
        services.closure_cancel(closure_id=closure.pk, actor=customer.user)
    closure.refresh_from_db()
    assert closure.status == "in_progress"


def test_monthly_run_after_the_end_bills_only_until_the_end(subscriber, closing):
    """A run between the end date and the settlement bills up to the end date only, and
    the final invoice then bills no service: every day once, none after the end."""
    from ispcare.billing.run import period_bill

    customer, sub = subscriber
    closure = _ended(sub, customer, closing)
    activated = timezone.localtime(sub.activated_at).date()
    start = period_of(activated)[0]
    expected = 0
    while start < closure.end_date:
        end = period_of(start)[1]
        period_bill(start=start, end=end, today=end, actor="billing run")
        first, last = max(start, activated), min(end, closure.end_date)
        expected += prorate(sub.plan.monthly_price, (last - first).days, (end - start).days)
        start = end
    monthly = list(Invoice.objects.filter(subscription=sub, kind="monthly"))
    assert monthly and sum(i.subtotal for i in monthly) == expected
    services.closure_settle(closure_id=closure.pk, actor=closing)
    final = Invoice.objects.get(subscription=sub, kind="final")
    assert final.subtotal == 0 and final.period_end is None


def test_an_ended_subscription_cannot_change_plan(subscriber, closing):
    from ispcare.customers.models import Plan
    from ispcare.customers.services import subscription_plan_change

    customer, sub = subscriber
    closure = _ended(sub, customer, closing)
    other = Plan.objects.create(
        code="cepat-50",
        name="Cepat 50",
        speed_mbps=50,
        monthly_price=350_000,
        installation_fee=250_000,
        deposit=300_000,
        radius_profile="cepat-50",
    )
    with pytest.raises(services.Conflict) as exc:
        subscription_plan_change(subscription_id=sub.pk, plan_id=other.pk, actor=closing)
    assert exc.value.code == "subscription.closed"
    sub.refresh_from_db()
    assert sub.plan_id != other.pk and closure.status == "ended"
