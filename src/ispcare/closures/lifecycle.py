"""A termination request's life: one transition table, one function that performs it.

requested   --process-->  in_progress   (the closing team took it and explained it)
requested   --cancel-->   cancelled     (by the customer or staff, until processed)
requested/in_progress --withdraw--> withdrawn  (a retention offer was accepted)
requested/in_progress --end-->      ended      (the end date came: access disabled)
ended       --settle-->   settled       (every device back; final invoice, deposit)
settled     --close-->    closed        (refund paid, nothing owed: subscription closed)
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.statemachine import Machine, Transition
from ispcare.customers.choices import EquipmentStatus
from ispcare.customers.events import event_record
from ispcare.customers.models import Equipment

from .choices import ClosureStatus as C
from .models import Closure


def equipment_out(closure: Closure) -> list[str]:
    """Serials of the ISP's devices still at the customer's."""
    return list(
        Equipment.objects.filter(
            subscription_id=closure.subscription_id, status=EquipmentStatus.INSTALLED
        ).values_list("serial", flat=True)
    )


def _equipment_back(closure: Closure) -> str | None:
    out = equipment_out(closure)
    if out:
        return str(
            _("Equipment is still at the customer's: %(serials)s. Check it in first.")
            % {"serials": ", ".join(out)}
        )
    return None


def _settled_up(closure: Closure) -> str | None:
    from ispcare.billing.services import open_balance

    settlement = getattr(closure, "settlement", None)
    if settlement is None:
        return str(_("Issue the settlement first."))
    if open_balance(customer_id=closure.customer_id) > 0:
        return str(
            _("The customer still owes money: wait for the payment, or a manager writes it off.")
        )
    if settlement.refund_due and settlement.refund_id is None:
        return str(_("Pay the deposit refund first."))
    return None


def closable() -> QuerySet[Closure]:
    """Settled requests the close guards would let through, as one query (the same
    conditions as `_equipment_back` and `_settled_up`, kept beside them): no device
    installed, a settlement whose refund is paid or nothing due, and no open balance. The
    sweep locks only these; the guards still decide, under the lock."""
    from ispcare.billing.choices import OPEN_STATUSES as INVOICE_OPEN
    from ispcare.billing.models import Invoice

    devices_out = Equipment.objects.filter(
        subscription_id=OuterRef("subscription_id"), status=EquipmentStatus.INSTALLED
    )
    # billing.open_balance(customer) > 0, per customer.
    owing = (
        Invoice.objects.filter(customer_id=OuterRef("customer_id"), status__in=INVOICE_OPEN)
        .order_by()
        .values("customer_id")
        .annotate(left=Sum("amount") - Sum("amount_paid"))
        .filter(left__gt=0)
    )
    return Closure.objects.filter(
        Q(settlement__refund_due=0) | Q(settlement__refund__isnull=False),
        ~Exists(devices_out),
        ~Exists(owing),
        status=C.SETTLED,
    )


MACHINE = Machine(
    "closure",
    [
        Transition("process", frozenset({C.REQUESTED}), C.IN_PROGRESS, _("Process")),
        Transition("cancel", frozenset({C.REQUESTED}), C.CANCELLED, _("Cancel the request")),
        Transition("withdraw", frozenset({C.REQUESTED, C.IN_PROGRESS}), C.WITHDRAWN, _("Withdraw")),
        Transition("end", frozenset({C.REQUESTED, C.IN_PROGRESS}), C.ENDED, _("End the service")),
        Transition(
            "settle", frozenset({C.ENDED}), C.SETTLED, _("Issue the settlement"), (_equipment_back,)
        ),
        Transition(
            "close",
            frozenset({C.SETTLED}),
            C.CLOSED,
            _("Close"),
            (_equipment_back, _settled_up),
        ),
    ],
)

# The timestamp each target state sets.
_STAMP = {
    C.IN_PROGRESS: "processed_at",
    C.CANCELLED: "cancelled_at",
    C.ENDED: "ended_at",
    C.SETTLED: "settled_at",
    C.CLOSED: "closed_at",
}


def closure_locked(closure_id: int) -> Closure:
    return (
        Closure.objects.select_for_update()
        .select_related("customer", "subscription__plan")
        .get(pk=closure_id)
    )


def closure_move(closure: Closure, action: str, *, actor: Any, reason: str = "") -> Closure:
    """Perform `action` on a locked closure: check the table and guards, save. The caller
    (a service, in its transaction) writes the event and does the action's work."""
    transition = MACHINE.check(closure, action, closure.status)
    closure.status = transition.target
    fields = ["status", "updated_at"]
    stamp = _STAMP.get(transition.target)
    if stamp:
        setattr(closure, stamp, timezone.now())
        fields.append(stamp)
    if transition.target == C.IN_PROGRESS and hasattr(actor, "pk"):
        closure.processed_by = actor
        fields.append("processed_by")
    if transition.target == C.CANCELLED:
        closure.cancel_reason = reason[:200]
        fields.append("cancel_reason")
    closure.save(update_fields=fields)
    return closure


def closure_event(closure: Closure, kind: str, actor: Any, reason: str = "", **data: Any) -> None:
    """The customer's event row for a step of the closing (numbered by the request)."""
    event_record(
        customer=closure.customer,
        subscription=closure.subscription,
        kind=kind,
        actor=actor,
        reason=reason,
        data={"closure": closure.number, **data},
    )
