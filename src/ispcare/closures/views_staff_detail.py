"""One request's staff page and the actions on it. Each action posts to its own route
(each with its own capability); bad input re-renders the page with the form's field
errors (422), a refusal without fields (stale page, a finished request) becomes a
message and a redirect back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import DomainError, ValidationFailed
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import EventKind, SubscriptionState

from . import selectors, services
from .choices import OPEN_STATUSES, ClosureStatus
from .forms import (
    ConfirmForm,
    NoteForm,
    OfferAnswerForm,
    OfferForm,
    PickupForm,
    RefundForm,
    WriteOffForm,
)
from .lifecycle import MACHINE
from .models import Closure
from .views_staff import _closure, detail_url, not_open_message

# Service field names that differ from the forms'.
_FIELD_MAP = {"technician_id": "technician"}

# One request --------------------------------------------------------------------------

_STEPS = (
    ("requested", "created_at"),
    ("processed", "processed_at"),
    ("equipment", None),
    ("ended", "ended_at"),
    ("settled", "settled_at"),
    ("closed", "closed_at"),
)


def _step_labels() -> dict[str, str]:
    return {
        "requested": _("Requested"),
        "processed": _("Processed"),
        "equipment": _("Equipment back"),
        "ended": _("Service ended"),
        "settled": _("Settled"),
        "closed": _("Closed"),
    }


def _steps(closure: Closure, out: list, items: list) -> tuple[list[dict[str, Any]], int]:
    """The stepper: each stage done (with when), the first one not done is current."""
    labels = _step_labels()
    stopped = closure.status in (ClosureStatus.CANCELLED, ClosureStatus.WITHDRAWN)
    steps = []
    for key, stamp in _STEPS:
        if key == "equipment":
            done = not out and (bool(items) or closure.settled_at is not None)
            when = max((i.checked_in_at for i in items), default=None) if done else None
        else:
            when = getattr(closure, stamp)
            done = when is not None
        step = {"key": key, "label": labels[key], "done": done, "when": when}
        if key == "ended" and not done:
            step["planned"] = closure.end_date  # when the service will end
        steps.append(step)
    if not stopped:
        current = next((s for s in steps if not s["done"]), None)
        if current is not None:
            current["current"] = True
    percent = round(100 * sum(1 for s in steps if s["done"]) / len(steps))
    return steps, percent


_STATE_LABELS = dict(SubscriptionState.choices)


def _event_detail(e) -> str:
    d = e.data or {}
    parts: list[str] = []
    if e.kind == EventKind.CLOSURE_REQUESTED and d.get("end_date"):
        day = dt.date.fromisoformat(d["end_date"])
        parts.append(_("ends %(date)s") % {"date": formats.date_format(day, "j M Y")})
    elif e.kind == EventKind.PICKUP_SCHEDULED and d.get("date"):
        day = dt.date.fromisoformat(d["date"])
        parts += [formats.date_format(day, "D, j M Y"), d.get("technician", "")]
    elif e.kind == EventKind.SETTLEMENT_ISSUED:
        parts += [
            _("deposit %(amount)s") % {"amount": format_rupiah(d.get("deposit"))},
            _("refund %(amount)s") % {"amount": format_rupiah(d.get("refund"))},
            _("still owed %(amount)s") % {"amount": format_rupiah(d.get("owed"))},
        ]
    elif e.kind in (EventKind.RETENTION_OFFERED, EventKind.RETENTION_ACCEPTED) and d.get("credit"):
        parts.append(_("credit %(amount)s") % {"amount": format_rupiah(d["credit"])})
    elif "amount" in d and isinstance(d["amount"], int):
        parts += [d.get("invoice", ""), format_rupiah(d["amount"])]
    if d.get("closure") and not parts:
        parts.append(d["closure"])
    return " · ".join(p for p in parts if p)


def _describe(events: list) -> list:
    for e in events:
        e.from_label = _STATE_LABELS.get(e.from_state, e.from_state)
        e.to_label = _STATE_LABELS.get(e.to_state, e.to_state)
        e.detail = _event_detail(e)
    return events


def _page(request, closure: Closure, bound: dict[str, Any] | None = None, status: int = 200):
    user = request.user
    st = closure.status
    can_work = has_capability(user, "closures.work")
    can_check_in = has_capability(user, "closures.check_in")
    can_refund = has_capability(user, "closures.refund")
    can_write_off = has_capability(user, "closures.write_off")
    out = selectors.equipment_at_customer(closure)
    items = selectors.items_of(closure)
    offers = selectors.offers_of(closure)
    pending = selectors.pending_offer(offers)
    settlement = getattr(closure, "settlement", None)
    prices = selectors.prices_by_kind()
    for device in out:
        price = prices.get(device.kind)
        device.damaged_charge = selectors.charge_for(price, "damaged")
        device.missing_charge = selectors.charge_for(price, "missing")
    equipment_open = st in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS, ClosureStatus.ENDED)
    running = st in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS)
    due_now = selectors.refund_due_now(closure) if st == ClosureStatus.SETTLED else 0
    owed_now = selectors.balance_now(closure) if st == ClosureStatus.SETTLED else 0
    acts = {
        "process": can_work and MACHINE.allowed(closure, "process", st),
        "cancel": can_work and MACHINE.allowed(closure, "cancel", st),
        "pickup": can_work and equipment_open and bool(out),
        "check_in": can_check_in and equipment_open and bool(out),
        "settle": can_work and MACHINE.allowed(closure, "settle", st),
        "refund": can_refund
        and st == ClosureStatus.SETTLED
        and settlement is not None
        and settlement.refund_id is None
        and due_now > 0,
        "write_off": can_write_off and st == ClosureStatus.SETTLED and owed_now > 0,
        "close": can_work and MACHINE.allowed(closure, "close", st),
        "offer": can_work and running and pending is None,
        "offer_answer": can_work and running and pending is not None,
    }
    # Why settling is not possible yet (the guard's own words), for the team's eyes.
    settle_blocked = ""
    if can_work and st == ClosureStatus.ENDED and not acts["settle"]:
        transition = MACHINE.transitions["settle"]
        settle_blocked = next((r for r in (g(closure) for g in transition.guards) if r), "")
    pickup = selectors.pickup_of(closure)
    forms: dict[str, Any] = {
        "process": NoteForm(),
        "cancel": NoteForm(),
        "pickup": PickupForm(
            initial={
                "date": pickup.scheduled_date
                if pickup and pickup.status == "scheduled"
                else max(timezone.localdate(), closure.end_date)
            }
        ),
        "refund": RefundForm(initial={"amount": due_now}),
        "write_off": WriteOffForm(),
        "close": ConfirmForm(),
        "offer": OfferForm(),
        "offer_answer": OfferAnswerForm(),
        **(bound or {}),
    }
    steps, percent = _steps(closure, out, items)
    context = {
        "closure": closure,
        "customer": closure.customer,
        "sub": closure.subscription,
        "steps": steps,
        "percent": percent,
        "stopped": st in (ClosureStatus.CANCELLED, ClosureStatus.WITHDRAWN),
        "out": out,
        "items": items,
        "items_total": sum(i.charge for i in items),
        "pickup": pickup,
        "settlement": settlement,
        "offers": offers,
        "pending": pending,
        "events": _describe(selectors.events_of(closure)),
        "account": closure.refund_account_number
        if can_refund
        else selectors.mask_account(closure.refund_account_number),
        "acts": acts,
        # The side card holds these; offers and the pickup form live in their own cards.
        "side_acts": any(
            acts[a]
            for a in ("process", "cancel", "check_in", "settle", "refund", "write_off", "close")
        ),
        "settle_blocked": settle_blocked,
        "forms": forms,
        "due_now": due_now,
        "owed_now": owed_now,
        "today": timezone.localdate(),
        "days_left": (closure.end_date - timezone.localdate()).days,
        "can_view_billing": has_capability(user, "billing.view"),
        "can_check_in": can_check_in,
    }
    return render(request, "closures/staff/detail.html", context, status=status)


@capability_required("closures.view")
def closure_detail(request, pk: int):
    return _page(request, _closure(pk))


def _act(
    request,
    pk: int,
    key: str,
    form: Any,
    call: Callable[[Closure, dict], Any],
    done: Callable[[Any], str] | str,
    anchor: str = "",
):
    closure = _closure(pk)
    if closure.status not in OPEN_STATUSES:
        messages.error(request, not_open_message(closure))
        return redirect(detail_url(pk))
    if form.is_valid():
        try:
            result = call(closure, form.cleaned_data)
        except ValidationFailed as exc:
            errors_to_form(form, exc, field_map=_FIELD_MAP)
        except DomainError as exc:
            if exc.fields:
                errors_to_form(form, exc, field_map=_FIELD_MAP)
            else:  # a Conflict (stale page, a guard) or a refusal: say it, go back
                messages.error(request, str(exc.message))
                return redirect(detail_url(pk, anchor))
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(detail_url(pk, anchor))
    return _page(request, closure, bound={key: form}, status=422)


@require_POST
@capability_required("closures.work")
def closure_process(request, pk: int):
    return _act(
        request,
        pk,
        "process",
        NoteForm(request.POST),
        lambda c, d: services.closure_process(closure_id=c.pk, actor=request.user, note=d["note"]),
        _("Request processed: it can no longer be cancelled by the customer."),
    )


@require_POST
@capability_required("closures.work")
def closure_cancel(request, pk: int):
    """The customer phoned to say they stay, before the request was processed."""
    return _act(
        request,
        pk,
        "cancel",
        NoteForm(request.POST),
        lambda c, d: services.closure_cancel(closure_id=c.pk, actor=request.user, reason=d["note"]),
        _("Request cancelled: the service goes on; the customer is told."),
    )


@require_POST
@capability_required("closures.work")
def closure_pickup(request, pk: int):
    def done(order) -> str:
        tech = order.technician
        return _("Pickup scheduled on %(date)s with %(technician)s; the customer is told.") % {
            "date": formats.date_format(order.scheduled_date, "l, j F Y"),
            "technician": tech.get_full_name() or tech.username,
        }

    return _act(
        request,
        pk,
        "pickup",
        PickupForm(request.POST),
        lambda c, d: services.closure_pickup_schedule(
            closure_id=c.pk,
            technician_id=d["technician"].pk,
            date=d["date"],
            actor=request.user,
            note=d["note"],
        ),
        done,
        "#pickup",
    )


@require_POST
@capability_required("closures.refund")
def closure_refund(request, pk: int):
    return _act(
        request,
        pk,
        "refund",
        RefundForm(request.POST),
        lambda c, d: services.closure_refund(
            closure_id=c.pk,
            amount=d["amount"],
            method=d["method"],
            reference=d["reference"],
            actor=request.user,
            note=d["note"],
        ),
        _("Refund recorded; the customer is told."),
        "#settlement",
    )


@require_POST
@capability_required("closures.write_off")
def closure_write_off(request, pk: int):
    return _act(
        request,
        pk,
        "write_off",
        WriteOffForm(request.POST),
        lambda c, d: services.closure_write_off(
            closure_id=c.pk, reason=d["reason"], actor=request.user
        ),
        lambda c: _("%(amount)s written off.") % {"amount": format_rupiah(c.written_off)},
        "#settlement",
    )


@require_POST
@capability_required("closures.work")
def closure_close(request, pk: int):
    return _act(
        request,
        pk,
        "close",
        ConfirmForm(request.POST),
        lambda c, d: services.closure_close(closure_id=c.pk, actor=request.user),
        _("Request closed; the subscription is closed."),
    )


@require_POST
@capability_required("closures.work")
def closure_offer(request, pk: int):
    return _act(
        request,
        pk,
        "offer",
        OfferForm(request.POST),
        lambda c, d: services.retention_offer_make(
            closure_id=c.pk, text=d["text"], credit=d["credit"], actor=request.user
        ),
        _("Offer sent to the customer; record their answer here if they phone."),
        "#offers",
    )


@require_POST
@capability_required("closures.work")
def closure_offer_answer(request, pk: int):
    def call(c: Closure, d: dict):
        pending = selectors.pending_offer(selectors.offers_of(c))
        if pending is None:
            raise services.Conflict(
                _("No offer is waiting for an answer."), code="closure.no_pending_offer"
            )
        return services.retention_offer_answer(
            offer_id=pending.pk, accept=d["answer"] == "accept", actor=request.user
        )

    def done(offer) -> str:
        if offer.outcome == "accepted":
            return _("The customer accepted the offer and stays: the request is withdrawn.")
        return _("The customer declined the offer; the closing goes on.")

    return _act(request, pk, "offer_answer", OfferAnswerForm(request.POST), call, done, "#offers")
