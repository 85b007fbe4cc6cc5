"""The customer's help pages in the portal: their tickets, opening one, one ticket with its
live restoration estimate and public timeline, replying. A customer reaches only their own
tickets: another customer's id answers 404, the live fragment included."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import customer_required
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.common.forms import errors_to_form
from ispcare.common.ratelimit import rate_limited
from ispcare.customers.models import Customer
from ispcare.workorders.choices import WorkOrderStatus

from .choices import OPEN_STATUSES, AuthorKind, Source, TicketKind, TicketStatus, UpdateKind
from .forms_portal import ReplyForm, TicketOpenForm
from .models import Ticket
from .tickets import ticket_create, ticket_customer_reply

RECENT_CLOSED = 20  # resolved and closed tickets listed under the open ones


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


def _ticket(request, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("work_order", "subscription__plan"),
        pk=pk,
        customer=_customer(request),
    )


def _chat_url() -> str:
    """The portal's live chat, once its page exists (built alongside); until then none."""
    try:
        return reverse("helpdesk_chat:portal")
    except NoReverseMatch:
        return ""


def can_reply(ticket: Ticket) -> bool:
    """What ticket_customer_reply accepts: not closed, and resolved only within the window."""
    if ticket.status == TicketStatus.CLOSED:
        return False
    if ticket.status == TicketStatus.RESOLVED:
        return ticket.reopen_until is not None and timezone.now() <= ticket.reopen_until
    return True


def _steps(ticket: Ticket) -> list[dict]:
    """new → in progress → resolved, for includes/steps.html."""
    at = {
        TicketStatus.NEW: 0,
        TicketStatus.RESOLVED: 3,
        TicketStatus.CLOSED: 3,
    }.get(ticket.status, 1)
    steps = [
        ("received", _("Received"), ticket.created_at),
        ("progress", _("In progress"), ticket.first_responded_at),
        ("resolved", _("Resolved"), ticket.resolved_at or ticket.closed_at),
    ]
    return [
        {"key": key, "label": label, "when": when, "done": i < at, "current": i == at}
        for i, (key, label, when) in enumerate(steps)
    ]


def _who(update) -> str:
    if update.author_kind == AuthorKind.CUSTOMER:
        return str(_("You"))
    if update.author_kind == AuthorKind.AGENT:
        name = update.author.first_name if update.author else ""
        return f"{_('Customer service')} · {name}" if name else str(_("Customer service"))
    return str(_("System"))


def _entries(ticket: Ticket) -> list[dict]:
    """The public timeline, newest first. Internal notes are never read from the database
    here (public=True in the query), so no template slip can show them."""
    rows = ticket.updates.filter(public=True).select_related("author").order_by("-id")
    out = []
    for u in rows:
        entry = {"when": u.created_at, "who": _who(u), "body": u.body, "kind": u.kind, "eta": None}
        if u.kind == UpdateKind.STATUS and u.to_status:
            entry["status"] = TicketStatus(u.to_status).label
        if u.kind == UpdateKind.ETA:
            entry["eta"] = u.eta
        out.append(entry)
    return out


def _live_context(ticket: Ticket) -> dict:
    order = ticket.work_order
    visit = order if order and order.status == WorkOrderStatus.SCHEDULED else None
    now = timezone.now()
    return {
        "ticket": ticket,
        "steps": _steps(ticket),
        "entries": _entries(ticket),
        "is_fault": ticket.kind == TicketKind.FAULT,
        "eta_passed": bool(ticket.eta and ticket.eta <= now),
        "visit": visit,
        "can_reply": can_reply(ticket),
        "now": now,
    }


@customer_required
def ticket_list(request):
    """My tickets: the open ones first (most recently moved on top), then the last closed."""
    tickets = Ticket.objects.filter(customer=_customer(request)).order_by("-updated_at", "-id")
    return render(
        request,
        "helpdesk/portal/ticket_list.html",
        {
            "open_tickets": list(tickets.filter(status__in=OPEN_STATUSES)),
            "done_tickets": list(tickets.exclude(status__in=OPEN_STATUSES)[:RECENT_CLOSED]),
            "chat_url": _chat_url(),
            "now": timezone.now(),
        },
    )


@customer_required
@rate_limited("ticket_open")
def ticket_new(request):
    """Open a ticket. A complaint shows (and the service requires) its complete record."""
    customer = _customer(request)
    form = TicketOpenForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_create(
                source=Source.PORTAL,
                actor=request.user,
                customer_id=customer.pk,
                **form.service_kwargs(),
            )
        except ValidationFailed as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Ticket %(number)s is open. We will answer here and by message.")
                % {"number": ticket.number},
            )
            return redirect("portal_helpdesk:ticket", pk=ticket.pk)
    return render(
        request,
        "helpdesk/portal/ticket_new.html",
        {"form": form, "chat_url": _chat_url()},
    )


@customer_required
def ticket_detail(request, pk: int, reply_form: ReplyForm | None = None):
    ticket = _ticket(request, pk)
    context = _live_context(ticket)
    context.update(reply_form=reply_form or ReplyForm(), chat_url=_chat_url())
    return render(
        request,
        "helpdesk/portal/ticket_detail.html",
        context,
        status=400 if reply_form is not None else 200,
    )


@customer_required
def ticket_live(request, pk: int):
    """The status, estimate card and timeline as a fragment: fetched when the ticket's
    WebSocket says something changed, and polled while the socket is closed."""
    ticket = _ticket(request, pk)
    response = render(request, "helpdesk/portal/_live.html", _live_context(ticket))
    response["Cache-Control"] = "no-store"
    return response


@customer_required
@require_POST
def ticket_reply(request, pk: int):
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return ticket_detail(request, pk, reply_form=form)
    try:
        ticket_customer_reply(
            ticket_id=ticket.pk, customer_id=ticket.customer_id, body=form.cleaned_data["body"]
        )
    except ValidationFailed as exc:
        errors_to_form(form, exc)
        return ticket_detail(request, pk, reply_form=form)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your message was sent."))
    return redirect("portal_helpdesk:ticket", pk=ticket.pk)
