"""Ticket services: opening (validation, numbering, SLA clocks, notices), replies and
notes, the customer's replies (resume, reopen within the window), bulk assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.common.errors import Conflict, NotFound, ValidationFailed
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.tickets import (
    ticket_assign,
    ticket_create,
    ticket_customer_reply,
    ticket_reply,
    ticket_set_priority,
    ticket_transition,
)
from ispcare.notifications.models import Notification
from tests import factories

from .support import fault

pytestmark = pytest.mark.django_db


def test_a_fault_gets_a_number_the_subscription_its_node_and_sla_clocks(subscriber, agent):
    customer, sub = subscriber
    ticket = fault(customer, agent)
    year = timezone.localtime().year
    assert ticket.number == f"TKT/{year}/000001"
    assert fault(customer, agent).number == f"TKT/{year}/000002"
    assert ticket.subscription == sub and ticket.node_id == sub.node_id
    assert ticket.status == "new"
    assert ticket.created_at < ticket.first_response_due < ticket.resolution_due
    assert Notification.objects.filter(
        template_key="ticket_opened", recipient_ref=f"customer:{customer.pk}"
    ).exists()


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(subscriber, agent):
    customer, _ = subscriber
    with pytest.raises(ValidationFailed) as err:
        ticket_create(
            kind="nonsense",
            priority="meh",
            subject=" ",
            source="fax",
            customer_id=customer.pk,
            subscription_id=999_999,
            actor=agent,
        )
    assert set(err.value.fields) == {"kind", "priority", "subject", "source", "subscription"}
    with pytest.raises(ValidationFailed) as err:
        ticket_create(kind="question", subject="Halo", source="chat", contact_phone="12")
    assert "contact_phone" in err.value.fields
    assert not Ticket.objects.exists()


def test_a_visitor_ticket_needs_a_phone_and_is_told_by_whatsapp(db):
    ticket = ticket_create(
        kind="question",
        subject="Apakah jangkauan sampai Bantul?",
        source="chat",
        contact_name="Rina",
        contact_phone="0812-3456-7890",
    )
    assert ticket.customer is None and ticket.contact_phone == "+6281234567890"
    note = Notification.objects.get(template_key="ticket_opened")
    assert note.channel == "whatsapp" and note.recipient_ref == f"ticket:{ticket.pk}"


def test_a_public_reply_opens_the_ticket_stops_the_response_clock_and_notifies(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Kami cek dari jaringan.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.first_responded_at is not None
    assert ticket.awaiting_team_since is None
    assert Notification.objects.filter(template_key="ticket_reply").exists()


def test_an_internal_note_is_never_shown_nor_sent(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    sent = Notification.objects.count()
    ticket_reply(
        ticket_id=ticket.pk, actor=agent, body="Pelanggan ini sering komplain", public=False
    )
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.first_responded_at is None
    assert Notification.objects.count() == sent
    assert not TicketUpdate.objects.filter(ticket=ticket, public=True, kind="note").exists()


def test_an_eta_is_stored_on_the_ticket_and_notified_each_time_it_changes(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    first = timezone.now() + dt.timedelta(hours=3)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="Kabel putus", eta=first)
    second = first + dt.timedelta(hours=2)
    ticket_reply(ticket_id=ticket.pk, actor=agent, body="", eta=second)
    ticket.refresh_from_db()
    assert ticket.eta == second
    assert (
        Notification.objects.filter(template_key="ticket_eta")
        .values("idempotency_key")
        .distinct()
        .count()
        >= 2
    )


def test_an_eta_must_be_future_public_and_on_a_fault(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    with pytest.raises(ValidationFailed) as err:
        ticket_reply(
            ticket_id=ticket.pk, actor=agent, body="x", eta=timezone.now() - dt.timedelta(minutes=1)
        )
    assert "eta" in err.value.fields
    with pytest.raises(ValidationFailed):
        ticket_reply(
            ticket_id=ticket.pk,
            actor=agent,
            body="x",
            public=False,
            eta=timezone.now() + dt.timedelta(hours=1),
        )
    question = ticket_create(
        kind="question", subject="Q", source="phone", customer_id=customer.pk, actor=agent
    )
    with pytest.raises(ValidationFailed):
        ticket_reply(
            ticket_id=question.pk, actor=agent, body="x", eta=timezone.now() + dt.timedelta(hours=1)
        )
    assert not Ticket.objects.filter(eta__isnull=False).exists()


def test_the_customer_reply_resumes_reopens_within_the_window_and_not_after(
    subscriber, agent, settings
):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    ticket_transition(ticket_id=ticket.pk, action="wait_customer", actor=agent)
    ticket_customer_reply(ticket_id=ticket.pk, customer_id=customer.pk, body="Sudah saya restart")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.awaiting_team_since is not None

    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent, note="Sudah normal")
    ticket_customer_reply(ticket_id=ticket.pk, customer_id=customer.pk, body="Mati lagi")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None

    ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        reopen_until=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as err:
        ticket_customer_reply(ticket_id=ticket.pk, customer_id=customer.pk, body="Mati lagi")
    assert err.value.code == "ticket.closed"


def test_another_customers_ticket_is_not_found(subscriber, onboarding, agent):
    customer, _ = subscriber
    other, _ = onboarding.active()
    ticket = fault(customer, agent)
    with pytest.raises(NotFound):
        ticket_customer_reply(ticket_id=ticket.pk, customer_id=other.pk, body="intip")
    assert not TicketUpdate.objects.filter(ticket=ticket, kind="customer").exists()


def test_bulk_assign_is_set_based_and_refuses_who_cannot_work_tickets(
    subscriber, agent, django_assert_max_num_queries
):
    customer, _ = subscriber
    ids = [fault(customer, agent, subject=f"T{i}").pk for i in range(20)]
    noc = factories.staff_user(Role.NOC)
    with django_assert_max_num_queries(14):
        assert ticket_assign(ticket_ids=ids, assignee_id=noc.pk, actor=agent) == 20
    assert Ticket.objects.filter(assignee=noc).count() == 20
    finance = factories.staff_user(Role.FINANCE)
    with pytest.raises(ValidationFailed) as err:
        ticket_assign(ticket_ids=ids, assignee_id=finance.pk, actor=agent)
    assert "assignee" in err.value.fields
    assert Ticket.objects.filter(assignee=noc).count() == 20


def test_priority_change_recounts_the_due_times(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent, priority="low")
    urgent = ticket_set_priority(ticket_id=ticket.pk, priority="urgent", actor=agent)
    assert urgent.resolution_due < ticket.resolution_due
