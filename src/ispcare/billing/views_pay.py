"""Portal: pay the open balance online. The customer picks a gateway, is sent to its page,
and comes back to a page that waits (htmx, every 2 s) until the payment is confirmed."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ispcare.accounts.decorators import customer_required
from ispcare.common.errors import DomainError
from ispcare.common.ratelimit import rate_limit_hit
from ispcare.customers.models import Customer

from . import online
from .models import PaymentLink
from .models.gateway import LinkStatus

# The status fragment asks the gateway itself every this many polls (when no notification
# came), and slows down after FAST_POLLS (2 s each).
REFRESH_EVERY = 10
FAST_POLLS = 90


def _customer(request) -> Customer:
    return get_object_or_404(Customer, user=request.user)


@customer_required
@require_POST
def create(request):
    """Make (or reuse) a link for the open balance and send the customer to the gateway."""
    customer = _customer(request)
    gateway = request.POST.get("gateway", "")
    try:
        rate_limit_hit(request, "payment_link", key=f"customer-{customer.pk}")
        link = online.payment_link_create(
            customer_id=customer.pk, gateway=gateway, actor=request.user
        )
    except DomainError as exc:
        return render(
            request,
            "billing/portal/pay_problem.html",
            {
                "error": exc,
                "customer": customer,
                "bank_account": settings.ISP_BANK_ACCOUNT,
                "office_address": settings.ISP_ADDRESS,
            },
            status=exc.status,
        )
    return redirect(link.url)


def _status_context(link: PaymentLink, polls: int = 0) -> dict:
    subscription = link.customer.subscriptions.order_by("-id").first()
    return {
        "link": link,
        "gateway": online.LABELS.get(link.gateway, link.gateway),
        "subscription": subscription,
        "polls": polls,
        "slow": polls >= FAST_POLLS,
        "waiting": link.status == LinkStatus.PENDING,
    }


def _refresh(link: PaymentLink) -> PaymentLink:
    """Ask the gateway (no notification yet); a gateway that does not answer is no error
    here: the notification will come."""
    try:
        return online.payment_link_refresh(link_id=link.pk)
    except DomainError:
        return link


@customer_required
def done(request):
    """Where the gateway sends the customer back (?order_id=...)."""
    customer = _customer(request)
    order_id = request.GET.get("order_id", "")
    if not order_id:
        return redirect("portal_billing:invoices")
    link = get_object_or_404(PaymentLink, order_id=order_id[:64], customer=customer)
    if link.status == LinkStatus.PENDING:
        link = _refresh(link)
    return render(request, "billing/portal/pay_return.html", _status_context(link))


@customer_required
def status(request, link_pk: int):
    """Fragment polled by the return page until the link is no longer pending."""
    customer = _customer(request)
    link = get_object_or_404(PaymentLink, pk=link_pk, customer=customer)
    try:
        polls = max(0, min(int(request.GET.get("n", "0")), 10_000))
    except ValueError:
        polls = 0
    if link.status == LinkStatus.PENDING and polls and polls % REFRESH_EVERY == 0:
        link = _refresh(link)
    return render(request, "billing/portal/pay_status.html", _status_context(link, polls))
