"""Ticket services: open, reply, note, assign, move through the lifecycle. The only code
that writes tickets; each function is one transaction, keyword-only, and tells the
customer (outbox, in the same transaction) and open pages (channel layer, after commit).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, NotFound, ValidationFailed
from ispcare.common.phone import normalize_phone
from ispcare.common.sequences import sequence_next
from ispcare.customers.models import Customer, Subscription

from . import broadcast, notices, sla
from .choices import (
    AuthorKind,
    Priority,
    Source,
    TicketKind,
    TicketStatus,
    UpdateKind,
)
from .complaints import complaint_clean
from .lifecycle import MACHINE
from .models import ComplaintRecord, Ticket, TicketUpdate

SUBJECT_MAX = 200
BODY_MAX = 10_000


def _text(value: Any, field: str, *, required: bool, limit: int) -> tuple[str, list]:
    text = str(value or "").strip()
    if required and not text:
        return text, [_("This field is required.")]
    if len(text) > limit:
        return text, [_("At most %(n)d characters.") % {"n": limit}]
    return text, []


def _choice(value: str, choices, field: str, errors: dict) -> None:
    if value not in choices.values:
        errors[field] = [_("Choose one of the options.")]


def _subscription_for(customer: Customer | None, subscription_id: int | None, kind: str, errors):
    if customer is None:
        return None
    subs = Subscription.objects.filter(customer=customer)
    if subscription_id:
        sub = subs.filter(pk=subscription_id).first()
        if sub is None:
            errors["subscription"] = [_("Choose one of this customer's subscriptions.")]
        return sub
    if kind == TicketKind.FAULT:
        only = list(subs.exclude(state__in=["cancelled", "closed"])[:2])
        if len(only) == 1:
            return only[0]
        errors["subscription"] = [_("Choose the subscription that has the fault.")]
    return None


def ticket_number(now: dt.datetime) -> str:
    year = timezone.localtime(now).year
    return f"TKT/{year}/{sequence_next(name=f'ticket:{year}'):06d}"


def ticket_create(
    *,
    kind: str,
    subject: str,
    source: str,
    actor: Any = None,
    description: str = "",
    priority: str = Priority.NORMAL,
    customer_id: int | None = None,
    subscription_id: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    conversation_id: int | None = None,
    complaint: dict[str, Any] | None = None,
    assignee_id: int | None = None,
) -> Ticket:
    """Open a ticket (from chat, the portal, a phone call or the API).

    A complaint is refused without its complete record (what happened, since when, where,
    impact, how to reach the customer); a fault needs the subscription (taken when the
    customer has just one) and records the subscriber's network node."""
    errors: dict[str, list] = {}
    _choice(kind, TicketKind, "kind", errors)
    _choice(priority, Priority, "priority", errors)
    _choice(source, Source, "source", errors)
    subject, errors_subject = _text(subject, "subject", required=True, limit=SUBJECT_MAX)
    description, errors_desc = _text(description, "description", required=False, limit=BODY_MAX)
    if errors_subject:
        errors["subject"] = errors_subject
    if errors_desc:
        errors["description"] = errors_desc
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer_id and customer is None:
        errors["customer"] = [_("Choose a customer.")]
    contact_name = str(contact_name or "").strip()[:150]
    if customer is None and not customer_id:
        try:
            contact_phone = normalize_phone(contact_phone) if contact_phone else ""
        except DjangoValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
        if not contact_phone and "contact_phone" not in errors:
            errors["contact_phone"] = [_("Give a phone number to reach the person.")]
    sub = _subscription_for(customer, subscription_id, kind, errors)
    record: dict[str, Any] | None = None
    if kind == TicketKind.COMPLAINT:
        record, complaint_errors = complaint_clean(complaint or {})
        errors.update(complaint_errors)
    assignee = _assignee(assignee_id, errors) if assignee_id else None
    if errors:
        raise ValidationFailed(_("Check the ticket."), fields=errors)

    now = timezone.now()
    response_due, resolution_due = sla.due_dates(kind, priority, now)
    author_kind = _author_kind(actor)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=ticket_number(now),
            kind=kind,
            priority=priority,
            subject=subject,
            description=description,
            source=source,
            customer=customer,
            subscription=sub,
            node_id=sub.node_id if sub else None,
            contact_name=contact_name or (customer.full_name if customer else ""),
            contact_phone=contact_phone if customer is None else customer.phone,
            conversation_id=conversation_id,
            assignee=assignee,
            created_by=actor if hasattr(actor, "pk") else None,
            first_response_due=response_due,
            resolution_due=resolution_due,
            awaiting_team_since=now,
        )
        if record is not None:
            ComplaintRecord.objects.create(ticket=ticket, **record)
        TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.STATUS,
            public=True,
            author=ticket.created_by,
            author_kind=author_kind,
            to_status=TicketStatus.NEW,
            body=str(_("Ticket opened")),
        )
        notices.ticket_notify(
            ticket=ticket, template="ticket_opened", key=f"ticket:{ticket.pk}:opened"
        )
        broadcast.push(broadcast.AGENTS, "ticket.changed", ticket=ticket.pk)
    return ticket


