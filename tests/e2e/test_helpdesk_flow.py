"""The helpdesk's whole promise in one browser run (issue 6, "done when"), two contexts on a
real ASGI server so the WebSockets are real:

a customer writes in the portal chat, the agent sees it in the queue within a second and
answers, the customer sees the answer; the agent turns the chat into a fault ticket and
posts a restoration estimate, which appears on the customer's open ticket page without a
reload; a complaint cannot be closed until the contact with the customer is recorded.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ispcare.helpdesk import sla
from ispcare.helpdesk.complaints import complaint_solution
from ispcare.helpdesk.models import Ticket
from ispcare.helpdesk.sla import WIB
from ispcare.helpdesk.tickets import ticket_transition
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.helpdesk.support import complaint

PASSWORD = "rahasia-Kuat-2026"


def test_chat_fault_eta_and_complaint_closing(open_page, settings, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setattr(sla, "is_open_now", lambda now: True)  # agents are at work

    settings.MEDIA_ROOT = tmp_path
    customer, _sub = factories.Onboarding().active()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    agent = factories.staff_user("customer_service", first_name="Rina")

    staff = open_page(DESKTOP)
    login(staff, agent.username, "pass-customer_service")
    staff.goto(reverse("helpdesk_console:console"))
    expect(staff.locator(".console-conn")).not_to_be_empty()

    cust = open_page(PHONE)
    login(cust, customer.user.username, PASSWORD)
    cust.goto(reverse("helpdesk_chat:portal"))
    box = cust.locator(".chat-compose textarea")
    box.fill("Internet mati sejak pagi, lampu LOS merah")
    box.press("Enter")

    # The agent sees it in the queue within a second, claims it and answers.
    item = staff.locator('[data-list="waiting"] .conv-item', has_text=customer.full_name)
    expect(item).to_be_visible(timeout=1_000)
    item.locator("button").click()
    staff.locator('[data-act="claim"]').click()
    reply = staff.locator(".console-thread .chat-compose textarea")
    expect(reply).to_be_enabled()
    reply.fill("Maaf atas gangguannya, kami buatkan tiket gangguan.")
    reply.press("Enter")
    expect(cust.locator(".chat-log .from-agent")).to_contain_text("tiket gangguan", timeout=2_000)

    # The chat becomes a fault ticket.
    form = staff.locator('form[data-form="ticket"]')
    form.locator("select[name=kind]").select_option("fault")
    form.locator("input[name=subject]").fill("Internet mati, LOS merah")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-ticket-done]")).to_be_visible()
    ticket = Ticket.objects.get(kind="fault", customer=customer)
    assert ticket.conversation_id is not None and ticket.source == "chat"
    expect(cust.locator(".chat-log .from-system").last).to_contain_text(ticket.number)

    # The customer keeps the ticket page open; the estimate arrives without a reload.
    cust.goto(reverse("portal_helpdesk:ticket", args=[ticket.pk]))
    expect(cust.locator("#eta-card")).to_have_class("eta-card pending")
    eta = (timezone.now() + dt.timedelta(hours=3)).astimezone(WIB).replace(second=0, microsecond=0)
    staff.goto(reverse("helpdesk:ticket_detail", args=[ticket.pk]))
    eta_form = staff.locator("#eta form")
    eta_form.locator("input[name=eta]").fill(eta.strftime("%Y-%m-%dT%H:%M"))
    eta_form.locator("textarea[name=body]").fill("Kabel fiber putus di tiang, tim menuju lokasi.")
    eta_form.locator("button[type=submit]").click()
    expect(staff.locator(".msg-success")).to_be_visible()
    expect(cust.locator("#eta-time")).to_contain_text(eta.strftime("%H:%M"), timeout=5_000)
    expect(cust.locator("#ticket-timeline-wrap")).to_contain_text("Kabel fiber putus")
    shot(cust, "helpdesk-flow-eta-phone")

    # A complaint with its solution recorded and resolved: closing waits for the contact.
    told = complaint(customer, agent)
    complaint_solution(
        ticket_id=told.pk,
        actor=agent,
        solution="Tagihan ganda dibatalkan.",
        action_taken="Kredit Rp 250.000 untuk bulan depan.",
    )
    ticket_transition(ticket_id=told.pk, action="resolve", actor=agent)
    staff.goto(reverse("helpdesk:ticket_detail", args=[told.pk]))
    close = staff.locator('button[name=action][value="close"]')
    expect(close).to_be_disabled()
    expect(staff.locator("#why-close")).to_be_visible()
    contact = staff.locator(f'form[action="{reverse("helpdesk:ticket_contact", args=[told.pk])}"]')
    if not contact.is_visible():
        staff.locator("summary", has_text="told").or_(
            staff.locator("summary", has_text="diberi tahu")
        ).first.click()
    contact.locator("select[name=channel]").select_option("phone")
    contact.locator("textarea[name=summary]").fill(
        "Ditelepon: tagihan ganda dibatalkan, kredit bulan depan."
    )
    contact.locator("button[type=submit]").click()
    close = staff.locator('button[name=action][value="close"]')
    expect(close).to_be_enabled()
    close.click()
    expect(staff.locator(".msg-success")).to_be_visible()
    told.refresh_from_db()
    assert told.status == "closed"
    shot(staff, "helpdesk-flow-complaint-closed-desktop")


pytestmark = pytest.mark.django_db(transaction=True)
