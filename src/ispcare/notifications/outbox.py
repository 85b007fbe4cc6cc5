"""The worker's side of the outbox: claim due rows, deliver them, record each outcome.

Claims take rows with SKIP LOCKED (PostgreSQL) so several workers share a channel's
queue without sending anything twice; a claimed row carries a lease (next_attempt_at)
after which a crashed worker's rows become due again. Failures are retried with
exponential backoff; permanent ones stop and wait for staff.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from ispcare.common.bulk import rows_update

from .channels import ChannelAdapter, Outcome, adapter_for
from .choices import DUE_STATUSES, BulkStatus, Failure, Status
from .models import BulkSend, Notification

log = logging.getLogger(__name__)

UPDATED = [
    "status",
    "attempts",
    "next_attempt_at",
    "failure",
    "last_error",
    "provider_id",
    "sent_at",
]


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # not attempted this round (channel down or rate limited)
    more: bool = False  # stopped by the time budget with rows still due

    def add(self, other: DrainResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.waiting += other.waiting


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s ... capped (settings.NOTIFY), with ±10 % jitter so retries spread."""
    conf = settings.NOTIFY
    seconds = min(conf["retry_base_seconds"] * 2 ** max(attempts - 1, 0), conf["retry_max_seconds"])
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def claim(channel: str, *, limit: int, now: dt.datetime) -> list[Notification]:
    lease = now + dt.timedelta(seconds=settings.NOTIFY["lease_seconds"])
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(channel=channel, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Notification.objects.filter(id__in=ids).update(status=Status.SENDING, next_attempt_at=lease)
    return list(Notification.objects.filter(id__in=ids).order_by("next_attempt_at", "id"))


def _apply(row: Notification, outcome: Outcome | None, now: dt.datetime, result: DrainResult):
    if outcome is None:  # not attempted: back in the queue, no attempt counted
        row.status, row.next_attempt_at = Status.QUEUED, now + backoff(1)
        result.waiting += 1
        return
    row.attempts += 1
    if outcome.ok:
        row.status, row.sent_at, row.next_attempt_at = Status.SENT, now, None
        row.provider_id, row.failure, row.last_error = outcome.provider_id, "", ""
        result.sent += 1
        return
    row.last_error = outcome.error[:2000]
    if outcome.permanent or row.attempts >= settings.NOTIFY["max_attempts"]:
        row.status, row.next_attempt_at = Status.FAILED, None
        row.failure = outcome.failure if outcome.permanent else Failure.GAVE_UP
        result.failed += 1
    else:
        row.status, row.next_attempt_at = Status.QUEUED, now + backoff(row.attempts)
        row.failure = outcome.failure or Failure.TEMPORARY
        result.retried += 1
    log.warning("notification %s (%s) not sent: %s", row.pk, row.channel, row.last_error)


def record(rows: list[Notification], outcomes: list[Outcome | None]) -> DrainResult:
    now = timezone.now()
    result = DrainResult()
    for row, outcome in zip(rows, outcomes, strict=True):
        _apply(row, outcome, now, result)
    rows_update(rows, UPDATED)
    bulks = {r.bulk_id for r in rows if r.bulk_id}
    if bulks:
        bulks_finish(bulks)
    return result


def bulks_finish(bulk_ids: set[int]) -> None:
    """Mark bulk sends with nothing left to do as done (one indexed probe per bulk)."""
    open_statuses = [Status.QUEUED, Status.SENDING, Status.HELD]
    finished = [
        pk
        for pk in bulk_ids
        if not Notification.objects.filter(bulk_id=pk, status__in=open_statuses).exists()
    ]
    if finished:
        BulkSend.objects.filter(pk__in=finished, status=BulkStatus.RUNNING).update(
            status=BulkStatus.DONE, finished_at=timezone.now()
        )


def drain(
    channel: str,
    *,
    adapter: ChannelAdapter | None = None,
    budget_seconds: float = 50.0,
    batch: int | None = None,
) -> DrainResult:
    """Deliver due rows of `channel` until none is due, the channel fails, or time is up."""
    adapter = adapter or adapter_for(channel)
    batch = batch or settings.NOTIFY["batch"]
    deadline = time.monotonic() + budget_seconds
    total = DrainResult()
    try:
        while True:
            if time.monotonic() >= deadline:
                total.more = due_count(channel) > 0
                break
            rows = claim(channel, limit=batch, now=timezone.now())
            if not rows:
                break
            result = record(rows, adapter.send(rows))
            total.add(result)
            if result.waiting:  # the channel is down or throttling us: stop, retry later
                break
    finally:
        adapter.close()
    return total


def due_count(channel: str) -> int:
    return Notification.objects.filter(
        channel=channel, status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now()
    ).count()


def next_due(channel: str) -> dt.datetime | None:
    return Notification.objects.filter(channel=channel, status__in=DUE_STATUSES).aggregate(
        at=Min("next_attempt_at")
    )["at"]


def backlog() -> dict:
    """For /health/ and the staff: what waits, and for how long (the queue's oldest row)."""
    now = timezone.now()
    waiting = Notification.objects.filter(status__in=DUE_STATUSES).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    return {
        "waiting": waiting["n"],
        "oldest_waiting_s": round((now - waiting["oldest"]).total_seconds())
        if waiting["oldest"]
        else 0,
        "failed_24h": Notification.objects.filter(
            status=Status.FAILED, created_at__gte=now - dt.timedelta(hours=24)
        ).count(),
    }
