"""One ticket's staff page and its forms. Each form posts to its own route (so each has
its own capability); a refusal re-renders the page with that form's field errors (422),
a Conflict (stale page, a guard) becomes a message; success redirects back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import has_capability
from ispcare.billing import selectors as billing
from ispcare.common.errors import Conflict, DomainError
from ispcare.common.forms import errors_to_form
from ispcare.workorders.choices import WorkOrderStatus

from . import complaints, faults, selectors, tickets
from .choices import TicketKind, TicketStatus
from .forms import (
    AssignForm,
    ContactForm,
    EscalateForm,
    EtaForm,
    InvestigationForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    SolutionForm,
    TransitionForm,
    VisitForm,
)
from .lifecycle import MACHINE
from .models import Ticket

TRANSCRIPT_MAX = 100


def _ticket(pk: int) -> Ticket:
    try:
        return selectors.ticket_for_page(pk)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _transitions(ticket: Ticket) -> list[dict[str, Any]]:
    """The actions the table allows from here; a guard's reason when it would refuse."""
    out = []
    for action in MACHINE.actions_from(ticket.status):
        t = MACHINE.transitions[action]
        reason = next((r for r in (g(ticket) for g in t.guards) if r), None)
        out.append({"action": action, "label": t.label, "refused": reason})
    return out


def _labelled(updates) -> list:
    """Status rows show the status's name, not its code."""
    names = dict(TicketStatus.choices)
    rows = list(updates)
    for u in rows:
        u.to_label = names.get(u.to_status, u.to_status)
    return rows


def _complaint(ticket: Ticket):
    if ticket.kind != TicketKind.COMPLAINT:
        return None
    return getattr(ticket, "complaint", None)


