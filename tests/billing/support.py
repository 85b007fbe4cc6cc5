"""Billing test helpers: subscribers put straight into service on a given day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ispcare.billing.choices import InvoiceKind
from ispcare.billing.invoicing import invoice_issue
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Subscription


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def subscriber(onboarding, *, activated: dt.date, closed: dt.date | None = None, **overrides):
    """An approved customer whose subscription is active since `activated` (the lifecycle
    is walked elsewhere; billing only reads the dates and the plan)."""
    customer, sub = onboarding.approved(**overrides)
    Subscription.objects.filter(pk=sub.pk).update(
        state=SubscriptionState.CLOSED if closed else SubscriptionState.ACTIVE,
        activated_at=aware(activated),
        deposit_paid_at=aware(activated),
        closed_at=aware(closed) if closed else None,
    )
    sub.refresh_from_db()
    return customer, sub


def monthly_invoice(sub, actor, *, amount=200_000, due: dt.date | None = None):
    return invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=amount,
        description="Monthly",
        due_date=due or timezone.localdate(),
        actor=actor,
    )
