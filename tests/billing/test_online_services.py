"""Online payments, services: making payment links at the Midtrans and Xendit stand-ins
(protocol-level doubles on loopback), reusing a pending one, and a gateway that is down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from ispcare.billing import online
from ispcare.billing.choices import InvoiceKind
from ispcare.billing.dunning import isolation_run
from ispcare.billing.gateways import GatewayDown, GatewayRefused
from ispcare.billing.gateways import base as gw
from ispcare.billing.invoicing import invoice_issue
from ispcare.billing.models import PaymentLink
from ispcare.billing.periods import is_working_day
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.customers.choices import SubscriptionState
from tests.doubles.midtrans import MidtransStandIn
from tests.doubles.xendit import XenditStandIn

pytestmark = pytest.mark.django_db


# --- shared by the online-payment tests -------------------------------------------------------


def last_working_day() -> dt.date:
    day = timezone.localdate()
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def isolated_for_overdue(onboarding, *, amount: int = 200_000):
    """An active subscriber with a monthly invoice 40 days overdue, isolated by the run."""
    customer, sub = onboarding.active()
    invoice = invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=amount,
        description="Internet bulan lalu",
        due_date=timezone.localdate() - dt.timedelta(days=40),
        actor=onboarding.finance,
    )
    isolation_run(today=last_working_day())
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ISOLATED
    invoice.refresh_from_db()
    return customer, sub, invoice


@pytest.fixture
def midtrans_standin(settings):
    with MidtransStandIn() as standin:
        settings.MIDTRANS = standin.settings()
        settings.PAYMENT_GATEWAYS = ["midtrans", "xendit"]
        settings.PUBLIC_BASE_URL = "https://isp.example.id"
        yield standin


@pytest.fixture
def xendit_standin(settings):
    with XenditStandIn() as standin:
        settings.XENDIT = standin.settings()
        settings.PAYMENT_GATEWAYS = ["midtrans", "xendit"]
        settings.PUBLIC_BASE_URL = "https://isp.example.id"
        yield standin


# --- creating links ---------------------------------------------------------------------------


def test_midtrans_link_is_a_snap_transaction_for_the_open_balance(onboarding, midtrans_standin):
    customer, _sub, invoice = isolated_for_overdue(onboarding)
    link = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)

    (request,) = midtrans_standin.requests
    assert request["path"] == "/snap/v1/transactions"
    assert request["headers"]["authorization"].startswith("Basic ")
    body = request["json"]
    assert body["transaction_details"] == {
        "order_id": link.order_id,
        "gross_amount": invoice.balance,
    }
    assert sum(i["price"] * i["quantity"] for i in body["item_details"]) == invoice.balance
    assert body["item_details"][0]["id"] == invoice.number
    assert body["customer_details"]["email"] == customer.email
    assert body["callbacks"]["finish"] == "https://isp.example.id/portal/pay/return/"
    (token,) = midtrans_standin.transactions
    assert (link.gateway, link.amount, link.status) == ("midtrans", invoice.balance, "pending")
    assert link.url == f"{midtrans_standin.base_url}/snap/v2/vtweb/{token}"
    assert link.external_id == token and link.invoice_ids == [invoice.pk]
    assert link.expires_at > timezone.now() + dt.timedelta(hours=23)
    assert link.reused is False


def test_xendit_link_is_an_invoice_for_the_open_balance(onboarding, xendit_standin):
    customer, _sub, invoice = isolated_for_overdue(onboarding)
    link = online.payment_link_create(customer_id=customer.pk, gateway="xendit", actor=None)

    (request,) = xendit_standin.requests
    assert request["path"] == "/v2/invoices"
    body = request["json"]
    assert body["external_id"] == link.order_id
    assert body["amount"] == invoice.balance and body["currency"] == "IDR"
    assert body["payer_email"] == customer.email
    assert invoice.number in body["description"]
    assert body["success_redirect_url"] == (
        f"https://isp.example.id/portal/pay/return/?order_id={link.order_id}"
    )
    (invoice_id,) = xendit_standin.invoices
    assert link.external_id == invoice_id
    assert link.url == xendit_standin.invoices[invoice_id]["invoice_url"]


def test_a_pending_link_for_the_same_amount_is_reused(onboarding, midtrans_standin):
    customer, sub, _invoice = isolated_for_overdue(onboarding)
    first = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    again = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    assert again.pk == first.pk and again.reused is True
    assert len(midtrans_standin.requests) == 1  # the gateway was not asked again

    # Another invoice: another amount, another link.
    invoice_issue(
        subscription=sub,
        kind=InvoiceKind.MONTHLY,
        amount=150_000,
        description="Bulan ini",
        due_date=timezone.localdate() + dt.timedelta(days=5),
        actor=onboarding.finance,
    )
    third = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    assert third.pk != first.pk and third.amount > first.amount
    assert PaymentLink.objects.count() == 2


def test_an_expiring_link_is_not_reused(onboarding, midtrans_standin):
    customer, _sub, _invoice = isolated_for_overdue(onboarding)
    first = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    PaymentLink.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() + dt.timedelta(minutes=5)
    )
    second = online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    assert second.pk != first.pk


@pytest.mark.parametrize("gateway", ["midtrans", "xendit"])
def test_gateway_down_writes_nothing(onboarding, midtrans_standin, xendit_standin, gateway):
    customer, _sub, _invoice = isolated_for_overdue(onboarding)
    standin = midtrans_standin if gateway == "midtrans" else xendit_standin
    standin.fail_next(503)
    with pytest.raises(GatewayDown) as caught, translation.override("en"):
        online.payment_link_create(customer_id=customer.pk, gateway=gateway, actor=None)
    assert caught.value.code == "gateway.unavailable" and caught.value.status == 503
    assert "Nothing was charged" in str(caught.value.message)
    standin.stop()  # now nothing listens on that port at all
    with pytest.raises(GatewayDown):
        online.payment_link_create(customer_id=customer.pk, gateway=gateway, actor=None)
    assert PaymentLink.objects.count() == 0


def test_a_gateway_that_does_not_answer_in_time_is_down(onboarding, midtrans_standin, monkeypatch):
    import httpx

    monkeypatch.setattr(gw, "TIMEOUT", httpx.Timeout(0.3))
    customer, _sub, _invoice = isolated_for_overdue(onboarding)
    midtrans_standin.delay_next(1.0)
    with pytest.raises(GatewayDown):
        online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    assert PaymentLink.objects.count() == 0


@pytest.mark.parametrize("gateway", ["midtrans", "xendit"])
def test_a_wrong_key_is_refused_and_writes_nothing(
    onboarding, midtrans_standin, xendit_standin, settings, gateway
):
    customer, _sub, _invoice = isolated_for_overdue(onboarding)
    if gateway == "midtrans":
        settings.MIDTRANS = {**settings.MIDTRANS, "server_key": "SB-Mid-server-wrong"}
    else:
        settings.XENDIT = {**settings.XENDIT, "secret_key": "xnd_wrong"}
    with pytest.raises(GatewayRefused) as caught:
        online.payment_link_create(customer_id=customer.pk, gateway=gateway, actor=None)
    assert caught.value.code == "gateway.refused"
    standin = midtrans_standin if gateway == "midtrans" else xendit_standin
    assert len(standin.requests) == 1
    assert PaymentLink.objects.count() == 0


def test_bad_requests_for_a_link(onboarding, midtrans_standin, settings):
    customer, _sub = onboarding.active()  # nothing open
    with pytest.raises(Conflict) as caught:
        online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    assert caught.value.code == "online.nothing_due"
    with pytest.raises(ValidationFailed) as caught:
        online.payment_link_create(customer_id=customer.pk, gateway="paypal", actor=None)
    assert "gateway" in caught.value.fields
    settings.PAYMENT_GATEWAYS = ["xendit"]
    with pytest.raises(ValidationFailed):
        online.payment_link_create(customer_id=customer.pk, gateway="midtrans", actor=None)
    # Before installation only the installation fee is open: that is paid to the technician.
    settings.PAYMENT_GATEWAYS = ["midtrans"]
    waiting, _sub, _order = onboarding.scheduled()
    with pytest.raises(Conflict) as caught:
        online.payment_link_create(customer_id=waiting.pk, gateway="midtrans", actor=None)
    assert caught.value.code == "online.installation_open"
    assert midtrans_standin.requests == [] and PaymentLink.objects.count() == 0
