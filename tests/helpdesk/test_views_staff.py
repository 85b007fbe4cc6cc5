"""The staff ticket list: filters, search, keyset pages, counters, saved views, bulk
assignment, bounded queries; opening a ticket from a phone call."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.helpdesk import selectors
from ispcare.helpdesk.models import ComplaintRecord, SavedView, Ticket
from ispcare.helpdesk.tickets import ticket_create, ticket_transition
from tests import factories

from .support import complaint, complaint_record, fault

pytestmark = pytest.mark.django_db
LIST = reverse("helpdesk:ticket_list")


def _far(qs) -> None:
    """SLA targets far away, so "due soon" depends only on what a test sets."""
    later = timezone.now() + dt.timedelta(days=30)
    qs.update(first_response_due=later, resolution_due=later)


def _question(subject="Tanya paket", **kw):
    return ticket_create(kind="question", subject=subject, source=kw.pop("source", "phone"), **kw)


def _ids(response) -> list[int]:
    return [t.pk for t in response.context["rows"]]


@pytest.fixture
def staffed(client, agent):
    client.force_login(agent)
    return client


def test_default_is_open_tickets_and_each_filter_narrows(staffed, agent, subscriber):
    customer, _ = subscriber
    q = _question(customer_id=customer.pk, source="chat")
    f = fault(customer, agent, priority="urgent")
    c = complaint(customer, agent)
    done = _question(subject="Sudah beres", customer_id=customer.pk)
    ticket_transition(ticket_id=done.pk, action="resolve", actor=agent)
    _far(Ticket.objects.all())
    other = factories.staff_user(Role.CUSTOMER_SERVICE)
    Ticket.objects.filter(pk=f.pk).update(assignee=agent)
    Ticket.objects.filter(pk=c.pk).update(assignee=other)

    assert set(_ids(staffed.get(LIST))) == {q.pk, f.pk, c.pk}
    assert set(_ids(staffed.get(LIST, {"status": "all"}))) == {q.pk, f.pk, c.pk, done.pk}
    assert _ids(staffed.get(LIST, {"status": "resolved"})) == [done.pk]
    assert _ids(staffed.get(LIST, {"kind": "fault"})) == [f.pk]
    assert _ids(staffed.get(LIST, {"priority": "urgent"})) == [f.pk]
    assert _ids(staffed.get(LIST, {"source": "chat"})) == [q.pk]
    assert _ids(staffed.get(LIST, {"assignee": "me"})) == [f.pk]
    assert _ids(staffed.get(LIST, {"assignee": str(other.pk)})) == [c.pk]
    assert _ids(staffed.get(LIST, {"assignee": "none"})) == [q.pk]

    now = timezone.now()
    Ticket.objects.filter(pk=q.pk).update(first_response_due=now + dt.timedelta(minutes=30))
    Ticket.objects.filter(pk=c.pk).update(breached_at=now, resolution_breached_at=now)
    assert _ids(staffed.get(LIST, {"sla": "soon"})) == [q.pk]
    assert _ids(staffed.get(LIST, {"sla": "breached"})) == [c.pk]
    # Nonsense values are ignored, not errors.
    page = staffed.get(LIST, {"kind": "x", "status": "zzz", "assignee": "'; drop", "after": "x"})
    assert page.status_code == 200 and set(_ids(page)) == {q.pk, f.pk, c.pk}


def test_counters_per_open_status(staffed, agent, subscriber):
    customer, _ = subscriber
    a = _question(customer_id=customer.pk)
    _question(customer_id=customer.pk)
    ticket_transition(ticket_id=a.pk, action="wait_customer", actor=agent)
    tiles = {t["status"]: t["count"] for t in staffed.get(LIST).context["tiles"]}
    assert tiles == {"new": 1, "open": 0, "waiting_customer": 1, "waiting_team": 0}


def test_search_by_ticket_customer_number_name_phone_and_subject(staffed, agent, onboarding):
    one, _ = onboarding.active()
    two, _ = onboarding.active()
    Ticket.objects.all().delete()
    t1 = _question(subject="Modem berkedip merah", customer_id=one.pk)
    t2 = _question(subject="Ganti paket", customer_id=two.pk)
    visitor = _question(subject="Info pasang baru", contact_phone="081299887766")
    type(one).objects.filter(pk=one.pk).update(full_name="Siti Rahmawati")

    def found(q):
        return set(_ids(staffed.get(LIST, {"q": q, "status": "all"})))

    assert found(t2.number) == {t2.pk}
    assert found(t2.number.lower()) == {t2.pk}
    assert found(one.number) == {t1.pk}
    assert found("rahmawati") == {t1.pk}
    assert found("0" + two.phone.removeprefix("+62")) == {t2.pk}
    assert found("berkedip") == {t1.pk}
    assert found("0812-9988-7766") == {visitor.pk}
    assert found("tidak ada yang cocok") == set()


def test_keyset_pages_have_no_duplicates_and_no_gaps(staffed, subscriber, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    customer, _ = subscriber
    made = [_question(subject=f"T{i}", customer_id=customer.pk) for i in range(13)]
    # Ties on updated_at are broken by id: four tickets share one moment.
    same = timezone.now() - dt.timedelta(hours=1)
    Ticket.objects.filter(pk__in=[t.pk for t in made[3:7]]).update(updated_at=same)
    expected = list(Ticket.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))
    seen, url, pages = [], LIST, 0
    while url:
        response = staffed.get(url)
        seen += _ids(response)
        url, pages = response.context["next_url"], pages + 1
        assert pages < 10
    assert pages == 3 and seen == expected
    # A ticket updated while paging moves to the top; the next pages stay consistent.
    first = staffed.get(LIST)
    cursor = first.context["next_url"]
    Ticket.objects.filter(pk=expected[-1]).update(updated_at=timezone.now())
    assert expected[-1] not in _ids(staffed.get(cursor))


def test_the_list_runs_a_fixed_number_of_queries(
    staffed, agent, onboarding, django_assert_max_num_queries
):
    for _ in range(3):
        customer, _sub = onboarding.active()
        for i in range(4):
            t = _question(subject=f"Q{i}", customer_id=customer.pk)
            Ticket.objects.filter(pk=t.pk).update(
                assignee=factories.staff_user(Role.CUSTOMER_SERVICE)
            )
    SavedView.objects.create(owner=agent, name="Mine", query="assignee=me")
    with django_assert_max_num_queries(9):
        response = staffed.get(LIST)
    assert len(response.context["rows"]) == 12
    page = response.content.decode()
    assert "Q3" in page and "Mine" in page


def test_saved_views_save_list_and_delete_only_ones_own(staffed, agent):
    response = staffed.post(
        reverse("helpdesk:saved_view_create"),
        {"name": "Gangguan saya", "query": "kind=fault&assignee=me&after=zzz&evil=1"},
    )
    view = SavedView.objects.get(owner=agent)
    assert view.query == "kind=fault&assignee=me"  # only what the list understands
    assert response["Location"].endswith("?kind=fault&assignee=me")
    assert "Gangguan saya" in staffed.get(LIST).content.decode()
    # Saving under the same name replaces the filter.
    staffed.post(reverse("helpdesk:saved_view_create"), {"name": "Gangguan saya", "query": ""})
    assert SavedView.objects.get(owner=agent).query == ""

    someone = factories.staff_user(Role.NOC)
    theirs = SavedView.objects.create(owner=someone, name="NOC", query="kind=fault")
    delete = reverse("helpdesk:saved_view_delete")
    assert staffed.post(delete, {"saved_view": theirs.pk}).status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    assert "NOC" not in staffed.get(LIST).content.decode()
    assert staffed.post(delete, {"saved_view": view.pk}).status_code == 302
    assert not SavedView.objects.filter(owner=agent).exists()
    # An empty name is refused.
    staffed.post(reverse("helpdesk:saved_view_create"), {"name": " ", "query": ""})
    assert not SavedView.objects.filter(owner=agent).exists()


def test_bulk_assign_gives_the_picked_tickets_to_one_person(client, agent, subscriber):
    customer, _ = subscriber
    a, b, c = (_question(customer_id=customer.pk) for _ in range(3))
    client.force_login(agent)
    url = reverse("helpdesk:ticket_bulk_assign")
    response = client.post(
        url, {"ids": [a.pk, b.pk], "assignee": agent.pk, "next": f"{LIST}?kind=question"}
    )
    assert response["Location"] == f"{LIST}?kind=question"
    assert set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)) == {a.pk, b.pk}
    # Someone who does not work tickets is refused; nothing changes.
    finance = factories.staff_user(Role.FINANCE)
    response = client.post(url, {"ids": [c.pk], "assignee": finance.pk, "next": "https://evil"})
    assert response["Location"] == LIST  # never an outside address
    assert Ticket.objects.get(pk=c.pk).assignee is None
    assert any("staf yang menangani tiket" in str(m) for m in get_messages(response.wsgi_request))
    # No ticket picked: a message, nothing changes.
    client.post(url, {"assignee": agent.pk})
    assert Ticket.objects.get(pk=c.pk).assignee is None
    # Unassign.
    client.post(url, {"ids": [a.pk], "assignee": ""})
    assert Ticket.objects.get(pk=a.pk).assignee is None


def test_a_technician_sees_the_list_but_cannot_bulk_assign(client, technician, subscriber):
    customer, _ = subscriber
    t = _question(customer_id=customer.pk)
    client.force_login(technician)
    page = client.get(LIST)
    assert page.status_code == 200 and 'name="ids"' not in page.content.decode()
    response = client.post(
        reverse("helpdesk:ticket_bulk_assign"), {"ids": [t.pk], "assignee": technician.pk}
    )
    assert response.status_code == 403


# Opening a ticket from a phone call --------------------------------------------------------


NEW = reverse("helpdesk:ticket_new")


def test_find_the_caller_by_phone_and_open_a_fault(staffed, subscriber):
    customer, sub = subscriber
    page = staffed.get(NEW, {"find": "0" + customer.phone.removeprefix("+62")})
    assert page.context["customer"] == customer
    response = staffed.post(
        NEW,
        {
            "customer": customer.pk,
            "subscription": sub.pk,
            "kind": "fault",
            "priority": "high",
            "subject": "Internet mati",
            "description": "Lampu LOS merah",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("helpdesk:ticket_detail", args=[ticket.pk])
    assert (ticket.kind, ticket.priority, ticket.source) == ("fault", "high", "phone")
    assert ticket.customer == customer and ticket.subscription == sub


def test_a_complaint_without_its_complete_record_is_refused_field_by_field(staffed, subscriber):
    customer, _ = subscriber
    data = {"customer": customer.pk, "kind": "complaint", "priority": "normal", "subject": "X"}
    response = staffed.post(NEW, data)
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) >= {"what_happened", "since", "location", "impact", "contact"}
    assert "wajib diisi" in str(form.errors["what_happened"])  # Indonesian by default
    assert not Ticket.objects.exists()
    record = complaint_record()
    record["since"] = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = staffed.post(NEW, {**data, **record})
    assert response.status_code == 302
    assert ComplaintRecord.objects.get().location == record["location"]


def test_a_complaint_since_in_the_future_is_refused_by_the_service(staffed, subscriber):
    customer, _ = subscriber
    record = complaint_record()
    record["since"] = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = staffed.post(
        NEW,
        {"customer": customer.pk, "kind": "complaint", "priority": "normal", "subject": "X"}
        | record,
    )
    assert response.status_code == 422 and "since" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_caller_who_is_not_a_customer_needs_a_phone(staffed):
    data = {"kind": "question", "priority": "normal", "subject": "Info paket"}
    response = staffed.post(NEW, data)
    assert response.status_code == 422 and "contact_phone" in response.context["form"].errors
    response = staffed.post(
        NEW, {**data, "contact_name": "Budi", "contact_phone": "0812 1111 2222"}
    )
    assert response.status_code == 302
    assert Ticket.objects.get().contact_phone == "+6281211112222"


def test_the_keyboard_help_and_script_are_on_the_list(staffed):
    page = staffed.get(LIST).content.decode()
    assert "helpdesk.js" in page and 'id="kbd-help"' in page
    assert re.search(r"<kbd>j</kbd>", page)
