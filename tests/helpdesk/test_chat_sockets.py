"""The WebSocket consumers through the real ASGI application (origin check, session auth,
URL routing) with logged-in session cookies: who may join what, messages stored before
they are pushed, the flood limit, the ticket page's socket."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from ispcare.asgi import application
from ispcare.helpdesk import chat
from ispcare.helpdesk.models import ChatMessage, Conversation
from ispcare.helpdesk.tickets import ticket_create, ticket_reply
from ispcare.helpdesk.views_chat import SESSION_KEY
from tests import factories
from tests.helpdesk.ws import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def visitor_session(key: str) -> str:
    store = SessionStore()
    store[SESSION_KEY] = key
    store.save()
    return store.session_key


async def connect(path: str, session: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _sub = await comm.connect(timeout=5)
    assert connected
    return comm


async def refused(path: str, session: str | None) -> int:
    """The close code of a socket that must be refused before sending any data."""
    comm = await connect(path, session)
    first = await comm.receive_output(timeout=5)
    assert first["type"] == "websocket.close", f"data was sent before refusal: {first}"
    await comm.wait()
    return first["code"]


def run(coro_fn):
    async_to_sync(coro_fn)()


def _customer(onboarding):
    customer, _sub = onboarding.active()
    return customer


def test_customer_message_is_stored_then_reaches_the_agents(onboarding, agent):
    customer = _customer(onboarding)
    cust_session, agent_session = session_of(customer.user), session_of(agent)

    async def scenario():
        agent_ws = await connect("/ws/agent/", agent_session)
        assert (await agent_ws.receive_json_from(timeout=5))["event"] == "hello"
        cust_ws = await connect("/ws/chat/", cust_session)
        history = await cust_ws.receive_json_from(timeout=5)
        assert history["event"] == "history" and history["messages"] == []
        await cust_ws.send_json_to({"action": "message", "body": "Internet saya mati"})
        queued = await agent_ws.receive_json_from(timeout=5)
        assert queued["event"] == "queue" and queued["status"] == "waiting"
        assert queued["message"]["body"] == "Internet saya mati"
        # Stored before it was pushed: the id in the frame is a row.
        stored = await database_sync_to_async(ChatMessage.objects.get)(pk=queued["message"]["id"])
        assert stored.body == "Internet saya mati" and stored.author_kind == "customer"
        echo = await cust_ws.receive_json_from(timeout=5)
        assert echo["event"] == "message" and echo["message"]["id"] == stored.pk
        await cust_ws.disconnect()
        await agent_ws.disconnect()

    run(scenario)


def test_agent_reply_reaches_the_customer_and_reconnect_shows_history(onboarding, agent):
    customer = _customer(onboarding)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(
        conversation_id=conv.pk, author_kind="customer", author=customer.user, body="Halo"
    )
    chat.conversation_claim(conversation_id=conv.pk, actor=agent)
    cust_session, agent_session = session_of(customer.user), session_of(agent)

    async def scenario():
        cust_ws = await connect("/ws/chat/", cust_session)
        assert (await cust_ws.receive_json_from(timeout=5))["event"] == "history"
        agent_ws = await connect("/ws/agent/", agent_session)
        await agent_ws.receive_json_from(timeout=5)  # hello
        await agent_ws.send_json_to({"action": "open", "conversation": conv.pk})
        opened = await agent_ws.receive_json_from(timeout=5)
        assert opened["event"] == "history" and opened["messages"][0]["body"] == "Halo"
        await agent_ws.send_json_to({"action": "typing", "conversation": conv.pk})
        assert await cust_ws.receive_json_from(timeout=5) == {
            "event": "typing",
            "conversation": conv.pk,
            "who": "agent",
        }
        await agent_ws.send_json_to(
            {"action": "message", "conversation": conv.pk, "body": "Kami cek"}
        )
        got = await cust_ws.receive_json_from(timeout=5)
        assert got["event"] == "message" and got["message"]["author_kind"] == "agent"
        assert got["message"]["body"] == "Kami cek"
        await cust_ws.send_json_to({"action": "read", "message": got["message"]["id"]})
        seen = None
        while seen is None or seen["event"] != "read":
            seen = await agent_ws.receive_json_from(timeout=5)
        assert seen["side"] == "customer" and seen["message"] == got["message"]["id"]
        await cust_ws.disconnect()
        again = await connect("/ws/chat/", cust_session)
        history = await again.receive_json_from(timeout=5)
        assert [m["body"] for m in history["messages"] if m["author_kind"] != "system"] == [
            "Halo",
            "Kami cek",
        ]
        assert history["conversation"]["customer_read"] == got["message"]["id"]
        await again.disconnect()
        await agent_ws.disconnect()

    run(scenario)
    assert not ChatMessage.objects.filter(body__icontains="typing").exists()


def test_another_customers_conversation_and_ticket_are_refused(onboarding):
    owner, other = _customer(onboarding), _customer(onboarding)
    conv = chat.conversation_open_for_customer(customer_id=owner.pk)
    ticket = ticket_create(kind="question", subject="x", source="phone", customer_id=owner.pk)
    other_session = session_of(other.user)

    async def scenario():
        assert await refused(f"/ws/chat/{conv.pk}/", other_session) == 4404
        assert await refused(f"/ws/tickets/{ticket.pk}/", other_session) == 4404
        assert await refused("/ws/tickets/999999/", other_session) == 4404
        assert await refused("/ws/agent/", other_session) == 4403

    run(scenario)


def test_a_visitor_cannot_join_a_customers_conversation(onboarding):
    customer = _customer(onboarding)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    visitor = chat.conversation_start_visitor(name="Sari", phone="081234567890")
    session, guessed = visitor_session(visitor.visitor_key), visitor_session("guessed-key")

    async def scenario():
        assert await refused(f"/ws/chat/{conv.pk}/", session) == 4404
        assert await refused("/ws/chat/", None) == 4404  # no visitor key, no login
        assert await refused("/ws/chat/", guessed) == 4404
        mine = await connect("/ws/chat/", session)
        frame = await mine.receive_json_from(timeout=5)
        assert frame["conversation"]["id"] == visitor.pk
        await mine.send_json_to({"action": "message", "body": "Mau pasang"})
        assert (await mine.receive_json_from(timeout=5))["message"]["author_kind"] == "visitor"
        await mine.disconnect()

    run(scenario)


def test_ownership_is_checked_again_on_every_frame(onboarding):
    customer = _customer(onboarding)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    session = session_of(customer.user)

    async def scenario():
        ws = await connect(f"/ws/chat/{conv.pk}/", session)
        await ws.receive_json_from(timeout=5)
        # The conversation is moved to someone else while the socket is open.
        other = await database_sync_to_async(_customer)(onboarding)
        await database_sync_to_async(Conversation.objects.filter(pk=conv.pk).update)(customer=other)
        await ws.send_json_to({"action": "message", "body": "still mine?"})
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4404}

    run(scenario)
    assert not ChatMessage.objects.filter(body="still mine?").exists()


def test_flood_is_refused_and_not_stored(onboarding, settings):
    settings.HELPDESK_CHAT_BURST = 3
    settings.HELPDESK_CHAT_REFILL_PER_SECOND = 0.001
    customer = _customer(onboarding)
    session = session_of(customer.user)

    async def scenario():
        ws = await connect("/ws/chat/", session)
        await ws.receive_json_from(timeout=5)
        for n in range(6):
            await ws.send_json_to({"action": "message", "body": f"spam {n}"})
        frames = [await ws.receive_json_from(timeout=5) for _ in range(6)]
        errors = [f for f in frames if f["event"] == "error"]
        assert len(errors) == 3 and all(f["code"] == "rate_limited" for f in errors)
        await ws.disconnect()

    run(scenario)
    assert ChatMessage.objects.filter(body__startswith="spam").count() == 3


def test_invalid_message_gets_an_error_frame(onboarding, settings):
    settings.HELPDESK_CHAT_MESSAGE_MAX_CHARS = 5
    customer = _customer(onboarding)
    session = session_of(customer.user)

    async def scenario():
        ws = await connect("/ws/chat/", session)
        await ws.receive_json_from(timeout=5)
        await ws.send_json_to({"action": "message", "body": "terlalu panjang"})
        frame = await ws.receive_json_from(timeout=5)
        assert frame["event"] == "error" and frame["code"] == "validation_error"
        assert "body" in frame["fields"]
        await ws.disconnect()

    run(scenario)
    assert not ChatMessage.objects.exists()


def test_agent_may_only_name_conversations_they_may_see(onboarding, agent):
    customer = _customer(onboarding)
    conv = chat.conversation_open_for_customer(customer_id=customer.pk)
    chat.message_post(conversation_id=conv.pk, author_kind="customer", body="Halo")
    chat.conversation_claim(conversation_id=conv.pk, actor=factories.staff_user("customer_service"))
    session = session_of(agent)

    async def scenario():
        ws = await connect("/ws/agent/", session)
        await ws.receive_json_from(timeout=5)
        for action in ("open", "message"):
            await ws.send_json_to({"action": action, "conversation": conv.pk, "body": "x"})
            frame = await ws.receive_json_from(timeout=5)
            assert frame == {"event": "error", "code": "not_found", "message": "", "fields": {}}
        await ws.disconnect()

    run(scenario)
    assert conv.messages.filter(author_kind="agent").count() == 0


def test_ticket_socket_forwards_public_updates_only_to_the_customer(onboarding, agent):
    customer = _customer(onboarding)
    ticket = ticket_create(kind="question", subject="x", source="phone", customer_id=customer.pk)
    cust_session, staff_session = session_of(customer.user), session_of(agent)

    async def scenario():
        cust = await connect(f"/ws/tickets/{ticket.pk}/", cust_session)
        staff = await connect(f"/ws/tickets/{ticket.pk}/", staff_session)
        note = await database_sync_to_async(ticket_reply)(
            ticket_id=ticket.pk, actor=agent, body="internal: check the OLT", public=False
        )
        reply = await database_sync_to_async(ticket_reply)(
            ticket_id=ticket.pk, actor=agent, body="Sedang kami cek", public=True
        )
        got = []
        while True:
            frame = await cust.receive_json_from(timeout=5)
            got.append(frame)
            if frame.get("event") == "ticket.update":
                break
        assert {
            "event": "ticket.update",
            "ticket": ticket.pk,
            "update": reply.pk,
            "public": True,
        } in got
        assert all(f.get("update") != note.pk for f in got)
        staff_updates = set()
        while len(staff_updates) < 2:
            frame = await staff.receive_json_from(timeout=5)
            if frame["event"] == "ticket.update":
                staff_updates.add((frame["update"], frame["public"]))
        assert staff_updates == {(note.pk, False), (reply.pk, True)}
        assert await cust.receive_nothing(timeout=0.3)
        await cust.disconnect()
        await staff.disconnect()

    run(scenario)
