"""The manager's personal-data page in a real browser, on a phone and on the desktop:
after the nightly job has anonymised a refused registration, the page counts it apart
from the customers, lists it by its reference (marked as a registration) and shows
nothing of the applicant. Screenshots of both screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.customers.models import Application
from ispcare.customers.privacy_applications import applications_anonymise_due
from ispcare.customers.services import registration_reject
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_registration_anonymised_is_listed_for_the_manager(new_page):
    phone, nik = factories.phone(), factories.nik()
    app = factories.submit(full_name="Wulan Pratiwi", phone=phone, nik=nik)
    registration_reject(
        application_id=app.pk,
        actor=factories.staff_user(Role.REGISTRATION),
        reason="Di luar jangkauan jaringan",
    )
    Application.objects.filter(pk=app.pk).update(
        reviewed_at=timezone.now() - dt.timedelta(days=200)
    )
    assert applications_anonymise_due() == 1
    manager = factories.staff_user(Role.MANAGER)

    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport)
        login(page, manager.username, "pass-" + Role.MANAGER)
        page.goto(reverse("privacy:log"))
        expect(page.get_by_test_id("applications-erased-count")).to_have_text("1")
        expect(page.get_by_test_id("erased-count")).to_have_text("0")
        row = page.locator(f'[data-number="{app.reference}"][data-subject="application"]')
        expect(row).to_have_count(1)
        expect(row).to_be_visible()
        # Labelled as what it is (the phone's stacked table shows the label), and the
        # job's last run counts registrations too.
        assert row.locator("td").nth(1).get_attribute("data-label") == "Pendaftaran"
        expect(page.get_by_test_id("last-run")).not_to_have_text("\u2013")  # the empty tile
        text = page.content()
        assert "Wulan" not in text and nik not in text and phone not in text
        shot(page, f"privacy-staff-registration-{name}")
