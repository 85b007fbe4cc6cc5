"""The customer's help pages in a real browser, on a phone and a desktop: the ticket list,
the new-ticket form (the complaint record appears for a complaint and is required), a
fault with its restoration estimate; the estimate changing live over the ticket's
WebSocket (uvicorn), and by polling where there is no WebSocket (Django's WSGI live
server). Screenshots go to test-artifacts/tickets-portal-*.png."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.accounts.models import ApiToken
from ispcare.helpdesk.tickets import ticket_create, ticket_reply, ticket_transition
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.helpdesk.support import fault

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"
WIB = dt.timezone(dt.timedelta(hours=7))


def _customer():
    customer, _sub = factories.Onboarding().active()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer


def _fault_with_eta(customer, agent, hours: float = 3):
    ticket = fault(customer, agent, subject="Internet mati total sejak subuh")
    eta = timezone.now() + dt.timedelta(hours=hours)
    ticket_reply(
        ticket_id=ticket.pk,
        actor=agent,
        body="Ada kabel fiber putus di Jl. Kaliurang, tim sedang menyambung.",
        eta=eta,
    )
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="CATATAN INTERNAL", public=False)
    return ticket, eta


def _hhmm(eta: dt.datetime) -> str:
    return f"{eta.astimezone(WIB):%H:%M} WIB"


def test_ticket_pages_on_phone_and_desktop(open_page):
    customer = _customer()
    agent = factories.staff_user("customer_service", first_name="Rina")
    ticket, eta = _fault_with_eta(customer, agent)
    done = ticket_create(
        kind="billing",
        subject="Tagihan bulan Mei belum muncul",
        source="portal",
        customer_id=customer.pk,
        actor=customer.user,
    )
    ticket_transition(ticket_id=done.pk, action="resolve", actor=agent, note="Sudah terbit.")

    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(viewport)
        login(page, customer.user.username, PASSWORD)

        page.goto(reverse("portal_helpdesk:ticket_list"))
        cards = page.locator("#open-tickets .ticket-card")
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text(f"{eta.astimezone(WIB):%H:%M}")
        expect(page.locator("#done-tickets .ticket-card")).to_have_count(1)
        expect(page.locator("#start-chat")).to_be_visible()
        _no_horizontal_scroll(page)
        shot(page, f"tickets-portal-list-{label}")

        page.goto(reverse("portal_helpdesk:ticket_new"))
        record = page.locator("#complaint-fields")
        expect(record).to_be_hidden()
        page.locator("label.kind-choice:has(input[value=complaint])").click()
        expect(record).to_be_visible()
        expect(page.locator("#id_contact")).not_to_have_value("")  # their phone, prefilled
        page.fill("#id_subject", "Teknisi datang terlambat")
        page.locator("#ticket-form button[type=submit]").click()
        expect(page.locator("#id_what_happened_error")).to_be_visible()
        expect(page.locator("#complaint-fields")).to_be_visible()  # still a complaint
        _no_horizontal_scroll(page)
        shot(page, f"tickets-portal-new-{label}")

        page.goto(reverse("portal_helpdesk:ticket", args=[ticket.pk]))
        expect(page.locator("#eta-time")).to_have_text(_hhmm(eta))
        expect(page.locator("#ticket-timeline")).to_contain_text("kabel fiber putus")
        expect(page.locator("body")).not_to_contain_text("CATATAN INTERNAL")
        _no_horizontal_scroll(page)
        shot(page, f"tickets-portal-fault-{label}")

    # Opening a question really opens it, and the reply form works.
    page.goto(reverse("portal_helpdesk:ticket_new"))
    page.locator("label.kind-choice:has(input[value=question])").click()
    expect(page.locator("#complaint-fields")).to_be_hidden()
    page.fill("#id_subject", "Bisa pindah alamat?")
    page.locator("#ticket-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Bisa pindah alamat?")
    page.fill("#id_body", "Rumah baru di Sleman.")
    page.locator("#reply button[type=submit]").click()
    expect(page.locator("#ticket-timeline")).to_contain_text("Rumah baru di Sleman.")


def _no_horizontal_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_the_estimate_changes_live_over_the_websocket(open_page, asgi_server):
    customer = _customer()
    agent = factories.staff_user("customer_service", first_name="Rina")
    ticket, eta = _fault_with_eta(customer, agent)
    _token, key = ApiToken.issue(user=agent, name="e2e")

    page = open_page(PHONE)
    login(page, customer.user.username, PASSWORD)
    page.goto(reverse("portal_helpdesk:ticket", args=[ticket.pk]))
    expect(page.locator("#eta-time")).to_have_text(_hhmm(eta))
    page.wait_for_function("window.ticketSocketOpen === true", timeout=5_000)

    # The agent gives a new estimate through the server (the API), which pushes on the
    # ticket's group; the page re-fetches well before its 20 s poll would.
    later = timezone.now() + dt.timedelta(hours=5)
    request = urllib.request.Request(
        f"{asgi_server}/api/v1/tickets/{ticket.pk}/replies",
        data=json.dumps({"body": "Butuh alat tambahan.", "eta": later.isoformat()}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    expect(page.locator("#eta-time")).to_have_text(_hhmm(later), timeout=5_000)
    expect(page.locator("#ticket-timeline li").first).to_contain_text("Butuh alat tambahan.")


def test_without_websockets_the_page_polls(new_page):
    """Django's live server has no WebSocket: the page falls back to polling every 20 s."""
    customer = _customer()
    agent = factories.staff_user("customer_service")
    ticket, eta = _fault_with_eta(customer, agent)
    page = new_page(PHONE)
    login(page, customer.user.username, PASSWORD)
    page.goto(reverse("portal_helpdesk:ticket", args=[ticket.pk]))
    expect(page.locator("#eta-time")).to_have_text(_hhmm(eta))
    assert page.evaluate("window.ticketSocketOpen") is False
    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent, note="Sudah normal.")
    expect(page.locator("#eta-card")).to_have_count(0, timeout=30_000)
    expect(page.locator("#ticket-timeline")).to_contain_text("Sudah normal.")
    expect(page.locator("#ticket-steps li.done")).to_have_count(3)
