"""installation_schedule and installation_complete: all or nothing, with clear refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.choices import InvoiceKind, InvoiceStatus
from ispcare.billing.models import Invoice, Payment
from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.customers.choices import EquipmentStatus, EventKind, SubscriptionState
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Equipment, Subscription
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder
from ispcare.workorders.selectors import jobs_for_technician
from ispcare.workorders.services import installation_complete, installation_schedule
from tests import factories
from tests.factories import row_counts

pytestmark = pytest.mark.django_db


def _schedule(onboarding, sub, date=None, technician=None):
    return installation_schedule(
        subscription_id=sub.pk,
        date=date or timezone.localdate(),
        technician_id=(technician or onboarding.technician).pk,
        actor=onboarding.registration,
    )


# --- Scheduling ------------------------------------------------------------------------------


def test_schedule_creates_the_job_and_the_initial_payment_invoice(onboarding):
    _, sub = onboarding.approved()
    date = timezone.localdate() + dt.timedelta(days=2)
    order = _schedule(onboarding, sub, date)
    assert (order.kind, order.status) == (WorkOrderKind.INSTALLATION, WorkOrderStatus.SCHEDULED)
    assert order.scheduled_date == date and order.technician == onboarding.technician
    invoice = Invoice.objects.get(subscription=sub, kind=InvoiceKind.INSTALLATION)
    assert invoice.amount == sub.plan.installation_fee and invoice.due_date == date
    event = sub.events.get(kind=EventKind.INSTALLATION_SCHEDULED)
    assert event.data["date"] == date.isoformat() and event.data["work_order"] == order.pk


def test_rescheduling_moves_the_same_job_and_keeps_one_invoice(onboarding, staff):
    _, sub = onboarding.approved()
    first = _schedule(onboarding, sub)
    other = staff(Role.TECHNICIAN)
    later = timezone.localdate() + dt.timedelta(days=5)
    second = _schedule(onboarding, sub, later, other)
    assert second.pk == first.pk
    assert WorkOrder.objects.get(pk=first.pk).scheduled_date == later
    assert WorkOrder.objects.get(pk=first.pk).technician == other
    assert Invoice.objects.filter(subscription=sub).count() == 1
    assert sub.events.filter(kind=EventKind.INSTALLATION_SCHEDULED).count() == 2


def test_schedule_in_the_past_is_refused(onboarding):
    _, sub = onboarding.approved()
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _schedule(onboarding, sub, timezone.localdate() - dt.timedelta(days=1))
    assert set(exc.value.fields) == {"date"}
    assert row_counts() == before


@pytest.mark.parametrize("role", [Role.FINANCE, Role.REGISTRATION, Role.CUSTOMER, Role.MANAGER])
def test_schedule_with_someone_who_is_not_a_technician_is_refused(onboarding, staff, role):
    _, sub = onboarding.approved()
    person = staff(role)
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _schedule(onboarding, sub, technician=person)
    assert set(exc.value.fields) == {"technician"}
    assert row_counts() == before


def test_schedule_with_an_inactive_technician_is_refused(onboarding, staff):
    _, sub = onboarding.approved()
    gone = staff(Role.TECHNICIAN, is_active=False)
    with pytest.raises(ValidationFailed):
        _schedule(onboarding, sub, technician=gone)
    assert not WorkOrder.objects.exists()


def test_schedule_after_installation_is_a_conflict(onboarding):
    _, sub = onboarding.installed()
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _schedule(onboarding, sub)
    assert exc.value.code == "installation.not_pending"
    assert row_counts() == before


def test_customer_is_told_date_and_initial_payment(onboarding, django_capture_on_commit_callbacks):
    _, sub = onboarding.approved()
    date = timezone.localdate() + dt.timedelta(days=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _schedule(onboarding, sub, date)
    (told,) = [m for m in mail.outbox if m.subject.startswith("Pemasangan dijadwalkan")]
    assert str(date.day) in told.subject
    assert "Rp 250.000" in told.body  # the plan's installation fee


# --- Completing an installation ------------------------------------------------------------


@pytest.fixture
def job(onboarding):
    """A scheduled installation, a device in stock, and a snapshot to compare with."""
    customer, sub, order = onboarding.scheduled()
    device = factories.equipment()

    class Job:
        pass

    j = Job()
    j.customer, j.sub, j.order, j.device = customer, sub, order, device
    j.fee = sub.plan.installation_fee
    return j


def _complete(onboarding, job, **overrides):
    kwargs = {
        "work_order_id": job.order.pk,
        "actor": onboarding.technician,
        "serials": [job.device.serial],
        "amount": job.fee,
        "method": "cash",
        "receipt_number": "KW-0001",
    }
    kwargs.update(overrides)
    return installation_complete(**kwargs)


def _assert_untouched(job, before):
    """Nothing half-written: counts equal, device in stock, no payment, states unchanged."""
    assert row_counts() == before
    device = Equipment.objects.get(pk=job.device.pk)
    assert device.status == EquipmentStatus.IN_STOCK and device.subscription is None
    assert not Payment.objects.filter(invoice__subscription=job.sub).exists()
    assert Subscription.objects.get(pk=job.sub.pk).state == SubscriptionState.PENDING_INSTALLATION
    order = WorkOrder.objects.get(pk=job.order.pk)
    assert order.status == job.order.status and order.completed_at is None
    installation = Invoice.objects.get(subscription=job.sub, kind=InvoiceKind.INSTALLATION)
    assert installation.status == InvoiceStatus.ISSUED and installation.amount_paid == 0
    assert not Invoice.objects.filter(subscription=job.sub, kind=InvoiceKind.DEPOSIT).exists()


def test_complete_does_everything_in_one_go(onboarding, job, settings):
    order = _complete(onboarding, job, result="ONT on the wall, signal -19 dBm")
    assert order.status == WorkOrderStatus.COMPLETED and order.completed_at is not None
    device = Equipment.objects.get(pk=job.device.pk)
    assert device.status == EquipmentStatus.INSTALLED and device.subscription_id == job.sub.pk
    assert device.installed_at is not None
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.reference) == (job.fee, "cash", "KW-0001")
    assert payment.received_by == onboarding.technician
    sub = Subscription.objects.get(pk=job.sub.pk)
    assert sub.state == SubscriptionState.AWAITING_DEPOSIT and sub.installed_at is not None
    invoices = {i.kind: i for i in Invoice.objects.filter(subscription=sub)}
    assert invoices[InvoiceKind.INSTALLATION].status == InvoiceStatus.PAID
    deposit = invoices[InvoiceKind.DEPOSIT]
    assert deposit.amount == sub.plan.deposit and deposit.status == InvoiceStatus.ISSUED
    assert deposit.due_date == timezone.localdate() + dt.timedelta(days=settings.DEPOSIT_DUE_DAYS)
    kinds = list(sub.events.values_list("kind", flat=True))
    for kind in (
        EventKind.EQUIPMENT_INSTALLED,
        EventKind.PAYMENT_RECORDED,
        EventKind.STATE_CHANGED,
        EventKind.INVOICE_ISSUED,
        EventKind.INSTALLATION_COMPLETED,
    ):
        assert kind in kinds


def test_complete_tells_the_customer_the_deposit_invoice(
    onboarding, job, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _complete(onboarding, job)
    deposit = Invoice.objects.get(subscription=job.sub, kind=InvoiceKind.DEPOSIT)
    assert [m.to for m in mail.outbox if deposit.number in m.subject] == [[job.customer.email]]


@pytest.mark.parametrize("amount", [0, 249_999, 250_001, 500_000])
def test_wrong_initial_payment_is_refused(onboarding, job, amount):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _complete(onboarding, job, amount=amount)
    assert set(exc.value.fields) == {"amount"}
    _assert_untouched(job, before)


@pytest.mark.parametrize("serials", [["NOPE-123"], [], None])
def test_unknown_or_missing_serial_is_refused(onboarding, job, serials):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _complete(onboarding, job, serials=serials if serials is not None else [])
    assert set(exc.value.fields) == {"equipment"}
    _assert_untouched(job, before)


def test_one_unknown_serial_among_good_ones_refuses_all(onboarding, job):
    before = row_counts()
    with pytest.raises(ValidationFailed):
        _complete(onboarding, job, serials=[job.device.serial, "NOPE-123"])
    _assert_untouched(job, before)


def test_serial_installed_elsewhere_is_refused(onboarding, job):
    _other_customer, other_sub = onboarding.installed()
    taken = other_sub.equipment.get()
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        _complete(onboarding, job, serials=[taken.serial])
    assert "equipment" in exc.value.fields
    _assert_untouched(job, before)
    assert Equipment.objects.get(pk=taken.pk).subscription_id == other_sub.pk


def test_returned_serial_is_refused(onboarding, job):
    Equipment.objects.filter(pk=job.device.pk).update(status=EquipmentStatus.RETURNED)
    with pytest.raises(ValidationFailed):
        _complete(onboarding, job)
    assert not Payment.objects.exists()
    assert Subscription.objects.get(pk=job.sub.pk).state == SubscriptionState.PENDING_INSTALLATION


def test_receipt_number_already_used_refuses_and_keeps_the_device_in_stock(onboarding, job):
    _, other_sub = onboarding.installed()
    used = Payment.objects.get(invoice__subscription=other_sub).reference
    before = row_counts()
    with pytest.raises(Duplicate) as exc:
        _complete(onboarding, job, receipt_number=used)
    assert set(exc.value.fields) == {"reference"}
    _assert_untouched(job, before)


def test_missing_receipt_number_is_refused(onboarding, job):
    before = row_counts()
    with pytest.raises(ValidationFailed):
        _complete(onboarding, job, receipt_number="  ")
    _assert_untouched(job, before)


def test_completing_twice_is_a_conflict_and_changes_nothing(onboarding, job):
    _complete(onboarding, job)
    second = factories.equipment()
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _complete(onboarding, job, serials=[second.serial], receipt_number="KW-0002")
    assert exc.value.code == "work_order.not_open"
    assert row_counts() == before
    assert Equipment.objects.get(pk=second.pk).status == EquipmentStatus.IN_STOCK
    assert Payment.objects.count() == 1


def test_cancelled_work_order_cannot_be_completed(onboarding, job):
    WorkOrder.objects.filter(pk=job.order.pk).update(status=WorkOrderStatus.CANCELLED)
    job.order.refresh_from_db()
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _complete(onboarding, job)
    assert exc.value.code == "work_order.not_open"
    _assert_untouched(job, before)


def test_repair_visit_cannot_be_completed_as_an_installation(onboarding, job):
    WorkOrder.objects.filter(pk=job.order.pk).update(kind=WorkOrderKind.REPAIR)
    job.order.refresh_from_db()
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _complete(onboarding, job)
    assert exc.value.code == "work_order.not_open"
    _assert_untouched(job, before)


def test_subscription_cancelled_after_scheduling_refuses_and_rolls_everything_back(onboarding, job):
    subscription_transition(subscription_id=job.sub.pk, action="cancel", actor=None)
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        _complete(onboarding, job)
    assert exc.value.code == "subscription.illegal_transition"
    assert row_counts() == before
    assert Equipment.objects.get(pk=job.device.pk).status == EquipmentStatus.IN_STOCK
    assert not Payment.objects.exists()


def test_cancel_before_installation_closes_the_job_and_voids_the_unpaid_fee(onboarding):
    from ispcare.billing.models import Invoice
    from ispcare.workorders.services import installation_cancel

    customer, sub, order = onboarding.scheduled()
    installation_cancel(
        subscription_id=sub.pk, actor=onboarding.registration, reason="Pindah rumah"
    )
    order.refresh_from_db()
    sub.refresh_from_db()
    assert order.status == "cancelled" and sub.state == "cancelled"
    assert Invoice.objects.get(subscription=sub, kind="installation").status == "void"
    assert customer.events.filter(kind="invoice_voided", reason="Pindah rumah").count() == 1
    assert not list(
        jobs_for_technician(technician_id=onboarding.technician.pk, day=order.scheduled_date)
    )


def test_cancel_after_installation_is_refused_and_changes_nothing(onboarding):
    from ispcare.common.errors import Conflict
    from ispcare.workorders.services import installation_cancel

    _customer, sub = onboarding.installed()
    with pytest.raises(Conflict):
        installation_cancel(
            subscription_id=sub.pk, actor=onboarding.registration, reason="Pindah rumah"
        )
    sub.refresh_from_db()
    assert sub.state == "awaiting_deposit"
    assert sub.work_orders.get().status == "completed"


def test_completion_records_where_the_subscriber_hangs_and_tells_the_network(job, settings):
    from ispcare.network.models import SubscriberAccess
    from tests.network.support import nas

    router_nas = nas("10.10.0.1")
    from ispcare.network.models import Node

    olt = Node.objects.create(name="OLT Caturtunggal", kind="olt", parent=router_nas.node)
    installation_complete(
        work_order_id=job.order.pk,
        actor=job.order.technician,
        serials=[job.device.serial],
        amount=job.sub.plan.installation_fee,
        method="cash",
        receipt_number="KW-NODE-1",
        node_id=olt.pk,
    )
    job.sub.refresh_from_db()
    assert job.sub.node == olt
    access = SubscriberAccess.objects.get(username=job.sub.pppoe_username)
    assert access.state == "isolated" and access.nas == router_nas  # the NAS above the OLT


def test_completion_with_an_unknown_node_is_refused_and_changes_nothing(job):
    from ispcare.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        installation_complete(
            work_order_id=job.order.pk,
            actor=job.order.technician,
            serials=[job.device.serial],
            amount=job.sub.plan.installation_fee,
            method="cash",
            receipt_number="KW-NODE-2",
            node_id=987654,
        )
    assert "node" in exc.value.fields
    job.sub.refresh_from_db()
    assert job.sub.node is None and job.sub.state == "pending_installation"
