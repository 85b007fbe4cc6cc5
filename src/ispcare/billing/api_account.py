"""API: a customer's account (balance, payments not tied to one invoice, credits and
charges), voiding an invoice, and the record of billing runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from ispcare.accounts.api_auth import requires
from ispcare.common.api import AUTH_ERRORS, errors
from ispcare.customers.models import Customer

from .api import PaymentFields
from .choices import OPEN_STATUSES, AdjustmentKind, RunKind, RunStatus
from .invoicing import adjustment_add, invoice_void
from .ledger import balance
from .models import Adjustment, BillingRun, Invoice, Payment
from .payments import payment_record

router = Router(tags=["billing"])


class AccountOut(Schema):
    customer_id: int
    owed: int = Field(description="Open invoices' balances.")
    credit: int = Field(description="Money received and not yet allocated to an invoice.")
    balance: int = Field(description="owed - credit: what the ledger adds up to.")
    overdue: int = Field(description="Balance of open invoices past their due date.")
    pending_adjustments: int = Field(
        description="Credits (-) and charges (+) for the next invoice."
    )


class CustomerPaymentIn(PaymentFields):
    amount: int = Field(description="Whole rupiah, spread over open invoices oldest first.")


class AllocationOut(Schema):
    invoice: str
    amount: int


class CustomerPaymentOut(Schema):
    id: int
    amount: int
    credit_left: int
    allocations: list[AllocationOut]
    account: AccountOut


class AdjustmentIn(Schema):
    amount: int = Field(description="Negative: a credit; positive: a charge. Whole rupiah.")
    kind: AdjustmentKind
    description: str = Field(max_length=200)


class AdjustmentOut(Schema):
    id: int
    amount: int
    kind: AdjustmentKind
    description: str
    created_at: dt.datetime


class VoidIn(Schema):
    reason: str = Field(max_length=200)


class VoidOut(Schema):
    id: int
    number: str
    status: str
    void_reason: str


class RunOut(Schema):
    id: int
    kind: RunKind
    status: RunStatus
    period_end: dt.date | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    counts: dict
    errors: str


def _account(customer_id: int) -> dict:
    today = timezone.localdate()
    owed = Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES)
    totals = owed.aggregate(a=Sum("amount"), p=Sum("amount_paid"))
    late = owed.filter(due_date__lt=today).aggregate(a=Sum("amount"), p=Sum("amount_paid"))
    credit = Payment.objects.filter(customer_id=customer_id).aggregate(c=Sum("unallocated"))["c"]
    pending = Adjustment.objects.filter(customer_id=customer_id, invoice=None).aggregate(
        s=Sum("amount")
    )["s"]
    return {
        "customer_id": customer_id,
        "owed": (totals["a"] or 0) - (totals["p"] or 0),
        "credit": credit or 0,
        "balance": balance(customer_id=customer_id),
        "overdue": (late["a"] or 0) - (late["p"] or 0),
        "pending_adjustments": pending or 0,
    }


@router.get(
    "/customers/{customer_id}/account",
    auth=requires("billing.view"),
    response={200: AccountOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="A customer's balance",
)
def account(request, customer_id: int):
    """What the customer owes, their credit, what is overdue, and the credits and charges
    waiting for the next invoice. Capability: `billing.view`."""
    get_object_or_404(Customer, pk=customer_id)
    return _account(customer_id)


@router.post(
    "/customers/{customer_id}/payments",
    auth=requires("billing.record_payment"),
    response={201: CustomerPaymentOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Record a payment for a customer",
)
def customer_payment(request, customer_id: int, payload: CustomerPaymentIn):
    """Money received from a customer, not for one invoice: it pays their open invoices
    oldest first, the rest stays as credit for the next ones. Settling everything overdue
    lifts an isolation for non-payment at once. 409 `duplicate` for a reference already
    recorded. Capability: `billing.record_payment`."""
    get_object_or_404(Customer, pk=customer_id)
    payment = payment_record(
        customer_id=customer_id,
        amount=payload.amount,
        method=payload.method,
        reference=payload.reference,
        note=payload.note.strip(),
        currency=payload.currency,
        actor=request.auth,
    )
    payment.refresh_from_db()
    allocations = [
        {"invoice": a.invoice.number, "amount": a.amount}
        for a in payment.allocations.select_related("invoice")
    ]
    return Status(
        201,
        {
            "id": payment.pk,
            "amount": payment.amount,
            "credit_left": payment.unallocated,
            "allocations": allocations,
            "account": _account(customer_id),
        },
    )


@router.post(
    "/customers/{customer_id}/adjustments",
    auth=requires("billing.adjust"),
    response={201: AdjustmentOut, **errors(*AUTH_ERRORS, 404, 422)},
    summary="Add a credit or a charge for the next invoice",
)
def adjustment_create(request, customer_id: int, payload: AdjustmentIn):
    """A compensation or correction (negative amount: credit; positive: charge), shown as
    a line on the customer's next invoice. Capability: `billing.adjust`."""
    get_object_or_404(Customer, pk=customer_id)
    adj = adjustment_add(
        customer_id=customer_id,
        amount=payload.amount,
        kind=payload.kind,
        description=payload.description,
        actor=request.auth,
    )
    return Status(201, adj)


@router.post(
    "/invoices/{invoice_id}/void",
    auth=requires("billing.void"),
    response={200: VoidOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Void an invoice",
)
def void(request, invoice_id: int, payload: VoidIn):
    """Cancel an invoice issued in error, with a reason; what was paid on it becomes the
    customer's credit. 409 `invoice.not_open` if already void. Capability: `billing.void`
    (managers)."""
    get_object_or_404(Invoice, pk=invoice_id)
    return invoice_void(invoice_id=invoice_id, reason=payload.reason, actor=request.auth)


@router.get(
    "/billing/runs",
    auth=requires("billing.reports"),
    response={200: list[RunOut], **errors(*AUTH_ERRORS, 422)},
    summary="Recent billing runs",
)
def runs(request, kind: RunKind | None = None, limit: int = Query(50, ge=1, le=500)):
    """The last runs of the invoice, reminder and isolation jobs, newest first: when, how
    many, errors. Capability: `billing.reports`."""
    rows = BillingRun.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows[:limit])
