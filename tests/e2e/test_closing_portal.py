"""Closing from the customer's side in a real browser: on a phone, from the dashboard to
the request form, a mistake shown on its field, the request sent, the instructions with
the device's serial; cancelling with its confirm step; a settled request with the
settlement and the statement. Screenshots (phone and desktop) go to
test-artifacts/closing-portal-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.closures import services
from ispcare.closures.models import Closure
from ispcare.customers.models import Equipment
from tests import factories
from tests.closures.support import request
from tests.e2e.conftest import PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"
DESKTOP = {"width": 1280, "height": 900}


def _customer():
    customer, sub = factories.Onboarding().active()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer, sub


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_customer_asks_to_stop_on_a_phone(new_page):
    customer, sub = _customer()
    serial = Equipment.objects.get(subscription=sub).serial
    page = new_page(PHONE)
    login(page, customer.user.username, PASSWORD)

    page.goto(reverse("portal:dashboard"))
    page.locator("#closing-link").click()
    expect(page.locator("#stop-card")).to_be_visible()
    _no_horizontal_scroll(page)
    shot(page, "closing-portal-index-phone")

    page.locator("#stop-button").click()
    expect(page.locator("#what-happens")).to_contain_text(serial)
    expect(page.locator("#summary-deposit")).to_have_text("Rp 300.000")
    default = timezone.localdate() + dt.timedelta(days=7)
    expect(page.locator("#id_end_date")).to_have_value(default.isoformat())
    _no_horizontal_scroll(page)
    shot(page, "closing-portal-form-phone")

    # A mistake: "other" without a word, the box not ticked.
    page.locator("label.plan-choice:has(input[value=other])").click()
    page.locator("#send-request").click()
    expect(page.locator("#id_reason_text_error")).to_be_visible()
    expect(page.locator("#id_confirm_error")).to_be_visible()
    assert not Closure.objects.exists()
    shot(page, "closing-portal-form-errors-phone")

    page.fill("#id_reason_text", "Pindah ke luar kota bulan depan")
    page.locator("label.plan-choice:has(input[value=dropoff])").click()
    page.fill("#id_refund_bank", "BRI")
    page.fill("#id_refund_account_number", "0021 0100 9988")
    page.fill("#id_refund_account_name", customer.full_name)
    page.locator("#id_confirm").check()
    page.locator("#send-request").click()

    closure = Closure.objects.get()
    page.wait_for_url(f"**{reverse('portal_closures:closure', args=[closure.pk])}")
    expect(page.locator(".msg-success")).to_contain_text(closure.number)
    expect(page.locator(f'.device[data-serial="{serial}"]')).to_be_visible()
    expect(page.locator("#return-how #dropoff-address")).to_be_visible()
    expect(page.locator("#closure-steps li.current")).to_have_count(1)
    assert closure.channel == "portal" and closure.return_method == "dropoff"
    _no_horizontal_scroll(page)
    shot(page, "closing-portal-sent-phone")

    # Cancelling asks first.
    confirm = page.locator("#cancel-confirm")
    expect(confirm).to_be_hidden()
    page.locator("#cancel summary").click()
    page.fill("#cancel input[name=reason]", "Tidak jadi pindah")
    shot(page, "closing-portal-cancel-phone")
    confirm.click()
    expect(page.locator("#state-note")).to_contain_text("Tidak jadi pindah")
    closure.refresh_from_db()
    assert closure.status == "cancelled"


def test_pages_on_desktop_and_a_settled_request(new_page):
    customer, sub = _customer()
    closing = factories.staff_user("closing")
    ont = Equipment.objects.get(subscription=sub)
    open_one = None
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        login(page, customer.user.username, PASSWORD)
        if open_one is None:
            page.goto(reverse("portal_closures:index"))
            shot(page, f"closing-portal-index-{label}")
            page.goto(f"{reverse('portal_closures:request')}?subscription={sub.pk}")
            shot(page, f"closing-portal-form-{label}")
            open_one = request(sub, customer.user)
            services.retention_offer_make(
                closure_id=open_one.pk,
                text="Diskon 50% selama 2 bulan",
                credit=150_000,
                actor=closing,
            )
        page.goto(reverse("portal_closures:closure", args=[open_one.pk]))
        expect(page.locator("#offer")).to_be_visible()
        expect(page.locator(f'.device[data-serial="{ont.serial}"]')).to_be_visible()
        _no_horizontal_scroll(page)
        shot(page, f"closing-portal-instructions-{label}")

    services.closure_pickup_schedule(
        closure_id=open_one.pk,
        technician_id=factories.staff_user("technician", first_name="Agus").pk,
        date=timezone.localdate() + dt.timedelta(days=1),
        actor=closing,
    )
    services.retention_offer_answer(
        offer_id=open_one.offers.get().pk, accept=False, actor=customer.user
    )
    page = new_page(PHONE)
    login(page, customer.user.username, PASSWORD)
    page.goto(reverse("portal_closures:closure", args=[open_one.pk]))
    expect(page.locator("#pickup-date")).to_contain_text("Agus")
    shot(page, "closing-portal-pickup-phone")

    from ispcare.closures.models import EquipmentPrice

    EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=750_000)
    services.closure_check_in(
        closure_id=open_one.pk, conditions={ont.pk: "damaged"}, via="pickup", actor=closing
    )
    services.closures_sweep(today=open_one.end_date)
    settlement = services.closure_settle(closure_id=open_one.pk, actor=closing)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        login(page, customer.user.username, PASSWORD)
        page.goto(reverse("portal_closures:closure", args=[open_one.pk]))
        expect(page.locator("#settlement")).to_contain_text(settlement.final_invoice.number)
        expect(page.locator(f'.device[data-serial="{ont.serial}"] .badge')).to_have_class(
            "badge dev-damaged"
        )
        expect(page.locator("#pay-link")).to_be_visible()
        _no_horizontal_scroll(page)
        shot(page, f"closing-portal-settled-{label}")
        with page.expect_download() as download:
            page.locator("#statement-link").click()
        path = download.value.path()
        with open(path, "rb") as fh:
            assert fh.read(5) == b"%PDF-"
