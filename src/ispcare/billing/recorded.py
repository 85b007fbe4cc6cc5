"""Every periodic billing job runs through here: a BillingRun row says when it started,
for which period, how many it did and, if it failed, why (the work itself rolls back)."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from ispcare.customers.events import actor_label

from .choices import RunStatus
from .models import BillingRun

log = logging.getLogger(__name__)


def run_recorded(
    kind: str,
    work: Callable[[BillingRun], dict],
    *,
    actor: Any,
    period_end: dt.date | None = None,
) -> BillingRun:
    """Run `work(run)` in one transaction and record its counts, or its failure."""
    run = BillingRun.objects.create(
        kind=kind, period_end=period_end, triggered_by=str(actor_label(actor))
    )
    try:
        with transaction.atomic():
            counts = work(run)
    except Exception:
        log.exception("billing %s run failed (period until %s)", kind, period_end)
        run.status, run.errors = RunStatus.FAILED, traceback.format_exc()[-4000:]
    else:
        run.status, run.counts = RunStatus.DONE, counts
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "errors", "counts", "finished_at"])
    return run
