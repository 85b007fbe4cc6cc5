"""API: schedule and complete installations."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from ispcare.accounts.api_auth import requires
from ispcare.accounts.roles import Role
from ispcare.common.api import AUTH_ERRORS, errors, field_names
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.lifecycle import access_state
from ispcare.customers.models import Subscription
from ispcare.network.specs import AccessState

from . import services
from .choices import WorkOrderKind, WorkOrderStatus
from .models import WorkOrder

router = Router(tags=["installations"])


class ScheduleIn(Schema):
    date: dt.date = Field(description="Today or later.")
    technician_id: int = Field(description="An active user with the technician role.")


class CompleteIn(Schema):
    serials: list[str] = Field(description="Serials of in-stock devices now installed.")
    amount: int = Field(description="The initial payment collected, whole rupiah.")
    method: str = Field(description="Payment method: cash, bank_transfer or qris.")
    receipt_number: str
    result: str = Field("", max_length=1000, description="Notes from the visit.")
    node_id: int | None = Field(
        None, description="The network node (OLT, access point) the subscriber hangs on."
    )


class WorkOrderOut(Schema):
    id: int
    kind: WorkOrderKind
    status: WorkOrderStatus
    scheduled_date: dt.date
    technician_id: int
    technician: str
    completed_at: dt.datetime | None
    result: str
    customer_id: int
    customer_number: str
    subscription_id: int
    subscription_state: SubscriptionState
    access: AccessState


def _out(order: WorkOrder) -> dict:
    order = WorkOrder.objects.select_related("customer", "subscription", "technician").get(
        pk=order.pk
    )
    return {
        "id": order.pk,
        "kind": order.kind,
        "status": order.status,
        "scheduled_date": order.scheduled_date,
        "technician_id": order.technician_id,
        "technician": order.technician.get_full_name() or order.technician.username,
        "completed_at": order.completed_at,
        "result": order.result,
        "customer_id": order.customer_id,
        "customer_number": order.customer.number,
        "subscription_id": order.subscription_id,
        "subscription_state": order.subscription.state,
        "access": access_state(order.subscription.state),
    }


@router.post(
    "/subscriptions/{subscription_id}/installation",
    auth=requires("workorders.schedule"),
    response={200: WorkOrderOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Schedule an installation",
)
def installation_schedule(request, subscription_id: int, payload: ScheduleIn):
    """Schedule the installation job, or move the open one to another date or technician;
    issues the initial-payment invoice. 409 `installation.not_pending` once installed or
    cancelled. Capability: `workorders.schedule`."""
    get_object_or_404(Subscription, pk=subscription_id)
    with field_names(technician="technician_id"):
        order = services.installation_schedule(
            subscription_id=subscription_id,
            date=payload.date,
            technician_id=payload.technician_id,
            actor=request.auth,
        )
    return _out(order)


@router.post(
    "/work-orders/{work_order_id}/complete",
    auth=requires("workorders.field"),
    response={200: WorkOrderOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Complete an installation",
)
def installation_complete(request, work_order_id: int, payload: CompleteIn):
    """In one step: the devices installed, the initial payment recorded, the service
    isolated until the deposit is paid, the deposit invoiced. A technician completes only
    their own jobs (another's answers 404). 409 `work_order.not_open` when already
    completed or cancelled, `duplicate` for a receipt number already recorded.
    Capability: `workorders.field`."""
    orders = WorkOrder.objects.all()
    if request.auth.role == Role.TECHNICIAN:
        orders = orders.filter(technician=request.auth)
    get_object_or_404(orders, pk=work_order_id)
    with field_names(equipment="serials", reference="receipt_number", node="node_id"):
        order = services.installation_complete(
            work_order_id=work_order_id,
            actor=request.auth,
            serials=[s.strip() for s in payload.serials if s.strip()],
            amount=payload.amount,
            method=payload.method,
            receipt_number=payload.receipt_number,
            result=payload.result.strip(),
            node_id=payload.node_id,
        )
    return _out(order)
