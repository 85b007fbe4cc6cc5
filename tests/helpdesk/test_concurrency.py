"""Real concurrent transactions on PostgreSQL (each thread its own connection): ticket
numbers stay unique and gap-free, and a resolve racing a customer's reply leaves the
ticket in one consistent state with every update kept."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from ispcare.common.errors import Conflict
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.tickets import ticket_customer_reply, ticket_transition
from tests.customers.test_concurrency import run_parallel

from .support import fault

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")


def test_tickets_opened_at_once_get_distinct_consecutive_numbers(subscriber, agent):
    customer, _ = subscriber
    results = run_parallel([lambda: fault(customer, agent) for _ in range(6)])
    assert all(ok for ok, _r in results), results
    seqs = sorted(
        int(re.search(r"(\d+)$", n).group(1))
        for n in Ticket.objects.values_list("number", flat=True)
    )
    assert seqs == list(range(seqs[0], seqs[0] + 6))


def test_two_agents_resolving_at_once_resolve_once(subscriber, agent, supervisor):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    results = run_parallel(
        [
            lambda: ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent),
            lambda: ticket_transition(ticket_id=ticket.pk, action="resolve", actor=supervisor),
        ]
    )
    outcomes = sorted(type(r).__name__ if not ok else "ok" for ok, r in results)
    assert outcomes == ["Conflict", "ok"], results
    assert TicketUpdate.objects.filter(ticket=ticket, to_status="resolved").count() == 1


def test_a_reply_racing_the_resolution_is_never_lost(subscriber, agent):
    customer, _ = subscriber
    ticket = fault(customer, agent)
    results = run_parallel(
        [
            lambda: ticket_transition(ticket_id=ticket.pk, action="resolve", actor=agent),
            lambda: ticket_customer_reply(
                ticket_id=ticket.pk, customer_id=customer.pk, body="Masih mati"
            ),
        ]
    )
    assert all(ok or isinstance(r, Conflict) for ok, r in results), results
    ticket.refresh_from_db()
    assert TicketUpdate.objects.filter(ticket=ticket, kind="customer").count() == 1
    reply = TicketUpdate.objects.get(ticket=ticket, kind="customer")
    resolved = TicketUpdate.objects.get(ticket=ticket, to_status="resolved")
    if reply.pk > resolved.pk:  # the reply came after the resolution: it reopened the ticket
        assert ticket.status == "open" and ticket.awaiting_team_since is not None
    else:  # the resolution came after the reply: the agent saw it
        assert ticket.status == "resolved"
