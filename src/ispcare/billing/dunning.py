"""Dunning: reminders before, on and after the due date; isolation of subscriptions with
an invoice unpaid past the grace period; and lifting that isolation as soon as nothing
overdue is left. Isolation goes through the subscription lifecycle, so the network's
enforcement and CoA follow; every automatic action leaves an event with its reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext, override

from ispcare.common.bulk import rows_insert
from ispcare.customers.bulk import subscriptions_isolate_overdue
from ispcare.customers.choices import EventKind, IsolationCause, SubscriptionState
from ispcare.customers.events import actor_label
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Customer, Event, Subscription

from .choices import DUNNING_KINDS, OPEN_STATUSES, InvoiceKind, Reminder, RunKind
from .models import BillingRun, Invoice
from .periods import overdue_cutoff
from .recorded import run_recorded

DUNNING_LABEL = "dunning"


def overdue_invoices(cutoff: dt.date) -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        status__in=OPEN_STATUSES, kind__in=DUNNING_KINDS, due_date__lte=cutoff
    )


def _restore_cutoff(today: dt.date) -> dt.date | None:
    """Overdue for lifting isolation: as on the last day isolation could happen."""
    day = today
    for _ in range(30):
        cutoff = overdue_cutoff(day)
        if cutoff is not None:
            return cutoff
        day -= dt.timedelta(days=1)
    return None


def overdue_restore(*, customer_id: int, actor: Any, today: dt.date | None = None) -> list[int]:
    """Lift billing's isolation of the customer's subscriptions that have nothing overdue
    left (called after every payment, credit and void, in the same transaction)."""
    isolated = list(
        Subscription.objects.filter(
            customer_id=customer_id,
            state=SubscriptionState.ISOLATED,
            isolation_cause=IsolationCause.OVERDUE,
        ).values_list("pk", flat=True)
    )
    if not isolated:
        return []
    cutoff = _restore_cutoff(today or timezone.localdate())
    still = set()
    if cutoff is not None:
        still = set(
            overdue_invoices(cutoff)
            .filter(subscription_id__in=isolated)
            .values_list("subscription_id", flat=True)
        )
    restored = []
    for pk in isolated:
        if pk in still:
            continue
        subscription_transition(
            subscription_id=pk,
            action="restore",
            actor=actor,
            reason=gettext("Overdue invoices paid"),
        )
        restored.append(pk)
    return restored


def isolation_run(*, today: dt.date | None = None, actor: Any = DUNNING_LABEL) -> BillingRun:
    """Isolate active subscriptions with an invoice unpaid past the grace period; lift the
    isolation of those with nothing overdue left (paid by a path that did not lift it)."""
    today = today or timezone.localdate()

    def work(run: BillingRun) -> dict:
        cutoff = overdue_cutoff(today)
        if cutoff is None:
            return {"isolated": 0, "restored": 0, "skipped": "non-working day"}
        overdue = overdue_invoices(cutoff)
        candidates = Subscription.objects.filter(
            state=SubscriptionState.ACTIVE, pk__in=overdue.values("subscription_id")
        )
        # Payments lock their customer's row first; so do we, then look again: a payment
        # that committed meanwhile is seen, one that waits for us will find the
        # subscription isolated and lift it. Never isolated after being paid.
        customer_ids = sorted(set(candidates.values_list("customer_id", flat=True)))
        for i in range(0, len(customer_ids), 5000):
            list(
                Customer.objects.select_for_update()
                .filter(pk__in=customer_ids[i : i + 5000])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        candidates = list(candidates.values_list("pk", flat=True))
        with override(settings.LANGUAGE_CODE):
            reason = gettext("Unpaid invoice past its due date and grace period")
        isolated = subscriptions_isolate_overdue(
            subscription_ids=candidates, reason=reason, actor=actor
        )
        _notify_isolated(isolated, cutoff)
        lift = Subscription.objects.filter(
            state=SubscriptionState.ISOLATED, isolation_cause=IsolationCause.OVERDUE
        ).exclude(pk__in=overdue.values("subscription_id"))
        restored = []
        for customer_id in set(lift.values_list("customer_id", flat=True)):
            restored += overdue_restore(customer_id=customer_id, actor=actor, today=today)
        return {"isolated": len(isolated), "restored": len(restored), "cutoff": str(cutoff)}

    return run_recorded(RunKind.ISOLATION, work, actor=actor)


def _stage_filters(today: dt.date) -> list[tuple[int, Q, str]]:
    before = today + dt.timedelta(days=settings.BILLING_REMIND_DAYS_BEFORE)
    return [
        (Reminder.OVERDUE, Q(due_date__lt=today), "invoice_overdue"),
        (Reminder.DUE, Q(due_date=today), "invoice_due"),
        (Reminder.BEFORE_DUE, Q(due_date__gt=today, due_date__lte=before), "invoice_reminder"),
        (Reminder.ISSUED, Q(due_date__gt=before), "invoice_issued"),
    ]


def reminders_run(*, today: dt.date | None = None, actor: Any = DUNNING_LABEL) -> BillingRun:
    """Tell each customer with an open invoice the stage it has reached (new, H-3, due
    today, overdue), once per stage; a late run sends only the latest stage."""
    today = today or timezone.localdate()

    def work(run: BillingRun) -> dict:
        counts = {}
        for stage, condition, template in _stage_filters(today):
            invoices = (
                Invoice.objects.select_for_update(of=("self",))
                .filter(condition, status__in=OPEN_STATUSES, reminder__lt=stage)
                .filter(kind__in=[InvoiceKind.MONTHLY, InvoiceKind.FINAL])
                .select_related("customer")
                .order_by("pk")
            )
            rows = list(invoices)
            counts[template] = len(rows)
            if not rows:
                continue
            _notify_invoices(rows, template=template, stage=stage, today=today)
            Invoice.objects.filter(pk__in=[i.pk for i in rows]).update(reminder=stage)
            _events(rows, stage=stage, actor=actor)
        return counts

    return run_recorded(RunKind.REMINDERS, work, actor=actor)


def _events(invoices: list[Invoice], *, stage: int, actor: Any) -> None:
    label, now = actor_label(actor), timezone.now()
    with override(settings.LANGUAGE_CODE):
        reason = str(Reminder(stage).label)
    rows_insert(
        Event,
        [
            {
                "customer_id": i.customer_id,
                "subscription_id": i.subscription_id,
                "kind": EventKind.REMINDER_SENT,
                "actor_label": label,
                "reason": reason,
                "data": {"invoice": i.number, "stage": int(stage), "balance": i.balance},
                "created_at": now,
            }
            for i in invoices
        ],
    )


def _invoice_context(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "amount": invoice.amount,
        "balance": invoice.balance,
        "due_date": invoice.due_date,
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
    }


def _notify_invoices(invoices: list[Invoice], *, template: str, stage: int, today) -> None:
    from ispcare.customers.notices import customer_recipient, notice_base
    from ispcare.notifications.services import bulk_send_create

    recipients = []
    for invoice in invoices:
        r = customer_recipient(invoice.customer)
        r.context.update(
            {
                "name": invoice.customer.full_name,
                "customer_number": invoice.customer.number,
                "invoice": _invoice_context(invoice),
            }
        )
        recipients.append(r)
    with override(settings.LANGUAGE_CODE):
        title = gettext("Invoice reminders: %(stage)s, %(day)s") % {
            "stage": Reminder(stage).label,
            "day": today.strftime("%d/%m/%Y"),
        }
    bulk_send_create(
        title=title,
        template=template,
        recipients=recipients,
        context={**notice_base(), "bank_account": settings.ISP_BANK_ACCOUNT},
        audience=gettext("Customers with an open invoice"),
    )


_RECIPIENT_FIELDS = (
    "pk",
    "number",
    "full_name",
    "email",
    "phone",
    "user_id",
    "language",
    "notify_channels",
)


def _notify_isolated(subscription_ids: list[int], cutoff: dt.date) -> None:
    from ispcare.customers.notices import customer_recipient, notice_base
    from ispcare.notifications.services import bulk_send_create

    if not subscription_ids:
        return
    owed = {
        customer_id: amount - paid
        for customer_id, amount, paid in Invoice.objects.filter(
            subscription_id__in=subscription_ids, status__in=OPEN_STATUSES
        )
        .values("customer_id")
        .annotate(a=Sum("amount"), p=Sum("amount_paid"))
        .values_list("customer_id", "a", "p")
    }
    recipients = []
    # One message per customer (several isolated subscriptions: one), and only the fields
    # the message needs: thousands of customers on an isolation morning.
    customers = (
        Customer.objects.filter(
            pk__in=Subscription.objects.filter(pk__in=subscription_ids).values("customer_id")
        )
        .only(*_RECIPIENT_FIELDS)
        .order_by("pk")
    )
    for customer in customers.iterator(chunk_size=5000):
        r = customer_recipient(customer)
        r.context.update(
            {
                "name": customer.full_name,
                "customer_number": customer.number,
                "balance": owed.get(customer.pk, 0),
            }
        )
        recipients.append(r)
    with override(settings.LANGUAGE_CODE):
        title = gettext("Isolated for non-payment, %(day)s") % {
            "day": timezone.localdate().strftime("%d/%m/%Y")
        }
    bulk_send_create(
        title=title,
        template="service_isolated",
        recipients=recipients,
        context={**notice_base(), "bank_account": settings.ISP_BANK_ACCOUNT},
        audience=gettext("Isolated for non-payment"),
    )
