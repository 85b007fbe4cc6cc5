"""The billing jobs in the one schedule: when they fire (WIB hours, given in UTC) and
that each leaves its run on record."""

from __future__ import annotations

import datetime as dt

import pytest

from ispcare import jobs
from ispcare.billing.choices import RunKind, RunStatus
from ispcare.billing.models import BillingRun

pytestmark = pytest.mark.django_db
UTC = dt.datetime


@pytest.mark.parametrize(
    "task,moment,fires",
    [
        (jobs.billing_reminders, UTC(2026, 12, 2, 2, 0), True),  # 09:00 WIB
        (jobs.billing_reminders, UTC(2026, 12, 2, 9, 0), False),
        (jobs.billing_isolation, UTC(2026, 12, 2, 2, 30), True),  # 09:30 WIB
        (jobs.billing_isolation, UTC(2026, 12, 2, 9, 30), True),  # 16:30 WIB
        (jobs.billing_isolation, UTC(2026, 12, 2, 10, 30), False),  # 17:30 WIB: no one to help
        (jobs.billing_isolation, UTC(2026, 12, 2, 20, 30), False),  # 03:30 WIB
        (jobs.billing_invoices, UTC(2026, 12, 2, 17, 5), True),  # every hour
    ],
)
def test_when_the_billing_jobs_fire(task, moment, fires):
    assert task.task_class().validate_datetime(moment) is fires


def test_each_job_records_its_run():
    jobs.billing_invoices.call_local()
    jobs.billing_reminders.call_local()
    jobs.billing_isolation.call_local()
    kinds = set(BillingRun.objects.values_list("kind", "status"))
    assert kinds == {
        (RunKind.INVOICES, RunStatus.DONE),
        (RunKind.REMINDERS, RunStatus.DONE),
        (RunKind.ISOLATION, RunStatus.DONE),
    }


def test_the_gateway_sweep_applies_stored_notifications_no_worker_took(monkeypatch):
    applied = []
    monkeypatch.setattr(
        "ispcare.billing.online.gateway_events_apply_due", lambda: applied.append(1) or 0
    )
    jobs.gateway_events_sweep.call_local()
    assert applied == [1]
