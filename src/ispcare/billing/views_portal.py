"""Portal pages of billing: the customer's own invoices."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from ispcare.accounts.decorators import customer_required
from ispcare.customers.models import Customer

from .selectors import invoices_of, invoices_open


def _customer_id(request) -> int:
    return Customer.objects.values_list("pk", flat=True).get(user=request.user)


@customer_required
def invoices(request):
    rows = invoices_of(customer_id=_customer_id(request))
    return render(request, "billing/portal/invoices.html", {"invoices": rows})


@customer_required
def due_panel(request):
    """Fragment for the dashboard: what is open and how to pay it."""
    customer = Customer.objects.get(user=request.user)
    return render(
        request,
        "billing/portal/due_panel.html",
        {
            "invoices": invoices_open(customer_id=customer.pk),
            "customer": customer,
            "bank_account": settings.ISP_BANK_ACCOUNT,
        },
    )
