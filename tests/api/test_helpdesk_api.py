"""The helpdesk API: listing with filters and keyset pages, opening (a complaint needs its
record), reading with notes, replies and estimates, lifecycle actions (never a writable
status), bulk assignment, the complaint's solution and contact, conversations' messages.
Roles and unknown ids are walked by test_matrix / test_errors (support.ENDPOINTS)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.helpdesk.choices import ConversationStatus, TicketStatus
from ispcare.helpdesk.models import ChatMessage, Conversation, Ticket, TicketUpdate
from ispcare.helpdesk.tickets import ticket_create
from tests import factories
from tests.helpdesk.support import complaint, complaint_record, fault

from .support import assert_error, call, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(onboarding):
    customer, _sub = onboarding.active()
    return customer


@pytest.fixture
def agent(db):
    return factories.staff_user(Role.CUSTOMER_SERVICE)


@pytest.fixture
def key(agent):
    return token_for(user=agent)


def helpdesk_rows() -> dict:
    return {
        m.__name__: m.objects.count() for m in (Ticket, TicketUpdate, ChatMessage, Conversation)
    }


def question(customer, subject="Tanya paket", **kw):
    return ticket_create(
        kind="question", subject=subject, source="api", customer_id=customer.pk, **kw
    )


# Listing ------------------------------------------------------------------------------------


def test_list_filters(client, key, customer, agent):
    q = question(customer, subject="Ganti paket")
    f = fault(customer, agent)
    mine = question(customer, subject="Punya saya", assignee_id=agent.pk)

    def ids(**params) -> list[int]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = call(client, "get", f"/tickets?{query}", key)
        assert response.status_code == 200, response.content
        return [t["id"] for t in response.json()["items"]]

    assert set(ids()) == {q.pk, f.pk, mine.pk}
    assert ids(kind="fault") == [f.pk]
    assert ids(assignee=agent.pk) == [mine.pk]
    assert set(ids(assignee=0)) == {q.pk, f.pk}
    assert set(ids(customer=customer.pk)) == {q.pk, f.pk, mine.pk}
    assert ids(customer=987654) == []
    assert ids(q="ganti") == [q.pk]
    assert ids(q=q.number) == [q.pk]
    assert ids(status="new", priority="normal", kind="question", q="punya") == [mine.pk]
    item = call(client, "get", "/tickets?kind=fault", key).json()["items"][0]
    assert item["customer_number"] == customer.number and item["status"] == "new"


def test_keyset_pages_walk_every_ticket_once(client, key, customer):
    made = {question(customer, subject=f"T{i}").pk for i in range(7)}
    # Same updated_at for some rows: the id breaks the tie.
    Ticket.objects.filter(pk__in=sorted(made)[:4]).update(updated_at=timezone.now())
    seen, after = [], ""
    for _ in range(10):
        body = call(client, "get", f"/tickets?limit=3&after={after}", key).json()
        seen += [t["id"] for t in body["items"]]
        after = body["next_after"]
        if after is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("status=gone", "status"),
        ("kind=x", "kind"),
        ("assignee=abc", "assignee"),
        ("after=not-a-cursor", "after"),
        ("after=bm9waXBl", "after"),
    ],
)
def test_list_bad_query_is_422_on_the_field(client, key, query, field):
    body = assert_error(call(client, "get", f"/tickets?{query}", key), 422, "validation_error")
    assert field in body["fields"], body


# Opening ------------------------------------------------------------------------------------


def test_open_a_fault_by_phone(client, key, customer, agent):
    response = call(
        client,
        "post",
        "/tickets",
        key,
        {
            "kind": "fault",
            "subject": "Internet mati",
            "source": "phone",
            "customer_id": customer.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.source, ticket.created_by, ticket.customer) == ("phone", agent, customer)
    assert body["subscription_id"] == customer.subscriptions.get().pk
    assert body["status"] == "new" and body["updates"][0]["kind"] == "status"


def test_complaint_without_record_is_refused_with_named_fields(client, key, customer):
    before = helpdesk_rows()
    body = {"kind": "complaint", "subject": "Teknisi kasar", "customer_id": customer.pk}
    error = assert_error(call(client, "post", "/tickets", key, body), 422, "validation_error")
    assert {"complaint.what_happened", "complaint.since", "complaint.contact"} <= set(
        error["fields"]
    )
    partial = {**body, "complaint": {**complaint_record(), "location": ""}}
    error = assert_error(call(client, "post", "/tickets", key, partial), 422, "validation_error")
    assert set(error["fields"]) == {"complaint.location"}
    assert helpdesk_rows() == before
    ok = call(client, "post", "/tickets", key, {**body, "complaint": complaint_record()})
    assert ok.status_code == 201 and ok.json()["complaint"]["location"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "question", "subject": ""}, "subject"),
        ({"kind": "question", "subject": "x", "customer_id": 987654}, "customer_id"),
        ({"kind": "question", "subject": "x"}, "contact_phone"),
        ({"kind": "question", "subject": "x", "contact_phone": "12"}, "contact_phone"),
        ({"kind": "nope", "subject": "x"}, "kind"),
        ({"kind": "question", "subject": "x", "source": "portal"}, "source"),
    ],
)
def test_open_bad_input(client, key, body, field):
    before = helpdesk_rows()
    response = call(client, "post", "/tickets", key, body)
    assert field in assert_error(response, 422, "validation_error")["fields"]
    assert helpdesk_rows() == before


def test_status_cannot_be_written(client, key, customer):
    body = {"kind": "question", "subject": "x", "customer_id": customer.pk, "status": "closed"}
    response = call(client, "post", "/tickets", key, body)
    assert response.status_code == 201 and response.json()["status"] == "new"


def test_a_visitor_ticket_needs_only_a_phone(client, key):
    body = {"kind": "question", "subject": "Daftar", "contact_phone": "0812 3456 7890"}
    response = call(client, "post", "/tickets", key, body)
    assert response.status_code == 201 and response.json()["contact_phone"].startswith("+62")


def test_a_staff_user_without_helpdesk_work_cannot_open(client, customer):
    finance = token_for(Role.FINANCE)
    body = {"kind": "question", "subject": "x", "customer_id": customer.pk}
    assert_error(call(client, "post", "/tickets", finance, body), 403, "forbidden")


# Reading, replying, actions -----------------------------------------------------------------


def test_detail_has_notes_for_staff(client, key, customer, agent):
    ticket = fault(customer, agent)
    call(client, "post", f"/tickets/{ticket.pk}/replies", key, {"body": "rahasia", "public": False})
    body = call(client, "get", f"/tickets/{ticket.pk}", key).json()
    notes = [u for u in body["updates"] if not u["public"]]
    assert [n["body"] for n in notes] == ["rahasia"] and notes[0]["kind"] == "note"


def test_reply_with_eta_on_a_fault(client, key, customer, agent):
    ticket = fault(customer, agent)
    eta = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    response = call(
        client, "post", f"/tickets/{ticket.pk}/replies", key, {"body": "Kabel putus", "eta": eta}
    )
    assert response.status_code == 201 and response.json()["kind"] == "eta"
    ticket.refresh_from_db()
    assert ticket.eta is not None and ticket.status == TicketStatus.OPEN


@pytest.mark.parametrize(
    "body, field",
    [
        ({"body": ""}, "body"),
        ({"body": "x", "eta": "2001-01-01T00:00:00+07:00"}, "eta"),
        ({"body": "x", "eta": "kemarin"}, "eta"),
        ({"body": "x", "public": []}, "public"),
    ],
)
def test_reply_bad_input(client, key, customer, agent, body, field):
    ticket = fault(customer, agent)
    before = helpdesk_rows()
    response = call(client, "post", f"/tickets/{ticket.pk}/replies", key, body)
    assert field in assert_error(response, 422, "validation_error")["fields"]
    assert helpdesk_rows() == before


def test_eta_on_a_question_is_refused(client, key, customer):
    ticket = question(customer)
    eta = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    response = call(client, "post", f"/tickets/{ticket.pk}/replies", key, {"eta": eta})
    assert "eta" in assert_error(response, 422, "validation_error")["fields"]


def test_actions_follow_the_lifecycle(client, key, customer):
    ticket = question(customer)
    path = f"/tickets/{ticket.pk}/actions"
    assert call(client, "post", f"{path}/wait_customer", key, {}).json()["status"] == (
        "waiting_customer"
    )
    assert call(client, "post", f"{path}/resume", key, {}).json()["status"] == "open"
    resolved = call(client, "post", f"{path}/resolve", key, {"note": "Beres"}).json()
    assert resolved["status"] == "resolved" and resolved["reopen_until"]
    assert_error(call(client, "post", f"{path}/resume", key, {}), 409, "ticket.illegal_transition")
    assert_error(call(client, "post", f"{path}/fly", key, {}), 422, "validation_error")
    assert call(client, "post", f"{path}/close", key, {}).json()["status"] == "closed"
    response = call(client, "post", f"/tickets/{ticket.pk}/replies", key, {"body": "x"})
    assert_error(response, 409, "ticket.closed")


def test_complaint_closes_only_after_solution_and_contact(client, key, customer, agent):
    ticket = complaint(customer, agent)
    base = f"/tickets/{ticket.pk}"
    assert_error(
        call(client, "post", f"{base}/actions/resolve", key, {}), 409, "ticket.guard_failed"
    )
    error = assert_error(
        call(
            client, "post", f"{base}/complaint/solution", key, {"solution": " ", "action_taken": ""}
        ),
        422,
        "validation_error",
    )
    assert set(error["fields"]) == {"solution", "action_taken"}
    solved = call(
        client,
        "post",
        f"{base}/complaint/solution",
        key,
        {"solution": "Tagihan dikoreksi", "action_taken": "Kredit Rp 150.000"},
    )
    assert solved.status_code == 200 and solved.json()["solution_recorded_at"]
    assert call(client, "post", f"{base}/actions/resolve", key, {}).json()["status"] == "resolved"
    assert_error(call(client, "post", f"{base}/actions/close", key, {}), 409, "ticket.guard_failed")
    bad = call(client, "post", f"{base}/contacts", key, {"channel": "pigeon", "summary": "x"})
    assert "channel" in assert_error(bad, 422, "validation_error")["fields"]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    bad = call(
        client,
        "post",
        f"{base}/contacts",
        key,
        {"channel": "phone", "summary": "x", "contacted_at": future},
    )
    assert "contacted_at" in assert_error(bad, 422, "validation_error")["fields"]
    told = call(
        client, "post", f"{base}/contacts", key, {"channel": "phone", "summary": "Dijelaskan"}
    )
    assert told.status_code == 201 and told.json()["channel"] == "phone"
    assert call(client, "post", f"{base}/actions/close", key, {}).json()["status"] == "closed"


def test_solution_on_a_non_complaint_is_404(client, key, customer):
    ticket = question(customer)
    body = {"solution": "x", "action_taken": "y"}
    response = call(client, "post", f"/tickets/{ticket.pk}/complaint/solution", key, body)
    assert_error(response, 404, "complaint.not_found")


# Assigning ----------------------------------------------------------------------------------


def test_bulk_assign_and_unassign(client, customer, agent):
    lead = token_for(Role.MANAGER)
    a, b = question(customer), question(customer, subject="Dua")
    body = {"ticket_ids": [a.pk, b.pk], "assignee_id": agent.pk}
    assert call(client, "post", "/tickets/assign", lead, body).json() == {"assigned": 2}
    assert set(Ticket.objects.values_list("assignee_id", flat=True)) == {agent.pk}
    body = {"ticket_ids": [a.pk], "assignee_id": None}
    assert call(client, "post", "/tickets/assign", lead, body).json() == {"assigned": 1}
    assert Ticket.objects.get(pk=a.pk).assignee_id is None


def test_assign_refuses_unknown_tickets_and_non_workers(client, customer):
    lead = token_for(Role.MANAGER)
    a = question(customer)
    before = helpdesk_rows()
    missing = call(
        client, "post", "/tickets/assign", lead, {"ticket_ids": [a.pk, 987654], "assignee_id": None}
    )
    assert assert_error(missing, 404, "not_found")["fields"] == {"ticket_ids": ["987654"]}
    finance = factories.staff_user(Role.FINANCE)
    bad = call(
        client, "post", "/tickets/assign", lead, {"ticket_ids": [a.pk], "assignee_id": finance.pk}
    )
    assert "assignee_id" in assert_error(bad, 422, "validation_error")["fields"]
    empty = call(client, "post", "/tickets/assign", lead, {"ticket_ids": [], "assignee_id": None})
    assert "ticket_ids" in assert_error(empty, 422, "validation_error")["fields"]
    assert helpdesk_rows() == before


# Conversations ------------------------------------------------------------------------------


@pytest.fixture
def conversation(customer):
    return Conversation.objects.create(customer=customer)


def test_messages_page_oldest_first(client, key, conversation, agent):
    for i in range(5):
        ChatMessage.objects.create(conversation=conversation, author_kind="customer", body=f"m{i}")
    first = call(client, "get", f"/conversations/{conversation.pk}/messages?limit=3", key).json()
    assert [m["body"] for m in first["items"]] == ["m0", "m1", "m2"]
    assert first["status"] == "waiting" and first["next_after"]
    rest = call(
        client, "get", f"/conversations/{conversation.pk}/messages?after={first['next_after']}", key
    ).json()
    assert [m["body"] for m in rest["items"]] == ["m3", "m4"] and rest["next_after"] is None
    bad = call(client, "get", f"/conversations/{conversation.pk}/messages?limit=500", key)
    assert "limit" in assert_error(bad, 422, "validation_error")["fields"]


def test_post_messages_from_both_sides(client, key, conversation, agent):
    pytest.importorskip("ispcare.helpdesk.chat")
    path = f"/conversations/{conversation.pk}/messages"
    inbound = call(client, "post", path, key, {"body": "Halo, internet mati", "side": "customer"})
    assert inbound.status_code == 201, inbound.content
    assert inbound.json()["author_kind"] == "customer"
    # An agent must claim the conversation before answering.
    assert_error(call(client, "post", path, key, {"body": "Baik"}), 409, "chat.not_claimed")
    Conversation.objects.filter(pk=conversation.pk).update(
        claimed_by=agent, status=ConversationStatus.ACTIVE
    )
    answer = call(client, "post", path, key, {"body": "Baik, kami cek"})
    assert answer.status_code == 201 and answer.json()["author_id"] == agent.pk
    assert list(conversation.messages.values_list("body", flat=True)) == [
        "Halo, internet mati",
        "Baik, kami cek",
    ]
    empty = call(client, "post", path, key, {"body": "  "})
    assert "body" in assert_error(empty, 422, "validation_error")["fields"]
    side = call(client, "post", path, key, {"body": "x", "side": "robot"})
    assert "side" in assert_error(side, 422, "validation_error")["fields"]
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.CLOSED)
    assert_error(call(client, "post", path, key, {"body": "lagi"}), 409, "chat.closed")


def test_conversation_messages_need_helpdesk_chat(client, conversation):
    noc = token_for(Role.NOC)
    response = call(client, "get", f"/conversations/{conversation.pk}/messages", noc)
    assert_error(response, 403, "forbidden")
