"""The isolir page: where the router sends an isolated subscriber's web traffic.

Public: the router's NAT rule (deploy/mikrotik/isolir.rsc) redirects the isolir address
list here. The page finds the subscriber from the client address through the open
RADIUS session; failing that (another network, a proxy) it asks for the customer number.
It says why the service is isolated and how to pay, and reveals nothing else: no name,
no address, only the customer number the person already has and what is owed.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.views import rate_limited_page
from ispcare.common.ratelimit import client_ip
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Subscription
from ispcare.network.selectors import open_session_by_ip

from .choices import InvoiceKind
from .selectors import invoices_open
from .views_portal import _pay_context


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Customer number"), max_length=32)


def _subscription_by_ip(request) -> Subscription | None:
    session = open_session_by_ip(client_ip(request))
    if session is None:
        return None
    return (
        Subscription.objects.select_related("customer", "plan")
        .filter(pppoe_username=session["username"])
        .first()
    )


def _subscription_by_number(number: str) -> Subscription | None:
    return (
        Subscription.objects.select_related("customer", "plan")
        .filter(customer__number__iexact=number.strip())
        .exclude(state__in=[SubscriptionState.CANCELLED, SubscriptionState.CLOSED])
        .order_by("-id")
        .first()
    )


@rate_limited_page("isolir_lookup")
def isolir(request):
    found = _subscription_by_ip(request)
    form = LookupForm(request.POST or None)
    looked_up = False
    if found is None and request.method == "POST" and form.is_valid():
        looked_up = True
        found = _subscription_by_number(form.cleaned_data["number"])
    context = {"form": form, "sub": found, "looked_up": looked_up}
    if found is not None:
        rows = list(invoices_open(customer_id=found.customer_id))
        context.update(
            invoices=rows,
            total=sum(i.balance for i in rows),
            waiting_for_deposit=found.state == SubscriptionState.AWAITING_DEPOSIT,
            isolated=found.state
            in (SubscriptionState.AWAITING_DEPOSIT, SubscriptionState.ISOLATED),
            transfer_needed=any(i.kind != InvoiceKind.INSTALLATION for i in rows),
            **_pay_context(found.customer),
        )
    return render(request, "billing/isolir.html", context)


isolir.public = True  # shown to whoever the router redirects; reveals no personal data
