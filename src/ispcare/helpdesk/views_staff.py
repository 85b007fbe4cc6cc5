"""Staff ticket pages (the ticket list and one ticket); views are thin over selectors and
services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from ispcare.accounts.decorators import capability_required

from .models import Ticket


@capability_required("helpdesk.view")
def ticket_list(request):
    tickets = Ticket.objects.select_related("customer", "assignee").order_by("-updated_at", "-id")[
        :50
    ]
    return render(request, "helpdesk/staff/ticket_list.html", {"tickets": tickets})


@capability_required("helpdesk.view")
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(Ticket.objects.select_related("customer", "assignee"), pk=pk)
    return render(
        request,
        "helpdesk/staff/ticket_detail.html",
        {"ticket": ticket, "updates": ticket.updates.select_related("author")},
    )
