"""Reads for the closing team's pages: the queue (set-based, one query per page), one
request with everything around it, and an estimate of the settlement before it is issued.
Nothing here writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ispcare.billing.services import credit_left, open_balance
from ispcare.customers.choices import EquipmentStatus, EventKind, SubscriptionState
from ispcare.customers.models import Customer, Equipment, Event, Subscription
from ispcare.customers.numbers import customer_number_as_stored, number_as_stored
from ispcare.workorders.choices import WorkOrderKind
from ispcare.workorders.models import WorkOrder

from .choices import OPEN_STATUSES, ClosureStatus, OfferOutcome
from .models import REQUEST_NUMBER_FORMAT, Closure, EquipmentPrice, ReturnItem

# The queue's status tabs: every open state, then the finished ones.
QUEUE_TABS = (
    *OPEN_STATUSES,
    ClosureStatus.CLOSED,
    ClosureStatus.CANCELLED,
    ClosureStatus.WITHDRAWN,
)
# Subscriptions a request can be filed for (before installation it is cancelled instead).
TERMINABLE = (
    SubscriptionState.AWAITING_DEPOSIT,
    SubscriptionState.ACTIVE,
    SubscriptionState.ISOLATED,
)


def _equipment_out_count() -> Subquery:
    return Subquery(
        Equipment.objects.filter(
            subscription_id=OuterRef("subscription_id"), status=EquipmentStatus.INSTALLED
        )
        .order_by()
        .values("subscription_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


@dataclass
class QueueFilter:
    status: str = ""  # "" = every open request, "all", or one status
    q: str = ""

    @classmethod
    def from_query(cls, query: Any) -> QueueFilter:
        status = (query.get("status") or "").strip()
        if status not in (*QUEUE_TABS, "all"):
            status = ""
        return cls(status=status, q=(query.get("q") or "").strip()[:100])


def queue(f: QueueFilter) -> QuerySet[Closure]:
    """The requests of the filter, soonest end date first, with what the list shows
    (customer, plan, settlement, devices still out) in the same query."""
    rows = Closure.objects.select_related("customer", "subscription__plan", "settlement").annotate(
        equipment_out=Coalesce(_equipment_out_count(), Value(0))
    )
    if f.status == "":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif f.status != "all":
        rows = rows.filter(status=f.status)
    if f.q:
        rows = rows.filter(_search(f.q))
    return rows.order_by("end_date", "id")


def _search(term: str) -> Q:
    """A whole customer or request number (any case) is looked up by equality: the unique
    index finds it among every request, where a substring search scans them all and the
    customers with them. Any other text: part of either number, or of the name."""
    customer_number = customer_number_as_stored(term)
    request_number = number_as_stored(REQUEST_NUMBER_FORMAT, term)
    # Each shape on its own column (the formats do not overlap): an OR across the two
    # tables would not be an index lookup.
    if customer_number and request_number:
        return Q(customer__number=customer_number) | Q(number=request_number)
    if customer_number:
        return Q(customer__number=customer_number)
    if request_number:
        return Q(number=request_number)
    return (
        Q(number__icontains=term)
        | Q(customer__number__icontains=term)
        | Q(customer__full_name__icontains=term)
    )


def status_counts() -> dict[str, int]:
    """How many requests are in each state (one query)."""
    counts = dict.fromkeys(QUEUE_TABS, 0)
    for row in Closure.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass
class Figures:
    open: int = 0
    ending_week: int = 0
    overdue: int = 0
    equipment_out: int = 0
    refunds_count: int = 0
    refunds_total: int = 0
    stages: list[dict[str, Any]] = field(default_factory=list)


def queue_figures(*, today: dt.date, counts: dict[str, int]) -> Figures:
    """The small numbers above the queue, and how the open requests spread over the stages."""
    running = Closure.objects.filter(
        status__in=[ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS]
    ).aggregate(
        week=Count("pk", filter=Q(end_date__gte=today, end_date__lte=today + dt.timedelta(days=7))),
        overdue=Count("pk", filter=Q(end_date__lt=today)),
    )
    refunds = Closure.objects.filter(
        status=ClosureStatus.SETTLED, settlement__refund__isnull=True, settlement__refund_due__gt=0
    ).aggregate(n=Count("pk"), total=Sum("settlement__refund_due"))
    out = Equipment.objects.filter(
        status=EquipmentStatus.INSTALLED,
        subscription__closures__status__in=OPEN_STATUSES,
    ).count()
    total = sum(counts[s] for s in OPEN_STATUSES)
    stages = [
        {
            "status": s,
            "label": ClosureStatus(s).label,
            "count": counts[s],
            "percent": round(100 * counts[s] / total, 1) if total else 0,
        }
        for s in OPEN_STATUSES
    ]
    return Figures(
        open=total,
        ending_week=running["week"],
        overdue=running["overdue"],
        equipment_out=out,
        refunds_count=refunds["n"] or 0,
        refunds_total=refunds["total"] or 0,
        stages=stages,
    )


# One request --------------------------------------------------------------------------


def closure_for_page(pk: int) -> Closure:
    return Closure.objects.select_related(
        "customer",
        "subscription__plan",
        "requested_by",
        "processed_by",
        "write_off_by",
        "settlement__final_invoice",
        "settlement__refund__paid_by",
    ).get(pk=pk)


def equipment_at_customer(closure: Closure) -> list[Equipment]:
    return list(
        Equipment.objects.filter(
            subscription_id=closure.subscription_id, status=EquipmentStatus.INSTALLED
        ).order_by("kind", "serial")
    )


def items_of(closure: Closure) -> list[ReturnItem]:
    return list(closure.items.select_related("equipment", "checked_in_by", "work_order"))


def pickup_of(closure: Closure) -> WorkOrder | None:
    """The latest pickup job of the request's subscription since it was made."""
    return (
        WorkOrder.objects.filter(
            subscription_id=closure.subscription_id,
            kind=WorkOrderKind.PICKUP,
            created_at__gte=closure.created_at - dt.timedelta(seconds=1),
        )
        .select_related("technician")
        .order_by("-id")
        .first()
    )


