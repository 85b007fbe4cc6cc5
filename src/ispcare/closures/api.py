"""API: termination requests, for staff: the closing team's queue, every step of a
closing and the equipment price list.

Thin: the services check and write; errors are {code, message, fields}; a request's status
changes only through its action endpoints (process, cancel, pickup, check-in, settle,
refund, write-off, close, offers and their answers). Each operation names the capability
its token needs.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from ispcare.accounts.api_auth import requires
from ispcare.accounts.roles import Role
from ispcare.common.api import AUTH_ERRORS, errors, field_names
from ispcare.common.errors import ValidationFailed
from ispcare.customers.choices import EquipmentKind
from ispcare.customers.models import Subscription
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder

from . import pricelist, services
from .api_out import detail_out, summary_out
from .api_schemas import (
    AnswerIn,
    CancelIn,
    CheckInIn,
    ClosureDetailOut,
    ClosureFilter,
    ClosureIn,
    ClosureListOut,
    NoteIn,
    OfferIn,
    OfferOut,
    PickupIn,
    PriceListIn,
    PriceOut,
    RefundIn,
    WriteOffIn,
)
from .choices import RequestChannel
from .models import Closure, EquipmentPrice, RetentionOffer

router = Router(tags=["Closing"])


def _closure(closure_id: int) -> Closure:
    return get_object_or_404(Closure, pk=closure_id)


# --- staff: the queue -----------------------------------------------------------------------


@router.get(
    "/closures",
    auth=requires("closures.view"),
    response={200: ClosureListOut, **errors(*AUTH_ERRORS, 422)},
    summary="List termination requests",
)
def closure_list(request, filters: Query[ClosureFilter]):
    """Termination requests by end date (earliest first), filtered by status, end date
    (`end_after` ≤ end date ≤ `end_before`) and customer number; page with `limit` and
    `offset`. Capability: `closures.view`."""
    rows = Closure.objects.select_related("customer").order_by("end_date", "id")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.end_before:
        rows = rows.filter(end_date__lte=filters.end_before)
    if filters.end_after:
        rows = rows.filter(end_date__gte=filters.end_after)
    number = filters.customer_number.strip()
    if number:
        rows = rows.filter(customer__number=number)
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": rows.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [summary_out(c) for c in page],
    }


@router.post(
    "/closures",
    auth=requires("closures.work"),
    response={201: ClosureDetailOut, **errors(*AUTH_ERRORS, 409, 422)},
    summary="File a termination request for a customer",
)
def closure_create(request, payload: ClosureIn):
    """A request taken by phone or at the counter (recorded with channel `api`); the
    customer gets the closing instructions at once. 409 `closure.already_open` when the
    subscription has an open request, `closure.not_terminable` when it cannot be ended (not
    installed yet, or already ended). Capability: `closures.work`."""
    if not Subscription.objects.filter(pk=payload.subscription_id).exists():
        raise ValidationFailed(
            _("Check the termination request."),
            fields={"subscription_id": [_("No such subscription.")]},
        )
    closure = services.closure_request(
        actor=request.auth, channel=RequestChannel.API, **payload.dict()
    )
    return Status(201, detail_out(closure.pk))


@router.get(
    "/closures/equipment-prices",
    auth=requires("closures.view"),
    response={200: list[PriceOut], **errors(*AUTH_ERRORS, 422)},
    summary="The equipment price list",
)
def prices_get(request):
    """What a device of each type costs the customer when it comes back damaged or not at
    all (a type not listed costs nothing). Capability: `closures.view`."""
    return list(EquipmentPrice.objects.order_by("kind"))


@router.put(
    "/closures/equipment-prices",
    auth=requires("closures.work"),
    response={200: list[PriceOut], **errors(*AUTH_ERRORS, 422)},
    summary="Replace the equipment price list",
)
def prices_put(request, payload: PriceListIn):
    """The whole list, each type at most once; a type left out is removed (costs
    nothing). Devices checked in keep the charge they got. Capability: `closures.work`."""
    seen: dict[str, int] = {}
    fields: dict[str, list] = {}
    for n, price in enumerate(payload.prices):
        if price.kind in seen:
            fields[f"prices.{n}.kind"] = [_("Each type once.")]
        seen[price.kind] = n
    if fields:
        raise ValidationFailed(_("Check the price list."), fields=fields)
    prices: dict[str, tuple[int, int] | None] = dict.fromkeys(EquipmentKind.values)
    prices.update({p.kind: (p.damaged_charge, p.missing_charge) for p in payload.prices})
    # The service names a field "<kind>_<damaged|missing>"; the request, prices.<n>.<field>.
    renames = {
        f"{kind}_{which}": f"prices.{n}.{which}_charge"
        for kind, n in seen.items()
        for which in ("damaged", "missing")
    }
    with field_names(**renames):
        pricelist.equipment_prices_set(prices=prices, actor=request.auth)
    return list(EquipmentPrice.objects.order_by("kind"))


@router.get(
    "/closures/{closure_id}",
    auth=requires("closures.view"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Get a termination request",
)
def closure_detail(request, closure_id: int):
    """One request with the devices still out and those checked in, the settlement and
    its refund, the retention offers, the pickup job and the actions possible now.
    Capability: `closures.view`."""
    _closure(closure_id)
    return detail_out(closure_id)


# --- staff: the steps -----------------------------------------------------------------------


@router.post(
    "/closures/{closure_id}/process",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Take a request in hand",
)
def closure_process(request, closure_id: int, payload: NoteIn | None = None):
    """The closing team took the request and explained the procedure; the customer can no
    longer cancel it. 409 `closure.illegal_transition` unless it is `requested`.
    Capability: `closures.work`."""
    _closure(closure_id)
    services.closure_process(
        closure_id=closure_id, actor=request.auth, note=payload.note if payload else ""
    )
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/cancel",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Cancel a request",
)
def closure_cancel(request, closure_id: int, payload: CancelIn | None = None):
    """Cancel a request not processed yet (the customer changed their mind). 409
    `closure.illegal_transition` once processed. Capability: `closures.work`."""
    _closure(closure_id)
    services.closure_cancel(
        closure_id=closure_id, actor=request.auth, reason=payload.reason if payload else ""
    )
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/pickup",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Schedule the equipment pickup",
)
def closure_pickup(request, closure_id: int, payload: PickupIn):
    """Send a technician to collect the equipment (a job on their phone queue); again
    moves the scheduled job. Processes a new request. 409 `closure.nothing_to_pick_up`,
    `closure.not_open`. Capability: `closures.work`."""
    _closure(closure_id)
    with field_names(technician="technician_id"):
        services.closure_pickup_schedule(
            closure_id=closure_id,
            technician_id=payload.technician_id,
            date=payload.date,
            actor=request.auth,
            note=payload.note.strip(),
        )
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/check-in",
    auth=requires("closures.check_in"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Check returned equipment in",
)
def closure_check_in(request, closure_id: int, payload: CheckInIn):
    """Devices back (or missing) with their condition, charged from the price list; the
    register follows, and a pickup job is done once nothing is left to collect. A
    technician checks in only on their own pickup jobs (others answer 404). 409
    `closure.not_open`. Capability: `closures.check_in`."""
    closures = Closure.objects.all()
    if request.auth.role == Role.TECHNICIAN:
        jobs = WorkOrder.objects.filter(
            kind=WorkOrderKind.PICKUP,
            status=WorkOrderStatus.SCHEDULED,
            technician=request.auth,
        ).values("subscription_id")
        closures = closures.filter(subscription_id__in=jobs)
    get_object_or_404(closures, pk=closure_id)
    conditions: dict[int, str] = {}
    for n, item in enumerate(payload.items):
        if item.equipment_id in conditions:
            raise ValidationFailed(
                _("Check the devices."),
                fields={f"items.{n}.equipment_id": [_("Each device once.")]},
            )
        conditions[item.equipment_id] = item.condition
    with field_names(equipment="items"):
        services.closure_check_in(
            closure_id=closure_id,
            conditions=conditions,
            via=payload.via,
            actor=request.auth,
            note=payload.note.strip(),
        )
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/settle",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Issue the settlement",
)
def closure_settle(request, closure_id: int):
    """After the end date, with every device back: the final invoice (prorated, with the
    equipment charges), the deposit applied, the statement frozen and sent; closes at once
    when nothing is left to pay or refund. 409 `closure.illegal_transition` before the end
    date, `closure.guard_failed` with equipment still out. Capability: `closures.work`."""
    _closure(closure_id)
    services.closure_settle(closure_id=closure_id, actor=request.auth)
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/refund",
    auth=requires("closures.refund"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Record the deposit refund",
)
def closure_refund(request, closure_id: int, payload: RefundIn):
    """The refund paid out: exactly the deposit left plus unused credit (422 on `amount`
    otherwise). 409 `closure.not_settled`, `closure.refund_paid`, `duplicate` for a
    reference already recorded. Capability: `closures.refund`."""
    _closure(closure_id)
    services.closure_refund(
        closure_id=closure_id,
        amount=payload.amount,
        method=payload.method,
        reference=payload.reference,
        actor=request.auth,
        note=payload.note.strip(),
    )
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/write-off",
    auth=requires("closures.write_off"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Write off what is still owed",
)
def closure_write_off(request, closure_id: int, payload: WriteOffIn):
    """A manager writes off the balance a settled customer still owes, with a reason; the
    request closes when nothing else is pending. 409 `closure.not_settled`,
    `closure.nothing_owed`. Capability: `closures.write_off`."""
    _closure(closure_id)
    services.closure_write_off(closure_id=closure_id, reason=payload.reason, actor=request.auth)
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/close",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Close the request",
)
def closure_close(request, closure_id: int):
    """Close a settled request: every device back, nothing owed, the refund paid (this
    also happens by itself). 409 `closure.illegal_transition` unless settled,
    `closure.guard_failed` while something is pending. Capability: `closures.work`."""
    _closure(closure_id)
    services.closure_close(closure_id=closure_id, actor=request.auth)
    return detail_out(closure_id)


@router.post(
    "/closures/{closure_id}/offers",
    auth=requires("closures.work"),
    response={201: OfferOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Make a retention offer",
)
def offer_make(request, closure_id: int, payload: OfferIn):
    """A reason to stay (a discount, an upgrade, a credit); the customer answers in the
    portal, or staff record the answer. 409 `closure.offer_too_late` once the service
    ended, `closure.offer_pending` while another waits. Capability: `closures.work`."""
    _closure(closure_id)
    offer = services.retention_offer_make(
        closure_id=closure_id, text=payload.text, credit=payload.credit, actor=request.auth
    )
    return Status(201, offer)


@router.post(
    "/closures/{closure_id}/offers/{offer_id}/answer",
    auth=requires("closures.work"),
    response={200: ClosureDetailOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Record the customer's answer to an offer",
)
def offer_answer(request, closure_id: int, offer_id: int, payload: AnswerIn):
    """Accepting withdraws the request (the pickup is called off, the credit goes on the
    next invoice); declining lets the closing go on. 409 `closure.offer_answered`,
    `closure.illegal_transition` when it can no longer be withdrawn.
    Capability: `closures.work`."""
    get_object_or_404(RetentionOffer, pk=offer_id, closure_id=closure_id)
    services.retention_offer_answer(offer_id=offer_id, accept=payload.accept, actor=request.auth)
    return detail_out(closure_id)
