from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Subscription

from .choices import WorkOrderKind, WorkOrderStatus
from .models import WorkOrder


def jobs_for_technician(*, technician_id: int, day: dt.date) -> QuerySet[WorkOrder]:
    """The phone queue: today's open jobs first, then anything overdue."""
    return (
        WorkOrder.objects.filter(
            technician_id=technician_id, status=WorkOrderStatus.SCHEDULED, scheduled_date__lte=day
        )
        .select_related("customer", "subscription__plan")
        .order_by("scheduled_date", "id")
    )


def subscriptions_to_schedule() -> QuerySet[Subscription]:
    """Approved subscriptions with no open installation job yet."""
    return (
        Subscription.objects.filter(state=SubscriptionState.PENDING_INSTALLATION)
        .exclude(
            work_orders__kind=WorkOrderKind.INSTALLATION,
            work_orders__status=WorkOrderStatus.SCHEDULED,
        )
        .select_related("customer", "plan", "customer__application")
        .order_by("created_at")
    )
