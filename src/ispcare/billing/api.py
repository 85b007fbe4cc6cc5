"""API: record payments, read a customer's invoices."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from ispcare.accounts.api_auth import Capability
from ispcare.customers.api import ERRORS
from ispcare.customers.models import Customer

from .models import Invoice
from .services import payment_record

router = Router(tags=["billing"])


class PaymentIn(Schema):
    amount: int
    method: str
    reference: str
    note: str = ""


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    description: str
    amount: int
    amount_paid: int
    balance: int
    status: str
    due_date: dt.date
    issued_at: dt.datetime


class PaymentOut(Schema):
    id: int
    amount: int
    method: str
    reference: str
    invoice: InvoiceOut
    subscription_state: str


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
    }


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: PaymentOut, **ERRORS},
    auth=Capability("billing.record_payment"),
)
def payment_create(request, invoice_id: int, payload: PaymentIn):
    """Record money received; a settled deposit activates the service. Capability: billing.record_payment."""
    get_object_or_404(Invoice, pk=invoice_id)
    payment = payment_record(
        invoice_id=invoice_id,
        amount=payload.amount,
        method=payload.method,
        reference=payload.reference,
        note=payload.note,
        actor=request.auth,
    )
    invoice = Invoice.objects.select_related("subscription").get(pk=invoice_id)
    return Status(
        201,
        {
            "id": payment.pk,
            "amount": payment.amount,
            "method": payment.method,
            "reference": payment.reference,
            "invoice": _invoice(invoice),
            "subscription_state": invoice.subscription.state,
        },
    )


@router.get(
    "/customers/{customer_id}/invoices",
    response={200: list[InvoiceOut], **ERRORS},
    auth=Capability("billing.view"),
)
def customer_invoices(request, customer_id: int):
    """A customer's invoices, newest first. Capability: billing.view."""
    customer = get_object_or_404(Customer, pk=customer_id)
    return [_invoice(i) for i in customer.invoices.order_by("-issued_at", "-id")]
