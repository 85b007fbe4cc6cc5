from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .choices import OPEN_STATUSES
from .models import Allocation, Invoice


def invoices_open(*, customer_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by(
        "due_date"
    )


def invoices_of(*, customer_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer_id=customer_id).prefetch_related(
        Prefetch("allocations", queryset=allocations_with_payment())
    )


def allocations_with_payment() -> QuerySet[Allocation]:
    """The parts of payments that settled invoices, each with its payment (and who took it)."""
    return Allocation.objects.select_related("payment__received_by").order_by("created_at", "id")
