"""Staff pages: dashboard, registration queue and review, customers, equipment register.

Views are thin: reads come from `selectors`, writes go through `services`; a `DomainError`
becomes a message or field errors and changes nothing. Invoices and work orders live in apps
above this one, so the customer page loads them as htmx panels from those apps.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, DomainError
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.network.choices import NodeKind
from ispcare.network.models import Node
from ispcare.network.selectors import connection_of
from ispcare.notifications.choices import Channel
from ispcare.notifications.selectors import inbox_for

from . import selectors, services
from .choices import ApplicationStatus, EquipmentStatus, EventKind, SubscriptionState
from .forms import ApproveForm, RejectForm
from .lifecycle import access_state
from .models import Application, Customer, Plan, Subscription
from .sessions import sessions_page

PAGE_SIZE = 50
WAITING_TOO_LONG = dt.timedelta(days=2)  # highlighted in the queue


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


_STATE_LABELS = dict(SubscriptionState.choices)


def _event_detail(e) -> str:
    """The useful bits of an event's data, in one line (invoice, amount, date, serials)."""
    d = e.data or {}
    parts: list[str] = []
    if e.kind == EventKind.INSTALLATION_SCHEDULED and d.get("date"):
        day = dt.date.fromisoformat(d["date"])
        parts = [formats.date_format(day, "D, j M Y"), d.get("technician", "")]
    elif e.kind in (EventKind.PAYMENT_RECORDED, EventKind.INVOICE_ISSUED):
        parts = [d.get("invoice", ""), format_rupiah(d.get("amount"))]
        if d.get("reference"):
            parts.append(_("ref. %(ref)s") % {"ref": d["reference"]})
    elif e.kind in (EventKind.EQUIPMENT_INSTALLED, EventKind.INSTALLATION_COMPLETED):
        parts = [", ".join(d.get("serials", []))]
        if d.get("receipt"):
            parts.append(_("receipt %(ref)s") % {"ref": d["receipt"]})
    elif e.kind == EventKind.CUSTOMER_CREATED:
        parts = [d.get("number", ""), d.get("plan", "")]
    return " · ".join(p for p in parts if p)


def _describe(events):
    for e in events:
        e.from_label = _STATE_LABELS.get(e.from_state, e.from_state)
        e.to_label = _STATE_LABELS.get(e.to_state, e.to_state)
        e.detail = _event_detail(e)
    return events


# Dashboard -------------------------------------------------------------------------------


@capability_required("customers.view")
def dashboard(request):
    counts = selectors.dashboard_counts()
    user = request.user
    can_review = has_capability(user, "registrations.review")
    can_schedule = has_capability(user, "workorders.schedule")
    customers_url = reverse("staff:customer_list")
    tiles = [
        {
            "key": "applications",
            "label": _("Applications waiting"),
            "value": counts["applications_waiting"],
            "url": reverse("staff:registration_queue") if can_review else "",
            "tone": "warn" if counts["applications_waiting"] else "",
        },
        {
            "key": "schedule",
            "label": _("To schedule"),
            "value": counts["to_schedule"],
            "url": reverse("workorders:installation_board") if can_schedule else "",
            "tone": "warn" if counts["to_schedule"] else "",
        },
        {
            "key": "today",
            "label": _("Installations today"),
            "hint": _("including overdue"),
            "value": counts["installations_today"],
            "url": (reverse("workorders:installation_board") + "#scheduled")
            if can_schedule
            else "",
        },
        {
            "key": "deposit",
            "label": _("Awaiting deposit"),
            "hint": _("installed, isolated"),
            "value": counts["awaiting_deposit"],
            "url": f"{customers_url}?state={SubscriptionState.AWAITING_DEPOSIT}",
        },
        {
            "key": "active",
            "label": _("Active subscribers"),
            "value": counts["active"],
            "url": f"{customers_url}?state={SubscriptionState.ACTIVE}",
            "tone": "ok",
        },
    ]
    states = counts["states"]
    top = max(states.values(), default=0) or 1
    bars = [
        {
            "state": value,
            "label": label,
            "count": states.get(value, 0),
            "pct": round(100 * states.get(value, 0) / top),
            "url": f"{customers_url}?state={value}",
        }
        for value, label in SubscriptionState.choices
    ]
    return render(
        request,
        "customers/staff/dashboard.html",
        {"tiles": tiles, "bars": bars, "total": sum(states.values())},
    )


