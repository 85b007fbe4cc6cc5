"""Races on PostgreSQL (each thread its own connection); skipped on SQLite, whose one
writer at a time cannot show them."""

from __future__ import annotations

import pytest
from django.db import connection

from ispcare.closures import services
from ispcare.closures.models import Closure
from ispcare.customers.models import Equipment
from tests.customers.test_concurrency import run_parallel

from .support import request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: runs in the PostgreSQL pass")


def test_two_requests_at_once_make_one(subscriber):
    customer, sub = subscriber
    results = run_parallel([lambda: request(sub, customer.user) for _ in range(4)])
    made = [r for ok, r in results if ok]
    refused = [r for ok, r in results if not ok]
    assert len(made) == 1 and Closure.objects.count() == 1
    assert all(isinstance(e, services.Conflict) for e in refused), refused
    assert {e.code for e in refused} == {"closure.already_open"}


def test_cancel_racing_the_processing_leaves_one_outcome(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    results = run_parallel(
        [
            lambda: services.closure_cancel(closure_id=closure.pk, actor=customer.user),
            lambda: services.closure_process(closure_id=closure.pk, actor=closing),
        ]
    )
    assert sum(ok for ok, _r in results) == 1
    closure.refresh_from_db()
    assert closure.status in ("cancelled", "in_progress")


def test_double_check_in_records_each_device_once(subscriber, closing):
    customer, sub = subscriber
    closure = request(sub, customer.user)
    ont = Equipment.objects.get(subscription=sub)
    results = run_parallel(
        [
            lambda c=c: services.closure_check_in(
                closure_id=closure.pk, conditions={ont.pk: c}, via="dropoff", actor=closing
            )
            for c in ("good", "damaged")
        ]
    )
    assert sum(ok for ok, _r in results) == 1
    assert closure.items.count() == 1
