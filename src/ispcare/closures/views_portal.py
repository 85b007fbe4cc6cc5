"""The customer's side of closing in the portal: my termination requests, asking to stop a
subscription, the request's page with the closing instructions (always readable, also
after closing), cancelling while nobody has processed it, answering a win-back offer,
and the settlement statement as a PDF.

A customer reaches only their own requests: another customer's id answers 404 on every
route, an offer of another request included. The pages only read; every change goes
through `services`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import customer_required
from ispcare.billing.services import open_balance
from ispcare.billing.views_docs import attachment
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.common.forms import errors_to_form
from ispcare.common.ratelimit import rate_limited
from ispcare.customers.choices import EquipmentCondition, EquipmentStatus
from ispcare.customers.choices import SubscriptionState as S
from ispcare.customers.models import Customer, Equipment, Subscription
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder

from . import pdf, services
from .choices import OPEN_STATUSES, ClosureStatus, OfferOutcome, ReturnMethod
from .forms_portal import CancelForm, ClosureRequestForm
from .lifecycle import MACHINE
from .models import Closure, RetentionOffer

# States a subscription can be terminated from (services._TERMINABLE).
TERMINABLE = (S.AWAITING_DEPOSIT, S.ACTIVE, S.ISOLATED)


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


def _closure(request, pk: int) -> Closure:
    return get_object_or_404(
        Closure.objects.select_related("customer", "subscription__plan"),
        pk=pk,
        customer=_customer(request),
    )


def _terminable(customer: Customer) -> list[Subscription]:
    """The customer's subscriptions that can be stopped now: running, no open request."""
    return list(
        Subscription.objects.filter(customer=customer, state__in=TERMINABLE)
        .exclude(closures__status__in=OPEN_STATUSES)
        .select_related("plan")
        .order_by("created_at", "id")
    )


