"""Plan prices by period: a change takes effect from the next period and never rewrites
an issued invoice (its lines keep the amounts they were issued with)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import ValidationFailed
from ispcare.customers.models import Plan

from .models import PlanPrice
from .periods import months_add, period_of


def prices_on(day: dt.date) -> dict[int, int]:
    """Every plan's monthly price on `day`: the latest PlanPrice from on or before it,
    else the plan's own price."""
    latest = (
        PlanPrice.objects.filter(plan=OuterRef("pk"), effective_from__lte=day)
        .order_by("-effective_from")
        .values("monthly_price")[:1]
    )
    rows = Plan.objects.annotate(scheduled=Subquery(latest)).values_list(
        "pk", "monthly_price", "scheduled"
    )
    return {pk: scheduled if scheduled is not None else price for pk, price, scheduled in rows}


@transaction.atomic
def plan_price_change(*, plan_id: int, monthly_price: Any, actor: Any) -> PlanPrice:
    """Schedule `plan`'s new monthly price from the next period's first day."""
    if isinstance(monthly_price, bool) or not isinstance(monthly_price, int) or monthly_price <= 0:
        raise ValidationFailed(
            _("Check the price."),
            fields={"monthly_price": [_("Enter an amount above zero, in whole rupiah.")]},
        )
    plan = Plan.objects.select_for_update().get(pk=plan_id)
    today = timezone.localdate()
    start = months_add(period_of(today)[0], 1)
    if not PlanPrice.objects.filter(plan=plan).exists():
        # Keep the price in force until then, so the history reads from the beginning.
        PlanPrice.objects.create(
            plan=plan,
            monthly_price=plan.monthly_price,
            effective_from=period_of(today)[0],
            created_by=actor if hasattr(actor, "pk") else None,
        )
    price, _created = PlanPrice.objects.update_or_create(
        plan=plan,
        effective_from=start,
        defaults={
            "monthly_price": monthly_price,
            "created_by": actor if hasattr(actor, "pk") else None,
        },
    )
    return price


def plan_prices_roll(today: dt.date) -> int:
    """Make each plan's own price the one in force today (what new sign-ups are shown);
    run by the billing job."""
    current = prices_on(today)
    changed = 0
    for plan in Plan.objects.only("pk", "monthly_price"):
        if current.get(plan.pk, plan.monthly_price) != plan.monthly_price:
            Plan.objects.filter(pk=plan.pk).update(monthly_price=current[plan.pk])
            changed += 1
    return changed
