"""Complaints: the complete record (checked before anything is saved), the investigation,
the solution and action, and the recorded contact that must precede closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import NotFound, ValidationFailed

from .choices import AuthorKind, ContactChannel, TicketKind, UpdateKind
from .models import ComplaintRecord, CustomerContact, Ticket, TicketUpdate

# Field: (label for messages, max length); all required.
RECORD_FIELDS = {
    "what_happened": 5000,
    "location": 300,
    "impact": 2000,
    "contact": 200,
}


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        when = parse_datetime(value.strip())
        if when is None:
            return None
    else:
        return None
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def complaint_clean(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list]]:
    """The complaint record from `data`, and field errors for what is missing or wrong."""
    errors: dict[str, list] = {}
    record: dict[str, Any] = {}
    for name, limit in RECORD_FIELDS.items():
        text = str(data.get(name) or "").strip()
        if not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
        record[name] = text
    since = _when(data.get("since"))
    if since is None:
        errors["since"] = [_("Say since when (date and time).")]
    elif since > timezone.now() + dt.timedelta(minutes=5):
        errors["since"] = [_("This cannot be in the future.")]
    record["since"] = since
    return record, errors


def _complaint_locked(ticket_id: int) -> tuple[Ticket, ComplaintRecord]:
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None or ticket.kind != TicketKind.COMPLAINT:
        raise NotFound(_("No such complaint."), code="complaint.not_found")
    return ticket, ComplaintRecord.objects.select_for_update().get(ticket=ticket)


def complaint_investigate(*, ticket_id: int, actor: Any, notes: str) -> ComplaintRecord:
    """Add to the investigation notes (staff only; kept on the record and as a note)."""
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed(
            _("Write what was found."), fields={"notes": [_("This field is required.")]}
        )
    with transaction.atomic():
        ticket, record = _complaint_locked(ticket_id)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        who = actor.get_full_name() or actor.get_username()
        entry = f"[{stamp} {who}] {notes}"
        record.investigation = f"{record.investigation}\n{entry}".strip()
        record.save(update_fields=["investigation"])
        TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.NOTE,
            public=False,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=notes,
        )
        ticket.save(update_fields=["updated_at"])
    return record


def complaint_solution(
    *, ticket_id: int, actor: Any, solution: str, action_taken: str
) -> ComplaintRecord:
    """Record the solution and the action taken. Recording them (again) means the customer
    must be told (again) before the complaint can close."""
    errors: dict[str, list] = {}
    solution, action_taken = (solution or "").strip(), (action_taken or "").strip()
    if not solution:
        errors["solution"] = [_("This field is required.")]
    if not action_taken:
        errors["action_taken"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("Check the solution."), fields=errors)
    with transaction.atomic():
        ticket, record = _complaint_locked(ticket_id)
        record.solution, record.action_taken = solution, action_taken
        record.solution_recorded_at, record.solution_recorded_by = timezone.now(), actor
        record.save(
            update_fields=[
                "solution",
                "action_taken",
                "solution_recorded_at",
                "solution_recorded_by",
            ]
        )
        TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.NOTE,
            public=False,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=f"{_('Solution')}: {solution}\n{_('Action taken')}: {action_taken}",
        )
        ticket.save(update_fields=["updated_at"])
    return record


def contact_record(
    *,
    ticket_id: int,
    actor: Any,
    channel: str,
    summary: str,
    contacted_at: dt.datetime | None = None,
) -> CustomerContact:
    """Record that the customer was told (by phone, WhatsApp, email, chat or in person),
    when and by whom: what a complaint needs before it can close."""
    errors: dict[str, list] = {}
    now = timezone.now()
    contacted_at = contacted_at or now
    summary = (summary or "").strip()
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose one of the options.")]
    if not summary:
        errors["summary"] = [_("Say what the customer was told.")]
    elif len(summary) > 5000:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": 5000}]
    if contacted_at > now + dt.timedelta(minutes=5):
        errors["contacted_at"] = [_("This cannot be in the future.")]
    if errors:
        raise ValidationFailed(_("Check the contact."), fields=errors)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(_("No such ticket."), code="ticket.not_found")
        if contacted_at < ticket.created_at:
            raise ValidationFailed(
                _("Check the contact."),
                fields={"contacted_at": [_("This is before the ticket was opened.")]},
            )
        contact = CustomerContact.objects.create(
            ticket=ticket, channel=channel, contacted_at=contacted_at, by=actor, summary=summary
        )
        TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.NOTE,
            public=False,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=f"{_('Customer told')} ({contact.get_channel_display()}): {summary}",
        )
        ticket.save(update_fields=["updated_at"])
    return contact
