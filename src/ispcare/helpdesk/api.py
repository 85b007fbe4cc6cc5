"""API: tickets (list, open, read, reply, lifecycle actions, assign, complaint contact and
solution) and chat conversations' messages, so an integration (WhatsApp, a call centre)
works in the same inbox. Thin: the services write and check; errors are {code, message,
fields}; a ticket's status changes only through /actions/{action}.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from ispcare.accounts.api_auth import requires
from ispcare.common.api import AUTH_ERRORS, errors, field_names
from ispcare.common.errors import NotFound, ValidationFailed

from .api_schemas import (
    ActionIn,
    AssignIn,
    AssignOut,
    ComplaintOut,
    ContactIn,
    ContactOut,
    MessageFilter,
    MessageIn,
    MessageListOut,
    MessageOut,
    ReplyIn,
    SolutionIn,
    TicketAction,
    TicketDetailOut,
    TicketFilter,
    TicketIn,
    TicketListOut,
    TicketOut,
    UpdateOut,
)
from .choices import AuthorKind
from .complaints import complaint_solution, contact_record
from .models import ChatMessage, Conversation, Ticket
from .tickets import ticket_assign, ticket_create, ticket_reply, ticket_transition

router = Router(tags=["helpdesk"])

# The service's field names → the request's.
TICKET_FIELDS = {
    "customer": "customer_id",
    "subscription": "subscription_id",
    "assignee": "assignee_id",
    **{n: f"complaint.{n}" for n in ("what_happened", "since", "location", "impact", "contact")},
}


# --- output ---------------------------------------------------------------------------------


def ticket_out(t: Ticket) -> dict:
    out = {f: getattr(t, f) for f in TicketOut.model_fields if hasattr(t, f)}
    out["customer_number"] = t.customer.number if t.customer_id else ""
    return out


def ticket_detail_out(t: Ticket) -> dict:
    record = getattr(t, "complaint", None) if t.kind == "complaint" else None
    return {
        **ticket_out(t),
        "description": t.description,
        "updates": list(t.updates.order_by("id")),
        "complaint": record,
        "contacts": list(t.contacts.all()),
    }


def _ticket(ticket_id: int) -> Ticket:
    return get_object_or_404(Ticket.objects.select_related("customer"), pk=ticket_id)


# --- keyset pagination over (updated_at desc, id desc) ----------------------------------------


def _cursor(t: Ticket) -> str:
    raw = f"{t.updated_at.isoformat()}|{t.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError
        return when, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            _("Check the fields."),
            fields={"after": [_("Use the next_after value of the previous page.")]},
        ) from None


# --- tickets --------------------------------------------------------------------------------


@router.get(
    "/tickets",
    auth=requires("helpdesk.view"),
    response={200: TicketListOut, **errors(*AUTH_ERRORS, 422)},
    summary="List tickets",
)
def ticket_list(request, filters: Query[TicketFilter]):
    """Tickets, most recently changed first, filtered; page with `after` (keyset: pass the
    previous page's `next_after`). `assignee=0`: nobody's. Capability: `helpdesk.view`."""
    rows = Ticket.objects.select_related("customer").order_by("-updated_at", "-id")
    for name in ("status", "kind", "priority"):
        if getattr(filters, name):
            rows = rows.filter(**{name: getattr(filters, name)})
    if filters.assignee is not None:
        rows = rows.filter(assignee_id=filters.assignee or None)
    if filters.customer:
        rows = rows.filter(customer_id=filters.customer)
    q = filters.q.strip()
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(subject__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(contact_phone__icontains=q)
            | Q(customer__number__icontains=q)
            | Q(customer__full_name__icontains=q)
        )
    if filters.after:
        when, pk = _after(filters.after)
        rows = rows.filter(Q(updated_at__lt=when) | Q(updated_at=when, id__lt=pk))
    page = list(rows[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [ticket_out(t) for t in page],
        "next_after": _cursor(page[-1]) if more else None,
    }


@router.post(
    "/tickets",
    auth=requires("helpdesk.work"),
    response={201: TicketDetailOut, **errors(*AUTH_ERRORS, 422)},
    summary="Open a ticket",
)
def ticket_open(request, payload: TicketIn):
    """Open a ticket for a phone call, an email or an integration. A complaint needs its
    complete `complaint` record; a fault needs the subscription when the customer has more
    than one; without a customer, `contact_phone` is required. Capability: `helpdesk.work`."""
    data = payload.dict()
    complaint = data.pop("complaint")
    with field_names(**TICKET_FIELDS):
        ticket = ticket_create(actor=request.auth, complaint=complaint, **data)
    return Status(201, ticket_detail_out(_ticket(ticket.pk)))


@router.post(
    "/tickets/assign",
    auth=requires("helpdesk.assign"),
    response={200: AssignOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Assign tickets",
)
def tickets_assign(request, payload: AssignIn):
    """Give one or many tickets to a staff member who works tickets (`assignee_id` null:
    to nobody). 404 when an id is unknown (nothing is assigned then).
    Capability: `helpdesk.assign`."""
    ids = set(payload.ticket_ids)
    missing = sorted(ids - set(Ticket.objects.filter(pk__in=ids).values_list("pk", flat=True)))
    if missing:
        raise NotFound(
            _("No such ticket."),
            fields={"ticket_ids": [", ".join(str(i) for i in missing[:20])]},
        )
    with field_names(assignee="assignee_id", tickets="ticket_ids"):
        count = ticket_assign(
            ticket_ids=sorted(ids), assignee_id=payload.assignee_id, actor=request.auth
        )
    return {"assigned": count}


@router.get(
    "/tickets/{ticket_id}",
    auth=requires("helpdesk.view"),
    response={200: TicketDetailOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Get a ticket",
)
def ticket_detail(request, ticket_id: int):
    """One ticket with its whole story: public updates and internal notes (`public`
    false), the complaint record and the recorded customer contacts.
    Capability: `helpdesk.view`."""
    return ticket_detail_out(_ticket(ticket_id))


@router.post(
    "/tickets/{ticket_id}/replies",
    auth=requires("helpdesk.work"),
    response={201: UpdateOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Reply or add a note",
)
def ticket_replies(request, ticket_id: int, payload: ReplyIn):
    """A public reply (the customer is told and sees it in the portal), an internal note
    (`public` false), or on a fault a new restoration estimate (`eta`). 409
    `ticket.closed`. Capability: `helpdesk.work`."""
    _ticket(ticket_id)
    return Status(
        201,
        ticket_reply(
            ticket_id=ticket_id,
            actor=request.auth,
            body=payload.body,
            public=payload.public,
            eta=payload.eta,
        ),
    )


@router.post(
    "/tickets/{ticket_id}/actions/{action}",
    auth=requires("helpdesk.work"),
    response={200: TicketOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Move a ticket through its lifecycle",
)
def ticket_action(request, ticket_id: int, action: TicketAction, payload: ActionIn):
    """open, wait_customer, wait_team, resume, resolve, reopen, close. 409
    `ticket.illegal_transition` from a status that does not allow it; 409
    `ticket.guard_failed` for a complaint resolved without its solution or closed before
    the customer was told. Capability: `helpdesk.work`."""
    _ticket(ticket_id)
    ticket = ticket_transition(
        ticket_id=ticket_id, action=action.value, actor=request.auth, note=payload.note
    )
    return ticket_out(_ticket(ticket.pk))


@router.post(
    "/tickets/{ticket_id}/contacts",
    auth=requires("helpdesk.work"),
    response={201: ContactOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Record that the customer was told",
)
def ticket_contact(request, ticket_id: int, payload: ContactIn):
    """The customer was told (channel, when, what): a complaint needs this after its
    solution before it can close. Capability: `helpdesk.work`."""
    _ticket(ticket_id)
    contact = contact_record(
        ticket_id=ticket_id,
        actor=request.auth,
        channel=payload.channel,
        summary=payload.summary,
        contacted_at=payload.contacted_at,
    )
    return Status(201, contact)


@router.post(
    "/tickets/{ticket_id}/complaint/solution",
    auth=requires("helpdesk.work"),
    response={200: ComplaintOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Record a complaint's solution",
)
def complaint_solution_record(request, ticket_id: int, payload: SolutionIn):
    """The solution and the action taken (recording them again means the customer must be
    told again before closing). 404 for a ticket that is not a complaint.
    Capability: `helpdesk.work`."""
    _ticket(ticket_id)
    return complaint_solution(
        ticket_id=ticket_id,
        actor=request.auth,
        solution=payload.solution,
        action_taken=payload.action_taken,
    )


# --- conversations --------------------------------------------------------------------------


@router.get(
    "/conversations/{conversation_id}/messages",
    auth=requires("helpdesk.chat"),
    response={200: MessageListOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="A conversation's messages",
)
def conversation_messages(request, conversation_id: int, filters: Query[MessageFilter]):
    """Messages oldest first after the id `after` (0: from the start); follow
    `next_after` until it is null. Capability: `helpdesk.chat`."""
    conv = get_object_or_404(Conversation, pk=conversation_id)
    rows = list(
        ChatMessage.objects.filter(conversation=conv, id__gt=filters.after).order_by("id")[
            : filters.limit + 1
        ]
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "conversation_id": conv.pk,
        "status": conv.status,
        "items": rows,
        "next_after": rows[-1].pk if more else None,
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    auth=requires("helpdesk.chat"),
    response={201: MessageOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Post a message in a conversation",
)
def conversation_post(request, conversation_id: int, payload: MessageIn):
    """Bring a message into the inbox: the agent's answer (`side` agent; 409
    `chat.not_claimed` unless the token's user claimed the conversation) or what the
    customer wrote elsewhere (`side` customer). 409 `chat.closed`. Both sides see it live.
    Capability: `helpdesk.chat`."""
    from . import chat  # the chat service; imported here so the API loads without it

    conv = get_object_or_404(Conversation.objects.select_related("customer"), pk=conversation_id)
    if payload.side == "agent":
        kind, author = AuthorKind.AGENT, request.auth
    elif conv.customer_id:
        kind, author = AuthorKind.CUSTOMER, conv.customer.user
    else:
        kind, author = AuthorKind.VISITOR, None
    message = chat.message_post(
        conversation_id=conv.pk, author_kind=kind, author=author, body=payload.body
    )
    return Status(201, message)
