"""Staff ticket pages: the list (filters, search, keyset pages, counters, saved views, bulk
assign), opening a ticket from a phone call, and the link from a repair job to its ticket.
One ticket's page and its forms are in views_staff_ticket.py. Views are thin over
selectors and services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import DomainError, NotFound
from ispcare.common.forms import errors_to_form
from ispcare.customers.models import Customer
from ispcare.workorders.models import WorkOrder

from . import saved_views, selectors, tickets
from .choices import OPEN_STATUSES, Priority, Source, TicketKind, TicketStatus
from .forms import BulkAssignForm, CustomerFindForm, SavedViewForm, TicketCreateForm, ticket_workers
from .models import SavedView, Ticket


def _list_url(query: str = "") -> str:
    url = reverse("helpdesk:ticket_list")
    return f"{url}?{query}" if query else url


@capability_required("helpdesk.view")
def ticket_list(request):
    f = selectors.TicketFilter.from_query(request.GET)
    now = timezone.now()
    rows, next_cursor = selectors.page_of(f, user=request.user, now=now)
    for row in rows:
        row.timer = selectors.timer_of(row, now)
    counts = selectors.open_counts()
    query = urlencode(f.query_items())
    workers = list(ticket_workers())
    tiles = [
        {
            "status": s,
            "label": TicketStatus(s).label,
            "count": counts[s],
            "on": f.status == s,
            "url": _list_url(urlencode({"status": s})),
        }
        for s in OPEN_STATUSES
    ]
    return render(
        request,
        "helpdesk/staff/ticket_list.html",
        {
            "f": f,
            "rows": rows,
            "next_url": _list_url(
                f"{query}&after={next_cursor}" if query else f"after={next_cursor}"
            )
            if next_cursor
            else "",
            "first_url": _list_url(query) if f.after else "",
            "query": query,
            "tiles": tiles,
            "open_total": sum(counts.values()),
            "statuses": TicketStatus.choices,
            "kinds": TicketKind.choices,
            "priorities": Priority.choices,
            "sources": Source.choices,
            "workers": workers,
            "assignee_value": f.assignee,
            "saved": SavedView.objects.filter(owner=request.user),
            "can_assign": has_capability(request.user, "helpdesk.assign"),
            "can_work": has_capability(request.user, "helpdesk.work"),
            "current_path": request.get_full_path(),
        },
    )


def _back(request, fallback: str) -> str:
    """Where a list action returns: the list with its filters (only a local list URL)."""
    target = request.POST.get("next") or ""
    list_path = reverse("helpdesk:ticket_list")
    if target.startswith(list_path) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return fallback


@require_POST
@capability_required("helpdesk.assign")
def ticket_bulk_assign(request):
    form = BulkAssignForm(request.POST)
    back = _back(request, _list_url())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    assignee = form.cleaned_data["assignee"]
    try:
        n = tickets.ticket_assign(
            ticket_ids=form.cleaned_data["ids"],
            assignee_id=assignee.pk if assignee else None,
            actor=request.user,
        )
    except DomainError as exc:
        for msgs in exc.fields.values() or [[exc.message]]:
            for msg in msgs:
                messages.error(request, str(msg))
        return redirect(back)
    who = (assignee.get_full_name() or assignee.get_username()) if assignee else _("nobody")
    messages.success(request, _("%(n)d ticket(s) assigned to %(who)s.") % {"n": n, "who": who})
    return redirect(back)


@require_POST
@capability_required("helpdesk.view")
def saved_view_create(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name this view."))
        return redirect(_back(request, _list_url()))
    # Stored as the list understands it: unknown or page parameters are dropped.
    f = selectors.TicketFilter.from_query(QueryDict(form.cleaned_data["query"]))
    query = urlencode(f.query_items())
    try:
        saved_views.saved_view_save(owner=request.user, name=form.cleaned_data["name"], query=query)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("View saved."))
    return redirect(_list_url(query))


@require_POST
@capability_required("helpdesk.view")
def saved_view_delete(request):
    """The id comes in the form: a URL id would be someone else's view for most users."""
    raw = request.POST.get("saved_view", "")
    if not raw.isdigit():
        messages.error(request, _("Choose a saved view."))
        return redirect(_back(request, _list_url()))
    try:
        saved_views.saved_view_delete(owner=request.user, view_id=int(raw))
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Saved view deleted."))
    return redirect(_back(request, _list_url()))


def _find_customers(term: str) -> list[Customer]:
    term = term.strip()
    if not term:
        return []
    digits = selectors._phone_digits(term)
    cond = {"number__iexact": term}
    rows = list(Customer.objects.filter(**cond)[:10])
    if not rows and digits:
        rows = list(Customer.objects.filter(phone__contains=digits).order_by("full_name")[:10])
    return rows


@capability_required("helpdesk.work")
def ticket_new(request):
    find = CustomerFindForm(request.GET or None)
    term = request.GET.get("find", "")
    found = _find_customers(term) if term else []
    customer = None
    raw = request.POST.get("customer") or request.GET.get("customer") or ""
    if raw.isdigit():
        customer = Customer.objects.filter(pk=int(raw)).first()
    if customer is None and len(found) == 1:
        customer = found[0]
    subs = list(customer.subscriptions.select_related("plan")) if customer else []
    initial = {"subscription": subs[0].pk} if len(subs) == 1 else {}
    form = TicketCreateForm(request.POST or None, subscriptions=subs, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            complaint = (
                {k: data.get(k) for k in TicketCreateForm.COMPLAINT_FIELDS}
                if data["kind"] == TicketKind.COMPLAINT
                else None
            )
            try:
                ticket = tickets.ticket_create(
                    kind=data["kind"],
                    priority=data["priority"],
                    subject=data["subject"],
                    description=data["description"],
                    source=Source.PHONE,
                    actor=request.user,
                    customer_id=customer.pk if customer else None,
                    subscription_id=data["subscription"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    complaint=complaint,
                )
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request, _("Ticket %(number)s opened.") % {"number": ticket.number}
                )
                return redirect("helpdesk:ticket_detail", ticket.pk)
    return render(
        request,
        "helpdesk/staff/ticket_new.html",
        {
            "find": find,
            "term": term,
            "found": found,
            "customer": customer,
            "subs": subs,
            "form": form,
            "complaint_fields": [form[name] for name in TicketCreateForm.COMPLAINT_FIELDS],
        },
        status=status,
    )


@capability_required("helpdesk.view")
def job_ticket(request, work_order_pk: int):
    """From a repair job on the technician's queue to its ticket (where the visit is
    reported); a job without a ticket goes to the job's own page."""
    order = get_object_or_404(WorkOrder, pk=work_order_pk)
    ticket = Ticket.objects.filter(work_order=order).order_by("-id").only("pk").first()
    if ticket is not None:
        return redirect(reverse("helpdesk:ticket_detail", args=[ticket.pk]) + "#visit")
    return redirect("workorders:job_detail", order.pk)
