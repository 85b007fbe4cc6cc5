"""bench/notifications.py runs and its figures are sound: every recipient queued, every
email the worker counts as sent was received by the SMTP server."""

from __future__ import annotations

import pytest

from tests.conftest import require

from .support import DATABASE_URL, ON_POSTGRES, postgres_reachable, run_bench


def _check(figure: dict, db: str) -> None:
    assert figure["bench"] == "notifications" and figure["db"] == db
    assert figure["recipients"] == 200
    assert sum(figure["rows"].values()) == 200  # one row per recipient (no invalid addresses)
    assert figure["rows"]["email"] == 100 and figure["rows"]["whatsapp"] == 100
    assert figure["queue_seconds"] > 0
    assert figure["smtp_sent"] == 100 == figure["smtp_received"]
    assert figure["smtp_failed"] == 0 and figure["smtp_msgs_per_s"] > 0


@pytest.mark.postgres
@pytest.mark.skipif(
    not ON_POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
)
def test_bench_on_postgresql():
    ok, reason = postgres_reachable(DATABASE_URL)
    require(ok, reason)
    figure = run_bench(
        "notifications", "--n", "200", "--smtp-seconds", "30", "--server-url", DATABASE_URL
    )
    _check(figure, "postgresql")


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass")
def test_bench_on_sqlite():
    _check(
        run_bench("notifications", "--n", "200", "--smtp-seconds", "30", "--db", "sqlite"), "sqlite"
    )