def _author_kind(actor: Any) -> str:
    if actor is None or isinstance(actor, str):
        return AuthorKind.SYSTEM
    return AuthorKind.CUSTOMER if getattr(actor, "is_customer", False) else AuthorKind.AGENT


def _assignee(user_id: int, errors: dict):
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_capability(user, "helpdesk.work"):
        errors["assignee"] = [_("Choose a staff member who works tickets.")]
        return None
    return user


def _locked(ticket_id: int) -> Ticket:
    try:
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("No such ticket."), code="ticket.not_found") from None


def _perform(ticket: Ticket, action: str, *, actor: Any, body: str, public: bool = True) -> Ticket:
    """Check the table, move the ticket, stamp the clocks, write the status update row."""
    transition = MACHINE.check(ticket, action, ticket.status)
    now = timezone.now()
    before = ticket.status
    ticket.status = transition.target
    fields = ["status", "updated_at"]
    if transition.target == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        ticket.reopen_until = now + dt.timedelta(days=settings.HELPDESK_REOPEN_DAYS)
        ticket.awaiting_team_since = None
        fields += ["resolved_at", "reopen_until", "awaiting_team_since"]
    elif transition.target == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif action == "reopen":
        ticket.resolved_at = None
        ticket.reopen_until = None
        ticket.awaiting_team_since = now
        fields += ["resolved_at", "reopen_until", "awaiting_team_since"]
    elif transition.target == TicketStatus.WAITING_CUSTOMER:
        ticket.awaiting_team_since = None
        fields.append("awaiting_team_since")
    ticket.save(update_fields=fields)
    TicketUpdate.objects.create(
        ticket=ticket,
        kind=UpdateKind.STATUS,
        public=public,
        author=actor if hasattr(actor, "pk") else None,
        author_kind=_author_kind(actor),
        from_status=before,
        to_status=ticket.status,
        body=body,
    )
    broadcast.push(broadcast.ticket_group(ticket.pk), "ticket.changed", ticket=ticket.pk)
    broadcast.push(broadcast.AGENTS, "ticket.changed", ticket=ticket.pk)
    return ticket


