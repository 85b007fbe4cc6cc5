"""rows_insert / rows_update: the outbox's fast paths write exactly what bulk_create would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ispcare.common.bulk import rows_insert, rows_update
from ispcare.notifications.models import BulkSend, Notification

pytestmark = pytest.mark.django_db


def _row(i: int, **extra) -> dict:
    return {
        "channel": "email",
        "to": f"u{i}@example.id",
        "template_key": "announcement",
        "subject": f"Subjek {i}",
        "body": "Baris satu\nBaris\ttab \\ garis miring",  # COPY escapes these
        "idempotency_key": f"k:{i}",
        **extra,
    }


def test_insert_fills_defaults_and_keeps_values_exactly():
    bulk = BulkSend.objects.create(title="t", template_key="announcement")
    before = timezone.now()
    rows_insert(
        Notification,
        [_row(1, bulk_id=bulk.pk, wa_params=["a", "b c"]), _row(2, note="catatan", to="")],
    )
    one, two = Notification.objects.order_by("id")
    assert one.body == "Baris satu\nBaris\ttab \\ garis miring"
    assert one.wa_params == ["a", "b c"] and two.wa_params == []
    assert one.bulk_id == bulk.pk and two.bulk_id is None
    assert (one.status, one.attempts, one.language, one.last_error) == ("queued", 0, "id", "")
    assert two.note == "catatan" and two.to == ""
    assert one.created_at >= before - dt.timedelta(seconds=1)  # auto_now_add filled in
    assert one.idempotency_key == "k:1" and two.sent_at is None


def test_update_writes_each_rows_own_values_in_one_statement():
    rows_insert(Notification, [_row(i) for i in range(5)])
    rows = list(Notification.objects.order_by("id"))
    now = timezone.now()
    for i, row in enumerate(rows):
        row.status, row.provider_id, row.attempts, row.sent_at = "sent", f"<m{i}@x>", i, now
    with CaptureQueriesContext(connection) as queries:
        rows_update(rows, ["status", "provider_id", "attempts", "sent_at"])
    assert len(queries) == 1  # executemany: one statement, many parameter sets
    got = list(Notification.objects.order_by("id").values_list("provider_id", "attempts", "status"))
    assert got == [(f"<m{i}@x>", i, "sent") for i in range(5)]
    assert Notification.objects.filter(sent_at=now).count() == 5


def test_update_of_nothing_does_nothing():
    rows_update([], ["status"])
    rows_insert(Notification, [])
    assert Notification.objects.count() == 0
