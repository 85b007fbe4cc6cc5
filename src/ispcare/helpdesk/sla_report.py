"""Reads for the supervisors' SLA page: the open breached tickets, breaches per day and
the share of first responses within target this month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from . import sla
from .choices import OPEN_STATUSES
from .models import Ticket

LIST_LIMIT = 200
DAYS = 14


@dataclass
class Breach:
    ticket: Ticket
    target: str  # "response", "resolution" or "both"
    over_minutes: int  # business minutes past the (latest) target passed

    @property
    def over_label(self) -> str:
        return business_span(self.over_minutes)


def business_span(minutes: int) -> str:
    """Business time in hours and minutes ("2 h 05 min")."""
    hours, mins = divmod(max(minutes, 0), 60)
    if hours:
        return str(_("%(h)d h %(m)02d min") % {"h": hours, "m": mins})
    return str(_("%(m)d min") % {"m": mins})


def open_breaches(now: dt.datetime, limit: int = LIST_LIMIT) -> tuple[list[Breach], int]:
    """Open breached tickets, newest breach first (the tkt_breached index), and their count."""
    qs = Ticket.objects.filter(status__in=OPEN_STATUSES, breached_at__isnull=False)
    rows = list(qs.select_related("assignee", "customer").order_by("-breached_at", "-id")[:limit])
    count = len(rows) if len(rows) < limit else qs.count()
    return [_breach(t, now) for t in rows], count


def _breach(ticket: Ticket, now: dt.datetime) -> Breach:
    response = ticket.response_breached_at is not None
    resolution = ticket.resolution_breached_at is not None
    if resolution:
        # The resolution target is the later one; it still runs until the ticket is solved.
        over = sla.business_minutes_between(ticket.resolution_due, now)
    else:
        # Still unanswered: late until now; answered late: late by when the answer came.
        until = ticket.first_responded_at or now
        over = sla.business_minutes_between(ticket.first_response_due, until)
    target = "both" if response and resolution else ("resolution" if resolution else "response")
    return Breach(ticket=ticket, target=target, over_minutes=over)


def breaches_per_day(now: dt.datetime, days: int = DAYS) -> list[dict]:
    """Tickets that breached a target on each of the last `days` days (WIB), oldest first,
    with a bar height in percent of the busiest day."""
    today = now.astimezone(sla.WIB).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(0), sla.WIB)
    counts = dict(
        Ticket.objects.filter(breached_at__gte=start, breached_at__lte=now)
        .annotate(day=TruncDate("breached_at", tzinfo=sla.WIB))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    top = max(counts.values(), default=0)
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        n = counts.get(day, 0)
        out.append({"day": day, "count": n, "pct": round(100 * n / top) if top else 0})
    return out


def response_share(now: dt.datetime) -> dict:
    """Of this month's tickets (WIB) whose first-response clock has stopped or run out, how
    many were answered within target."""
    local = now.astimezone(sla.WIB)
    month_start = dt.datetime.combine(local.date().replace(day=1), dt.time(0), sla.WIB)
    answered = Q(first_responded_at__isnull=False)
    within = answered & Q(first_responded_at__lte=F("first_response_due"))
    decided = answered | Q(response_breached_at__isnull=False)
    figures = Ticket.objects.filter(
        created_at__gte=month_start, first_response_due__isnull=False
    ).aggregate(
        decided=Count("id", filter=decided),
        within=Count("id", filter=within),
    )
    total, ok = figures["decided"], figures["within"]
    return {"decided": total, "within": ok, "pct": round(100 * ok / total) if total else None}