def offers_of(closure: Closure) -> list:
    return list(closure.offers.select_related("made_by"))


def pending_offer(offers: list) -> Any:
    return next((o for o in offers if o.outcome == OfferOutcome.PENDING), None)


def events_of(closure: Closure) -> list[Event]:
    """The customer's events since the request (of this subscription, or of the customer as
    a whole: payments, refunds), newest first, up to when the request ended."""
    rows = Event.objects.filter(customer_id=closure.customer_id).filter(
        Q(subscription_id=closure.subscription_id) | Q(subscription__isnull=True)
    )
    first = (
        rows.filter(kind=EventKind.CLOSURE_REQUESTED, data__closure=closure.number)
        .values_list("pk", flat=True)
        .first()
    )
    if first is not None:  # ids order events written in the same second
        rows = rows.filter(pk__gte=first)
    else:
        rows = rows.filter(created_at__gte=closure.created_at)
    until = closure.closed_at or closure.cancelled_at
    if until is None and closure.status == ClosureStatus.WITHDRAWN:
        until = closure.updated_at
    if until is not None:
        rows = rows.filter(created_at__lte=until + dt.timedelta(minutes=1))
    return list(rows.select_related("actor").order_by("-created_at", "-id")[:100])


def prices_by_kind() -> dict[str, EquipmentPrice]:
    return {p.kind: p for p in EquipmentPrice.objects.all()}


def charge_for(price: EquipmentPrice | None, condition: str) -> int:
    if price is None or condition == "good":
        return 0
    return price.damaged_charge if condition == "damaged" else price.missing_charge


def refund_due_now(closure: Closure) -> int:
    """What the refund must be today: the deposit the settlement left and unused credit."""
    settlement = getattr(closure, "settlement", None)
    if settlement is None:
        return 0
    left = settlement.deposit_held - settlement.deposit_applied
    return left + credit_left(customer_id=closure.customer_id)


def balance_now(closure: Closure) -> int:
    return open_balance(customer_id=closure.customer_id)


def mask_account(number: str) -> str:
    """An account number for eyes that do not pay refunds: the last four digits only."""
    digits = (number or "").strip()
    if not digits:
        return ""
    return "•" * max(len(digits) - 4, 2) + digits[-4:]


# The settlement before it is issued ---------------------------------------------------


# The staff customer page's panel ------------------------------------------------------


def closures_of_customer(customer: Customer) -> list[Closure]:
    return list(
        Closure.objects.filter(customer=customer)
        .select_related("subscription__plan")
        .order_by("-created_at", "-id")[:10]
    )


def terminable_subscriptions(customer: Customer) -> list[Subscription]:
    """Subscriptions a request can be filed for: running, without an open request."""
    return list(
        customer.subscriptions.filter(state__in=TERMINABLE)
        .exclude(closures__status__in=OPEN_STATUSES)
        .select_related("plan")
        .order_by("pk")
    )


def open_closure_of_order(order: WorkOrder) -> Closure | None:
    """The open request a pickup job was sent for."""
    return (
        Closure.objects.filter(subscription_id=order.subscription_id, status__in=OPEN_STATUSES)
        .select_related("customer", "subscription__plan")
        .first()
    )
