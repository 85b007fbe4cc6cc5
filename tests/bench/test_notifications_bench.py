"""bench/notifications.py runs and its figures are sound: every recipient queued, every
email the worker counts as sent was received by the SMTP server."""

from __future__ import annotations

import pytest

from .support import ON_POSTGRES, postgres_pass, postgres_server, run_bench


def _check(figure: dict, db: str) -> None:
    assert figure["bench"] == "notifications" and figure["db"] == db
    assert figure["recipients"] == 200
    assert sum(figure["rows"].values()) == 200  # one row per recipient (no invalid addresses)
    assert figure["rows"]["email"] == 100 and figure["rows"]["whatsapp"] == 100
    assert figure["queue_seconds"] > 0
    assert figure["smtp_sent"] == 100 == figure["smtp_received"]
    assert figure["smtp_failed"] == 0 and figure["smtp_msgs_per_s"] > 0


@postgres_pass()
def test_bench_on_postgresql():
    server = postgres_server()
    figure = run_bench(
        "notifications", "--n", "200", "--smtp-seconds", "30", "--server-url", server
    )
    _check(figure, "postgresql")


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass")
def test_bench_on_sqlite():
    _check(
        run_bench("notifications", "--n", "200", "--smtp-seconds", "30", "--db", "sqlite"), "sqlite"
    )
