"""The SLA sweep with the clock passed in: breaches stamped once, one escalation notice
per supervisor per run with the right count, follow-up reminders per assignee after
HELPDESK_FOLLOWUP_MINUTES business minutes, idempotence, nothing for resolved tickets,
and a query count that does not grow with the number of tickets."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ispcare import jobs
from ispcare.accounts.roles import Role
from ispcare.helpdesk import sla
from ispcare.helpdesk.models import Ticket, TicketUpdate
from ispcare.helpdesk.sla_jobs import sla_sweep
from ispcare.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

WIB = sla.WIB
NOW = dt.datetime(2026, 12, 2, 14, 0, tzinfo=WIB)  # Wednesday, 14:00 WIB
MIN = dt.timedelta(minutes=1)
_seq = itertools.count(1)


def ticket(**fields) -> Ticket:
    n = next(_seq)
    defaults = {
        "number": f"TKT/2026/{n:06d}",
        "kind": "question",
        "source": "phone",
        "subject": f"Pertanyaan {n}",
        "contact_phone": "6281234567890",
        "status": "open",
        "first_response_due": NOW + dt.timedelta(hours=1),
        "resolution_due": NOW + dt.timedelta(days=3),
    }
    return Ticket.objects.create(**{**defaults, **fields})


def notices(template: str) -> list[Notification]:
    """One row per person told (the email row; the in-app copy is the same notice)."""
    rows = Notification.objects.filter(template_key=template).order_by("id")
    seen: dict[int, Notification] = {}
    for row in rows:
        seen.setdefault(row.user_id, row)
    return list(seen.values())


@pytest.fixture
def supervisors(db):
    boss = factories.staff_user(Role.MANAGER, email="boss@vokasi.test")
    admin = factories.staff_user(Role.ADMIN, email="admin@vokasi.test")
    factories.staff_user(Role.MANAGER, email="gone@vokasi.test", is_active=False)
    return boss, admin


@pytest.fixture
def agent_with_mail(db):
    return factories.staff_user(Role.CUSTOMER_SERVICE, email="sari@vokasi.test")


# --- breaches ---------------------------------------------------------------------------


def test_first_response_breach_is_stamped_once(supervisors):
    late = ticket(first_response_due=NOW - MIN)
    on_time = ticket(first_response_due=NOW + dt.timedelta(hours=1))
    answered = ticket(first_response_due=NOW - MIN, first_responded_at=NOW - 2 * MIN)
    resolved = ticket(first_response_due=NOW - MIN, status="resolved")
    closed = ticket(first_response_due=NOW - MIN, status="closed")

    result = sla_sweep(now=NOW)

    assert result.response_breached == 1
    late.refresh_from_db()
    assert late.response_breached_at == NOW and late.breached_at == NOW
    assert late.resolution_breached_at is None
    for t in (on_time, answered, resolved, closed):
        t.refresh_from_db()
        assert t.breached_at is None and t.response_breached_at is None, t.number

    later = sla_sweep(now=NOW + dt.timedelta(minutes=5))
    assert later.response_breached == 0
    late.refresh_from_db()
    assert late.response_breached_at == NOW  # not moved by the next run


def test_resolution_breach_keeps_the_first_breach_time(supervisors):
    earlier = NOW - dt.timedelta(hours=2)
    twice = ticket(
        first_response_due=earlier - MIN,
        response_breached_at=earlier,
        breached_at=earlier,
        escalated_at=earlier,
        resolution_due=NOW - MIN,
    )
    answered_late = ticket(first_responded_at=NOW - dt.timedelta(hours=5), resolution_due=NOW - MIN)
    waiting_customer = ticket(status="waiting_customer", resolution_due=NOW - MIN)
    resolved = ticket(status="resolved", resolution_due=NOW - MIN)

    result = sla_sweep(now=NOW)

    assert result.resolution_breached == 3
    twice.refresh_from_db()
    assert twice.resolution_breached_at == NOW and twice.breached_at == earlier
    for t in (answered_late, waiting_customer):
        t.refresh_from_db()
        assert t.resolution_breached_at == NOW == t.breached_at
    resolved.refresh_from_db()
    assert resolved.resolution_breached_at is None


def test_due_exactly_now_is_not_yet_breached(supervisors):
    t = ticket(first_response_due=NOW, resolution_due=NOW)
    assert sla_sweep(now=NOW).response_breached == 0
    t.refresh_from_db()
    assert t.breached_at is None


# --- escalation -------------------------------------------------------------------------


def test_escalation_tells_each_supervisor_once_with_the_count(supervisors, agent_with_mail):
    boss, admin = supervisors
    breached = [ticket(first_response_due=NOW - MIN * (i + 1)) for i in range(3)]
    already = ticket(  # escalated by an earlier run: not in this notice
        first_response_due=NOW - dt.timedelta(hours=3),
        response_breached_at=NOW - dt.timedelta(hours=2),
        breached_at=NOW - dt.timedelta(hours=2),
        escalated_at=NOW - dt.timedelta(hours=2),
    )

    result = sla_sweep(now=NOW)

    assert result.escalated == 3 and result.breach_notices == 2
    told = notices("ticket_breach")
    assert {n.user_id for n in told} == {boss.pk, admin.pk}  # not the agent, not the inactive
    for n in told:
        assert "3 tiket" in n.subject + n.body
        assert all(t.number in n.body for t in breached)
        assert already.number not in n.body
    for t in breached:
        t.refresh_from_db()
        assert t.escalated_at == NOW
        notes = list(t.updates.all())
        assert len(notes) == 1
        assert notes[0].kind == "note" and not notes[0].public
        assert notes[0].author_kind == "system" and notes[0].author_id is None
        assert "SLA" in notes[0].body
    assert not already.updates.exists()

    # A new breach later: a new notice naming only it.
    fresh = ticket(first_response_due=NOW + MIN)
    again = sla_sweep(now=NOW + dt.timedelta(minutes=2))
    assert again.escalated == 1 and again.breach_notices == 2
    latest = Notification.objects.filter(template_key="ticket_breach", user=boss).first()
    assert fresh.number in latest.body and breached[0].number not in latest.body


def test_escalation_names_at_most_twenty_and_counts_all(supervisors):
    boss, _admin = supervisors
    many = [ticket(resolution_due=NOW - MIN) for _ in range(25)]
    result = sla_sweep(now=NOW)
    assert result.escalated == 25
    body = Notification.objects.filter(template_key="ticket_breach", user=boss).first().body
    assert "25 tiket" in body
    assert sum(t.number in body for t in many) == 20
    assert TicketUpdate.objects.filter(ticket__in=many, kind="note").count() == 25


def test_a_resolved_breached_ticket_is_never_escalated(supervisors):
    ticket(status="resolved", breached_at=NOW - MIN, response_breached_at=NOW - MIN)
    result = sla_sweep(now=NOW)
    assert result.escalated == 0 and not notices("ticket_breach")


def test_no_supervisor_still_stamps_and_notes(db):
    t = ticket(first_response_due=NOW - MIN)
    result = sla_sweep(now=NOW)
    assert result.escalated == 1 and result.breach_notices == 0
    t.refresh_from_db()
    assert t.escalated_at == NOW and t.updates.count() == 1


# --- follow-up reminders ------------------------------------------------------------------


def test_followups_go_to_the_assignee_and_unassigned_to_supervisors(
    supervisors, agent_with_mail, settings
):
    settings.HELPDESK_FOLLOWUP_MINUTES = 240
    boss, admin = supervisors
    agent = agent_with_mail
    # 241 business minutes by 14:00: due a reminder.
    mine_1 = ticket(assignee=agent, awaiting_team_since=NOW - dt.timedelta(minutes=241))
    # Tue 20:00 -> Wed 14:00 is 6 business hours (the night does not count).
    mine_2 = ticket(assignee=agent, awaiting_team_since=dt.datetime(2026, 12, 1, 20, 0, tzinfo=WIB))
    # 3.5 business hours: not yet.
    fresh = ticket(assignee=agent, awaiting_team_since=NOW - dt.timedelta(hours=3, minutes=30))
    nobody = ticket(awaiting_team_since=NOW - dt.timedelta(hours=5))
    waiting_customer = ticket(assignee=agent, status="waiting_customer", awaiting_team_since=None)
    resolved = ticket(
        assignee=agent, status="resolved", awaiting_team_since=NOW - dt.timedelta(days=3)
    )

    result = sla_sweep(now=NOW)

    assert result.reminded == 3 and result.followup_notices == 3
    to_agent = Notification.objects.filter(template_key="ticket_followup", user=agent)
    assert {n.channel for n in to_agent} >= {"email"}
    body = to_agent.first().body
    assert mine_1.number in body and mine_2.number in body
    assert fresh.number not in body and nobody.number not in body
    for sup in (boss, admin):
        sup_body = Notification.objects.filter(template_key="ticket_followup", user=sup).first()
        assert nobody.number in sup_body.body and mine_1.number not in sup_body.body
    for t in (mine_1, mine_2, nobody):
        t.refresh_from_db()
        assert t.reminded_at == NOW
    for t in (fresh, waiting_customer, resolved):
        t.refresh_from_db()
        assert t.reminded_at is None


def test_a_reminder_repeats_only_after_another_span(agent_with_mail, settings):
    settings.HELPDESK_FOLLOWUP_MINUTES = 240
    t = ticket(assignee=agent_with_mail, awaiting_team_since=NOW - dt.timedelta(hours=5))
    assert sla_sweep(now=NOW).reminded == 1
    # An hour later, and over the night (14:00 -> 17:00 + 08:00 -> 08:59 = 239 minutes): no.
    assert sla_sweep(now=NOW + dt.timedelta(hours=1)).reminded == 0
    assert sla_sweep(now=dt.datetime(2026, 12, 3, 8, 59, tzinfo=WIB)).reminded == 0
    # 240 business minutes after the reminder: again.
    again = dt.datetime(2026, 12, 3, 9, 0, tzinfo=WIB)
    assert sla_sweep(now=again).reminded == 1
    t.refresh_from_db()
    assert t.reminded_at == again
    assert Notification.objects.filter(template_key="ticket_followup", channel="email").count() == 2


def test_followup_span_skips_sunday(agent_with_mail, settings):
    settings.HELPDESK_FOLLOWUP_MINUTES = 240
    monday_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=WIB)
    saturday_15 = dt.datetime(2026, 12, 5, 15, 0, tzinfo=WIB)  # 2 h Saturday + 2 h Monday
    saturday_1501 = saturday_15 + MIN
    due = ticket(assignee=agent_with_mail, awaiting_team_since=saturday_15)
    not_due = ticket(assignee=agent_with_mail, awaiting_team_since=saturday_1501)
    assert sla_sweep(now=monday_10).reminded == 1
    due.refresh_from_db(), not_due.refresh_from_db()
    assert due.reminded_at == monday_10 and not_due.reminded_at is None


def test_an_inactive_assignees_tickets_go_to_supervisors(supervisors, settings):
    settings.HELPDESK_FOLLOWUP_MINUTES = 240
    boss, _admin = supervisors
    left = factories.staff_user(Role.CUSTOMER_SERVICE, email="left@vokasi.test", is_active=False)
    t = ticket(assignee=left, awaiting_team_since=NOW - dt.timedelta(hours=6))
    sla_sweep(now=NOW)
    assert not Notification.objects.filter(template_key="ticket_followup", user=left).exists()
    assert (
        t.number
        in Notification.objects.get(template_key="ticket_followup", user=boss, channel="email").body
    )


# --- idempotence and scale -------------------------------------------------------------


def _mixed(n: int, agent) -> None:
    for i in range(n):
        ticket(
            first_response_due=NOW - MIN,
            resolution_due=NOW - MIN if i % 2 else NOW + MIN,
            awaiting_team_since=NOW - dt.timedelta(hours=6),
            assignee=agent if i % 3 else None,
        )
    ticket(status="resolved", first_response_due=NOW - MIN, resolution_due=NOW - MIN)


def test_a_second_run_at_the_same_moment_changes_nothing(supervisors, agent_with_mail):
    _mixed(6, agent_with_mail)
    first = sla_sweep(now=NOW)
    assert first.response_breached == 6 and first.escalated == 6 and first.reminded == 6
    state = list(Ticket.objects.order_by("pk").values())
    counts = (Notification.objects.count(), TicketUpdate.objects.count())

    second = sla_sweep(now=NOW)

    assert second == type(second)()  # every count zero
    assert list(Ticket.objects.order_by("pk").values()) == state
    assert (Notification.objects.count(), TicketUpdate.objects.count()) == counts


def _queries(n: int, agent) -> int:
    Ticket.objects.all().delete()
    _mixed(n, agent)
    with CaptureQueriesContext(connection) as ctx:
        result = sla_sweep(now=NOW)
    assert result.escalated == n and result.reminded == n
    Notification.objects.all().delete()
    TicketUpdate.objects.all().delete()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_tickets(supervisors, agent_with_mail):
    assert _queries(5, agent_with_mail) == _queries(50, agent_with_mail)


def test_the_job_is_scheduled_every_minute_and_runs_the_sweep(supervisors):
    task = jobs.helpdesk_sla_sweep.task_class()
    assert task.validate_datetime(dt.datetime(2026, 12, 2, 7, 13))
    t = ticket(first_response_due=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    jobs.helpdesk_sla_sweep.call_local()
    t.refresh_from_db()
    assert t.response_breached_at is not None and t.escalated_at is not None
