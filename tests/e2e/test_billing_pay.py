"""Paying online in a real browser: a customer isolated for an overdue invoice logs into the
portal, pays through the Midtrans stand-in (a protocol-level double of Snap on loopback that
posts a correctly signed notification to ISPcare's webhook), and sees the service active
again; the waiting page updates by itself (htmx polling). Finance sees the link and the
notification on the staff pages. Phone and desktop screenshots of each screen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.billing import online
from ispcare.billing.models import GatewayEvent, Payment, PaymentLink
from ispcare.customers.choices import SubscriptionState
from tests import factories
from tests.billing.test_online_services import isolated_for_overdue
from tests.doubles.midtrans import MidtransStandIn, notification
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"


@pytest.fixture
def midtrans(settings, live_server):
    with MidtransStandIn() as standin:
        standin.notify_url = live_server.url + reverse("payment_webhooks:midtrans")
        settings.MIDTRANS = standin.settings()
        settings.PAYMENT_GATEWAYS = ["midtrans"]
        settings.PUBLIC_BASE_URL = live_server.url
        yield standin


def test_isolated_customer_pays_online_and_the_service_comes_back(new_page, midtrans):
    customer, sub, invoice = isolated_for_overdue(factories.Onboarding())
    customer.user.set_password(PASSWORD)
    customer.user.save()

    phone = new_page(PHONE)
    login(phone, customer.user.username, PASSWORD)
    phone.goto(reverse("portal:dashboard"))
    expect(phone.locator("#service-state")).to_have_attribute("data-state", "isolated")
    button = phone.locator("#due-panel #pay-online button.pay-midtrans")
    expect(button).to_be_visible()
    expect(phone.locator("#due-panel #pay-online")).to_contain_text(
        f"Rp {invoice.balance:,}".replace(",", ".")
    )
    shot(phone, "pay-1-dashboard-isolated-phone")

    button.click()  # ISPcare makes the Snap transaction and sends the browser to Midtrans
    expect(phone).to_have_url(re.compile(re.escape(midtrans.base_url) + r"/snap/v2/vtweb/"))
    link = PaymentLink.objects.get(customer=customer)
    assert link.amount == invoice.balance and link.status == "pending"
    (request,) = [r for r in midtrans.requests if r["path"] == "/snap/v1/transactions"]
    assert request["json"]["transaction_details"]["gross_amount"] == invoice.balance

    # Meanwhile, in another tab, the return page waits and polls.
    waiting = phone.context.new_page()
    waiting.goto(reverse("portal_pay:done") + f"?order_id={link.order_id}")
    status = waiting.locator("#pay-status")
    expect(status).to_have_attribute("data-status", "pending")
    shot(waiting, "pay-2-waiting-phone")

    shot(phone, "pay-3-gateway-standin-phone")
    phone.locator("#pay").click()  # Midtrans notifies ISPcare, then sends the customer back
    expect(phone).to_have_url(re.compile(r"/portal/pay/return/\?order_id="))
    expect(phone.locator("#pay-status")).to_have_attribute("data-status", "paid")
    expect(phone.locator("#service-after-pay")).to_have_attribute("data-state", "active")
    shot(phone, "pay-4-paid-phone")

    # The waiting tab saw it by itself (htmx, every 2 s), without a reload.
    expect(status).to_have_attribute("data-status", "paid", timeout=10_000)
    expect(waiting.locator("#service-after-pay")).to_have_attribute("data-state", "active")

    (note, answer) = midtrans.notified[0]
    assert answer == 200 and note["transaction_status"] == "settlement"
    payment = Payment.objects.get(method="midtrans")
    assert payment.reference == note["transaction_id"] and payment.amount == invoice.balance
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE
    assert GatewayEvent.objects.get().outcome == "applied"

    phone.goto(reverse("portal:dashboard"))
    expect(phone.locator("#service-state")).to_have_attribute("data-state", "active")
    expect(phone.locator("#due-panel .all-paid")).to_be_visible()
    expect(phone.locator("#pay-online")).to_have_count(0)
    shot(phone, "pay-5-dashboard-active-phone")

    desk = new_page(DESKTOP)
    login(desk, customer.user.username, PASSWORD)
    desk.goto(reverse("portal_pay:done") + f"?order_id={link.order_id}")
    expect(desk.locator("#pay-status")).to_have_attribute("data-status", "paid")
    shot(desk, "pay-4-paid-desktop")

    # Another customer's payment arrives with the wrong amount: flagged for finance.
    other, _osub, other_invoice = isolated_for_overdue(factories.Onboarding())
    flagged = online.payment_link_create(customer_id=other.pk, gateway="midtrans", actor=None)
    wrong = notification(
        order_id=flagged.order_id,
        gross_amount=flagged.amount - 50_000,
        server_key=midtrans.server_key,
    )
    assert midtrans.notify(wrong) == 200
    flagged.refresh_from_db()
    assert flagged.status == "flagged" and not Payment.objects.filter(
        customer=other, method="midtrans"
    )

    # Finance: the links (flagged first) and the notifications, on a desktop and a phone.
    finance = factories.staff_user(Role.FINANCE)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        staff = new_page(viewport)
        login(staff, finance.username, f"pass-{Role.FINANCE}")
        staff.goto(reverse("billing_online:links"))
        row = staff.locator(f"#link-{link.pk}")
        expect(row.locator(".badge")).to_have_class(re.compile(r"\bok\b"))
        expect(row).to_contain_text(link.order_id)
        first = staff.locator("table.online-links tbody tr").first
        expect(first).to_have_id(f"link-{flagged.pk}")
        expect(first.locator(".badge")).to_have_class(re.compile(r"\bbad\b"))
        expect(first.locator("a.resolve")).to_have_attribute(
            "href", reverse("billing:payment_create", args=[other_invoice.pk])
        )
        shot(staff, f"pay-6-staff-links-{label}")
        staff.goto(reverse("billing_online:events"))
        expect(staff.locator("table.online-events tbody tr")).to_have_count(2)
        expect(staff.locator("table.online-events tbody tr").first).to_have_class("event-flagged")
        shot(staff, f"pay-7-staff-events-{label}")


def test_gateway_down_shows_a_clear_message_and_makes_no_link(new_page, midtrans):
    customer, _sub, _invoice = isolated_for_overdue(factories.Onboarding())
    customer.user.set_password(PASSWORD)
    customer.user.save()
    midtrans.fail_next(503)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        login(page, customer.user.username, PASSWORD)
        page.goto(reverse("portal_billing:invoices"))
        if label == "desktop":
            midtrans.stop()  # now nothing answers at all
        page.locator("#pay-online button.pay-midtrans").click()
        problem = page.locator("#pay-problem")
        expect(problem).to_have_attribute("data-code", "gateway.unavailable")
        expect(problem).to_contain_text("Midtrans")
        shot(page, f"pay-8-gateway-down-{label}")
    assert PaymentLink.objects.count() == 0
