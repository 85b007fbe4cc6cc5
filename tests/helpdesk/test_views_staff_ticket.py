"""One ticket's staff page: what it shows, and each form (errors on the form, a Conflict
as a message, nothing half-written): replies and notes, the complaint's close guard, the
fault's ETA, sending a technician who sees the job on My jobs and reports the visit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.tickets import ticket_reply
from ispcare.workorders.models import WorkOrder
from tests import factories

from .support import complaint, fault

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")


def _url(name: str, ticket) -> str:
    return reverse(f"helpdesk:{name}", args=[ticket.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def staffed(client, agent):
    client.force_login(agent)
    return client


def test_the_page_shows_header_customer_panel_and_a_two_kinds_timeline(
    staffed, agent, subscriber, django_assert_max_num_queries
):
    customer, sub = subscriber
    ticket = fault(customer, agent)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Kami cek dulu ya")
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Catatan rahasia", public=False)
    with django_assert_max_num_queries(30):
        response = staffed.get(_url("ticket_detail", ticket))
    page = response.content.decode()
    assert ticket.number in page and customer.number in page and sub.plan.name in page
    assert "hd-u-reply" in page and "hd-internal" in page  # visibly different
    assert "Catatan rahasia" in page
    assert "hd-progress" in page  # SLA timer with a progress bar
    assert 'id="network"' in page and 'id="eta"' in page
    assert staffed.get(reverse("helpdesk:ticket_detail", args=[999_999])).status_code == 404


def test_reply_is_public_note_is_internal_and_empty_is_refused(staffed, agent, subscriber):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    staffed.post(_url("ticket_reply", ticket), {"body": "Teknisi kami cek"})
    staffed.post(_url("ticket_note", ticket), {"body": "ONU rusak?"})
    reply = TicketUpdate.objects.get(body="Teknisi kami cek")
    note = TicketUpdate.objects.get(body="ONU rusak?")
    assert reply.public and reply.kind == "reply" and not note.public and note.kind == "note"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"  # the first reply opens it
    before = TicketUpdate.objects.count()
    response = staffed.post(_url("ticket_reply", ticket), {"body": "  "})
    assert response.status_code == 422 and response.context["forms"]["reply"].errors
    assert TicketUpdate.objects.count() == before


def test_the_eta_is_read_as_wib_and_a_bad_or_past_date_is_refused(staffed, agent, subscriber):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    url = _url("ticket_eta", ticket)
    response = staffed.post(url, {"eta": "2025-13-45T99:00"})
    assert response.status_code == 422 and "eta" in response.context["forms"]["eta"].errors
    past = (timezone.now() - dt.timedelta(hours=2)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    response = staffed.post(url, {"eta": past})
    assert response.status_code == 422 and "eta" in response.context["forms"]["eta"].errors
    assert Ticket.objects.get(pk=ticket.pk).eta is None
    assert not TicketUpdate.objects.filter(kind="eta").exists()

    local = (
        (timezone.now() + dt.timedelta(days=1))
        .astimezone(WIB)
        .replace(hour=14, minute=30, second=0, microsecond=0)
    )
    response = staffed.post(url, {"eta": local.strftime("%Y-%m-%dT%H:%M"), "body": "Besok"})
    assert response.status_code == 302
    eta = Ticket.objects.get(pk=ticket.pk).eta
    assert eta == local and eta.astimezone(dt.UTC).hour == 7  # 14:30 WIB is 07:30 UTC
    assert "14:30 WIB" in staffed.get(_url("ticket_detail", ticket)).content.decode()


def test_a_question_has_no_eta(staffed, agent, subscriber):
    customer, _ = subscriber
    from ispcare.helpdesk.tickets import ticket_create

    ticket = ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    later = (timezone.now() + dt.timedelta(days=1)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    response = staffed.post(_url("ticket_eta", ticket), {"eta": later})
    assert response.status_code == 422 and response.context["forms"]["eta"].errors


def test_a_complaint_cannot_close_before_the_customer_is_told(staffed, agent, subscriber):
    customer, _ = subscriber
    ticket = complaint(customer, agent)
    status = _url("ticket_transition", ticket)
    # Resolving needs the solution first: refused with the reason as a message.
    response = staffed.post(status, {"action": "resolve"})
    assert response.status_code == 302 and Ticket.objects.get(pk=ticket.pk).status == "new"
    assert any("solution" in m.lower() or "solusi" in m.lower() for m in _messages(response))
    staffed.post(_url("ticket_investigate", ticket), {"notes": "Tagihan dobel karena sistem"})
    staffed.post(
        _url("ticket_solution", ticket),
        {"solution": "Refund satu tagihan", "action_taken": "Kredit ke bulan depan"},
    )
    staffed.post(status, {"action": "resolve", "note": "Sudah dikreditkan"})
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    page = staffed.get(_url("ticket_detail", ticket)).content.decode()
    assert 'id="why-close"' in page  # the Close button says why it is refused

    response = staffed.post(status, {"action": "close"})
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert _messages(response)
    # A contact without a summary is refused on the form.
    response = staffed.post(_url("ticket_contact", ticket), {"channel": "phone", "summary": ""})
    assert response.status_code == 422 and "summary" in response.context["forms"]["contact"].errors
    staffed.post(
        _url("ticket_contact", ticket),
        {"channel": "whatsapp", "summary": "Dijelaskan refund dan kredit"},
    )
    page = staffed.get(_url("ticket_detail", ticket)).content.decode()
    assert "Dijelaskan refund dan kredit" in page and 'id="why-close"' not in page
    staffed.post(status, {"action": "close"})
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_an_unknown_or_illegal_transition_changes_nothing(staffed, agent, subscriber):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    response = staffed.post(_url("ticket_transition", ticket), {"action": "fly"})
    assert response.status_code == 422
    response = staffed.post(_url("ticket_transition", ticket), {"action": "reopen"})
    assert response.status_code == 302 and _messages(response)
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_priority_and_assign(staffed, agent, subscriber):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    before = Ticket.objects.get(pk=ticket.pk).resolution_due
    staffed.post(_url("ticket_priority", ticket), {"priority": "urgent"})
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.priority == "urgent" and after.resolution_due <= before
    staffed.post(_url("ticket_assign", ticket), {"assignee": agent.pk})
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
    finance = factories.staff_user(Role.FINANCE)
    response = staffed.post(_url("ticket_assign", ticket), {"assignee": finance.pk})
    assert response.status_code == 422 and Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_send_a_technician_who_sees_the_job_and_reports_the_visit(
    client, agent, technician, subscriber
):
    customer, sub = subscriber
    ticket = fault(customer, agent)
    client.force_login(agent)
    today = timezone.localdate()
    # A day in the past is refused on the form; nothing is scheduled.
    response = client.post(
        _url("ticket_escalate", ticket),
        {"technician": technician.pk, "date": today - dt.timedelta(days=1)},
    )
    assert response.status_code == 422 and "date" in response.context["forms"]["escalate"].errors
    assert not WorkOrder.objects.filter(kind="repair").exists()
    client.post(
        _url("ticket_escalate", ticket),
        {"technician": technician.pk, "date": today, "problem": "Lampu LOS merah, cek kabel"},
    )
    order = WorkOrder.objects.get(kind="repair", subscription=sub)
    assert Ticket.objects.get(pk=ticket.pk).work_order == order

    client.force_login(technician)
    jobs = client.get(reverse("workorders:my_jobs")).content.decode()
    assert "Lampu LOS merah, cek kabel" in jobs and customer.phone in jobs
    link = reverse("helpdesk:job_ticket", args=[order.pk])
    assert link in jobs
    response = client.get(link)
    assert response["Location"] == _url("ticket_detail", ticket) + "#visit"
    page = client.get(response["Location"]).content.decode()
    assert "hd-visit-done mine" in page
    # The technician may not send technicians.
    assert client.post(_url("ticket_escalate", ticket), {}).status_code == 403

    response = client.post(_url("ticket_visit", ticket), {"result": "", "fixed": "maybe"})
    assert response.status_code == 422
    assert set(response.context["forms"]["visit"].errors) == {"result", "fixed"}
    client.post(_url("ticket_visit", ticket), {"result": "Konektor diganti", "fixed": "yes"})
    order.refresh_from_db()
    assert order.status == "completed" and order.result == "Konektor diganti"
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    # Reported twice (a stale page): a message, no error page.
    response = client.post(_url("ticket_visit", ticket), {"result": "Lagi", "fixed": "yes"})
    assert response.status_code in (302, 422)


def test_a_job_without_a_ticket_links_to_its_own_page(client, onboarding):
    _customer, _sub, order = onboarding.scheduled()
    client.force_login(onboarding.technician)
    response = client.get(reverse("helpdesk:job_ticket", args=[order.pk]))
    assert response["Location"] == reverse("workorders:job_detail", args=[order.pk])


def test_a_customer_cannot_open_the_staff_page(client, agent, subscriber):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    client.force_login(customer.user)
    assert client.get(_url("ticket_detail", ticket)).status_code == 403
