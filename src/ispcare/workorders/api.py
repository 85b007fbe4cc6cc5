"""API: schedule and complete installations."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from ispcare.accounts.api_auth import Capability
from ispcare.accounts.roles import Role
from ispcare.customers.api import ERRORS
from ispcare.customers.models import Subscription

from . import services
from .models import WorkOrder

router = Router(tags=["installations"])


class ScheduleIn(Schema):
    date: dt.date
    technician_id: int


class CompleteIn(Schema):
    serials: list[str]
    amount: int
    method: str
    receipt_number: str
    result: str = ""


class WorkOrderOut(Schema):
    id: int
    kind: str
    status: str
    scheduled_date: dt.date
    technician_id: int
    customer_number: str
    subscription_id: int
    subscription_state: str


def _out(order: WorkOrder) -> dict:
    order.subscription.refresh_from_db(fields=["state"])
    return {
        "id": order.pk,
        "kind": order.kind,
        "status": order.status,
        "scheduled_date": order.scheduled_date,
        "technician_id": order.technician_id,
        "customer_number": order.customer.number,
        "subscription_id": order.subscription_id,
        "subscription_state": order.subscription.state,
    }


@router.post(
    "/subscriptions/{subscription_id}/installation",
    response={200: WorkOrderOut, **ERRORS},
    auth=Capability("workorders.schedule"),
)
def installation_schedule(request, subscription_id: int, payload: ScheduleIn):
    """Schedule (or move) the installation. Capability: workorders.schedule."""
    get_object_or_404(Subscription, pk=subscription_id)
    order = services.installation_schedule(
        subscription_id=subscription_id,
        date=payload.date,
        technician_id=payload.technician_id,
        actor=request.auth,
    )
    return _out(order)


@router.post(
    "/work-orders/{work_order_id}/complete",
    response={200: WorkOrderOut, **ERRORS},
    auth=Capability("workorders.field"),
)
def installation_complete(request, work_order_id: int, payload: CompleteIn):
    """Complete an installation with equipment and the initial payment. Capability: workorders.field;
    a technician completes only their own jobs (another's answers 404)."""
    rows = WorkOrder.objects.all()
    if request.auth.role == Role.TECHNICIAN:
        rows = rows.filter(technician=request.auth)
    get_object_or_404(rows, pk=work_order_id)
    order = services.installation_complete(
        work_order_id=work_order_id,
        actor=request.auth,
        serials=[s.strip() for s in payload.serials if s.strip()],
        amount=payload.amount,
        method=payload.method,
        receipt_number=payload.receipt_number,
        result=payload.result,
    )
    return _out(order)
