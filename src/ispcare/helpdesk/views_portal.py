"""The customer's own tickets in the portal (another customer's id answers 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from ispcare.accounts.decorators import customer_required
from ispcare.customers.models import Customer

from .models import Ticket


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


@customer_required
def ticket_list(request):
    customer = _customer(request)
    tickets = Ticket.objects.filter(customer=customer).order_by("-created_at")
    return render(request, "helpdesk/portal/ticket_list.html", {"tickets": tickets})


@customer_required
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(Ticket, pk=pk, customer=_customer(request))
    return render(
        request,
        "helpdesk/portal/ticket_detail.html",
        {"ticket": ticket, "updates": ticket.updates.filter(public=True)},
    )
