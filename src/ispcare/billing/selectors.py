from __future__ import annotations

from django.db.models import QuerySet

from .choices import OPEN_STATUSES
from .models import Invoice


def invoices_open(*, customer_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).order_by(
        "due_date"
    )


def invoices_of(*, customer_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer_id=customer_id).prefetch_related("payments")