def _url(name: str, *args) -> str:
    """A route of another app that may not exist in every setup; '' when it does not."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _held_equipment(subscription_id: int) -> list[Equipment]:
    return list(
        Equipment.objects.filter(
            subscription_id=subscription_id, status=EquipmentStatus.INSTALLED
        ).order_by("kind", "serial")
    )


# --- my requests ------------------------------------------------------------------------


@customer_required
def index(request):
    """My termination requests (open ones first) and the way to ask for one."""
    customer = _customer(request)
    rows = list(
        Closure.objects.filter(customer=customer)
        .select_related("subscription__plan")
        .prefetch_related("offers")
        .order_by("-created_at", "-id")
    )
    current = [c for c in rows if c.status in OPEN_STATUSES]
    for c in current:
        c.pending_offer = next(
            (o for o in c.offers.all() if o.outcome == OfferOutcome.PENDING), None
        )
    return render(
        request,
        "closures/portal/index.html",
        {
            "current": current,
            "past": [c for c in rows if c.status not in OPEN_STATUSES],
            "terminable": _terminable(customer),
        },
    )


# --- asking to stop ---------------------------------------------------------------------


def _chosen_subscription(request, customer: Customer) -> Subscription | None:
    """The subscription named by ?subscription= (the customer's own, else 404), or the one
    that can be stopped when there is exactly one; None when the customer must choose."""
    raw = request.GET.get("subscription", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_object_or_404(
            Subscription.objects.select_related("plan"), pk=int(raw), customer=customer
        )
    candidates = _terminable(customer)
    return candidates[0] if len(candidates) == 1 else None


def _summary(subscription: Subscription) -> dict:
    """What stopping means for this customer, before they fill in anything."""
    return {
        "equipment": _held_equipment(subscription.pk),
        "deposit": subscription.plan.deposit if subscription.deposit_paid_at else 0,
        "balance": open_balance(customer_id=subscription.customer_id),
        "dropoff_address": settings.CLOSING_DROPOFF_ADDRESS,
    }


@customer_required
@rate_limited("closure_request")
def request_new(request):
    """The request form, after a plain summary of what will happen."""
    customer = _customer(request)
    subscription = _chosen_subscription(request, customer)
    if subscription is None:
        candidates = _terminable(customer)
        if not candidates:
            messages.info(request, _("You have no subscription that can be stopped now."))
            return redirect("portal_closures:index")
        return render(request, "closures/portal/choose.html", {"candidates": candidates})
    open_request = subscription.closures.filter(status__in=OPEN_STATUSES).first()
    if request.method != "POST":
        if open_request is not None:
            messages.info(
                request,
                _("You already asked to stop this subscription: here is your request."),
            )
            return redirect("portal_closures:closure", pk=open_request.pk)
        if subscription.state not in TERMINABLE:
            messages.info(
                request,
                _("This subscription cannot be stopped here (it is %(state)s).")
                % {"state": subscription.get_state_display().lower()},
            )
            return redirect("portal_closures:index")

    form = ClosureRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                closure = services.closure_request(
                    subscription_id=subscription.pk,
                    actor=request.user,
                    channel="portal",
                    **form.service_kwargs(),
                )
            except ValidationFailed as exc:
                errors_to_form(form, exc)
            except Conflict as exc:
                form.add_error(None, str(exc.message))
                status = 409
                open_request = subscription.closures.filter(status__in=OPEN_STATUSES).first()
            else:
                messages.success(
                    request,
                    _(
                        "Your request %(number)s is recorded. Below is what happens next; "
                        "we also sent it to you by message."
                    )
                    % {"number": closure.number},
                )
                return redirect("portal_closures:closure", pk=closure.pk)
    return render(
        request,
        "closures/portal/request.html",
        {
            "form": form,
            "subscription": subscription,
            "open_request": open_request,
            "several": len(_terminable(customer)) > 1,
            **_summary(subscription),
        },
        status=status,
    )


# --- one request: the closing instructions ----------------------------------------------


def _equipment_rows(closure: Closure, *, still_out: list[Equipment]) -> list[dict]:
    """Every device of the closing: the ones checked in (with condition and charge), then
    the ones still at the customer's (only while the request is open)."""
    rows = []
    for item in closure.items.select_related("equipment").order_by("checked_in_at", "id"):
        e = item.equipment
        rows.append(
            {
                "kind": e.get_kind_display(),
                "model": e.model_name,
                "serial": e.serial,
                "state": item.condition,
                "label": {
                    EquipmentCondition.GOOD: _("Returned in good condition"),
                    EquipmentCondition.DAMAGED: _("Returned damaged"),
                    EquipmentCondition.MISSING: _("Not returned (missing)"),
                }.get(item.condition, item.get_condition_display()),
                "charge": item.charge,
                "when": item.checked_in_at,
                "via": item.get_via_display(),
            }
        )
    for e in still_out:
        rows.append(
            {
                "kind": e.get_kind_display(),
                "model": e.model_name,
                "serial": e.serial,
                "state": "out",
                "label": _("Still with you"),
                "charge": 0,
                "when": None,
                "via": "",
            }
        )
    return rows


def _steps(closure: Closure, *, still_out: list[Equipment]) -> list[dict]:
    """requested → processed → equipment returned → service ended → settled → closed, each
    done when it happened (the equipment may come back before or after the end date)."""
    items = list(closure.items.all())
    returned_at = max((i.checked_in_at for i in items), default=None)
    steps = [
        ("requested", _("Requested"), closure.created_at, True),
        ("processed", _("Processed"), closure.processed_at, bool(closure.processed_at)),
        (
            "returned",
            _("Equipment returned"),
            returned_at,
            not still_out and (bool(items) or closure.status != ClosureStatus.REQUESTED),
        ),
        ("ended", _("Service ended"), closure.ended_at, bool(closure.ended_at)),
        ("settled", _("Settled"), closure.settled_at, bool(closure.settled_at)),
        ("closed", _("Closed"), closure.closed_at, bool(closure.closed_at)),
    ]
    current = next((i for i, s in enumerate(steps) if not s[3]), None)
    return [
        {"key": key, "label": label, "when": when, "done": done, "current": i == current}
        for i, (key, label, when, done) in enumerate(steps)
    ]


def _pickup(closure: Closure) -> WorkOrder | None:
    if closure.status not in (
        ClosureStatus.REQUESTED,
        ClosureStatus.IN_PROGRESS,
        ClosureStatus.ENDED,
    ):
        return None
    return (
        WorkOrder.objects.filter(
            subscription_id=closure.subscription_id,
            kind=WorkOrderKind.PICKUP,
            status=WorkOrderStatus.SCHEDULED,
        )
        .select_related("technician")
        .first()
    )


def _settlement_context(closure: Closure) -> dict:
    settlement = getattr(closure, "settlement", None)
    if settlement is None:
        return {"settlement": None}
    invoice = settlement.final_invoice
    refund = settlement.refund
    owing_now = open_balance(customer_id=closure.customer_id)
    return {
        "settlement": settlement,
        "earlier_unpaid": max(
            0, settlement.owed - settlement.service_charge - settlement.equipment_charges
        ),
        "invoice_url": _url("portal_billing:invoice_pdf", invoice.pk) if invoice else "",
        "refund": refund,
        "owing_now": owing_now,
        "pay_url": _url("portal_billing:invoices") if owing_now else "",
    }


@customer_required
def closure_detail(request, pk: int, cancel_form: CancelForm | None = None):
    closure = _closure(request, pk)
    is_open = closure.status in OPEN_STATUSES
    still_out = _held_equipment(closure.subscription_id) if is_open else []
    deposit = closure.subscription.plan.deposit if closure.subscription.deposit_paid_at else 0
    context = {
        "closure": closure,
        "is_open": is_open,
        "steps": _steps(closure, still_out=still_out),
        "equipment": _equipment_rows(closure, still_out=still_out),
        "still_out": still_out,
        "pickup": _pickup(closure),
        "dropoff_address": settings.CLOSING_DROPOFF_ADDRESS,
        "deposit": deposit,
        "refund_to_bank": bool(closure.refund_bank),
        "offer": closure.offers.filter(outcome=OfferOutcome.PENDING).first()
        if closure.status in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS)
        else None,
        "answered_offers": closure.offers.exclude(outcome=OfferOutcome.PENDING),
        "can_cancel": MACHINE.allowed(closure, "cancel", closure.status),
        "cancel_form": cancel_form or CancelForm(),
        "is_pickup": closure.return_method == ReturnMethod.PICKUP,
        **_settlement_context(closure),
    }
    return render(request, "closures/portal/closure.html", context)


