"""The closing from request to closed file, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.billing.models import Invoice, Payment, Refund
from ispcare.billing.services import open_balance, payment_record
from ispcare.closures import services
from ispcare.closures.models import Closure
from ispcare.customers.models import Equipment
from ispcare.network.models import SubscriberAccess
from ispcare.notifications.models import Notification
from ispcare.workorders.models import WorkOrder

from .support import request


def test_whole_closing_with_a_damaged_device(subscriber, closing, prices, onboarding):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    assert closure.status == "requested" and closure.number.startswith("TRM/")
    # The instructions went out at once, naming the device by serial.
    note = (
        Notification.objects.filter(template_key="closure_requested")
        .exclude(channel="inapp")
        .first()
    )
    assert note is not None and ont.serial in note.body

    order = services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate() + dt.timedelta(days=1),
        actor=closing,
    )
    assert order.kind == "pickup" and order.status == "scheduled"
    closure.refresh_from_db()
    assert closure.status == "in_progress"

    services.closure_check_in(
        closure_id=closure.pk,
        conditions={ont.pk: "damaged"},
        via="pickup",
        actor=onboarding.technician,
    )
    ont.refresh_from_db()
    order.refresh_from_db()
    assert ont.status == "damaged" and order.status == "completed"

    result = services.closures_sweep(today=closure.end_date)
    assert result["ended"] == 1
    sub.refresh_from_db()
    assert sub.state == "ended"
    assert SubscriberAccess.objects.get(username=sub.pppoe_username).state == "disabled"

    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    assert settlement.deposit_held == sub.plan.deposit
    assert settlement.equipment_charges == 300_000
    final = Invoice.objects.get(subscription=sub, kind="final")
    assert final.amount == settlement.service_charge + 300_000
    assert settlement.deposit_applied == min(sub.plan.deposit, settlement.owed)
    # The damage (300,000) plus a week of service is more than the deposit (300,000).
    assert settlement.deposit_applied == 300_000 and settlement.refund_due == 0
    assert settlement.balance_left == settlement.owed - 300_000 > 0
    assert open_balance(customer_id=customer.pk) == settlement.balance_left
    closure.refresh_from_db()
    assert closure.status == "settled"
    with pytest.raises(services.Conflict) as exc:
        services.closure_close(closure_id=closure.pk, actor=closing)
    assert exc.value.code == "closure.guard_failed"

    # The customer pays the rest; the next sweep closes the file.
    payment_record(
        customer_id=customer.pk,
        amount=settlement.balance_left,
        method="cash",
        reference="KW-LAST",
        actor=onboarding.finance,
    )
    assert services.closures_sweep(today=closure.end_date)["closed"] == 1
    closure.refresh_from_db()
    sub.refresh_from_db()
    assert closure.status == "closed" and sub.state == "closed"
    assert sub.closed_at.astimezone(timezone.get_default_timezone()).date() == closure.end_date


def test_good_return_refunds_the_rest_of_the_deposit(subscriber, closing, prices, onboarding):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user, return_method="dropoff")
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: "good"}, via="dropoff", actor=closing
    )
    ont.refresh_from_db()
    assert ont.status == "in_stock" and ont.subscription_id is None
    services.closures_sweep(today=closure.end_date)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    assert settlement.equipment_charges == 0
    assert settlement.refund_due == 300_000 - settlement.deposit_applied > 0
    with pytest.raises(services.ValidationFailed) as exc:
        services.closure_refund(
            closure_id=closure.pk,
            amount=settlement.refund_due + 1,
            method="bank_transfer",
            reference="TRF-REFUND-1",
            actor=closing,
        )
    assert "amount" in exc.value.fields
    assert not Refund.objects.exists()
    services.closure_refund(
        closure_id=closure.pk,
        amount=settlement.refund_due,
        method="bank_transfer",
        reference="TRF-REFUND-1",
        actor=closing,
    )
    closure.refresh_from_db()
    assert closure.status == "closed"
    refund = Refund.objects.get()
    assert refund.from_deposit == settlement.refund_due and refund.from_credit == 0
    assert open_balance(customer_id=customer.pk) == 0
    # Deposit application and refunds are not cash received.
    assert Payment.objects.filter(method="deposit").get().amount == settlement.deposit_applied


def test_second_open_request_is_refused(subscriber):
    customer, sub = subscriber
    request(sub, customer.user)
    with pytest.raises(services.Conflict) as exc:
        request(sub, customer.user)
    assert exc.value.code == "closure.already_open"
    assert Closure.objects.count() == 1


def test_end_date_in_the_past_changes_nothing(subscriber):
    customer, sub = subscriber
    with pytest.raises(services.ValidationFailed) as exc:
        request(sub, customer.user, days=-1)
    assert "end_date" in exc.value.fields
    assert not Closure.objects.exists()


def test_cancelled_request_takes_no_more_action(subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closure_cancel(closure_id=closure.pk, actor=customer.user)
    for act in (
        lambda: services.closure_process(closure_id=closure.pk, actor=closing),
        lambda: services.closure_pickup_schedule(
            closure_id=closure.pk,
            technician_id=onboarding.technician.pk,
            date=timezone.localdate(),
            actor=closing,
        ),
        lambda: services.closure_cancel(closure_id=closure.pk, actor=customer.user),
    ):
        with pytest.raises(services.Conflict):
            act()
    assert not WorkOrder.objects.filter(kind="pickup").exists()
    assert services.closures_sweep(today=closure.end_date)["ended"] == 0
    sub.refresh_from_db()
    assert sub.state == "active"


def test_settling_with_equipment_still_out_is_refused(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closures_sweep(today=closure.end_date)
    with pytest.raises(services.Conflict) as exc:
        services.closure_settle(closure_id=closure.pk, actor=closing)
    assert Equipment.objects.get(subscription=sub).serial in str(exc.value.message)
    closure.refresh_from_db()
    assert closure.status == "ended"
    assert not Invoice.objects.filter(kind="final").exists()


def test_accepted_offer_withdraws_the_request(subscriber, closing, onboarding):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    services.closure_pickup_schedule(
        closure_id=closure.pk,
        technician_id=onboarding.technician.pk,
        date=timezone.localdate(),
        actor=closing,
    )
    offer = services.retention_offer_make(
        closure_id=closure.pk, text="Diskon 50% dua bulan", credit=200_000, actor=closing
    )
    services.retention_offer_answer(offer_id=offer.pk, accept=True, actor=customer.user)
    closure.refresh_from_db()
    assert closure.status == "withdrawn"
    assert WorkOrder.objects.get(kind="pickup").status == "cancelled"
    assert customer.adjustments.get().amount == -200_000
    assert services.closures_sweep(today=closure.end_date)["ended"] == 0
    # A new request is possible again afterwards.
    assert request(sub, customer.user).status == "requested"


def test_write_off_is_for_managers_and_closes(subscriber, closing, manager, prices):
    customer, sub = subscriber
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, customer.user)
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: "missing"}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    assert settlement.balance_left > 0
    with pytest.raises(services.PermissionDenied):
        services.closure_write_off(
            closure_id=closure.pk, reason="Pelanggan pindah kota", actor=closing
        )
    services.closure_write_off(closure_id=closure.pk, reason="Pelanggan pindah kota", actor=manager)
    closure.refresh_from_db()
    assert closure.status == "closed" and closure.written_off == settlement.balance_left
    assert open_balance(customer_id=customer.pk) == 0
