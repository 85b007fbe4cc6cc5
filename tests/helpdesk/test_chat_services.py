"""Chat services: one open conversation per customer, visitors, messages (text, images),
claim, transfer, read state, close, convert to ticket, the offline message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.helpdesk import chat, sla
from ispcare.helpdesk.models import ChatMessage, Conversation, Ticket
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def closed_now() -> tuple:
    """Business hours of one hour that is not this one (the SLA still finds deadlines)."""
    hour = (timezone.localtime(timezone.now(), sla.WIB).hour + 1) % 24
    return (hour, hour + 1, (0, 1, 2, 3, 4, 5, 6))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _waiting(customer) -> Conversation:
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(
        conversation_id=conv.pk, author_kind="customer", author=customer.user, body="Halo"
    )
    conv.refresh_from_db()
    return conv


def test_one_open_conversation_per_customer(subscriber):
    customer, _sub = subscriber
    first = chat.conversation_open_for_customer(customer_id=customer.pk)
    again = chat.conversation_open_for_customer(customer_id=customer.pk)
    assert first.pk == again.pk
    assert first.waiting_since is None  # not in the queue before its first message
    chat.conversation_close(conversation_id=first.pk, actor=customer.user)
    assert chat.conversation_open_for_customer(customer_id=customer.pk).pk != first.pk


def test_visitor_start_validates_name_and_indonesian_mobile():
    with pytest.raises(ValidationFailed) as exc:
        chat.conversation_start_visitor(name=" ", phone="+4915112345678")
    assert set(exc.value.fields) == {"name", "phone"}
    conv = chat.conversation_start_visitor(name="Sari", phone="0812-3456-7890")
    assert conv.visitor_phone == "+6281234567890"
    assert len(conv.visitor_key) >= 40 and conv.customer_id is None


def test_message_stored_as_plain_text_and_first_one_queues(subscriber):
    customer, _sub = subscriber
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    msg = chat.message_post(
        conversation_id=conv.pk,
        author_kind="customer",
        author=customer.user,
        body="  <script>alert(1)</script>  ",
    )
    assert msg.body == "<script>alert(1)</script>"
    conv.refresh_from_db()
    assert conv.waiting_since is not None and conv.customer_read_id == msg.pk


def test_message_refused_empty_too_long_or_closed(subscriber, settings):
    customer, _sub = subscriber
    settings.HELPDESK_CHAT_MESSAGE_MAX_CHARS = 10
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    for body in ("   ", "x" * 11):
        with pytest.raises(ValidationFailed) as exc:
            chat.message_post(conversation_id=conv.pk, author_kind="customer", body=body)
        assert "body" in exc.value.fields
    chat.conversation_close(conversation_id=conv.pk)
    with pytest.raises(Conflict) as exc:
        chat.message_post(conversation_id=conv.pk, author_kind="customer", body="hi")
    assert exc.value.code == "chat.closed"
    assert not ChatMessage.objects.exclude(author_kind="system").exists()


@pytest.mark.parametrize("data", [PNG, GIF, WEBP, b"\xff\xd8\xff\xe0" + b"\x00" * 20])
def test_images_are_known_by_content(subscriber, data):
    customer, _sub = subscriber
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    upload = SimpleUploadedFile("anything.txt", data, content_type="text/plain")
    msg = chat.message_post(conversation_id=conv.pk, author_kind="customer", image=upload)
    assert msg.attachment_type.startswith("image/")
    assert not msg.attachment.name.endswith(".txt")


def test_non_image_and_oversized_refused(subscriber, settings):
    customer, _sub = subscriber
    settings.HELPDESK_CHAT_IMAGE_MAX_BYTES = 50
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    html = SimpleUploadedFile("photo.png", b"<html><script>x</script>", content_type="image/png")
    with pytest.raises(ValidationFailed) as exc:
        chat.message_post(conversation_id=conv.pk, author_kind="customer", image=html)
    assert "image" in exc.value.fields
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 100, content_type="image/png")
    with pytest.raises(ValidationFailed) as exc:
        chat.message_post(conversation_id=conv.pk, author_kind="customer", image=big)
    assert "terlalu besar" in str(exc.value.fields["image"][0])
    assert not ChatMessage.objects.exists()


def test_double_claim_is_a_conflict(subscriber, agent):
    customer, _sub = subscriber
    other = factories.staff_user("customer_service")
    conv = _waiting(customer)
    chat.conversation_claim(conversation_id=conv.pk, actor=agent)
    with pytest.raises(Conflict) as exc:
        chat.conversation_claim(conversation_id=conv.pk, actor=other)
    assert exc.value.code == "chat.already_claimed"
    conv.refresh_from_db()
    assert conv.claimed_by == agent and conv.status == "active"
    # The agent who has it answers; another agent cannot.
    chat.message_post(conversation_id=conv.pk, author_kind="agent", author=agent, body="Siap")
    with pytest.raises(Conflict):
        chat.message_post(conversation_id=conv.pk, author_kind="agent", author=other, body="x")


def test_claim_refused_to_staff_without_chat(subscriber, technician):
    customer, _sub = subscriber
    conv = _waiting(customer)
    with pytest.raises(Conflict):
        chat.conversation_claim(conversation_id=conv.pk, actor=technician)


def test_transfer_to_an_agent_only(subscriber, agent, technician):
    customer, _sub = subscriber
    other = factories.staff_user("customer_service")
    conv = _waiting(customer)
    chat.conversation_claim(conversation_id=conv.pk, actor=agent)
    with pytest.raises(ValidationFailed) as exc:
        chat.conversation_transfer(conversation_id=conv.pk, actor=agent, to_user_id=technician.pk)
    assert "agent" in exc.value.fields
    with pytest.raises(Conflict):  # not the third agent's to give away
        chat.conversation_transfer(
            conversation_id=conv.pk,
            actor=factories.staff_user("customer_service"),
            to_user_id=other.pk,
        )
    chat.conversation_transfer(conversation_id=conv.pk, actor=agent, to_user_id=other.pk)
    conv.refresh_from_db()
    assert conv.claimed_by == other


def test_read_state_only_moves_forward(subscriber, agent):
    customer, _sub = subscriber
    conv = _waiting(customer)
    last = conv.messages.last()
    chat.conversation_mark_read(conversation_id=conv.pk, side="agent", message_id=last.pk)
    chat.conversation_mark_read(conversation_id=conv.pk, side="agent", message_id=0)
    conv.refresh_from_db()
    assert conv.agent_read_id == last.pk


def test_convert_to_ticket_links_the_conversation(subscriber, agent):
    customer, _sub = subscriber
    conv = _waiting(customer)
    chat.conversation_claim(conversation_id=conv.pk, actor=agent)
    ticket = chat.conversation_to_ticket(
        conversation_id=conv.pk,
        actor=agent,
        kind="billing",
        subject="Tagihan ganda",
        priority="high",
    )
    assert ticket.conversation_id == conv.pk and ticket.source == "chat"
    assert ticket.customer_id == customer.pk and "Halo" in ticket.description
    system = conv.messages.filter(author_kind="system").last()
    assert ticket.number in system.body


def test_convert_complaint_needs_its_record(subscriber, agent):
    customer, _sub = subscriber
    conv = _waiting(customer)
    with pytest.raises(ValidationFailed) as exc:
        chat.conversation_to_ticket(
            conversation_id=conv.pk,
            actor=agent,
            kind="complaint",
            subject="Lambat",
            priority="normal",
        )
    assert {"what_happened", "since", "location"} <= set(exc.value.fields)
    assert not Ticket.objects.exists()
    ticket = chat.conversation_to_ticket(
        conversation_id=conv.pk,
        actor=agent,
        kind="complaint",
        subject="Lambat",
        priority="normal",
        complaint={
            "what_happened": "Internet lambat tiap malam",
            "since": (timezone.now() - dt.timedelta(days=2)).isoformat(),
            "location": "Rumah",
            "impact": "Tidak bisa kerja",
            "contact": "WA",
        },
    )
    assert ticket.kind == "complaint" and ticket.conversation_id == conv.pk


def test_visitor_conversation_to_ticket_uses_their_contact(agent):
    conv = chat.conversation_start_visitor(name="Sari", phone="081234567890")
    chat.message_post(conversation_id=conv.pk, author_kind="visitor", body="Mau pasang")
    ticket = chat.conversation_to_ticket(
        conversation_id=conv.pk,
        actor=agent,
        kind="question",
        subject="Pasang baru",
        priority="normal",
    )
    assert ticket.contact_name == "Sari" and ticket.contact_phone == "+6281234567890"


def test_offline_message_becomes_a_ticket(subscriber, settings):
    customer, _sub = subscriber
    settings.HELPDESK_HOURS = closed_now()
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    ticket = chat.conversation_leave_message(
        conversation_id=conv.pk,
        body="Modem mati sejak sore",
        author_kind="customer",
        author=customer.user,
    )
    assert (ticket.kind, ticket.source, ticket.conversation_id) == ("question", "chat", conv.pk)
    assert ticket.customer_id == customer.pk
    conv.refresh_from_db()
    assert conv.status == "closed"
    assert conv.messages.filter(body="Modem mati sejak sore").exists()


def test_offline_message_refused_while_agents_are_in(subscriber, monkeypatch):
    customer, _sub = subscriber
    monkeypatch.setattr(sla, "is_open_now", lambda now: True)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    with pytest.raises(Conflict):
        chat.conversation_leave_message(conversation_id=conv.pk, body="x", author_kind="customer")
    assert not Ticket.objects.exists() and not conv.messages.exists()
