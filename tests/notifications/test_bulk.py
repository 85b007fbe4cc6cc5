"""Bulk sends: written set-based, delivered in the background, paused and resumed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ispcare.common.errors import Conflict
from ispcare.notifications import outbox
from ispcare.notifications.choices import BulkStatus, Status
from ispcare.notifications.models import BulkSend, Notification
from ispcare.notifications.selectors import bulk_progress
from ispcare.notifications.services import (
    bulk_send_cancel,
    bulk_send_create,
    bulk_send_pause,
    bulk_send_resume,
)

from .support import SAMPLE, recipient

pytestmark = pytest.mark.django_db


def _recipients(n: int, **overrides):
    return [
        recipient(
            name=f"Pelanggan {i}",
            email=f"p{i}@example.id",
            ref=f"customer:{i}",
            context={"name": f"Pelanggan {i}"},
            **overrides,
        )
        for i in range(n)
    ]


def _bulk(n: int, **kw) -> BulkSend:
    return bulk_send_create(
        title="Pemeliharaan",
        template="announcement",
        recipients=_recipients(n, **kw),
        context=SAMPLE,
    )


def test_queries_do_not_grow_with_the_number_of_recipients():
    with CaptureQueriesContext(connection) as small:
        _bulk(5)
    with CaptureQueriesContext(connection) as large:
        _bulk(300)
    # Bulk inserts: SQLite caps the parameters of one statement (~40 rows here), so it may
    # take a few more statements; never one per recipient.
    extra = len(large) - len(small)
    assert extra <= (0 if connection.vendor == "postgresql" else 300 // 40), extra
    assert Notification.objects.filter(bulk__isnull=False).count() == 305


def test_each_recipient_gets_their_own_rendering_and_language():
    bulk = bulk_send_create(
        title="x",
        template="announcement",
        recipients=[
            recipient(ref="customer:1", context={"name": "Ani"}),
            recipient(
                ref="customer:2", email="b@example.id", language="en", context={"name": "Bob"}
            ),
        ],
        context=SAMPLE,
    )
    rows = {r.to: r for r in bulk.notifications.all()}
    assert rows["dewi@example.id"].body.startswith("Halo Ani")
    assert rows["b@example.id"].body.startswith("Hello Bob")
    assert bulk.total == 2


def test_a_recipient_listed_twice_gets_one_message():
    one = recipient(ref="customer:7")
    bulk = bulk_send_create(
        title="x", template="announcement", recipients=[one, one], context=SAMPLE
    )
    assert bulk.notifications.count() == 1


def test_invalid_addresses_in_a_bulk_are_flagged_at_once():
    bulk = bulk_send_create(
        title="x",
        template="announcement",
        recipients=[*_recipients(3), recipient(ref="customer:99", email="not-an-email")],
        context=SAMPLE,
    )
    p = bulk_progress(bulk)
    assert (p.queued, p.failed) == (3, 1)


def test_delivery_in_the_background_finishes_the_bulk(smtp):
    bulk = _bulk(25)
    outbox.drain("email", batch=10)
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.DONE and bulk.finished_at is not None
    p = bulk_progress(bulk)
    assert (p.done, p.failed, p.queued, p.percent) == (25, 0, 0, 100)
    assert len(smtp.received) == 25


def test_the_drain_continues_in_a_new_task_when_its_time_is_up(smtp):
    bulk = _bulk(12)
    result = outbox.drain("email", batch=5, budget_seconds=0)
    assert result.more is True and result.sent == 0
    assert outbox.drain("email", batch=5).sent == 12
    assert bulk_progress(bulk).done == 12


def test_pause_holds_the_rest_and_resume_sends_it(smtp):
    bulk = _bulk(10)
    outbox.drain("email", batch=4, budget_seconds=0.0001)  # at most one batch goes out
    held = bulk_send_pause(bulk_id=bulk.pk)
    sent_before = bulk_progress(bulk).done
    assert held == 10 - sent_before and held > 0
    assert outbox.drain("email").sent == 0  # nothing leaves while paused
    assert bulk_progress(bulk).held == held
    with pytest.raises(Conflict):
        bulk_send_pause(bulk_id=bulk.pk)
    assert bulk_send_resume(bulk_id=bulk.pk) == held
    outbox.drain("email")
    assert bulk_progress(bulk).done == 10 and len(smtp.received) == 10
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.DONE


def test_cancel_stops_what_has_not_gone_out():
    bulk = _bulk(6)
    assert bulk_send_cancel(bulk_id=bulk.pk) == 6
    assert outbox.drain("email").sent == 0
    assert Notification.objects.filter(bulk=bulk, status=Status.CANCELLED).count() == 6
    with pytest.raises(Conflict):
        bulk_send_resume(bulk_id=bulk.pk)


def test_progress_counts_by_status(smtp):
    smtp.refuse.add("p1@example.id")
    bulk = _bulk(4)
    outbox.drain("email")
    p = bulk_progress(bulk)
    assert (p.total, p.external, p.done, p.failed, p.finished, p.percent) == (4, 4, 3, 1, 4, 100)
