"""The closing's pages with a form of their own: checking equipment in (at the desk, or
on the technician's phone from the pickup job), issuing the settlement, filing a request
for a customer who phoned, and the equipment price list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import Role, has_capability
from ispcare.common.errors import DomainError, ValidationFailed
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.customers.models import Customer
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder

from . import pricelist, selectors, services
from .choices import ClosureStatus, RequestChannel, ReturnMethod
from .forms import CheckInForm, ClosureRequestForm, ConfirmForm, PriceListForm
from .lifecycle import MACHINE
from .models import Closure
from .views_staff import _closure, detail_url, not_open_message

_CHECK_IN_OPEN = (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS, ClosureStatus.ENDED)


def _posted(request):
    """The POST data on a POST (even empty: a confirmation has no fields), else None."""
    return request.POST if request.method == "POST" else None


def _is_technician(user) -> bool:
    return user.role == Role.TECHNICIAN


def _own_pickup(user, closure: Closure) -> WorkOrder | None:
    return WorkOrder.objects.filter(
        subscription_id=closure.subscription_id,
        kind=WorkOrderKind.PICKUP,
        status=WorkOrderStatus.SCHEDULED,
        technician=user,
    ).first()


def _after_check_in(request, closure: Closure):
    if _is_technician(request.user) or not has_capability(request.user, "closures.view"):
        return redirect("workorders:my_jobs")
    return redirect(detail_url(closure.pk, "#equipment"))


def _check_in(request, closure: Closure, *, order: WorkOrder | None = None):
    """The check-in page and its POST, for the desk (via chosen) or a pickup (via fixed)."""
    if closure.status not in _CHECK_IN_OPEN:
        messages.error(request, not_open_message(closure))
        return _after_check_in(request, closure)
    devices = selectors.equipment_at_customer(closure)
    if not devices:
        messages.info(
            request,
            _("Every device of %(number)s is already checked in.") % {"number": closure.number},
        )
        return _after_check_in(request, closure)
    prices = selectors.prices_by_kind()
    for device in devices:
        price = prices.get(device.kind)
        device.charges = {c: selectors.charge_for(price, c) for c in ("good", "damaged", "missing")}
    fixed = ReturnMethod.PICKUP if order is not None else None
    form = CheckInForm(
        _posted(request),
        devices=devices,
        fixed_via=fixed,
        initial={"via": closure.return_method},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rows = services.closure_check_in(
                closure_id=closure.pk,
                conditions=data["conditions"],
                via=data["via"],
                actor=request.user,
                note=data["note"],
            )
        except DomainError as exc:
            if isinstance(exc, ValidationFailed) or exc.fields:
                errors_to_form(form, exc)
            else:
                messages.error(request, str(exc.message))
                return _after_check_in(request, closure)
        else:
            charged = sum(r.charge for r in rows)
            text = ngettext(
                "%(n)d device checked in for %(name)s.",
                "%(n)d devices checked in for %(name)s.",
                len(rows),
            ) % {"n": len(rows), "name": closure.customer.full_name}
            if charged:
                text += " " + _("Charge for the customer: %(amount)s.") % {
                    "amount": format_rupiah(charged)
                }
            messages.success(request, text)
            return _after_check_in(request, closure)
    return render(
        request,
        "closures/staff/check_in.html",
        {
            "closure": closure,
            "customer": closure.customer,
            "form": form,
            "rows": form.device_rows(),
            "order": order,
            "can_view": has_capability(request.user, "closures.view"),
            "technician": _is_technician(request.user),
        },
        status=422 if request.method == "POST" else 200,
    )


@capability_required("closures.check_in")
def closure_check_in(request, pk: int):
    closure = _closure(pk)
    if _is_technician(request.user):
        # A technician checks in only on their own pickup job.
        order = _own_pickup(request.user, closure)
        if order is None:
            messages.error(request, _("This request's pickup is not one of your jobs."))
            return redirect("workorders:my_jobs")
        return redirect("closures:pickup_check_in", work_order_pk=order.pk)
    return _check_in(request, closure)


@capability_required("closures.check_in")
def pickup_check_in(request, work_order_pk: int):
    """From a pickup job on the technician's phone to the check-in of its request."""
    jobs = WorkOrder.objects.select_related("customer", "subscription")
    if _is_technician(request.user):
        jobs = jobs.filter(technician=request.user)  # another's job answers 404
    order = get_object_or_404(jobs, pk=work_order_pk)
    if order.kind != WorkOrderKind.PICKUP:
        return redirect("workorders:job_detail", pk=order.pk)
    if order.status != WorkOrderStatus.SCHEDULED:
        messages.info(
            request,
            _("This pickup is already %(status)s.")
            % {"status": order.get_status_display().lower()},
        )
        if _is_technician(request.user) or not has_capability(request.user, "closures.view"):
            return redirect("workorders:my_jobs")
        closure = selectors.open_closure_of_order(order)
        return redirect(detail_url(closure.pk)) if closure else redirect("closures:queue")
    closure = selectors.open_closure_of_order(order)
    if closure is None:
        raise Http404
    return _check_in(request, _closure(closure.pk), order=order)


