"""Reads of the staff ticket pages: the filtered list (keyset pages over indexed filters),
the counters, SLA timers, and what one ticket's page shows.

Every filter here hits an index of models/tickets.py (or 0002's): status, kind, priority
and source lead a (column, status, -updated_at) index; the assignee has its own; the SLA
filters use the partial indexes on the due/breach columns; search looks customers up
first (a few ids, then `customer_id IN`), the ticket number by equality and the subject
by a trigram index on PostgreSQL. No page counts or offsets over the whole table.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ispcare.customers.models import Customer

from . import sla
from .choices import OPEN_STATUSES, Priority, Source, TicketKind, TicketStatus
from .models import Ticket

PAGE_SIZE = 50
CUSTOMER_MATCHES = 200  # a name search that matches more customers is too broad anyway
SOON = dt.timedelta(hours=1)

STATUS_OPEN = "open_all"  # the default: every status where the team still owes something
STATUS_ALL = "all"


@dataclass
class TicketFilter:
    """The list's query string, checked: unknown values are dropped, not errors."""

    status: str = STATUS_OPEN
    kind: str = ""
    priority: str = ""
    assignee: str = ""  # "me", "none" or a user id
    sla: str = ""  # "breached" or "soon"
    source: str = ""
    q: str = ""
    after: tuple[dt.datetime, int] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, data) -> TicketFilter:
        def pick(name: str, allowed) -> str:
            value = (data.get(name) or "").strip()
            return value if value in allowed else ""

        status = (data.get("status") or STATUS_OPEN).strip()
        if status not in (STATUS_OPEN, STATUS_ALL, *TicketStatus.values):
            status = STATUS_OPEN
        assignee = (data.get("assignee") or "").strip()
        if assignee not in ("me", "none") and not assignee.isdigit():
            assignee = ""
        return cls(
            status=status,
            kind=pick("kind", TicketKind.values),
            priority=pick("priority", Priority.values),
            assignee=assignee,
            sla=pick("sla", ("breached", "soon")),
            source=pick("source", Source.values),
            q=(data.get("q") or "").strip()[:100],
            after=_cursor(data.get("after") or ""),
        )

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query-string pairs (without the page cursor), defaults left out."""
        items = [
            ("status", "" if self.status == STATUS_OPEN else self.status),
            ("kind", self.kind),
            ("priority", self.priority),
            ("assignee", self.assignee),
            ("sla", self.sla),
            ("source", self.source),
            ("q", self.q),
        ]
        return [(k, v) for k, v in items if v]


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)


def _cursor(raw: str) -> tuple[dt.datetime, int] | None:
    """`after` = "<updated_at in microseconds since 1970>_<id>" of the previous page's last
    row: exact (no float, no time zone) and safe in a URL as it is."""
    stamp, _sep, pk = raw.partition("_")
    if not (stamp.isdigit() and pk.isdigit()) or len(stamp) > 18:
        return None
    return EPOCH + int(stamp) * MICRO, int(pk)


def cursor_of(ticket: Ticket) -> str:
    return f"{(ticket.updated_at - EPOCH) // MICRO}_{ticket.pk}"


def _phone_digits(q: str) -> str:
    digits = re.sub(r"\D", "", q)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if len(digits) >= 6 else ""


def _search(q: str) -> Q:
    """Ticket number (exact), customer number/name/phone (customers first), subject."""
    cond = Q(number=q.upper()) | Q(subject__icontains=q)
    customers = Q(number__iexact=q) | Q(full_name__icontains=q)
    digits = _phone_digits(q)
    if digits:
        customers |= Q(phone__contains=digits)
    ids = list(Customer.objects.filter(customers).values_list("pk", flat=True)[:CUSTOMER_MATCHES])
    if ids:
        cond |= Q(customer_id__in=ids)
    if digits:
        cond |= Q(contact_phone__contains=digits, customer__isnull=True)
    return cond


def _due_soon(now: dt.datetime) -> Q:
    """Open tickets whose next SLA target falls within the hour (or passed, not yet swept):
    written as the predicates of the partial indexes tkt_response_due/tkt_resolution_due."""
    limit = now + SOON
    return Q(
        first_responded_at__isnull=True,
        response_breached_at__isnull=True,
        first_response_due__lte=limit,
    ) | Q(resolution_breached_at__isnull=True, resolution_due__lte=limit)


def tickets_for_list(f: TicketFilter, *, user, now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    qs = Ticket.objects.select_related("customer", "assignee")
    if f.status == STATUS_OPEN or f.sla:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.status not in (STATUS_OPEN, STATUS_ALL):
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.assignee == "me":
        qs = qs.filter(assignee=user)
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.sla == "breached":
        qs = qs.filter(breached_at__isnull=False)
    elif f.sla == "soon":
        qs = qs.filter(_due_soon(now))
    if f.q:
        qs = qs.filter(_search(f.q))
    if f.after:
        when, pk = f.after
        qs = qs.filter(Q(updated_at__lt=when) | Q(updated_at=when, pk__lt=pk))
    return qs.order_by("-updated_at", "-id")


def page_of(f: TicketFilter, *, user, now: dt.datetime | None = None):
    """(rows, next cursor or ""): one query of PAGE_SIZE + 1 rows."""
    rows = list(tickets_for_list(f, user=user, now=now)[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (cursor_of(rows[-1]) if more and rows else "")


def open_counts() -> dict[str, int]:
    """Tickets per open status: one grouped count over the status index."""
    found = dict(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {s: found.get(s, 0) for s in OPEN_STATUSES}


# SLA timers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    label: Any  # "first response" / "resolution"
    due: dt.datetime
    seconds_left: int  # negative when overdue
    tone: str  # ok, warn, bad
    percent: int = 0  # elapsed business time of the target, 0-100

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0

    @property
    def span(self) -> str:
        """ "2 d 3 h", "3 h 05 m", "12 m": short enough for a table cell."""
        s = abs(self.seconds_left)
        d, rest = divmod(s, 86400)
        h, rest = divmod(rest, 3600)
        m = rest // 60
        if d:
            return f"{d} d {h} h"
        if h:
            return f"{h} h {m:02d} m"
        return f"{m} m"


def _tone(left: dt.timedelta) -> str:
    if left.total_seconds() < 0:
        return "bad"
    return "warn" if left <= SOON else "ok"


def timer_of(ticket: Ticket, now: dt.datetime, *, progress: bool = False) -> Timer | None:
    """The clock that runs now: first response until answered, then resolution."""
    from django.utils.translation import gettext_lazy as _

    if not ticket.is_open:
        return None
    if ticket.first_responded_at is None and ticket.first_response_due:
        label, due = _("First response"), ticket.first_response_due
    elif ticket.resolution_due:
        label, due = _("Resolution"), ticket.resolution_due
    else:
        return None
    left = due - now
    percent = 0
    if progress:
        total = sla.business_minutes_between(ticket.created_at, due) or 1
        spent = sla.business_minutes_between(ticket.created_at, now)
        percent = max(0, min(100, round(100 * spent / total)))
    return Timer(label, due, int(left.total_seconds()), _tone(left), percent)


def timers_of(ticket: Ticket, now: dt.datetime) -> list[tuple[Any, Timer | None, Any]]:
    """Both targets for the ticket's page: (label, running timer or None, done-at)."""
    from django.utils.translation import gettext_lazy as _

    out = []
    for label, due, done in (
        (_("First response"), ticket.first_response_due, ticket.first_responded_at),
        (_("Resolution"), ticket.resolution_due, ticket.resolved_at),
    ):
        if due is None:
            continue
        timer = None
        if done is None and ticket.is_open:
            total = sla.business_minutes_between(ticket.created_at, due) or 1
            spent = sla.business_minutes_between(ticket.created_at, now)
            left = due - now
            timer = Timer(
                label,
                due,
                int(left.total_seconds()),
                _tone(left),
                max(0, min(100, round(100 * spent / total))),
            )
        out.append((label, timer, done, due))
    return out


# One ticket ------------------------------------------------------------------------------


def ticket_for_page(pk: int) -> Ticket:
    return Ticket.objects.select_related(
        "customer",
        "subscription__plan",
        "assignee",
        "created_by",
        "node",
        "conversation",
        "work_order__technician",
        "complaint",
    ).get(pk=pk)


def timeline_of(ticket: Ticket) -> QuerySet:
    return ticket.updates.select_related("author").order_by("id")
