"""Reads for the portal inbox and the staff outbox pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .choices import Channel, Status
from .models import BulkSend, Notification


def inbox_for(*, user_id: int) -> QuerySet[Notification]:
    """Every message to the portal account, whichever channel carried it (one row each)."""
    return Notification.objects.filter(user_id=user_id).order_by("-id")


def unread_count(*, user_id: int) -> int:
    return inbox_for(user_id=user_id).filter(read_at__isnull=True).count()


def _external(bulk_id: int | None) -> QuerySet[Notification]:
    rows = Notification.objects.exclude(channel=Channel.INAPP)
    return rows.filter(bulk_id=bulk_id) if bulk_id else rows


def outbox_rows(
    *,
    status: str = "",
    channel: str = "",
    q: str = "",
    bulk_id: int | None = None,
    before_id: int | None = None,
) -> QuerySet[Notification]:
    """Staff outbox, newest first; keyset pages (`before_id`) stay fast on millions of rows."""
    rows = _external(bulk_id).order_by("-id")
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if q:
        rows = rows.filter(Q(to__icontains=q) | Q(recipient_name__icontains=q))
    if before_id:
        rows = rows.filter(id__lt=before_id)
    return rows.select_related("bulk")


def outbox_counts(*, bulk_id: int | None = None) -> dict[str, int]:
    """Per status, for the external channels (what staff must watch: queued and failed)."""
    counts = dict(
        _external(bulk_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {s.value: counts.get(s.value, 0) for s in Status}


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    held: int
    sending: int
    done: int  # sent, delivered or read
    failed: int
    cancelled: int
    inapp: int

    @property
    def external(self) -> int:
        return self.total - self.inapp

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled

    @property
    def percent(self) -> int:
        return int(100 * self.finished / self.external) if self.external else 100


def bulk_progress(bulk: BulkSend) -> Progress:
    by: Counter[str] = Counter()
    inapp = 0
    for row in bulk.notifications.values("channel", "status").annotate(n=Count("id")):
        if row["channel"] == Channel.INAPP:
            inapp += row["n"]
        else:
            by[row["status"]] += row["n"]
    return Progress(
        total=sum(by.values()) + inapp,
        queued=by.get(Status.QUEUED, 0),
        held=by.get(Status.HELD, 0),
        sending=by.get(Status.SENDING, 0),
        done=sum(by.get(s, 0) for s in (Status.SENT, Status.DELIVERED, Status.READ)),
        failed=by.get(Status.FAILED, 0),
        cancelled=by.get(Status.CANCELLED, 0),
        inapp=inapp,
    )
