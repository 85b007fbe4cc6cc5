"""Browser: the two staff forms this session added to existing pages, on phone and
desktop: the payment form's "received on" day, and the plan change on the customer page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.billing.models import Invoice, Payment
from ispcare.customers.models import Subscription
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_payment_received_yesterday_and_a_plan_change(new_page):
    o = factories.Onboarding()
    customer, sub = o.installed(full_name="Sekar Ayuningtyas")
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    bigger = factories.PlanFactory(
        code="home-50", name="Home 50", monthly_price=350_000, radius_profile="h50"
    )
    finance = factories.staff_user("finance")
    cs = factories.staff_user("customer_service")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport)
        login(page, finance.username, "pass-finance")
        page.goto(reverse("billing:payment_create", args=[deposit.pk]))
        expect(page.locator("input[name=received_on]")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"payment form on {name} is {overflow}px too wide"
        shot(page, f"staff-payment-received-on-{name}")
        if name == "phone":
            page.fill("input[name=amount]", "100000")
            page.fill("input[name=reference]", "TRF-KEMARIN")
            page.fill("input[name=received_on]", yesterday.isoformat())
            page.locator("form button[type=submit]").last.click()
            page.wait_for_load_state("networkidle")
    payment = Payment.objects.get(reference="TRF-KEMARIN")
    assert timezone.localtime(payment.received_at).date() == yesterday

    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport)
        login(page, cs.username, "pass-customer_service")
        page.goto(reverse("staff:customer_detail", args=[customer.pk]))
        select = page.locator(f"#plan-{sub.pk}")
        expect(select).to_be_visible()
        shot(page, f"staff-customer-plan-change-{name}")
        if name == "desktop":
            select.select_option(str(bigger.pk))
            page.get_by_role("button", name="Ganti mulai hari ini").click()
            page.wait_for_load_state("networkidle")
            expect(page.locator(".messages, [role=status], .flash").first).to_be_visible()
    assert Subscription.objects.get(pk=sub.pk).plan == bigger
