"""The monthly run: every subscription that had service in a period that has ended gets
its invoice, prorated for the days it had, at the prices in force when the period began,
with the credits and charges that waited for it. Set-based: one query for the
subscriptions, invoices numbered in blocks and written with COPY."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext

from ispcare.common.sequences import sequence_next
from ispcare.customers.models import Plan, PlanChange, Subscription

from .choices import InvoiceKind, InvoiceStatus, LineKind, RunKind, RunStatus
from .drafts import Draft, adjustments_pending, adjustments_take, drafts_write, service_description
from .models import BillingRun, Invoice, Payment
from .periods import months_add, period_of, periods_to_bill, prorate
from .pricing import plan_prices_roll, prices_on
from .recorded import run_recorded

CHUNK = 10_000
RUN_LABEL = "billing run"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def _plan_on(day: dt.date, plan_id: int, changes: list[PlanChange]) -> int:
    """The plan a subscription had on `day`, from its plan changes (oldest first)."""
    if not changes:
        return plan_id
    current = changes[0].from_plan_id
    for change in changes:
        if change.effective_date <= day:
            current = change.to_plan_id
    return current


def service_lines(
    draft: Draft,
    *,
    sub: Subscription,
    start: dt.date,
    end: dt.date,
    changes: list[PlanChange] | None = None,
    names: dict[int, str] | None = None,
) -> None:
    """Lines for the service over [start, end): one per period and plan, each prorated by
    the days it covers at the plan's price on the period's first day."""
    if changes is None:
        changes = list(PlanChange.objects.filter(subscription=sub).order_by("effective_date", "id"))
    names = names or dict(Plan.objects.values_list("pk", "name"))
    period_start, period_end = period_of(start)
    while period_start < end:
        prices = prices_on(period_start)
        a, b = max(start, period_start), min(end, period_end)
        cuts = sorted({a, b} | {c.effective_date for c in changes if a < c.effective_date < b})
        for seg_start, seg_end in itertools.pairwise(cuts):
            plan_id = _plan_on(seg_start, sub.plan_id, changes)
            days = (seg_end - seg_start).days
            draft.line(
                kind=LineKind.SERVICE,
                description=f"{names.get(plan_id, '')}, " + service_description(seg_start, seg_end),
                amount=prorate(prices[plan_id], days, (period_end - period_start).days),
                plan_id=plan_id,
                period_start=seg_start,
                period_end=seg_end,
            )
        period_start, period_end = period_end, months_add(period_end, 1)


def invoices_run(*, today: dt.date | None = None, actor: Any = RUN_LABEL) -> list[BillingRun]:
    """Bill every period that has ended since the last completed run (catching up after
    downtime); each period is billed once, whatever runs twice."""
    today = today or timezone.localdate()
    last = BillingRun.objects.filter(kind=RunKind.INVOICES, status=RunStatus.DONE).aggregate(
        end=Max("period_end")
    )["end"]
    runs = [
        period_bill(start=start, end=end, today=today, actor=actor)
        for start, end in periods_to_bill(today=today, last_billed_end=last)
    ]
    plan_prices_roll(today)
    return runs


def period_bill(*, start: dt.date, end: dt.date, today: dt.date, actor: Any) -> BillingRun:
    """Issue the invoices for the period [start, end) that are not issued yet."""

    def work(run: BillingRun) -> dict:
        # One run at a time (the lock is the run-lock sequence row, held to commit).
        sequence_next(name="lock:billing-run")
        return _bill(run=run, start=start, end=end, today=today, actor=actor)

    return run_recorded(RunKind.INVOICES, work, actor=actor, period_end=end)


def _bill(*, run: BillingRun, start: dt.date, end: dt.date, today: dt.date, actor: Any) -> dict:
    from .payments import credit_allocate

    billed = (
        Invoice.objects.filter(kind__in=[InvoiceKind.MONTHLY, InvoiceKind.FINAL], period_end=end)
        .exclude(status=InvoiceStatus.VOID)
        .values("subscription_id")
    )
    finals = (
        Invoice.objects.filter(kind=InvoiceKind.FINAL)
        .exclude(status=InvoiceStatus.VOID)
        .values("subscription_id")
    )
    subs = (
        Subscription.objects.filter(activated_at__lt=_midnight(end))
        .exclude(closed_at__lt=_midnight(start))
        .exclude(pk__in=billed)
        .exclude(pk__in=finals)
        .order_by("customer_id", "pk")
        .values_list("pk", "customer_id", "plan_id", "activated_at", "closed_at")
    )
    prices = prices_on(start)
    names = dict(Plan.objects.values_list("pk", "name"))
    # Subscriptions whose plan changed since the period began (a handful): their lines
    # follow their plan history; everyone else is one line at the current plan.
    changed = PlanChange.objects.filter(effective_date__gt=start).values("subscription_id")
    changes: dict[int, list[PlanChange]] = {}
    for change in PlanChange.objects.filter(subscription_id__in=changed).order_by(
        "effective_date", "id"
    ):
        changes.setdefault(change.subscription_id, []).append(change)
    pending = adjustments_pending()
    description = gettext("Monthly subscription %(period)s") % {
        "period": service_description(start, end)
    }
    period_days = (end - start).days
    due = today + dt.timedelta(days=settings.BILLING_DUE_DAYS)
    counts = {"invoices": 0, "amount": 0, "prorated": 0, "adjustments": 0}
    drafts: list[Draft] = []
    applied: list[tuple[Draft, list]] = []

    def flush() -> None:
        drafts_write(drafts, actor=actor, run_id=run.pk, applied=applied)
        counts["invoices"] += len(drafts)
        counts["amount"] += sum(d.issued_amount for d in drafts)
        drafts.clear()
        applied.clear()

    start_at, end_at = _midnight(start), _midnight(end)
    texts: dict[tuple, str] = {}  # (plan, first, last) -> line text: nearly all the same

    for pk, customer_id, plan_id, activated_at, closed_at in subs.iterator(chunk_size=CHUNK):
        # Local dates only for the few who came or left during the period.
        first = start if activated_at < start_at else max(start, _local(activated_at))
        last = end if closed_at is None or closed_at >= end_at else min(end, _local(closed_at))
        if last <= first:
            continue
        draft = Draft(
            subscription_id=pk,
            customer_id=customer_id,
            kind=InvoiceKind.MONTHLY,
            description=description,
            due_date=due,
            period_start=first,
            period_end=end,
        )
        if pk in changes:
            sub = Subscription(pk=pk, plan_id=plan_id, customer_id=customer_id)
            service_lines(draft, sub=sub, start=first, end=last, changes=changes[pk], names=names)
        else:
            text = texts.get((plan_id, first, last))
            if text is None:
                text = f"{names[plan_id]}, " + service_description(first, last)
                texts[plan_id, first, last] = text
            draft.line(
                kind=LineKind.SERVICE,
                description=text,
                amount=prorate(prices[plan_id], (last - first).days, period_days),
                plan_id=plan_id,
                period_start=first,
                period_end=last,
            )
        if (first, last) != (start, end):
            counts["prorated"] += 1
        if customer_id in pending:
            taken = adjustments_take(draft, pending[customer_id])
            if taken:
                applied.append((draft, taken))
                counts["adjustments"] += len(taken)
        drafts.append(draft)
        if len(drafts) >= CHUNK:
            flush()
    flush()
    with_credit = set(
        Payment.objects.filter(unallocated__gt=0).values_list("customer_id", flat=True)
    )
    counts["credit_used"] = sum(credit_allocate(customer_id=c, actor=actor) for c in with_credit)
    return counts


def run_summary(run: BillingRun) -> dict[str, Any]:
    """Totals of a run's invoices as they stand now (paid since, void since)."""
    return Invoice.objects.filter(run=run).aggregate(amount=Sum("amount"), paid=Sum("amount_paid"))