@capability_required("closures.work")
def closure_settle(request, pk: int):
    """A confirmation page with an estimate of the numbers; the POST issues it."""
    closure = _closure(pk)
    if closure.status != ClosureStatus.ENDED:
        if closure.status == ClosureStatus.SETTLED:
            messages.info(request, _("The settlement is already issued."))
        elif closure.status in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS):
            messages.error(
                request, _("The settlement is issued once the service has ended (on the end date).")
            )
        else:
            messages.error(request, not_open_message(closure))
        return redirect(detail_url(pk))
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            settlement = services.closure_settle(closure_id=closure.pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(detail_url(pk))
        closure.refresh_from_db()
        if settlement.refund_due:
            text = _("Settlement issued: refund %(amount)s to the customer.") % {
                "amount": format_rupiah(settlement.refund_due)
            }
        elif settlement.balance_left:
            text = _("Settlement issued: the customer still owes %(amount)s.") % {
                "amount": format_rupiah(settlement.balance_left)
            }
        else:
            text = _("Settlement issued: nothing is due either way.")
        if closure.status == ClosureStatus.CLOSED:
            text += " " + _("The request is closed.")
        messages.success(request, text)
        return redirect(detail_url(pk, "#settlement"))
    out = selectors.equipment_at_customer(closure)
    blocked = ""
    if not MACHINE.allowed(closure, "settle", closure.status):
        transition = MACHINE.transitions["settle"]
        blocked = next((r for r in (g(closure) for g in transition.guards) if r), "")
    return render(
        request,
        "closures/staff/settle.html",
        {
            "closure": closure,
            "customer": closure.customer,
            "form": form,
            "blocked": blocked,
            "out": out,
            "preview": None
            if blocked
            else services.closure_settle_preview(closure_id=closure.pk, actor=request.user),
            "items": selectors.items_of(closure),
        },
        status=422 if request.method == "POST" else 200,
    )


@capability_required("closures.work")
def closure_new(request, customer_pk: int):
    """Staff file a request for a customer who phoned or came to the counter."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    subs = selectors.terminable_subscriptions(customer)
    open_one = next((c for c in selectors.closures_of_customer(customer) if c.is_open), None)
    if not subs:
        if open_one is not None:
            messages.info(request, _("This customer already has an open termination request."))
            return redirect(detail_url(open_one.pk))
        messages.error(request, _("This customer has no running subscription to terminate."))
        return redirect("staff:customer_detail", pk=customer.pk)
    form = ClosureRequestForm(_posted(request), subscriptions=subs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            closure = services.closure_request(
                subscription_id=d["subscription"],
                end_date=d["end_date"],
                reason=d["reason"],
                actor=request.user,
                reason_text=d["reason_text"],
                return_method=d["return_method"],
                refund_bank=d["refund_bank"],
                refund_account_number=d["refund_account_number"],
                refund_account_name=d["refund_account_name"],
                channel=RequestChannel.STAFF,
            )
        except DomainError as exc:
            errors_to_form(form, exc, field_map={"subscription_id": "subscription"})
        else:
            messages.success(
                request,
                _("Termination request %(number)s recorded; the customer is sent the instructions.")
                % {"number": closure.number},
            )
            return redirect(detail_url(closure.pk))
    return render(
        request,
        "closures/staff/new.html",
        {"customer": customer, "form": form, "subs": subs, "open_one": open_one},
        status=422 if request.method == "POST" else 200,
    )


@capability_required("closures.work")
def prices(request):
    """The equipment price list: what a damaged or missing device of each type costs."""
    current = selectors.prices_by_kind()
    form = PriceListForm(_posted(request), prices=current)
    if request.method == "POST" and form.is_valid():
        try:
            pricelist.equipment_prices_set(prices=form.cleaned_data["prices"], actor=request.user)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Price list saved. Devices already checked in keep the charge they got."),
            )
            return redirect("closures:prices")
    return render(
        request,
        "closures/staff/prices.html",
        {"form": form, "rows": form.rows()},
        status=422 if request.method == "POST" else 200,
    )