def ticket_transition(*, ticket_id: int, action: str, actor: Any, note: str = "") -> Ticket:
    """Move a ticket (open, wait, resume, resolve, reopen, close): the table decides, the
    guards refuse a complaint resolved without its solution or closed before the customer
    was told. The customer hears of a resolution (with the note) and a reopening."""
    note, errors = _text(note, "note", required=False, limit=BODY_MAX)
    if errors:
        raise ValidationFailed(_("Check the note."), fields={"note": errors})
    with transaction.atomic():
        ticket = _perform(_locked(ticket_id), action, actor=actor, body=note)
        if ticket.status == TicketStatus.RESOLVED:
            notices.ticket_notify(
                ticket=ticket,
                template="ticket_resolved",
                key=f"ticket:{ticket.pk}:resolved:{ticket.resolved_at.isoformat()}",
                extra={"note": note, "reopen_days": settings.HELPDESK_REOPEN_DAYS},
            )
    return ticket


def ticket_reply(
    *,
    ticket_id: int,
    actor: Any,
    body: str,
    public: bool = True,
    eta: dt.datetime | None = None,
) -> TicketUpdate:
    """An agent writes on a ticket: a public reply (the customer is notified in their
    channel and sees it in the portal) or an internal note (never shown to them). On a
    fault a new restoration estimate (`eta`) is shown live in the portal and notified
    whenever it changes. The first public reply stops the first-response clock."""
    body, errors = _text(body, "body", required=eta is None, limit=BODY_MAX)
    fields: dict[str, list] = {"body": errors} if errors else {}
    now = timezone.now()
    if eta is not None and eta <= now:
        fields["eta"] = [_("The estimate must be in the future.")]
    if fields:
        raise ValidationFailed(_("Check the update."), fields=fields)
    with transaction.atomic():
        ticket = _locked(ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise Conflict(_("This ticket is closed."), code="ticket.closed")
        if eta is not None:
            if ticket.kind != TicketKind.FAULT:
                raise ValidationFailed(
                    _("Only a fault has a restoration estimate."),
                    fields={"eta": [_("Only a fault has a restoration estimate.")]},
                )
            if not public:
                raise ValidationFailed(
                    _("A restoration estimate is always shown to the customer."),
                    fields={"eta": [_("A restoration estimate is always shown to the customer.")]},
                )
        kind = (
            UpdateKind.ETA if eta is not None else (UpdateKind.REPLY if public else UpdateKind.NOTE)
        )
        update = TicketUpdate.objects.create(
            ticket=ticket,
            kind=kind,
            public=public,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=body,
            eta=eta,
        )
        fields_changed = ["updated_at"]
        if public:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
                fields_changed.append("first_responded_at")
            ticket.awaiting_team_since = None
            ticket.reminded_at = None
            fields_changed += ["awaiting_team_since", "reminded_at"]
        if eta is not None:
            ticket.eta = eta
            fields_changed.append("eta")
        ticket.save(update_fields=fields_changed)
        if ticket.status == TicketStatus.NEW and public:
            _perform(ticket, "open", actor=actor, body="", public=False)
        if public:
            notices.ticket_notify(
                ticket=ticket,
                template="ticket_eta" if eta is not None else "ticket_reply",
                key=f"ticket_update:{update.pk}",
                extra={"update": {"body": body, "eta": eta}},
            )
        broadcast.push(
            broadcast.ticket_group(ticket.pk),
            "ticket.update",
            ticket=ticket.pk,
            update=update.pk,
            public=public,
        )
    return update


def ticket_customer_reply(*, ticket_id: int, customer_id: int, body: str) -> TicketUpdate:
    """The customer writes on their ticket (portal or API). Waiting on them: it goes back
    to the team. Resolved within HELPDESK_REOPEN_DAYS: it reopens. Later, or closed: a new
    ticket is the way (refused with a code). Another customer's ticket: not found."""
    body, errors = _text(body, "body", required=True, limit=BODY_MAX)
    if errors:
        raise ValidationFailed(_("Write your message."), fields={"body": errors})
    with transaction.atomic():
        ticket = _locked(ticket_id)
        if ticket.customer_id != customer_id:
            raise NotFound(_("No such ticket."), code="ticket.not_found")
        now = timezone.now()
        if ticket.status == TicketStatus.CLOSED or (
            ticket.status == TicketStatus.RESOLVED
            and (ticket.reopen_until is None or now > ticket.reopen_until)
        ):
            raise Conflict(_("This ticket is closed: please open a new one."), code="ticket.closed")
        update = TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.CUSTOMER,
            public=True,
            author=ticket.customer.user if ticket.customer else None,
            author_kind=AuthorKind.CUSTOMER,
            body=body,
        )
        if ticket.status == TicketStatus.RESOLVED:
            _perform(ticket, "reopen", actor=ticket.customer.user, body="", public=True)
        elif ticket.status == TicketStatus.WAITING_CUSTOMER:
            _perform(ticket, "resume", actor=ticket.customer.user, body="", public=False)
        if ticket.awaiting_team_since is None:
            ticket.awaiting_team_since = now
        ticket.save(update_fields=["awaiting_team_since", "updated_at"])
        broadcast.push(
            broadcast.ticket_group(ticket.pk),
            "ticket.update",
            ticket=ticket.pk,
            update=update.pk,
            public=True,
        )
        broadcast.push(broadcast.AGENTS, "ticket.changed", ticket=ticket.pk)
    return update


