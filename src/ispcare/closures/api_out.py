"""The closing API's answers, built from the models (read only): a request as staff see
it and as its customer sees it."""

from __future__ import annotations

from ispcare.customers.choices import EquipmentStatus
from ispcare.customers.models import Equipment
from ispcare.workorders.choices import WorkOrderKind
from ispcare.workorders.models import WorkOrder

from .choices import ClosureStatus
from .lifecycle import MACHINE, equipment_out
from .models import Closure

# The lifecycle actions the API offers (withdraw and end happen through an offer and the
# end-date job).
ACTIONS = ("process", "cancel", "settle", "close")


def _pickup(closure: Closure) -> WorkOrder | None:
    return (
        WorkOrder.objects.select_related("technician")
        .filter(
            subscription_id=closure.subscription_id,
            kind=WorkOrderKind.PICKUP,
            created_at__gte=closure.created_at,
        )
        .order_by("-id")
        .first()
    )


def _settlement(closure: Closure) -> dict | None:
    s = getattr(closure, "settlement", None)
    if s is None:
        return None
    refund = s.refund
    return {
        "deposit_held": s.deposit_held,
        "final_invoice_id": s.final_invoice_id,
        "final_invoice_number": s.final_invoice.number if s.final_invoice_id else "",
        "service_charge": s.service_charge,
        "equipment_charges": s.equipment_charges,
        "owed": s.owed,
        "deposit_applied": s.deposit_applied,
        "credit": s.credit,
        "refund_due": s.refund_due,
        "balance_left": s.balance_left,
        "refund": refund,
        "created_at": s.created_at,
    }


def closure_load(closure_id: int) -> Closure:
    return Closure.objects.select_related(
        "customer", "settlement__final_invoice", "settlement__refund"
    ).get(pk=closure_id)


def summary_out(c: Closure) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "status": c.status,
        "customer_id": c.customer_id,
        "customer_number": c.customer.number,
        "subscription_id": c.subscription_id,
        "end_date": c.end_date,
        "reason": c.reason,
        "reason_text": c.reason_text,
        "channel": c.channel,
        "return_method": c.return_method,
        "created_at": c.created_at,
        "processed_at": c.processed_at,
        "ended_at": c.ended_at,
        "settled_at": c.settled_at,
        "closed_at": c.closed_at,
        "cancelled_at": c.cancelled_at,
    }


def _items(c: Closure) -> list:
    return list(c.items.select_related("equipment").order_by("checked_in_at", "id"))


def _devices_out(c: Closure):
    return Equipment.objects.filter(
        subscription_id=c.subscription_id, status=EquipmentStatus.INSTALLED
    ).order_by("serial")


def detail_out(closure_id: int) -> dict:
    c = closure_load(closure_id)
    job = _pickup(c)
    return {
        **summary_out(c),
        "customer_name": c.customer.full_name,
        "refund_bank": c.refund_bank,
        "refund_account_number": c.refund_account_number,
        "refund_account_name": c.refund_account_name,
        "cancel_reason": c.cancel_reason,
        "written_off": c.written_off,
        "write_off_reason": c.write_off_reason,
        "actions": [a for a in ACTIONS if MACHINE.allowed(c, a, c.status)],
        "equipment_out": [
            {"equipment_id": e.pk, "serial": e.serial, "kind": e.kind} for e in _devices_out(c)
        ],
        "items": [
            {
                "equipment_id": i.equipment_id,
                "serial": i.equipment.serial,
                "kind": i.equipment.kind,
                "condition": i.condition,
                "charge": i.charge,
                "via": i.via,
                "work_order_id": i.work_order_id,
                "note": i.note,
                "checked_in_by_id": i.checked_in_by_id,
                "checked_in_at": i.checked_in_at,
            }
            for i in _items(c)
        ],
        "settlement": _settlement(c),
        "offers": list(c.offers.order_by("made_at", "id")),
        "pickup": None
        if job is None
        else {
            "id": job.pk,
            "status": job.status,
            "scheduled_date": job.scheduled_date,
            "technician_id": job.technician_id,
            "technician": job.technician.get_full_name() or job.technician.username,
            "completed_at": job.completed_at,
        },
    }


def my_out(c: Closure) -> dict:
    job = _pickup(c)
    return {
        "id": c.pk,
        "number": c.number,
        "status": c.status,
        "subscription_id": c.subscription_id,
        "end_date": c.end_date,
        "reason": c.reason,
        "reason_text": c.reason_text,
        "return_method": c.return_method,
        "refund_bank": c.refund_bank,
        "refund_account_number": c.refund_account_number,
        "refund_account_name": c.refund_account_name,
        "created_at": c.created_at,
        "processed_at": c.processed_at,
        "ended_at": c.ended_at,
        "settled_at": c.settled_at,
        "closed_at": c.closed_at,
        "cancelled_at": c.cancelled_at,
        "can_cancel": c.status == ClosureStatus.REQUESTED,
        "equipment_out": equipment_out(c),
        "items": [
            {
                "serial": i.equipment.serial,
                "kind": i.equipment.kind,
                "condition": i.condition,
                "charge": i.charge,
                "via": i.via,
                "checked_in_at": i.checked_in_at,
            }
            for i in _items(c)
        ],
        "settlement": _settlement(c),
        "offers": list(c.offers.order_by("made_at", "id")),
        "pickup": None
        if job is None
        else {"status": job.status, "scheduled_date": job.scheduled_date},
    }
