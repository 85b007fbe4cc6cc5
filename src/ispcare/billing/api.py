"""API: record payments, read a customer's invoices."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from ispcare.accounts.api_auth import requires
from ispcare.common.api import AUTH_ERRORS, errors
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.lifecycle import access_state
from ispcare.customers.models import Customer
from ispcare.network.specs import AccessState

from . import selectors
from .choices import InvoiceKind, InvoiceStatus, PaymentMethod
from .models import Invoice, Payment
from .services import payment_record

router = Router(tags=["billing"])


class PaymentFields(Schema):
    """What every payment recorded by staff carries (the amount is described per use)."""

    currency: str = Field("IDR", description="Only IDR is accepted.")
    method: str = Field(description="cash, bank_transfer or qris.")
    reference: str = Field(description="Receipt or transfer reference; unique per method.")
    note: str = Field("", max_length=200)


class PaymentIn(PaymentFields):
    amount: int = Field(
        description="Whole rupiah. It pays this invoice first, then the customer's other "
        "open invoices oldest first; anything left is kept as the customer's credit."
    )


class PaymentSummaryOut(Schema):
    id: int
    amount: int
    method: PaymentMethod
    reference: str
    received_at: dt.datetime
    received_by: str


class InvoiceOut(Schema):
    id: int
    number: str
    kind: InvoiceKind
    description: str
    amount: int
    amount_paid: int
    balance: int
    status: InvoiceStatus
    due_date: dt.date
    issued_at: dt.datetime
    paid_at: dt.datetime | None
    subscription_id: int


class InvoiceWithPaymentsOut(InvoiceOut):
    payments: list[PaymentSummaryOut]


class PaymentOut(PaymentSummaryOut):
    note: str
    invoice: InvoiceOut
    subscription_id: int
    subscription_state: SubscriptionState
    access: AccessState


def _invoice(i: Invoice) -> dict:
    return {
        "id": i.pk,
        "number": i.number,
        "kind": i.kind,
        "description": i.description,
        "amount": i.amount,
        "amount_paid": i.amount_paid,
        "balance": i.balance,
        "status": i.status,
        "due_date": i.due_date,
        "issued_at": i.issued_at,
        "paid_at": i.paid_at,
        "subscription_id": i.subscription_id,
    }


def _payment(p: Payment, amount: int | None = None) -> dict:
    who = p.received_by
    return {
        "id": p.pk,
        "amount": p.amount if amount is None else amount,
        "method": p.method,
        "reference": p.reference,
        "received_at": p.received_at,
        "received_by": (who.get_full_name() or who.username) if who else "",
    }


@router.post(
    "/invoices/{invoice_id}/payments",
    auth=requires("billing.record_payment"),
    response={201: PaymentOut, **errors(*AUTH_ERRORS, 404, 409, 422)},
    summary="Record a payment",
)
def payment_create(request, invoice_id: int, payload: PaymentIn):
    """Record money received against an invoice. The deposit, once paid in full, activates
    the service (and lifts the isolation). 409 `invoice.not_open` for a paid or void
    invoice, `duplicate` for a reference already recorded. Capability:
    `billing.record_payment`."""
    get_object_or_404(Invoice, pk=invoice_id)
    payment = payment_record(
        invoice_id=invoice_id,
        amount=payload.amount,
        method=payload.method,
        reference=payload.reference,
        note=payload.note.strip(),
        currency=payload.currency,
        actor=request.auth,
    )
    payment = Payment.objects.select_related("invoice__subscription", "received_by").get(
        pk=payment.pk
    )
    state = payment.invoice.subscription.state
    return Status(
        201,
        {
            **_payment(payment),
            "note": payment.note,
            "invoice": _invoice(payment.invoice),
            "subscription_id": payment.invoice.subscription_id,
            "subscription_state": state,
            "access": access_state(state),
        },
    )


@router.get(
    "/customers/{customer_id}/invoices",
    auth=requires("billing.view"),
    response={200: list[InvoiceWithPaymentsOut], **errors(*AUTH_ERRORS, 404, 422)},
    summary="A customer's invoices",
)
def customer_invoices(request, customer_id: int):
    """A customer's invoices, newest first, each with its payments. Capability:
    `billing.view`."""
    customer = get_object_or_404(Customer, pk=customer_id)
    invoices = selectors.invoices_of(customer_id=customer.pk)
    return [
        {**_invoice(i), "payments": [_payment(a.payment, a.amount) for a in i.allocations.all()]}
        for i in invoices
    ]
