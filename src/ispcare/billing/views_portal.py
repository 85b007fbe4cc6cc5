"""Portal pages of billing: the logged-in customer's own invoices only."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, render

from ispcare.accounts.decorators import customer_required
from ispcare.customers.models import Customer

from .choices import OPEN_STATUSES, InvoiceKind
from .selectors import invoices_of, invoices_open


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


def _pay_context(customer: Customer) -> dict:
    return {
        "customer": customer,
        "bank_account": settings.ISP_BANK_ACCOUNT,
        "office_address": settings.ISP_ADDRESS,
    }


@customer_required
def invoices(request):
    """Customer: every invoice with its status and the payments made on it."""
    customer = _customer(request)
    rows = list(invoices_of(customer_id=customer.pk))
    open_rows = [i for i in rows if i.status in OPEN_STATUSES]
    return render(
        request,
        "billing/portal/invoices.html",
        {
            "invoices": rows,
            "open_total": sum(i.balance for i in open_rows),
            "transfer_needed": any(i.kind != InvoiceKind.INSTALLATION for i in open_rows),
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
            # The initial payment goes to the technician; anything else is transferred.
            "transfer_needed": any(i.kind != InvoiceKind.INSTALLATION for i in rows),
            **_pay_context(customer),
        },
    )
