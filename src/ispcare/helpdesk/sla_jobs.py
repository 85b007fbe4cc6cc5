"""The SLA sweep (every minute, jobs.py): mark breaches, escalate them to supervisors,
remind whoever owes a ticket its next step.

Set-based: every rule is ONE conditional UPDATE over a partial index (tkt_response_due,
tkt_resolution_due, tkt_breached, tkt_awaiting_team), so the work does not grow with the
number of tickets, only with what changed. The UPDATE's own WHERE clause is the lock and
the idempotence: a row it stamped no longer matches it, so a second run at the same
moment, or a second worker at the same time (PostgreSQL re-checks the WHERE of a row
another transaction just changed), finds nothing and tells no one. Rows stamped by this
run are read back by the stamp itself (`escalated_at = now`), inside the transaction.
On PostgreSQL a transaction-scoped advisory lock also lets a second worker that starts
while one is sweeping skip at once instead of queueing behind its row locks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ispcare.accounts.roles import CAPABILITIES

from . import broadcast, notices, sla
from .choices import OPEN_STATUSES, AuthorKind, UpdateKind
from .models import Ticket, TicketUpdate

log = logging.getLogger(__name__)

# Tickets named in one notice; the count and the link cover the rest.
NOTICE_LIST = 20
# pg_try_advisory_xact_lock key of the sweep ("SLA" in ASCII).
LOCK_KEY = 0x534C41


@dataclass
class SweepResult:
    response_breached: int = 0
    resolution_breached: int = 0
    escalated: int = 0
    breach_notices: int = 0
    reminded: int = 0
    followup_notices: int = 0
    skipped: bool = False  # another worker was sweeping at that moment


def _open():
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


def supervisors() -> list:
    """Active staff whose role may supervise the helpdesk: they receive escalations."""
    roles = CAPABILITIES["helpdesk.supervise"]
    return list(get_user_model().objects.filter(is_active=True, role__in=roles).order_by("pk"))


def _line(ticket: Ticket) -> str:
    return f"{ticket.number} {ticket.subject}"


def sla_sweep(now: dt.datetime | None = None) -> SweepResult:
    """One pass of the SLA rules as of `now` (default: the clock). Idempotent."""
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        if not _sweep_lock():
            result.skipped = True
            return result
        result.response_breached = (
            _open()
            .filter(
                first_responded_at__isnull=True,
                response_breached_at__isnull=True,
                first_response_due__lt=now,
            )
            .update(response_breached_at=now, breached_at=Coalesce("breached_at", now))
        )
        result.resolution_breached = (
            _open()
            .filter(resolution_breached_at__isnull=True, resolution_due__lt=now)
            .update(resolution_breached_at=now, breached_at=Coalesce("breached_at", now))
        )
        _escalate(now, result)
        _remind(now, result)
    if result.escalated or result.reminded:
        broadcast.push(broadcast.AGENTS, "ticket.changed", ticket=None)
        log.info("sla sweep at %s: %s", now.isoformat(), asdict(result))
    return result


def _sweep_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite runs one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _escalate(now: dt.datetime, result: SweepResult) -> None:
    """Newly breached tickets: stamp escalated_at, a note on each, one summary notice to
    every supervisor."""
    result.escalated = (
        _open()
        .filter(breached_at__isnull=False, escalated_at__isnull=True)
        .update(escalated_at=now)
    )
    if not result.escalated:
        return
    # Read back what this run stamped (breached_at not null keeps it on tkt_breached).
    stamped = list(
        _open()
        .filter(breached_at__isnull=False, escalated_at=now)
        .order_by("-breached_at", "-id")
        .only("id", "number", "subject", "response_breached_at", "resolution_breached_at")
    )
    TicketUpdate.objects.bulk_create(
        [
            TicketUpdate(
                ticket_id=t.pk,
                kind=UpdateKind.NOTE,
                public=False,
                author_kind=AuthorKind.SYSTEM,
                body=_breach_note(t),
            )
            for t in stamped
        ],
        batch_size=1000,
    )
    context = {
        "count": len(stamped),
        "tickets": [_line(t) for t in stamped[:NOTICE_LIST]],
        "url": settings.PUBLIC_BASE_URL + reverse("helpdesk_sla:breaches"),
    }
    for user in supervisors():
        notices.staff_notify(
            user=user,
            template="ticket_breach",
            key=f"sla_breach:{user.pk}:{now.isoformat()}",
            context=context,
        )
        result.breach_notices += 1


def _breach_note(ticket: Ticket) -> str:
    if ticket.response_breached_at and ticket.resolution_breached_at:
        return _("SLA breached: first response and resolution targets passed.")
    if ticket.response_breached_at:
        return _("SLA breached: first response target passed.")
    return _("SLA breached: resolution target passed.")


def _remind(now: dt.datetime, result: SweepResult) -> None:
    """Tickets that have waited on the team HELPDESK_FOLLOWUP_MINUTES business minutes
    (and were not reminded within that span): one notice per assignee listing theirs;
    unassigned ones (or an assignee who left) go to the supervisors."""
    cutoff = sla.business_cutoff(now, settings.HELPDESK_FOLLOWUP_MINUTES)
    waiting = _open().filter(awaiting_team_since__lte=cutoff)
    result.reminded = waiting.filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff)
    ).update(reminded_at=now)
    if not result.reminded:
        return
    stamped = (
        waiting.filter(reminded_at=now)
        .select_related("assignee")
        .order_by("awaiting_team_since", "id")
        .only("id", "number", "subject", "assignee")
    )
    per_user: dict[int | None, list[Ticket]] = defaultdict(list)
    users: dict[int, object] = {}
    for ticket in stamped:
        assignee = ticket.assignee
        if assignee is not None and assignee.is_active:
            users[assignee.pk] = assignee
            per_user[assignee.pk].append(ticket)
        else:
            per_user[None].append(ticket)
    url = settings.PUBLIC_BASE_URL + reverse("helpdesk:ticket_list")
    targets = [(users[pk], tickets) for pk, tickets in per_user.items() if pk is not None]
    if per_user.get(None):
        targets += [(user, per_user[None]) for user in supervisors()]
    for user, tickets in targets:
        notices.staff_notify(
            user=user,
            template="ticket_followup",
            key=f"sla_followup:{user.pk}:{now.isoformat()}:{'u' if tickets is per_user.get(None) else 'a'}",
            context={
                "count": len(tickets),
                "tickets": [_line(t) for t in tickets[:NOTICE_LIST]],
                "url": url,
            },
        )
        result.followup_notices += 1
