"""Schedule and complete technician jobs: installations (equipment, initial payment,
isolated until the deposit), repair visits, and equipment pickups at closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import Role
from ispcare.billing.services import (
    deposit_invoice_issue,
    installation_invoice_ensure,
    installation_invoice_void_unpaid,
    payment_record,
)
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.events import event_record
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Subscription
from ispcare.customers.services import equipment_install
from ispcare.network.models import Node

from .choices import WorkOrderKind, WorkOrderStatus
from .models import WorkOrder


def _technician(technician_id: int):
    tech = (
        get_user_model()
        .objects.filter(pk=technician_id, role=Role.TECHNICIAN, is_active=True)
        .first()
    )
    if tech is None:
        raise ValidationFailed(
            _("Choose a technician."), fields={"technician": [_("Choose a technician.")]}
        )
    return tech


def _open_job(work_order_id: int, kind: str, *related: str) -> WorkOrder:
    """The scheduled job of `kind`, locked; a finished or cancelled one is a Conflict."""
    order = WorkOrder.objects.select_for_update().select_related(*related).get(pk=work_order_id)
    if order.kind != kind or order.status != WorkOrderStatus.SCHEDULED:
        raise Conflict(
            _("This job is already %(status)s.") % {"status": order.get_status_display().lower()},
            code="work_order.not_open",
        )
    return order


def _mark_completed(order: WorkOrder, result: str) -> None:
    order.status, order.completed_at, order.result = (
        WorkOrderStatus.COMPLETED,
        timezone.now(),
        result,
    )
    order.save(update_fields=["status", "completed_at", "result", "updated_at"])


def installation_schedule(
    *, subscription_id: int, date: dt.date, technician_id: int, actor: Any
) -> WorkOrder:
    """Create (or move) the installation job and issue the initial-payment invoice."""
    if date < timezone.localdate():
        raise ValidationFailed(
            _("Choose today or a later date."),
            fields={"date": [_("Choose today or a later date.")]},
        )
    tech = _technician(technician_id)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .select_related("customer", "plan")
            .get(pk=subscription_id)
        )
        if sub.state != SubscriptionState.PENDING_INSTALLATION:
            raise Conflict(
                _("This subscription is already installed."), code="installation.not_pending"
            )
        order = WorkOrder.objects.filter(
            subscription=sub, kind=WorkOrderKind.INSTALLATION, status=WorkOrderStatus.SCHEDULED
        ).first()
        if order:
            order.scheduled_date, order.technician = date, tech
            order.save(update_fields=["scheduled_date", "technician", "updated_at"])
        else:
            order = WorkOrder.objects.create(
                kind=WorkOrderKind.INSTALLATION,
                customer=sub.customer,
                subscription=sub,
                scheduled_date=date,
                technician=tech,
            )
        installation_invoice_ensure(subscription=sub, due_date=date, actor=actor)
        event_record(
            customer=sub.customer,
            subscription=sub,
            kind=EventKind.INSTALLATION_SCHEDULED,
            actor=actor,
            data={
                "date": date.isoformat(),
                "technician": tech.get_full_name() or tech.username,
                "work_order": order.pk,
            },
        )
        _notify_scheduled(order.pk, date.isoformat())
    return order


def _notify_scheduled(work_order_id: int, date_iso: str) -> None:
    """Tell the customer the date, the technician and what to pay at installation."""
    from ispcare.customers.notices import customer_notify, plan_context

    order = WorkOrder.objects.select_related("customer", "subscription__plan", "technician").get(
        pk=work_order_id
    )
    customer_notify(
        customer=order.customer,
        template="installation_scheduled",
        context={
            "installation": {
                "date": order.scheduled_date,
                "technician": order.technician.get_full_name() if order.technician else "",
            },
            "plan": plan_context(order.subscription.plan),
        },
        key=f"work_order:{order.pk}:scheduled:{date_iso}",
    )


def installation_complete(
    *,
    work_order_id: int,
    actor: Any,
    serials: list[str],
    amount: int,
    method: str,
    receipt_number: str,
    result: str = "",
    node_id: int | None = None,
) -> WorkOrder:
    """In one transaction: equipment installed, initial payment, isolated, deposit invoice
    issued; `node_id` says where in the network the subscriber now hangs (OLT, AP)."""
    with transaction.atomic():
        order = _open_job(work_order_id, WorkOrderKind.INSTALLATION, "subscription__plan")
        invoice = installation_invoice_ensure(
            subscription=order.subscription, due_date=order.scheduled_date, actor=actor
        )
        if amount != invoice.balance:
            raise ValidationFailed(
                _("Check the initial payment."),
                fields={
                    "amount": [
                        _("The initial payment is %(due)s.")
                        % {"due": format_rupiah(invoice.balance)}
                    ]
                },
            )
        if node_id is not None:
            if not Node.objects.filter(pk=node_id).exists():
                raise ValidationFailed(
                    _("Check the network node."),
                    fields={"node": [_("Choose one of the network nodes.")]},
                )
            Subscription.objects.filter(pk=order.subscription_id).update(node_id=node_id)
        equipment_install(subscription_id=order.subscription_id, serials=serials, actor=actor)
        payment_record(
            invoice_id=invoice.pk,
            amount=amount,
            method=method,
            reference=receipt_number,
            actor=actor,
            note=str(_("Collected at installation")),
        )
        subscription_transition(
            subscription_id=order.subscription_id,
            action="complete_installation",
            actor=actor,
            reason=str(_("Installed; isolated until the deposit is paid")),
        )
        deposit_invoice_issue(subscription=order.subscription, actor=actor)
        _mark_completed(order, result)
        event_record(
            customer=order.customer,
            subscription=order.subscription,
            kind=EventKind.INSTALLATION_COMPLETED,
            actor=actor,
            data={"work_order": order.pk, "serials": serials, "receipt": receipt_number},
        )
    return order


def installation_cancel(*, subscription_id: int, actor: Any, reason: str) -> Subscription:
    """Cancel a subscription before installation: close its open job, void the unpaid
    installation invoice, then the lifecycle's `cancel`; all in one transaction."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_("Give the reason."), fields={"reason": [_("Give the reason.")]})
    with transaction.atomic():
        WorkOrder.objects.select_for_update().filter(
            subscription_id=subscription_id, status=WorkOrderStatus.SCHEDULED
        ).update(status=WorkOrderStatus.CANCELLED, result=reason[:1000], updated_at=timezone.now())
        sub = subscription_transition(
            subscription_id=subscription_id, action="cancel", actor=actor, reason=reason
        )
        installation_invoice_void_unpaid(subscription=sub, actor=actor, reason=reason)
    return sub


