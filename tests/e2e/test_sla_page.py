"""The supervisors' SLA page in a real browser, on a phone and a desktop: the breaches
per day chart, the share within target, the open breached tickets linking to each ticket;
nothing wider than the screen."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.helpdesk import sla
from ispcare.helpdesk.sla_jobs import sla_sweep
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.helpdesk.test_sla_sweep import ticket

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"


def _story():
    now = timezone.now()
    boss = factories.staff_user(Role.MANAGER, first_name="Rina", last_name="Supervisor")
    boss.set_password(PASSWORD)
    boss.save()
    agent = factories.staff_user(Role.CUSTOMER_SERVICE, first_name="Sari", last_name="CS")
    subjects = [
        "Internet mati sejak pagi",
        "Tagihan ganda bulan November",
        "Modem lampu LOS merah",
        "Kecepatan turun malam hari",
    ]
    for i, subject in enumerate(subjects):  # breached by this sweep
        ticket(
            subject=subject,
            kind="fault" if i % 2 == 0 else "complaint",
            priority="high" if i == 0 else "normal",
            # Due times lie in business hours, as real ones do.
            first_response_due=sla.business_cutoff(now, 30 * (i + 1)),
            resolution_due=sla.business_cutoff(now, 5) if i == 1 else now + dt.timedelta(days=3),
            assignee=agent if i % 2 else None,
        )
    for day in range(1, 14):  # the history of the chart, closed since
        for _ in range((day * 7) % 5):
            ticket(status="closed", breached_at=now - dt.timedelta(days=day))
    for i in range(6):  # answered this month, most within target
        ticket(
            first_response_due=now - dt.timedelta(hours=2),
            first_responded_at=now - dt.timedelta(hours=3 if i < 5 else 1),
            status="resolved",
        )
    # In its own thread: Playwright's event loop runs in this one (the sweep's broadcast
    # would refuse to run inside it).
    worker = threading.Thread(target=sla_sweep, kwargs={"now": now})
    worker.start()
    worker.join()
    return boss


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_supervisor_reads_the_breach_page(new_page, viewport, name):
    boss = _story()
    page = new_page(viewport)
    login(page, boss.username, PASSWORD)
    page.goto(reverse("helpdesk_sla:breaches"))
    rows = page.locator("[data-testid=sla-breaches] tbody tr")
    expect(rows).to_have_count(4)
    # One sweep breached them all at once: the newest ticket first.
    expect(rows.first).to_contain_text("Kecepatan turun malam hari")
    expect(rows.last).to_contain_text("Internet mati sejak pagi")
    expect(page.get_by_test_id("sla-days").locator("li")).to_have_count(14)
    expect(page.get_by_test_id("sla-share")).to_contain_text("50%")  # 5 of 6 answered + 4 breached
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    shot(page, f"helpdesk-sla-breaches-{name}")
    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert "/staff/helpdesk/tickets/" in page.url