def _page(request, ticket: Ticket, bound: dict[str, Any] | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    can_work = has_capability(user, "helpdesk.work")
    can_assign = has_capability(user, "helpdesk.assign")
    forms: dict[str, Any] = {
        "reply": ReplyForm(),
        "note": NoteForm(),
        "eta": EtaForm(initial={"eta": ticket.eta}),
        "transition": TransitionForm(),
        "priority": PriorityForm(initial={"priority": ticket.priority}),
        "assign": AssignForm(initial={"assignee": ticket.assignee_id}),
        "investigate": InvestigationForm(),
        "solution": SolutionForm(),
        "contact": ContactForm(),
        "escalate": EscalateForm(initial={"date": timezone.localdate()}),
        "visit": VisitForm(),
        **(bound or {}),
    }
    record = _complaint(ticket)
    if record is not None and "solution" not in (bound or {}):
        forms["solution"] = SolutionForm(
            initial={"solution": record.solution, "action_taken": record.action_taken}
        )
    fault = faults.fault_context(ticket) if ticket.kind == TicketKind.FAULT else None
    customer = ticket.customer
    order = ticket.work_order
    visit_open = bool(order and order.status == WorkOrderStatus.SCHEDULED)
    context = {
        "ticket": ticket,
        "updates": _labelled(selectors.timeline_of(ticket)),
        "timers": selectors.timers_of(ticket, now),
        "transitions": _transitions(ticket) if can_work else [],
        "forms": forms,
        "record": record,
        "contacts": ticket.contacts.select_related("by") if record is not None else [],
        "fault": fault,
        "customer": customer,
        "subscriptions": list(customer.subscriptions.select_related("plan")) if customer else [],
        "unpaid": list(billing.invoices_open(customer_id=customer.pk)[:10]) if customer else [],
        "transcript": list(
            ticket.conversation.messages.select_related("author").order_by("-id")[:TRANSCRIPT_MAX]
        )[::-1]
        if ticket.conversation_id
        else [],
        "can_work": can_work,
        "can_assign": can_assign,
        "visit_open": visit_open,
        "is_my_visit": visit_open and order.technician_id == user.pk,
        "sessions_url": reverse("staff:subscription_sessions", args=[ticket.subscription_id])
        if ticket.subscription_id
        else "",
    }
    context["unpaid_total"] = sum(i.balance for i in context["unpaid"])
    return render(request, "helpdesk/staff/ticket_detail.html", context, status=status)


@capability_required("helpdesk.view")
def ticket_detail(request, pk: int):
    return _page(request, _ticket(pk))


def _act(
    request,
    pk: int,
    key: str,
    form_class,
    call: Callable[[Ticket, dict], Any],
    done: str,
    anchor: str = "",
    field_map: dict[str, str] | None = None,
):
    ticket = _ticket(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(ticket, form.cleaned_data)
        except Conflict as exc:
            if not exc.fields:
                messages.error(request, str(exc.message))
                return redirect(reverse("helpdesk:ticket_detail", args=[pk]) + anchor)
            errors_to_form(form, exc, field_map=field_map)
        except DomainError as exc:
            errors_to_form(form, exc, field_map=field_map)
        else:
            messages.success(request, done)
            return redirect(reverse("helpdesk:ticket_detail", args=[pk]) + anchor)
    return _page(request, ticket, bound={key: form}, status=422)


@require_POST
@capability_required("helpdesk.work")
def ticket_reply(request, pk: int):
    return _act(
        request,
        pk,
        "reply",
        ReplyForm,
        lambda t, d: tickets.ticket_reply(ticket_id=t.pk, actor=request.user, body=d["body"]),
        _("Reply sent to the customer."),
        "#updates",
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_note(request, pk: int):
    return _act(
        request,
        pk,
        "note",
        NoteForm,
        lambda t, d: tickets.ticket_reply(
            ticket_id=t.pk, actor=request.user, body=d["body"], public=False
        ),
        _("Note added."),
        "#updates",
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_eta(request, pk: int):
    return _act(
        request,
        pk,
        "eta",
        EtaForm,
        lambda t, d: tickets.ticket_reply(
            ticket_id=t.pk, actor=request.user, body=d["body"], eta=d["eta"]
        ),
        _("The customer is told the new estimate."),
        "#eta",
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_transition(request, pk: int):
    return _act(
        request,
        pk,
        "transition",
        TransitionForm,
        lambda t, d: tickets.ticket_transition(
            ticket_id=t.pk, action=d["action"], actor=request.user, note=d["note"]
        ),
        _("Status changed."),
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_priority(request, pk: int):
    return _act(
        request,
        pk,
        "priority",
        PriorityForm,
        lambda t, d: tickets.ticket_set_priority(
            ticket_id=t.pk, priority=d["priority"], actor=request.user
        ),
        _("Priority changed; the SLA targets were counted again."),
    )


@require_POST
@capability_required("helpdesk.assign")
def ticket_assign(request, pk: int):
    def call(t, d):
        who = d["assignee"]
        tickets.ticket_assign(
            ticket_ids=[t.pk], assignee_id=who.pk if who else None, actor=request.user
        )

    return _act(request, pk, "assign", AssignForm, call, _("Assignment saved."))


@require_POST
@capability_required("helpdesk.work")
def ticket_investigate(request, pk: int):
    return _act(
        request,
        pk,
        "investigate",
        InvestigationForm,
        lambda t, d: complaints.complaint_investigate(
            ticket_id=t.pk, actor=request.user, notes=d["notes"]
        ),
        _("Investigation notes added."),
        "#complaint",
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_solution(request, pk: int):
    return _act(
        request,
        pk,
        "solution",
        SolutionForm,
        lambda t, d: complaints.complaint_solution(
            ticket_id=t.pk,
            actor=request.user,
            solution=d["solution"],
            action_taken=d["action_taken"],
        ),
        _("Solution recorded. Tell the customer, then record the contact."),
        "#complaint",
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_contact(request, pk: int):
    return _act(
        request,
        pk,
        "contact",
        ContactForm,
        lambda t, d: complaints.contact_record(
            ticket_id=t.pk,
            actor=request.user,
            channel=d["channel"],
            summary=d["summary"],
            contacted_at=d["contacted_at"],
        ),
        _("Contact with the customer recorded."),
        "#complaint",
    )


@require_POST
@capability_required("helpdesk.assign")
def ticket_escalate(request, pk: int):
    return _act(
        request,
        pk,
        "escalate",
        EscalateForm,
        lambda t, d: faults.fault_escalate(
            ticket_id=t.pk,
            actor=request.user,
            technician_id=d["technician"].pk,
            date=d["date"],
            problem=d["problem"],
        ),
        _("A technician is sent; the customer is told the day."),
        "#visit",
        field_map={"technician_id": "technician"},
    )


@require_POST
@capability_required("helpdesk.work")
def ticket_visit(request, pk: int):
    return _act(
        request,
        pk,
        "visit",
        VisitForm,
        lambda t, d: faults.fault_visit_complete(
            ticket_id=t.pk, actor=request.user, result=d["result"], fixed=d["fixed"]
        ),
        _("Visit reported."),
        "#visit",
    )
