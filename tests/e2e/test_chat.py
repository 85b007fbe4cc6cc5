"""Browser test of the live chat: a customer and an agent in two browser contexts against a
real ASGI server (uvicorn, so WebSockets work; Django's live server speaks WSGI only).

The customer writes in the portal chat, the agent sees it in the queue within a second,
claims it and answers, the customer sees the answer. A visitor uses the widget on the
public home page. Screenshots of the console and the widget on phone and desktop go to
test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.helpdesk import sla
from ispcare.helpdesk.models import CannedReply
from tests import factories
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, login, shot

PASSWORD = "rahasia-Kuat-2026"


@pytest.fixture(autouse=True)
def _agents_at_work(monkeypatch):
    monkeypatch.setattr(sla, "is_open_now", lambda now: True)


def test_customer_and_agent_chat_live(open_page, settings, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    customer, _sub = factories.Onboarding().active()
    customer.user.set_password(PASSWORD)
    customer.user.save()
    agent = factories.staff_user("customer_service", first_name="Rina")
    CannedReply.objects.create(
        shortcut="cek", title="Cek", text_id="Mohon tunggu, kami cek.", text_en="Please wait."
    )

    staff = open_page(DESKTOP)
    login(staff, agent.username, "pass-customer_service")
    staff.goto(reverse("helpdesk_console:console"))
    expect(staff.locator(".console-conn")).not_to_be_empty()  # the socket is up

    cust = open_page(PHONE)
    login(cust, customer.user.username, PASSWORD)
    cust.goto(reverse("helpdesk_chat:portal"))
    box = cust.locator(".chat-compose textarea")
    box.fill("Halo, internet saya putus sejak pagi <b>tolong</b>")
    box.press("Enter")
    expect(cust.locator(".chat-log .from-customer")).to_have_count(1)

    item = staff.locator('[data-list="waiting"] .conv-item', has_text=customer.full_name)
    expect(item).to_be_visible(timeout=1_000)  # within a second of sending
    expect(item).to_contain_text("putus sejak pagi")
    item.locator("button").click()
    expect(staff.locator(".console-thread .chat-log .from-customer")).to_contain_text(
        "<b>tolong</b>"  # shown as text, not as markup
    )
    expect(staff.locator(".console-context")).to_contain_text(customer.number)
    staff.locator('[data-act="claim"]').click()
    expect(staff.locator('[data-list="mine"] .conv-item')).to_have_count(1)
    reply = staff.locator(".console-thread .chat-compose textarea")
    expect(reply).to_be_enabled()
    reply.fill("/ce")  # a canned reply by its shortcut, in the conversation's language
    expect(staff.locator(".canned-list")).to_contain_text("/cek")
    reply.press("Enter")
    expect(reply).to_have_value("Mohon tunggu, kami cek.")
    reply.fill("Baik, kami cek jaringan di area Anda.")
    reply.press("Enter")

    answer = cust.locator(".chat-log .from-agent")
    expect(answer).to_contain_text("kami cek jaringan", timeout=2_000)
    expect(cust.locator(".chat-log .from-system")).to_contain_text("Rina")
    # The customer has read it: the agent's message shows two ticks.
    expect(staff.locator(".chat-log li.mine.read")).to_have_count(1)
    shot(cust, "chat-portal-phone")
    shot(staff, "chat-console-desktop")

    phone_staff = open_page(PHONE)
    login(phone_staff, agent.username, "pass-customer_service")
    phone_staff.goto(reverse("helpdesk_console:console"))
    phone_staff.locator('[data-list="mine"] .conv-item button').click()
    expect(phone_staff.locator(".console-thread .chat-log .from-agent")).to_have_count(1)
    shot(phone_staff, "chat-console-phone")

    # A reload shows the same history.
    cust.reload()
    expect(cust.locator(".chat-log .from-agent")).to_contain_text("kami cek jaringan")


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_visitor_widget_on_the_home_page(open_page, viewport, name):
    from playwright.sync_api import expect

    page = open_page(viewport)
    page.goto(reverse("customers:home"))
    if name == "desktop":
        page.screenshot(path=str(ARTIFACTS / "chat-widget-button-desktop.png"))
    page.locator(".chat-fab").click()
    page.locator("#chat-name").fill("Sari")
    page.locator("#chat-phone").fill("0812 3456 7890")
    page.locator(".chat-identify button[type=submit]").click()
    box = page.locator(".chat-box .chat-compose textarea")
    box.fill("Apakah jaringan sudah sampai Caturtunggal?")
    box.press("Enter")
    expect(page.locator(".chat-box .chat-log .from-visitor")).to_have_count(1)
    # The widget floats over the page: the viewport shows it as people see it.
    page.screenshot(path=str(ARTIFACTS / f"chat-widget-{name}.png"))
    page.reload()  # the session keeps the conversation
    page.locator(".chat-fab").click()
    expect(page.locator(".chat-box .chat-log .from-visitor")).to_contain_text("Caturtunggal")