# Registrations ---------------------------------------------------------------------------


@capability_required("registrations.review")
def registration_queue(request):
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.SUBMITTED
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.applications_for_queue(status=status, q=q))
    late = timezone.now() - WAITING_TOO_LONG
    for app in page.object_list:
        app.waiting_long = app.created_at < late
    counts = selectors.application_status_counts()
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0), "on": value == status}
        for value, label in ApplicationStatus.choices
    ]
    return render(
        request,
        "customers/staff/registration_queue.html",
        {
            "page": page,
            "q": q,
            "tabs": tabs,
            "waiting": status == ApplicationStatus.SUBMITTED,
            "keep": [("status", status)],
        },
    )


def _application_or_404(pk: int) -> Application:
    try:
        return selectors.application_get(pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def _registration_detail_render(request, app, *, approve_form=None, reject_form=None, status=200):
    open_ = app.status == ApplicationStatus.SUBMITTED
    if open_ and approve_form is None:
        approve_form = ApproveForm()
    if approve_form is not None and app.in_coverage:
        approve_form.fields.pop("coverage_override", None)
    customer = getattr(app, "customer", None) if app.status == ApplicationStatus.APPROVED else None
    context = {
        "app": app,
        "open": open_,
        "customer": customer,
        "nik": selectors.nik_facts(app.nik),
        "duplicates": selectors.application_duplicates(application=app),
        "events": _describe(selectors.application_events(application=app)),
        "approve_form": approve_form if open_ else None,
        "reject_form": (reject_form or RejectForm()) if open_ else None,
    }
    return render(request, "customers/staff/registration_detail.html", context, status=status)


@capability_required("registrations.review")
def registration_detail(request, pk: int):
    return _registration_detail_render(request, _application_or_404(pk))


@require_POST
@capability_required("registrations.review")
def registration_approve(request, pk: int):
    app = _application_or_404(pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            customer = services.registration_approve(
                application_id=app.pk,
                actor=request.user,
                coverage_override=form.cleaned_data["coverage_override"],
                note=form.cleaned_data["note"],
            )
        except Conflict as exc:
            if exc.code == "application.out_of_coverage":
                form.add_error("coverage_override", str(exc.message))
            elif exc.fields:  # Duplicate: the person is already a customer
                errors_to_form(form, exc)
            else:  # stale page: already approved or rejected
                messages.error(request, str(exc.message))
                return redirect("staff:registration_detail", pk=app.pk)
        else:
            messages.success(
                request,
                _("Application approved. Customer number %(number)s issued to %(name)s.")
                % {"number": customer.number, "name": customer.full_name},
            )
            return redirect("staff:customer_detail", pk=customer.pk)
    return _registration_detail_render(request, app, approve_form=form, status=422)


@require_POST
@capability_required("registrations.review")
def registration_reject(request, pk: int):
    app = _application_or_404(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.registration_reject(
                application_id=app.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except Conflict as exc:
            messages.error(request, str(exc.message))
            return redirect("staff:registration_detail", pk=app.pk)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Application %(ref)s rejected. The applicant is told the reason.")
                % {"ref": app.reference},
            )
            return redirect("staff:registration_queue")
    return _registration_detail_render(request, app, reject_form=form, status=422)


# Customers -------------------------------------------------------------------------------


@capability_required("customers.view")
def customer_list(request):
    state = request.GET.get("state", "")
    if state not in SubscriptionState.values:
        state = ""
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.customers_for_list(q=q, state=state))
    states = [{"value": "", "label": _("All"), "on": not state}] + [
        {"value": v, "label": label, "on": v == state} for v, label in SubscriptionState.choices
    ]
    return render(
        request,
        "customers/staff/customer_list.html",
        {
            "page": page,
            "q": q,
            "state": state,
            "states": states,
            "keep": [("state", state)] if state else [],
        },
    )


@capability_required("customers.view")
def customer_detail(request, pk: int):
    try:
        customer = selectors.customer_get(pk=pk)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    subscriptions = selectors.customer_subscriptions(customer=customer)
    for sub in subscriptions:
        sub.access = access_state(sub.state)
        sub.connection = connection_of(sub.pppoe_username)
    user = request.user
    return render(
        request,
        "customers/staff/customer_detail.html",
        {
            "customer": customer,
            "subscriptions": subscriptions,
            "events": _describe(selectors.customer_events(customer=customer)),
            "can_billing": has_capability(user, "billing.view"),
            "can_workorders": has_capability(user, "workorders.view"),
            "can_review": has_capability(user, "registrations.review"),
            "sent_messages": list(inbox_for(user_id=customer.user_id)[:8]),
            "channels_label": " → ".join(
                str(Channel(c).label) for c in customer.notify_channels.split(",") if c
            )
            or _("Portal only"),
            "can_outbox": has_capability(user, "notifications.view"),
            "can_network": has_capability(user, "network.manage"),
            "plans": list(Plan.objects.filter(is_active=True).order_by("sort_order", "pk"))
            if has_capability(user, "subscriptions.change_plan")
            else [],
            "nodes": list(Node.objects.exclude(kind=NodeKind.POP).order_by("name"))
            if has_capability(user, "network.manage")
            else [],
        },
    )


# Equipment -------------------------------------------------------------------------------


@capability_required("equipment.view")
def equipment_list(request):
    status = request.GET.get("status", "")
    if status not in EquipmentStatus.values:
        status = ""
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.equipment_for_list(status=status, q=q))
    counts = selectors.equipment_status_counts()
    tabs = [{"value": "", "label": _("All"), "count": sum(counts.values()), "on": not status}] + [
        {"value": v, "label": label, "count": counts.get(v, 0), "on": v == status}
        for v, label in EquipmentStatus.choices
    ]
    return render(
        request,
        "customers/staff/equipment_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "tabs": tabs,
            "keep": [("status", status)] if status else [],
        },
    )


