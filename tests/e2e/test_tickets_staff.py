"""The staff ticket pages in a real browser, phone and desktop: the list (counters, filters,
SLA timers, keyboard shortcuts, bulk assign) and a complaint and a fault on their page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.accounts.roles import Role
from ispcare.helpdesk.complaints import complaint_solution
from ispcare.helpdesk.models import Ticket
from ispcare.helpdesk.tickets import ticket_create, ticket_reply, ticket_transition
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.helpdesk.support import complaint_record

pytestmark = pytest.mark.django_db(transaction=True)


def _world():
    o = factories.Onboarding()
    agent = factories.staff_user(Role.CUSTOMER_SERVICE, first_name="Rina")
    customer, _sub = o.active()
    other, _ = o.active()
    fault = ticket_create(
        kind="fault",
        subject="Internet mati sejak pagi, lampu LOS merah",
        source="phone",
        priority="urgent",
        customer_id=customer.pk,
        actor=agent,
    )
    ticket_reply(ticket_id=fault.pk, actor=agent, body="Kami cek jaringan di area Anda.")
    ticket_reply(ticket_id=fault.pk, actor=agent, body="ODP penuh? cek NOC", public=False)
    complaint = ticket_create(
        kind="complaint",
        subject="Tagihan bulan ini ditagih dua kali",
        source="chat",
        customer_id=other.pk,
        actor=agent,
        complaint=complaint_record(),
    )
    complaint_solution(
        ticket_id=complaint.pk,
        actor=agent,
        solution="Satu tagihan dibatalkan",
        action_taken="Kredit Rp 150.000 ke bulan depan",
    )
    ticket_transition(ticket_id=complaint.pk, action="resolve", actor=agent)
    for i in range(6):
        ticket_create(
            kind="question",
            subject=f"Pertanyaan paket nomor {i}",
            source="portal",
            customer_id=customer.pk,
            priority="high" if i == 2 else "normal",
        )
    now = timezone.now()
    Ticket.objects.filter(subject__endswith="1").update(
        first_response_due=now - dt.timedelta(minutes=40)
    )
    Ticket.objects.filter(subject__endswith="3").update(
        first_response_due=now + dt.timedelta(minutes=25)
    )
    return agent, fault, complaint


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_ticket_list_and_detail(new_page, viewport, name):
    agent, fault, complaint = _world()
    page = new_page(viewport)
    login(page, agent.username, "pass-customer_service")
    page.goto(reverse("helpdesk:ticket_list"))
    expect(page.locator(".hd-tiles .tile")).to_have_count(4)
    expect(page.locator("[data-row]")).to_have_count(7)  # the resolved complaint is not open
    expect(page.locator(".sla-bad").first).to_be_visible()
    shot(page, f"helpdesk-list-{name}")

    if name == "desktop":
        # Keyboard: j moves, x selects, ? shows the help, / focuses search.
        page.keyboard.press("j")
        page.keyboard.press("j")
        expect(page.locator("tr.kbd-current")).to_have_count(1)
        page.keyboard.press("x")
        expect(page.locator("tr.is-selected")).to_have_count(1)
        page.keyboard.press("?")
        expect(page.locator("#kbd-help")).to_be_visible()
        shot(page, "helpdesk-list-shortcuts")
        page.keyboard.press("Escape")
        page.keyboard.press("a")
        page.select_option("[data-bulk-assignee]", str(agent.pk))
        page.click("#bulk button[type=submit]")
        expect(page.locator(".msg-success")).to_be_visible()
        assert Ticket.objects.filter(assignee=agent).count() == 1
        page.keyboard.press("/")
        page.keyboard.type("LOS merah")
        page.keyboard.press("Enter")
        expect(page.locator("[data-row]")).to_have_count(1)

    page.goto(reverse("helpdesk:ticket_detail", args=[fault.pk]))
    expect(page.locator(".hd-u-note.hd-internal")).to_have_count(1)
    expect(page.locator("#eta")).to_be_visible()
    shot(page, f"helpdesk-fault-{name}")

    page.goto(reverse("helpdesk:ticket_detail", args=[complaint.pk]))
    expect(page.locator("#why-close")).to_be_visible()
    shot(page, f"helpdesk-complaint-{name}")

    page.goto(reverse("helpdesk:ticket_new"))
    expect(page.locator("[data-show-for-kind]")).to_be_hidden()
    page.select_option("select[name=kind]", "complaint")
    expect(page.locator("[data-show-for-kind]")).to_be_visible()
    shot(page, f"helpdesk-new-{name}")
