"""Two workers sweeping at the same time (PostgreSQL, each its own connection and clock):
every breach is stamped and escalated by exactly one of them, each supervisor hears of
each ticket once, each ticket gets one "SLA breached" note and one reminder."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from ispcare.accounts.roles import Role
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.sla_jobs import sla_sweep
from ispcare.notifications.models import Notification
from tests import factories
from tests.customers.test_concurrency import run_parallel

from .test_sla_sweep import MIN, NOW, ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")


def test_two_workers_escalate_and_remind_each_ticket_once():
    boss = factories.staff_user(Role.MANAGER, email="boss@vokasi.test")
    agent = factories.staff_user(Role.CUSTOMER_SERVICE, email="sari@vokasi.test")
    for i in range(40):
        ticket(
            first_response_due=NOW - MIN,
            awaiting_team_since=NOW - dt.timedelta(hours=6),
            assignee=agent if i % 2 else None,
        )
    moments = [NOW, NOW + dt.timedelta(microseconds=1)]  # two workers, two clocks

    results = run_parallel([lambda m=m: sla_sweep(now=m) for m in moments])

    assert all(ok for ok, _r in results), results
    sweeps = [r for _ok, r in results]
    assert sum(s.response_breached for s in sweeps) == 40
    assert sum(s.escalated for s in sweeps) == 40
    assert sum(s.reminded for s in sweeps) == 40
    assert TicketUpdate.objects.filter(kind="note").count() == 40
    assert all(s.skipped or s.escalated in (0, 40) for s in sweeps)
    assert not Ticket.objects.filter(escalated_at__isnull=True).exists()
    # Whoever won, the supervisor's notices together count every ticket exactly once.
    told = Notification.objects.filter(template_key="ticket_breach", user=boss, channel="email")
    assert told.count() == sum(1 for s in sweeps if s.escalated)
    assert sum(int(re.search(r"(\d+) tiket", n.subject).group(1)) for n in told) == 40
