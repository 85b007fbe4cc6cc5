"""The chat over HTTP: the visitor's start form and session, the escaped HTML history,
image uploads, the offline message, and the agent console's actions and context panel."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ispcare.billing.models import Invoice
from ispcare.helpdesk import chat, sla
from ispcare.helpdesk.models import CannedReply, ChatMessage, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

REAL_IS_OPEN_NOW = sla.is_open_now
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def closed_now() -> tuple:
    """Business hours of one hour that is not this one (the SLA still finds deadlines)."""
    hour = (timezone.localtime(timezone.now(), sla.WIB).hour + 1) % 24
    return (hour, hour + 1, (0, 1, 2, 3, 4, 5, 6))


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # Agents at work whatever the hour or holiday the suite runs on; the offline tests
    # set hours that exclude now instead.
    monkeypatch.setattr(sla, "is_open_now", lambda now: True)


@pytest.fixture
def offline(settings, monkeypatch):
    settings.HELPDESK_HOURS = closed_now()
    monkeypatch.setattr(sla, "is_open_now", REAL_IS_OPEN_NOW)


def visitor(client: Client, name="Sari", phone="081234567890"):
    response = client.post(reverse("helpdesk_chat:start"), {"name": name, "phone": phone})
    return response


def customer_client(customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


def agent_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_visitor_starts_and_a_reload_finds_the_conversation():
    client = Client()
    first = client.get(reverse("helpdesk_chat:panel")).content.decode()
    assert 'data-mode="identify"' in first
    response = visitor(client)
    assert response.status_code == 200 and 'data-mode="chat"' in response.content.decode()
    key = client.session["chat_visitor_key"]
    conv = chat.open_conversation_of(visitor_key=key)
    chat.message_post(conversation_id=conv.pk, author_kind="visitor", body="Mau pasang")
    again = client.get(reverse("helpdesk_chat:panel")).content.decode()
    assert "Mau pasang" in again
    data = client.get(reverse("helpdesk_chat:history")).json()
    assert [m["body"] for m in data["messages"]] == ["Mau pasang"]
    assert Client().get(reverse("helpdesk_chat:history")).status_code == 404  # no session


def test_visitor_start_refuses_a_foreign_number():
    client = Client()
    response = visitor(client, phone="+4915112345678")
    assert response.status_code == 422
    assert "Indonesia" in response.content.decode()
    assert "chat_visitor_key" not in client.session


def test_script_is_stored_as_text_and_escaped_in_the_html_history(subscriber):
    customer, _sub = subscriber
    client = customer_client(customer)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(
        conversation_id=conv.pk, author_kind="customer", body="<script>alert(1)</script>"
    )
    assert ChatMessage.objects.get().body == "<script>alert(1)</script>"
    for url in (reverse("helpdesk_chat:history") + "?format=html", reverse("helpdesk_chat:portal")):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html


def test_uploads_refused_by_content_and_size_with_a_field_message(settings):
    settings.HELPDESK_CHAT_IMAGE_MAX_BYTES = 100
    client = Client()
    visitor(client)
    url = reverse("helpdesk_chat:upload")
    fake = SimpleUploadedFile("foto.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(url, {"image": fake})
    assert response.status_code == 422 and "image" in response.json()["fields"]
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 200, content_type="image/png")
    response = client.post(url, {"image": big})
    assert response.status_code == 422 and "image" in response.json()["fields"]
    assert client.post(url, {}).json()["fields"]["image"]
    assert not ChatMessage.objects.exists()
    ok = client.post(url, {"image": SimpleUploadedFile("a.png", PNG, content_type="image/png")})
    assert ok.status_code == 201
    image_url = ok.json()["message"]["image"]
    served = client.get(image_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    stranger = Client()
    visitor(stranger, name="Lain", phone="081298765432")
    assert stranger.get(image_url).status_code == 404
    assert Client().get(image_url).status_code == 404


def test_upload_is_rate_limited(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_upload": (1, 600), "chat_start": (5, 60)}
    client = Client()
    visitor(client)
    url = reverse("helpdesk_chat:upload")
    png = lambda: SimpleUploadedFile("a.png", PNG, content_type="image/png")  # noqa: E731
    assert client.post(url, {"image": png()}).status_code == 201
    response = client.post(url, {"image": png()})
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert ChatMessage.objects.count() == 1


def test_offline_the_widget_says_when_agents_are_back_and_takes_a_message(offline):
    client = Client()
    visitor(client)
    panel = client.get(reverse("helpdesk_chat:panel")).content.decode()
    back = sla.next_opening(timezone.now()).astimezone(sla.WIB)
    assert 'data-mode="offline"' in panel and f"{back:%H:%M} WIB" in panel
    response = client.post(reverse("helpdesk_chat:offline"), {"body": "Berapa biaya pasang?"})
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.source, ticket.contact_name) == ("question", "chat", "Sari")
    assert ticket.number in response.content.decode()
    assert ticket.conversation.status == "closed"


def test_offline_message_from_a_customer(subscriber, offline):
    customer, _sub = subscriber
    client = customer_client(customer)
    response = client.post(reverse("helpdesk_chat:offline"), {"body": "  "})
    assert response.status_code == 422 and not Ticket.objects.exists()
    client.post(reverse("helpdesk_chat:offline"), {"body": "Modem berkedip merah"})
    assert Ticket.objects.get().customer_id == customer.pk


def test_console_works_without_canned_replies_and_lists_them(agent):
    client = agent_client(agent)
    page = client.get(reverse("helpdesk_console:console"))
    assert page.status_code == 200
    assert page.context["canned"] == []
    assert 'class="canned-pick"' in page.content.decode()
    CannedReply.objects.create(
        shortcut="salam", title="Salam", text_id="Selamat pagi", text_en="Good morning"
    )
    html = client.get(reverse("helpdesk_console:console")).content.decode()
    assert "/salam" in html and "Good morning" in html and "Selamat pagi" in html


def test_queue_is_sorted_by_waiting_time(onboarding, agent):
    first, _s = onboarding.active()
    second, _s = onboarding.active()
    for customer in (first, second):
        conv = chat.conversation_open_for_customer(customer_id=customer.pk)
        chat.message_post(conversation_id=conv.pk, author_kind="customer", body="Halo")
    data = agent_client(agent).get(reverse("helpdesk_console:queue")).json()
    assert [row["customer"] for row in data["waiting"]] == [first.number, second.number]
    assert data["waiting"][0]["waiting_seconds"] >= data["waiting"][1]["waiting_seconds"]


def test_double_claim_through_the_console_is_409(subscriber, agent):
    customer, _sub = subscriber
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(conversation_id=conv.pk, author_kind="customer", body="Halo")
    url = reverse("helpdesk_console:conversation_claim", args=[conv.pk])
    assert agent_client(agent).post(url).status_code == 200
    other = factories.staff_user("customer_service")
    response = agent_client(other).post(url)
    # The other agent no longer sees it (not waiting, not theirs): 404, no data.
    assert response.status_code == 404
    manager = factories.staff_user("manager")  # supervisors see it and get the conflict
    response = agent_client(manager).post(url)
    assert response.status_code == 409 and response.json()["code"] == "chat.already_claimed"


def test_context_panel_and_convert_to_ticket(onboarding, agent):
    customer, sub = onboarding.installed()  # the deposit invoice is open
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(conversation_id=conv.pk, author_kind="customer", body="Kapan aktif?")
    client = agent_client(agent)
    client.post(reverse("helpdesk_console:conversation_claim", args=[conv.pk]))
    panel = client.get(reverse("helpdesk_console:conversation_context", args=[conv.pk]))
    html = panel.content.decode()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    assert customer.number in html and sub.plan.name in html
    assert sub.get_state_display() in html
    assert deposit.number in html
    url = reverse("helpdesk_console:conversation_ticket", args=[conv.pk])
    bad = client.post(url, {"kind": "complaint", "priority": "normal", "subject": "Lambat"})
    assert bad.status_code == 422 and "what_happened" in bad.json()["fields"]
    ok = client.post(url, {"kind": "billing", "priority": "high", "subject": "Deposit"})
    assert ok.status_code == 201
    ticket = Ticket.objects.get(number=ok.json()["number"])
    assert ticket.conversation_id == conv.pk and ticket.priority == "high"
    assert (
        ticket.number
        in client.get(
            reverse("helpdesk_console:conversation_context", args=[conv.pk])
        ).content.decode()
    )


def test_transfer_through_the_console(subscriber, agent):
    customer, _sub = subscriber
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(conversation_id=conv.pk, author_kind="customer", body="Halo")
    client = agent_client(agent)
    client.post(reverse("helpdesk_console:conversation_claim", args=[conv.pk]))
    url = reverse("helpdesk_console:conversation_transfer", args=[conv.pk])
    assert client.post(url, {"agent": ""}).status_code == 422
    other = factories.staff_user("customer_service")
    assert client.post(url, {"agent": other.pk}).status_code == 200
    conv.refresh_from_db()
    assert conv.claimed_by == other
