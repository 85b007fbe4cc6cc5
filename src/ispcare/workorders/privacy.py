"""Personal data in the technicians' jobs (decision 0019): what the visit was for and what
was found are free text that may name the customer or their house, so both are redacted;
the job itself (kind, dates, status, technician) stays."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.privacy import REDACTED, ErasureBatch, Subject, count_by, rows, section_register

from .models import WorkOrder


def export(subject: Subject) -> dict[str, Any]:
    return {
        "visits": rows(
            WorkOrder.objects.filter(customer_id=subject.customer_id).order_by("pk"),
            "kind",
            "status",
            "scheduled_date",
            "completed_at",
            "problem",
            "result",
        )
    }


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    orders = WorkOrder.objects.filter(customer_id__in=batch.customer_ids)
    counts = count_by(orders.filter(~Q(problem="") | ~Q(result="")), "customer_id")
    orders.exclude(problem="").update(problem=REDACTED)
    orders.exclude(result="").update(result=REDACTED)
    return {"workorders.WorkOrder": counts} if counts else {}


def register() -> None:
    section_register(
        name="workorders",
        label=_("Technician visits"),
        order=50,
        exporter=export,
        anonymiser=anonymise,
        columns={"workorders.WorkOrder": ("problem", "result")},
    )