@capability_required("customers.view")
def subscription_sessions(request, pk: int):
    """Staff: every session of one subscription, newest first, from radacct."""
    sub = get_object_or_404(Subscription.objects.select_related("customer", "plan"), pk=pk)
    return sessions_page(
        request, subscription=sub, template="customers/staff/sessions.html", staff=True
    )


@require_POST
@capability_required("network.manage")
def subscription_node(request, pk: int):
    """NOC: move a subscription to another network node (OLT, AP)."""
    sub = get_object_or_404(Subscription, pk=pk)
    raw = request.POST.get("node", "")
    try:
        services.subscription_node_set(
            subscription_id=sub.pk, node_id=int(raw) if raw.isdigit() else None, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("staff:customer_detail", sub.customer_id)


@require_POST
@capability_required("subscriptions.change_plan")
def subscription_plan(request, pk: int):
    """Customer service: move a subscription to another plan from today (upgrade or
    downgrade on the customer's request); the period is prorated per plan."""
    sub = get_object_or_404(Subscription, pk=pk)
    raw = request.POST.get("plan", "")
    try:
        services.subscription_plan_change(
            subscription_id=sub.pk, plan_id=int(raw) if raw.isdigit() else 0, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Plan changed from today; the current period is billed per plan, by the day."),
        )
    return redirect("staff:customer_detail", sub.customer_id)
