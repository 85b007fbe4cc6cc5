"""Selectors of the staff ticket list: the page cursor, the SLA timer, the counters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from ispcare.helpdesk import selectors
from ispcare.helpdesk.models import Ticket
from ispcare.helpdesk.tickets import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


def test_the_cursor_is_exact_and_bad_ones_are_ignored(subscriber):
    customer, _ = subscriber
    t = ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    raw = selectors.cursor_of(t)
    assert "+" not in raw and ":" not in raw  # safe in a URL as it is
    f = selectors.TicketFilter.from_query(QueryDict(f"after={raw}"))
    assert f.after == (t.updated_at, t.pk)
    for bad in ("", "x_1", "1_x", "9" * 30 + "_1", "_", "12"):
        assert selectors.TicketFilter.from_query(QueryDict(f"after={bad}")).after is None


def test_the_filter_keeps_only_known_values():
    f = selectors.TicketFilter.from_query(
        QueryDict("status=closed&kind=fault&priority=zzz&assignee=12&sla=soon&source=fax&q=+x+")
    )
    assert f.query_items() == [
        ("status", "closed"),
        ("kind", "fault"),
        ("assignee", "12"),
        ("sla", "soon"),
        ("q", "x"),
    ]
    assert selectors.TicketFilter.from_query(QueryDict("")).status == selectors.STATUS_OPEN


def test_the_timer_runs_on_the_first_response_then_the_resolution(subscriber, agent):
    customer, _ = subscriber
    t = ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    now = timezone.now()
    t.first_response_due = now + dt.timedelta(minutes=30)
    t.resolution_due = now + dt.timedelta(days=2, hours=3)
    timer = selectors.timer_of(t, now)
    assert timer.tone == "warn" and timer.span == "30 m" and not timer.overdue
    t.first_responded_at = now
    timer = selectors.timer_of(t, now)
    assert timer.due == t.resolution_due and timer.tone == "ok" and timer.span == "2 d 3 h"
    t.resolution_due = now - dt.timedelta(hours=1, minutes=5)
    timer = selectors.timer_of(t, now)
    assert timer.overdue and timer.tone == "bad" and timer.span == "1 h 05 m"
    ticket_transition(ticket_id=t.pk, action="resolve", actor=agent)
    assert selectors.timer_of(Ticket.objects.get(pk=t.pk), now) is None


def test_open_counts_cover_every_open_status(subscriber, agent):
    customer, _ = subscriber
    t = ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    ticket_transition(ticket_id=t.pk, action="wait_team", actor=agent)
    ticket_create(kind="question", subject="Q", source="phone", customer_id=customer.pk)
    assert selectors.open_counts() == {
        "new": 1,
        "open": 0,
        "waiting_customer": 0,
        "waiting_team": 1,
    }
