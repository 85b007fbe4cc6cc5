"""Billing reports in a real browser: finance filters the unpaid list and reads the aging
chart on a phone; every report page fits a phone and a desktop screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.billing.choices import RunKind, RunStatus
from ispcare.billing.models import BillingRun, Payment
from tests.billing.test_reports import make_book
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _finance(onboarding):
    fin = onboarding.finance
    fin.first_name, fin.last_name = "Fitri", "Keuangan"
    fin.set_password("rahasia-Kuat-2026")
    fin.save()
    return fin


def test_finance_filters_the_unpaid_list_and_reads_the_aging_chart(new_page, onboarding):
    make_book(onboarding)
    fin = _finance(onboarding)
    page = new_page(PHONE)
    login(page, fin.username, "rahasia-Kuat-2026")
    page.goto(reverse("billing_reports:unpaid"))
    rows = page.locator("[data-testid=unpaid-list] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("unpaid-total")).to_have_text("Rp 600.000")

    page.select_option("select[name=state]", "isolated")
    page.get_by_role("button", name="Tampilkan").or_(
        page.get_by_role("button", name="Show")
    ).click()
    page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bambang Wijaya")
    expect(page.get_by_test_id("unpaid-total")).to_have_text("Rp 150.000")
    assert "state=isolated" in page.url
    # The export link carries the filter.
    csv_href = page.locator("a[href*='unpaid.csv']").get_attribute("href")
    assert "state=isolated" in csv_href
    shot(page, "billing-reports-unpaid-filtered-phone")

    page.locator("nav.report-tabs a[href$='/aging/']").click()
    page.wait_for_load_state("networkidle")
    chart = page.get_by_test_id("aging-chart")
    expect(chart.locator("li")).to_have_count(5)
    over_90 = chart.locator("li[data-bucket='90+']")
    expect(over_90).to_contain_text("Rp 150.000")
    bar = over_90.locator(".fill").bounding_box()
    empty = chart.locator("li[data-bucket='61-90'] .fill").bounding_box()
    biggest = chart.locator("li[data-bucket='1-30'] .fill").bounding_box()
    assert bar["width"] > 10 and empty["width"] == 0
    assert biggest["width"] > bar["width"]  # 200,000 against 150,000
    shot(page, "billing-reports-aging-phone")


def test_every_report_page_fits_phone_and_desktop(new_page, onboarding):
    book = make_book(onboarding)
    fin = _finance(onboarding)
    a_cust, _ = book["a"]
    Payment.objects.create(
        customer=a_cust,
        amount=175_000,
        unallocated=175_000,  # nothing to spread it over here: the customer's credit
        method="midtrans",
        reference="MT-SHOT-1",
        received_at=timezone.now(),  # "5 minutes ago" is yesterday at 00:0x WIB
    )
    now = timezone.now()
    BillingRun.objects.create(
        kind=RunKind.INVOICES,
        period_end=timezone.localdate().replace(day=1),
        started_at=now - dt.timedelta(days=1),
        finished_at=now - dt.timedelta(days=1) + dt.timedelta(seconds=41),
        status=RunStatus.DONE,
        counts={"invoices": 3, "amount": 600_000, "prorated": 1},
        triggered_by="billing run",
    )
    BillingRun.objects.create(
        kind=RunKind.ISOLATION,
        started_at=now - dt.timedelta(hours=2),
        finished_at=now - dt.timedelta(hours=2) + dt.timedelta(seconds=2),
        status=RunStatus.FAILED,
        errors="Traceback (most recent call last):\n  ...\nOperationalError: RADIUS database down",
        triggered_by="dunning",
    )
    pages = {
        "unpaid": reverse("billing_reports:unpaid"),
        "aging": reverse("billing_reports:aging"),
        "cash": reverse("billing_reports:cash"),
        "ledger": reverse("billing_reports:ledger", args=[a_cust.pk]),
        "runs": reverse("billing_reports:runs"),
    }
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        login(page, fin.username, "rahasia-Kuat-2026")
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} on {label} is {overflow}px wider than the screen"
            shot(page, f"billing-reports-{name}-{label}")
    # The failed run's error opens on demand.
    page.goto(pages["runs"])
    page.locator("details summary").first.click()
    expect(page.locator("pre.errors")).to_contain_text("RADIUS database down")
    page.goto(pages["cash"])
    expect(page.get_by_test_id("cash-chart")).to_contain_text("Midtrans/Xendit")
    expect(page.get_by_test_id("cash-chart")).to_contain_text("Fitri Keuangan")