# --- actions ----------------------------------------------------------------------------


@customer_required
@require_POST
def cancel(request, pk: int):
    closure = _closure(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        response = closure_detail(request, pk, cancel_form=form)
        response.status_code = 422
        return response
    if not MACHINE.allowed(closure, "cancel", closure.status):
        messages.error(request, _cannot_cancel(closure))
        return redirect("portal_closures:closure", pk=closure.pk)
    try:
        services.closure_cancel(
            closure_id=closure.pk, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except Conflict:  # processed in the meantime
        closure.refresh_from_db()
        messages.error(request, _cannot_cancel(closure))
    else:
        messages.success(
            request,
            _("Your request %(number)s is cancelled. Your subscription continues as before.")
            % {"number": closure.number},
        )
    return redirect("portal_closures:closure", pk=closure.pk)


def _cannot_cancel(closure: Closure) -> str:
    if closure.status == ClosureStatus.CANCELLED:
        return str(_("This request is already cancelled."))
    if closure.status == ClosureStatus.WITHDRAWN:
        return str(_("This request was already withdrawn: your subscription continues."))
    return str(
        _(
            "This request can no longer be cancelled here: our closing team has already "
            "processed it (%(status)s). Call us at %(phone)s if you want to stay."
        )
        % {"status": closure.get_status_display().lower(), "phone": settings.ISP_SUPPORT_PHONE}
    )


@customer_required
@require_POST
def offer_answer(request, pk: int):
    """Accept (the request is withdrawn, the customer stays) or decline a win-back offer."""
    closure = _closure(request, pk)
    raw = request.POST.get("offer", "")
    if not raw.isdigit():  # a form that lost its offer: say so, change nothing
        messages.error(request, _("Choose your answer to the offer."))
        return redirect("portal_closures:closure", pk=closure.pk)
    offer = get_object_or_404(RetentionOffer, pk=int(raw), closure=closure)
    accept = request.POST.get("accept") == "1"
    if offer.outcome != OfferOutcome.PENDING:
        messages.error(request, _("This offer was already answered."))
        return redirect("portal_closures:closure", pk=closure.pk)
    if accept and closure.status not in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS):
        messages.error(request, _("This offer is no longer open: the service has already ended."))
        return redirect("portal_closures:closure", pk=closure.pk)
    try:
        services.retention_offer_answer(offer_id=offer.pk, accept=accept, actor=request.user)
    except Conflict as exc:  # answered or moved on in the meantime
        messages.error(request, exc.message)
    else:
        if accept:
            messages.success(
                request,
                _(
                    "Thank you for staying with us! Your request is withdrawn and your service continues."
                ),
            )
        else:
            messages.info(request, _("Noted: the closing goes on as requested."))
    return redirect("portal_closures:closure", pk=closure.pk)


@customer_required
def statement(request, pk: int):
    """The settlement statement, once there is one."""
    closure = _closure(request, pk)
    if getattr(closure, "settlement", None) is None:
        raise Http404
    return attachment(
        pdf.statement_pdf(closure),
        filename=pdf.statement_filename(closure),
        content_type="application/pdf",
    )