def ticket_assign(*, ticket_ids: list[int], assignee_id: int | None, actor: Any) -> int:
    """Give tickets (one, or many from the list at once) to a staff member, or to nobody.
    Set-based: one UPDATE and one bulk insert of the note rows, however many are picked."""
    errors: dict[str, list] = {}
    assignee = _assignee(assignee_id, errors) if assignee_id else None
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        errors["tickets"] = [_("Pick at least one ticket.")]
    if len(ids) > 500:
        errors["tickets"] = [_("At most %(n)d tickets at once.") % {"n": 500}]
    if errors:
        raise ValidationFailed(_("Check the assignment."), fields=errors)
    label = (assignee.get_full_name() or assignee.get_username()) if assignee else ""
    body = str(_("Assigned to %(name)s") % {"name": label}) if assignee else str(_("Unassigned"))
    with transaction.atomic():
        found = list(
            Ticket.objects.select_for_update()
            .filter(pk__in=ids)
            .exclude(status=TicketStatus.CLOSED)
            .values_list("pk", flat=True)
        )
        Ticket.objects.filter(pk__in=found).update(assignee=assignee, updated_at=timezone.now())
        TicketUpdate.objects.bulk_create(
            TicketUpdate(
                ticket_id=pk,
                kind=UpdateKind.NOTE,
                public=False,
                author=actor,
                author_kind=AuthorKind.AGENT,
                body=body,
            )
            for pk in found
        )
        if assignee is not None and found:
            notices.staff_notify(
                user=assignee,
                template="ticket_assigned",
                key=f"assign:{assignee.pk}:{found[0]}:{len(found)}:{timezone.now().timestamp()}",
                context={"count": len(found), "tickets": found[:10]},
            )
        broadcast.push(broadcast.AGENTS, "ticket.changed", ticket=None)
    return len(found)


def ticket_set_priority(*, ticket_id: int, priority: str, actor: Any) -> Ticket:
    """Change the priority; the SLA due times are counted again from the ticket's start."""
    if priority not in Priority.values:
        raise ValidationFailed(
            _("Choose one of the options."), fields={"priority": [_("Choose one of the options.")]}
        )
    with transaction.atomic():
        ticket = _locked(ticket_id)
        if not ticket.is_open:
            raise Conflict(_("This ticket is no longer open."), code="ticket.not_open")
        ticket.priority = priority
        ticket.first_response_due, ticket.resolution_due = sla.due_dates(
            ticket.kind, priority, ticket.created_at
        )
        ticket.save(
            update_fields=["priority", "first_response_due", "resolution_due", "updated_at"]
        )
        TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.NOTE,
            public=False,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=str(_("Priority set to %(p)s") % {"p": ticket.get_priority_display()}),
        )
    return ticket
