"""The supervisors' SLA page: open breached tickets newest breach first with the target
passed and by how much, the breaches of the last 14 days, this month's share answered
within target; only for helpdesk.supervise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.helpdesk import sla, sla_report
from ispcare.helpdesk.models import Ticket
from tests import factories

from .test_sla_sweep import NOW, ticket

pytestmark = pytest.mark.django_db
URL = "/staff/helpdesk/sla/"
H = dt.timedelta(hours=1)


def test_the_url_is_named():
    assert reverse("helpdesk_sla:breaches") == URL


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MANAGER, 200),
        (Role.ADMIN, 200),
        (Role.CUSTOMER_SERVICE, 403),
        (Role.TECHNICIAN, 403),
        (Role.NOC, 403),
    ],
)
def test_only_supervisors(client, role, status):
    client.force_login(factories.staff_user(role))
    assert client.get(URL).status_code == status


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_open_breaches_newest_first_with_target_and_overrun(client, supervisor, agent):
    now = timezone.now()
    old = ticket(
        subject="Lama",
        first_response_due=now - 3 * H,
        response_breached_at=now - 3 * H,
        breached_at=now - 3 * H,
        assignee=agent,
    )
    new = ticket(
        subject="Baru",
        first_responded_at=now - 5 * H,
        resolution_due=now - H,
        resolution_breached_at=now - H,
        breached_at=now - H,
    )
    done = ticket(status="resolved", breached_at=now - H, resolution_breached_at=now - H)
    client.force_login(supervisor)
    response = client.get(URL)
    html = response.content.decode()
    assert old.number in html and new.number in html and done.number not in html
    assert html.index(new.number) < html.index(old.number)
    assert reverse("helpdesk:ticket_detail", args=[new.pk]) in html
    rows = {b.ticket.pk: b for b in response.context["breaches"]}
    assert rows[old.pk].target == "response" and rows[new.pk].target == "resolution"
    assert rows[old.pk].over_minutes == sla.business_minutes_between(now - 3 * H, now)
    assert response.context["count"] == 2
    assert len(response.context["days"]) == 14


def test_overrun_of_a_late_answer_stops_at_the_answer(supervisor):
    due = NOW - 2 * H
    t = ticket(
        first_response_due=due,
        first_responded_at=due + dt.timedelta(minutes=45),
        response_breached_at=due,
        breached_at=due,
    )
    [b], count = sla_report.open_breaches(NOW)
    assert b.ticket == t and b.over_minutes == 45 and count == 1
    assert "45" in b.over_label


def test_breaches_per_day_in_wib_days(db):
    # 23:30 WIB on 1 Dec is 16:30 UTC: it counts on the 1st in WIB.
    ticket(breached_at=dt.datetime(2026, 12, 1, 23, 30, tzinfo=sla.WIB), status="closed")
    ticket(breached_at=dt.datetime(2026, 12, 2, 0, 30, tzinfo=sla.WIB))
    ticket(breached_at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=sla.WIB))
    ticket(breached_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=sla.WIB))  # too old
    days = sla_report.breaches_per_day(NOW)
    assert days[-1]["day"] == dt.date(2026, 12, 2) and days[0]["day"] == dt.date(2026, 11, 19)
    assert [d["count"] for d in days[-2:]] == [1, 2]
    assert days[-1]["pct"] == 100 and days[-2]["pct"] == 50
    assert sum(d["count"] for d in days) == 3


def test_share_answered_within_target_this_month(db):
    due = NOW - H
    ticket(first_response_due=due, first_responded_at=due - H)  # on time
    ticket(first_response_due=due, first_responded_at=due + H)  # late
    ticket(first_response_due=due, response_breached_at=due)  # never answered, breached
    ticket(first_response_due=NOW + H)  # clock still running: not counted
    Ticket.objects.update(created_at=NOW - 2 * H)
    last_month = ticket(first_response_due=due, first_responded_at=due - H)
    Ticket.objects.filter(pk=last_month.pk).update(
        created_at=dt.datetime(2026, 11, 30, tzinfo=sla.WIB)
    )
    assert sla_report.response_share(NOW) == {"decided": 3, "within": 1, "pct": 33}


def test_empty_page_says_so(client, supervisor):
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    assert 'data-testid="sla-breaches"' not in html and "sla-days" in html


def test_list_is_limited_with_the_full_count(db):
    now = timezone.now()
    for i in range(5):
        ticket(breached_at=now - dt.timedelta(minutes=i), resolution_breached_at=now)
    rows, count = sla_report.open_breaches(now, limit=3)
    assert len(rows) == 3 and count == 5


def test_page_queries_do_not_grow_with_breaches(client, supervisor, agent):
    now = timezone.now()
    client.force_login(supervisor)

    def queries(n):
        for i in range(n):
            ticket(
                breached_at=now - dt.timedelta(minutes=i + 1),
                resolution_breached_at=now,
                resolution_due=now - H,
                assignee=agent,
            )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    assert queries(2) == queries(20)
