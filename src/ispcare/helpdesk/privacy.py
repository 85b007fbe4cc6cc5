"""Personal data in the helpdesk, decision 0019.

A customer's tickets, complaint records, contact records, chat conversations and their
messages are theirs; so are a visitor's conversations and tickets left with the same
mobile number before they became a customer.

Anonymised: every free text a customer wrote or that was written about them (ticket
subject and description, updates, the complaint record, what they were told, chat
messages both ways, the visit's problem and result) is REDACTED; chat images are deleted
(the files too, once the transaction commits); a visitor's name becomes the pseudonym and
their number is emptied. Kinds, statuses, priorities, sources, who worked them and every
SLA time stay, and no row is deleted: SLA reports and counts still add up.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.privacy import (
    REDACTED,
    ErasureBatch,
    Subject,
    count_mapped,
    plain,
    section_register,
)
from ispcare.notifications import privacy as notifications_privacy

from .models import (
    ChatMessage,
    ComplaintRecord,
    Conversation,
    CustomerContact,
    Ticket,
    TicketUpdate,
)

COMPLAINT_TEXT = (
    "what_happened",
    "location",
    "impact",
    "contact",
    "investigation",
    "solution",
    "action_taken",
)


def _conversation_q(subject: Subject) -> Q:
    q = Q(customer_id=subject.customer_id)
    if subject.phone_values:
        q |= Q(customer__isnull=True, visitor_phone__in=subject.phone_values)
    return q


def _ticket_q(subject: Subject, conversation_ids: list[int]) -> Q:
    q = Q(customer_id=subject.customer_id)
    if conversation_ids:
        q |= Q(conversation_id__in=conversation_ids)
    if subject.phone_values:
        q |= Q(customer__isnull=True, contact_phone__in=subject.phone_values)
    return q


def _conversations(subject: Subject):
    return Conversation.objects.filter(_conversation_q(subject))


def _tickets(subject: Subject, conversation_ids: list[int]):
    return Ticket.objects.filter(_ticket_q(subject, conversation_ids))


def export(subject: Subject) -> dict[str, Any]:
    convs = list(_conversations(subject).order_by("pk"))
    tickets = list(
        _tickets(subject, [c.pk for c in convs])
        .select_related("complaint")
        .order_by("created_at", "pk")
    )
    ids = [t.pk for t in tickets]
    # The timeline the customer sees in the portal: internal notes are staff's working
    # notes, not part of the self-service download (a full access request goes via staff).
    updates: dict[int, list] = defaultdict(list)
    for u in TicketUpdate.objects.filter(ticket_id__in=ids, public=True).order_by("pk"):
        updates[u.ticket_id].append(
            {
                "at": plain(u.created_at),
                "kind": u.kind,
                "by": u.author_kind,
                "message": u.body,
                "eta": plain(u.eta),
                "status": u.to_status,
            }
        )
    contacts: dict[int, list] = defaultdict(list)
    for c in CustomerContact.objects.filter(ticket_id__in=ids).order_by("pk"):
        contacts[c.ticket_id].append(
            {"at": plain(c.contacted_at), "channel": c.channel, "what_you_were_told": c.summary}
        )
    messages: dict[int, list] = defaultdict(list)
    for m in ChatMessage.objects.filter(conversation__in=[c.pk for c in convs]).order_by("pk"):
        messages[m.conversation_id].append(
            {
                "at": plain(m.created_at),
                "by": m.author_kind,
                "text": m.body,
                "image": bool(m.attachment),
            }
        )

    def complaint(t: Ticket) -> dict[str, Any] | None:
        record = getattr(t, "complaint", None) if t.kind == "complaint" else None
        if record is None:
            return None
        return {
            "what_happened": record.what_happened,
            "since": plain(record.since),
            "location": record.location,
            "impact": record.impact,
            "contact": record.contact,
            "solution": record.solution,
            "action_taken": record.action_taken,
        }

    return {
        "tickets": [
            {
                "number": t.number,
                "kind": t.kind,
                "status": t.status,
                "priority": t.priority,
                "source": t.source,
                "subject": t.subject,
                "description": t.description,
                "contact_name": t.contact_name,
                "contact_phone": t.contact_phone,
                "created_at": plain(t.created_at),
                "resolved_at": plain(t.resolved_at),
                "closed_at": plain(t.closed_at),
                "estimated_restoration": plain(t.eta),
                "complaint": complaint(t),
                "updates": updates.get(t.pk, []),
                "contacts": contacts.get(t.pk, []),
            }
            for t in tickets
        ],
        "chats": [
            {
                "started_at": plain(c.created_at),
                "status": c.status,
                "closed_at": plain(c.closed_at),
                "name": c.visitor_name,
                "phone": c.visitor_phone,
                "messages": messages.get(c.pk, []),
            }
            for c in convs
        ],
    }


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {}
    # Whose each conversation and ticket is, found once (one query each for the batch):
    # the updates below empty the columns (a visitor's number) they were found by.
    conv_owner = batch.owners(Conversation.objects.all(), _conversation_q)
    convs_of: dict[int, list[int]] = defaultdict(list)
    for conv, owner in conv_owner.items():
        convs_of[owner].append(conv)

    def ticket_q(subject: Subject) -> Q:
        return _ticket_q(subject, convs_of.get(subject.customer_id, []))

    ticket_owner = batch.owners(Ticket.objects.all(), ticket_q)
    conv_ids, ticket_ids = list(conv_owner), list(ticket_owner)
    if not conv_ids and not ticket_ids:
        return counts

    # What the outbox sent under a ticket's reference (a visitor's ticket, before they
    # were a customer: the customer's own go under "customer:<id>").
    refs: dict[int, list[str]] = defaultdict(list)
    for ticket, owner in ticket_owner.items():
        refs[owner].append(f"ticket:{ticket}")
    counts["notifications.Notification"] = notifications_privacy.anonymise_refs(batch, refs)

    # Children first.
    messages = ChatMessage.objects.filter(conversation_id__in=conv_ids)
    counts["helpdesk.ChatMessage"] = count_mapped(
        messages.exclude(body=""), "conversation_id", conv_owner
    )
    images = messages.exclude(attachment="")
    counts["helpdesk.ChatMessage.attachment"] = count_mapped(images, "conversation_id", conv_owner)
    names = list(images.values_list("attachment", flat=True))
    images.update(attachment="")
    messages.exclude(body="").update(body=REDACTED)
    if names:
        storage = ChatMessage._meta.get_field("attachment").storage
        transaction.on_commit(lambda: [storage.delete(n) for n in names])

    updates = TicketUpdate.objects.filter(ticket_id__in=ticket_ids).exclude(body="")
    counts["helpdesk.TicketUpdate"] = count_mapped(updates, "ticket_id", ticket_owner)
    updates.update(body=REDACTED)

    complaints = ComplaintRecord.objects.filter(ticket_id__in=ticket_ids)
    counts["helpdesk.ComplaintRecord"] = count_mapped(complaints, "ticket_id", ticket_owner)
    for column in COMPLAINT_TEXT:
        complaints.exclude(**{column: ""}).update(**{column: REDACTED})

    contacts = CustomerContact.objects.filter(ticket_id__in=ticket_ids).exclude(summary="")
    counts["helpdesk.CustomerContact"] = count_mapped(contacts, "ticket_id", ticket_owner)
    contacts.update(summary=REDACTED)

    tickets = Ticket.objects.filter(pk__in=ticket_ids)
    counts["helpdesk.Ticket"] = count_mapped(tickets, "pk", ticket_owner)
    tickets.update(subject=REDACTED)
    tickets.exclude(description="").update(description=REDACTED)
    tickets.filter(~Q(contact_name="") | ~Q(contact_phone="")).update(
        contact_name=REDACTED, contact_phone=""
    )

    convs = Conversation.objects.filter(pk__in=conv_ids)
    counts["helpdesk.Conversation"] = count_mapped(
        convs.filter(~Q(visitor_name="") | ~Q(visitor_phone="") | ~Q(visitor_key="")),
        "pk",
        conv_owner,
    )
    convs.filter(~Q(visitor_name="") | ~Q(visitor_phone="") | ~Q(visitor_key="")).update(
        visitor_name=REDACTED, visitor_phone="", visitor_key=""
    )
    return {table: c for table, c in counts.items() if c}


def register() -> None:
    section_register(
        name="helpdesk",
        label=_("Helpdesk and chat"),
        order=70,
        exporter=export,
        anonymiser=anonymise,
        columns={
            "helpdesk.Ticket": ("subject", "description", "contact_name", "contact_phone"),
            "helpdesk.TicketUpdate": ("body",),
            "helpdesk.ComplaintRecord": COMPLAINT_TEXT,
            "helpdesk.CustomerContact": ("summary",),
            "helpdesk.Conversation": ("visitor_name", "visitor_phone", "visitor_key"),
            "helpdesk.ChatMessage": ("body",),
            "helpdesk.ChatMessage.attachment": ("attachment",),
            "notifications.Notification": ("recipient_name", "to", "subject", "body"),
        },
    )
