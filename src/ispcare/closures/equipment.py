"""The ISP's equipment coming back at closing: a pickup on a technician's queue, and each
device checked in as good, damaged or missing, priced from the list (decision 0018)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.customers.choices import EquipmentCondition, EquipmentStatus, EventKind
from ispcare.customers.models import Equipment
from ispcare.customers.services import equipment_return
from ispcare.workorders import services as workorders
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder

from . import notices
from .choices import ClosureStatus, ReturnMethod
from .lifecycle import closure_event, closure_locked, closure_move
from .models import Closure, EquipmentPrice, ReturnItem


def _process_if_new(closure: Closure, actor: Any) -> None:
    if closure.status == ClosureStatus.REQUESTED:
        closure_move(closure, "process", actor=actor)
        closure_event(closure, EventKind.CLOSURE_PROCESSED, actor)


def _check_in_allowed(closure: Closure) -> None:
    if closure.status not in (
        ClosureStatus.REQUESTED,
        ClosureStatus.IN_PROGRESS,
        ClosureStatus.ENDED,
    ):
        raise Conflict(
            _("This request is %(status)s: nothing more can be done on it.")
            % {"status": closure.get_status_display().lower()},
            code="closure.not_open",
        )


def closure_pickup_schedule(
    *, closure_id: int, technician_id: int, date: dt.date, actor: Any, note: str = ""
) -> WorkOrder:
    """Send a technician to collect the equipment (on the technician's phone queue)."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _check_in_allowed(closure)
        if not closure.customer_id or not _equipment_at(closure):
            raise Conflict(
                _("No equipment is left at the customer's to pick up."),
                code="closure.nothing_to_pick_up",
            )
        _process_if_new(closure, actor)
        order = workorders.pickup_schedule(
            subscription_id=closure.subscription_id,
            technician_id=technician_id,
            date=date,
            note=note
            or str(_("Collect the equipment for termination %(n)s") % {"n": closure.number}),
            actor=actor,
        )
        if closure.return_method != ReturnMethod.PICKUP:
            closure.return_method = ReturnMethod.PICKUP
            closure.save(update_fields=["return_method", "updated_at"])
        notices.closure_notify(closure, "closure_pickup", pickup=order)
    return order


def _equipment_at(closure: Closure) -> list[Equipment]:
    return list(
        Equipment.objects.filter(
            subscription_id=closure.subscription_id, status=EquipmentStatus.INSTALLED
        ).order_by("serial")
    )


def _charges(items: list[Equipment], conditions: dict[int, str]) -> dict[int, int]:
    prices = {p.kind: p for p in EquipmentPrice.objects.all()}
    out = {}
    for e in items:
        price = prices.get(e.kind)
        condition = conditions[e.pk]
        if condition == EquipmentCondition.GOOD or price is None:
            out[e.pk] = 0
        elif condition == EquipmentCondition.DAMAGED:
            out[e.pk] = price.damaged_charge
        else:
            out[e.pk] = price.missing_charge
    return out


def closure_check_in(
    *,
    closure_id: int,
    conditions: dict[int, str],
    via: str,
    actor: Any,
    note: str = "",
) -> list[ReturnItem]:
    """Check devices in with their condition (good / damaged / missing), priced from the
    list; the register follows. A pickup job is done when nothing is left to collect."""
    if via not in ReturnMethod.values:
        raise ValidationFailed(
            _("Say how the equipment came back."),
            fields={"via": [_("Say how the equipment came back.")]},
        )
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _check_in_allowed(closure)
        at_customer = {e.pk: e for e in _equipment_at(closure)}
        unknown = [pk for pk in conditions if pk not in at_customer]
        if unknown or not conditions:
            raise ValidationFailed(
                _("Check in the devices still at the customer's."),
                fields={"equipment": [_("Check in the devices still at the customer's.")]},
            )
        equipment_return(
            subscription_id=closure.subscription_id, conditions=conditions, actor=actor
        )
        _process_if_new(closure, actor)
        items = [at_customer[pk] for pk in conditions]
        charges = _charges(items, conditions)
        job = WorkOrder.objects.filter(
            subscription_id=closure.subscription_id,
            kind=WorkOrderKind.PICKUP,
            status=WorkOrderStatus.SCHEDULED,
        ).first()
        now = timezone.now()
        rows = ReturnItem.objects.bulk_create(
            ReturnItem(
                closure=closure,
                equipment=e,
                condition=conditions[e.pk],
                charge=charges[e.pk],
                via=via,
                work_order=job if via == ReturnMethod.PICKUP else None,
                note=(note or "")[:200],
                checked_in_by=actor if hasattr(actor, "pk") else None,
                checked_in_at=now,
            )
            for e in items
        )
        if job is not None and not _equipment_at(closure):
            if via == ReturnMethod.PICKUP:
                workorders.pickup_complete(work_order_id=job.pk, result=note, actor=actor)
            else:
                workorders.pickup_cancel(
                    subscription_id=closure.subscription_id,
                    reason=str(_("The customer brought the equipment to the office.")),
                )
    return rows
