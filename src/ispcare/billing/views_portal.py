"""Portal pages of billing: the logged-in customer's own invoices, payments and documents
only (another customer's id answers 404)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Sum
from django.shortcuts import get_object_or_404, render

from ispcare.accounts.decorators import customer_required
from ispcare.customers.models import Customer

from .choices import OPEN_STATUSES, InvoiceKind
from .models import Adjustment, Allocation, Invoice, Payment
from .selectors import allocations_with_payment, invoices_open
from .views_docs import invoice_pdf_response, receipt_pdf_response


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


def _pay_context(customer: Customer) -> dict:
    return {
        "customer": customer,
        "bank_account": settings.ISP_BANK_ACCOUNT,
        "office_address": settings.ISP_ADDRESS,
    }


def _credit(customer: Customer) -> int:
    return Payment.objects.filter(customer=customer).aggregate(c=Sum("unallocated"))["c"] or 0


@customer_required
def invoices(request):
    """Customer: every invoice with its status, lines and payments; the payment history
    with receipts; what is open and the credit waiting for the next invoice."""
    customer = _customer(request)
    rows = list(
        Invoice.objects.filter(customer=customer)
        .prefetch_related("lines", Prefetch("allocations", queryset=allocations_with_payment()))
        .order_by("-issued_at", "-id")
    )
    open_rows = sorted(
        (i for i in rows if i.status in OPEN_STATUSES), key=lambda i: (i.due_date, i.pk)
    )
    payments = (
        Payment.objects.filter(customer=customer)
        .prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("invoice"))
        )
        .order_by("-received_at", "-id")
    )
    return render(
        request,
        "billing/portal/invoices.html",
        {
            "all_invoices": rows,
            # `invoices` is what the pay-online include pays: the open ones.
            "invoices": open_rows,
            "open_total": sum(i.balance for i in open_rows),
            "transfer_needed": any(i.kind != InvoiceKind.INSTALLATION for i in open_rows),
            "credit": _credit(customer),
            "pending": Adjustment.objects.filter(customer=customer, invoice__isnull=True),
            "payments": payments,
            **_pay_context(customer),
        },
    )


@customer_required
def due_panel(request):
    """Customer, fragment for the dashboard (htmx): open invoices and how to pay them."""
    customer = _customer(request)
    rows = list(invoices_open(customer_id=customer.pk))
    return render(
        request,
        "billing/portal/due_panel.html",
        {
            "invoices": rows,
            "open_total": sum(i.balance for i in rows),
            "credit": _credit(customer),
            # The initial payment goes to the technician; anything else is transferred.
            "transfer_needed": any(i.kind != InvoiceKind.INSTALLATION for i in rows),
            **_pay_context(customer),
        },
    )


@customer_required
def invoice_pdf(request, pk: int):
    customer = _customer(request)
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer"), pk=pk, customer=customer
    )
    return invoice_pdf_response(invoice)


@customer_required
def receipt_pdf(request, payment_pk: int):
    customer = _customer(request)
    payment = get_object_or_404(
        Payment.objects.select_related("customer"), pk=payment_pk, customer=customer
    )
    return receipt_pdf_response(payment)