def _visit_book(
    *,
    subscription_id: int,
    kind: str,
    technician: Any,
    date: dt.date,
    note: str,
    event: str,
    actor: Any,
) -> WorkOrder:
    """Book (or move) the one open visit of `kind` at the subscriber: it lands on the
    technician's phone queue; what they go for is the job's problem/note."""
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .select_related("customer")
            .get(pk=subscription_id)
        )
        order, _created = WorkOrder.objects.update_or_create(
            subscription=sub,
            kind=kind,
            status=WorkOrderStatus.SCHEDULED,
            defaults={
                "customer": sub.customer,
                "scheduled_date": date,
                "technician": technician,
                "problem": note,
            },
        )
        event_record(
            customer=sub.customer,
            subscription=sub,
            kind=event,
            actor=actor,
            data={
                "date": date.isoformat(),
                "technician": technician.get_full_name() or technician.username,
                "work_order": order.pk,
            },
        )
    return order


def repair_schedule(
    *, subscription_id: int, technician_id: int, date: dt.date, problem: str, actor: Any
) -> WorkOrder:
    """Send a technician to the subscriber (the helpdesk's fault escalation): the repair
    visit lands on the technician's phone queue next to installations. A second call while
    a visit is still scheduled moves it (one open repair per subscription)."""
    problem = (problem or "").strip()
    fields: dict[str, list] = {}
    if date < timezone.localdate():
        fields["date"] = [_("Choose today or a later date.")]
    if len(problem) < 5:
        fields["problem"] = [_("Describe what the technician should look at.")]
    if fields:
        raise ValidationFailed(_("Check the visit."), fields=fields)
    return _visit_book(
        subscription_id=subscription_id,
        kind=WorkOrderKind.REPAIR,
        technician=_technician(technician_id),
        date=date,
        note=problem,
        event=EventKind.REPAIR_SCHEDULED,
        actor=actor,
    )


def repair_complete(*, work_order_id: int, result: str, actor: Any) -> WorkOrder:
    """Record what the technician found and did; the job leaves the queue."""
    result = (result or "").strip()
    if len(result) < 5:
        raise ValidationFailed(
            _("Describe what was found and done."),
            fields={"result": [_("Describe what was found and done.")]},
        )
    with transaction.atomic():
        order = _open_job(work_order_id, WorkOrderKind.REPAIR, "customer", "subscription")
        _mark_completed(order, result)
        event_record(
            customer=order.customer,
            subscription=order.subscription,
            kind=EventKind.REPAIR_COMPLETED,
            actor=actor,
            data={"work_order": order.pk},
        )
    return order


def pickup_schedule(
    *, subscription_id: int, technician_id: int, date: dt.date, note: str, actor: Any
) -> WorkOrder:
    """Send a technician to collect the ISP's equipment from a closing subscriber; a
    second call while a pickup is scheduled moves it (one open pickup per subscription)."""
    if date < timezone.localdate():
        raise ValidationFailed(
            _("Choose today or a later date."),
            fields={"date": [_("Choose today or a later date.")]},
        )
    return _visit_book(
        subscription_id=subscription_id,
        kind=WorkOrderKind.PICKUP,
        technician=_technician(technician_id),
        date=date,
        note=(note or "").strip(),
        event=EventKind.PICKUP_SCHEDULED,
        actor=actor,
    )


def pickup_complete(*, work_order_id: int, result: str, actor: Any) -> WorkOrder:
    """The technician is back with the equipment (checked in by the closing): the job
    leaves the queue."""
    with transaction.atomic():
        order = _open_job(work_order_id, WorkOrderKind.PICKUP)
        _mark_completed(order, (result or "").strip())
    return order


def pickup_cancel(*, subscription_id: int, reason: str) -> int:
    """The customer brought the equipment in, or stayed: no pickup any more."""
    return WorkOrder.objects.filter(
        subscription_id=subscription_id,
        kind=WorkOrderKind.PICKUP,
        status=WorkOrderStatus.SCHEDULED,
    ).update(status=WorkOrderStatus.CANCELLED, result=reason[:1000], updated_at=timezone.now())
