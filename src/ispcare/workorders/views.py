"""Field work pages: the installation board, scheduling, the technician's phone queue,
completing an installation, and the work-order panel of the staff customer page.

A technician sees and completes only their own jobs (another job's id answers 404);
managers and administrators may open any job.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import Role, has_capability
from ispcare.billing.choices import InvoiceKind
from ispcare.billing.models import Invoice
from ispcare.common.errors import Conflict, DomainError
from ispcare.common.forms import errors_to_form
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Customer, Subscription

from . import selectors, services
from .choices import WorkOrderKind, WorkOrderStatus
from .forms import CompleteInstallationForm, ScheduleForm
from .models import WorkOrder

PAGE_SIZE = 50
# Service field names that differ from the form's.
_FIELD_MAP = {"equipment": "serials", "reference": "receipt_number"}


def _installation_balances(subscription_ids) -> dict[int, Invoice]:
    """The installation invoice of each subscription, in one query."""
    return {
        inv.subscription_id: inv
        for inv in Invoice.objects.filter(
            subscription_id__in=set(subscription_ids), kind=InvoiceKind.INSTALLATION
        )
    }


def _open_installations() -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.filter(kind=WorkOrderKind.INSTALLATION, status=WorkOrderStatus.SCHEDULED)
        .select_related("customer", "subscription__plan", "technician")
        .order_by("scheduled_date", "technician__first_name", "id")
    )


def _jobs_visible_to(user) -> QuerySet[WorkOrder]:
    rows = WorkOrder.objects.select_related("customer", "subscription__plan", "technician")
    if user.role == Role.TECHNICIAN:
        rows = rows.filter(technician=user)
    return rows


@capability_required("workorders.schedule")
def installation_board(request):
    to_schedule = Paginator(selectors.subscriptions_to_schedule(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    scheduled = Paginator(_open_installations(), PAGE_SIZE).get_page(request.GET.get("sp"))
    return render(
        request,
        "workorders/board.html",
        {"to_schedule": to_schedule, "scheduled": scheduled, "today": timezone.localdate()},
    )


@capability_required("workorders.schedule")
def installation_schedule(request, subscription_pk: int):
    sub = get_object_or_404(
        Subscription.objects.select_related("customer__application", "plan"), pk=subscription_pk
    )
    if sub.state != SubscriptionState.PENDING_INSTALLATION:
        messages.error(request, _("This subscription is already installed."))
        return redirect("workorders:installation_board")
    current = (
        WorkOrder.objects.filter(
            subscription=sub, kind=WorkOrderKind.INSTALLATION, status=WorkOrderStatus.SCHEDULED
        )
        .select_related("technician")
        .first()
    )
    today = timezone.localdate()
    app = sub.customer.application
    wish = app.preferred_date if app and app.preferred_date >= today else today
    initial = {
        "date": current.scheduled_date if current else wish,
        "technician": current.technician_id if current else None,
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.installation_schedule(
                subscription_id=sub.pk,
                date=form.cleaned_data["date"],
                technician_id=form.cleaned_data["technician"].pk,
                actor=request.user,
            )
        except DomainError as exc:
            if isinstance(exc, Conflict) and not exc.fields:
                messages.error(request, str(exc.message))
                return redirect("workorders:installation_board")
            errors_to_form(form, exc, field_map=_FIELD_MAP)
        else:
            tech = order.technician
            messages.success(
                request,
                _(
                    "Installation for %(name)s (%(number)s) scheduled on %(date)s with "
                    "%(technician)s. The customer is told the date and what to pay."
                )
                % {
                    "name": sub.customer.full_name,
                    "number": sub.customer.number,
                    "date": formats.date_format(order.scheduled_date, "l, j F Y"),
                    "technician": tech.get_full_name() or tech.username,
                },
            )
            return redirect("workorders:installation_board")
    booked = (
        _open_installations()
        .filter(scheduled_date__gte=today, scheduled_date__lte=today + dt.timedelta(days=13))
        .exclude(subscription=sub)[:60]
    )
    return render(
        request,
        "workorders/schedule.html",
        {
            "form": form,
            "sub": sub,
            "current": current,
            "booked": booked,
            "today": today,
        },
        status=422 if request.method == "POST" else 200,
    )


@capability_required("workorders.field")
def my_jobs(request):
    today = timezone.localdate()
    jobs = list(selectors.jobs_for_technician(technician_id=request.user.pk, day=today))
    invoices = _installation_balances(j.subscription_id for j in jobs)
    for job in jobs:
        job.invoice = invoices.get(job.subscription_id)
        job.overdue = job.scheduled_date < today
    upcoming = (
        WorkOrder.objects.filter(
            technician=request.user,
            status=WorkOrderStatus.SCHEDULED,
            scheduled_date__gt=today,
            scheduled_date__lte=today + dt.timedelta(days=7),
        )
        .select_related("customer")
        .order_by("scheduled_date", "id")
    )
    return render(
        request,
        "workorders/my_jobs.html",
        {"jobs": jobs, "upcoming": upcoming, "today": today},
    )


@capability_required("workorders.view")
def job_detail(request, pk: int):
    order = get_object_or_404(_jobs_visible_to(request.user), pk=pk)
    invoice = _installation_balances([order.subscription_id]).get(order.subscription_id)
    equipment = (
        order.subscription.equipment.all() if order.status == WorkOrderStatus.COMPLETED else []
    )
    can_complete = (
        order.kind == WorkOrderKind.INSTALLATION
        and order.status == WorkOrderStatus.SCHEDULED
        and has_capability(request.user, "workorders.field")
    )
    return render(
        request,
        "workorders/job_detail.html",
        {
            "order": order,
            "invoice": invoice,
            "equipment": equipment,
            "can_complete": can_complete,
            "today": timezone.localdate(),
        },
    )


@capability_required("workorders.field")
def installation_complete(request, pk: int):
    order = get_object_or_404(_jobs_visible_to(request.user), pk=pk)
    if order.kind != WorkOrderKind.INSTALLATION:
        raise Http404
    if order.status != WorkOrderStatus.SCHEDULED:
        messages.error(
            request,
            _("This job is already %(status)s.") % {"status": order.get_status_display().lower()},
        )
        return redirect("workorders:job_detail", pk=order.pk)
    invoice = _installation_balances([order.subscription_id]).get(order.subscription_id)
    due = invoice.balance if invoice else order.subscription.plan.installation_fee
    form = CompleteInstallationForm(request.POST or None, initial={"amount": due})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.installation_complete(
                work_order_id=order.pk,
                actor=request.user,
                serials=data["serials"],
                amount=data["amount"],
                method=data["method"],
                receipt_number=data["receipt_number"],
                result=data["result"],
                node_id=data["node"].pk if data.get("node") else None,
            )
        except DomainError as exc:
            if isinstance(exc, Conflict) and not exc.fields:  # completed meanwhile
                messages.error(request, str(exc.message))
                return redirect("workorders:job_detail", pk=order.pk)
            errors_to_form(form, exc, field_map=_FIELD_MAP)
        else:
            deposit = Invoice.objects.filter(
                subscription_id=order.subscription_id, kind=InvoiceKind.DEPOSIT
            ).first()
            messages.success(
                request,
                _(
                    "Installation completed for %(name)s. The service is now isolated until "
                    "the deposit of %(deposit)s is paid; the customer has been sent invoice "
                    "%(invoice)s."
                )
                % {
                    "name": order.customer.full_name,
                    "deposit": format_rupiah(deposit.amount if deposit else 0),
                    "invoice": deposit.number if deposit else "",
                },
            )
            if request.user.role == Role.TECHNICIAN:
                return redirect("workorders:my_jobs")
            return redirect("workorders:job_detail", pk=order.pk)
    return render(
        request,
        "workorders/complete.html",
        {"form": form, "order": order, "invoice": invoice, "due": due},
        status=422 if request.method == "POST" else 200,
    )


@capability_required("workorders.view")
def customer_panel(request, customer_pk: int):
    """Fragment for the staff customer page (loaded by htmx)."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    orders = (
        WorkOrder.objects.filter(customer=customer)
        .select_related("technician")
        .order_by("-scheduled_date", "-id")
    )
    return render(
        request,
        "workorders/customer_panel.html",
        {
            "customer": customer,
            "orders": orders,
            "own_only": request.user.role == Role.TECHNICIAN,
        },
    )
