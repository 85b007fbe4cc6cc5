"""bench/billing_run.py runs and its figures are sound: one invoice per subscriber,
numbers gap-free, one event each, the overdue (and only they) isolated with their
network change pending and a message each; the naive loop ran on its sample and the
ratio is computed from it."""

from __future__ import annotations

import pytest

from .support import ON_POSTGRES, postgres_pass, postgres_server, run_bench

N = 200


def _check(figure: dict, db: str) -> None:
    assert figure["bench"] == "billing_run" and figure["db"] == db
    assert figure["subscribers"] == N
    assert figure["problems"] == []
    assert figure["invoices"] == N and figure["events"] == N
    assert figure["gap_free"] is True
    assert figure["isolated"] == figure["isolated_expected"] == N // 10
    assert figure["access_pending"] == figure["isolation_messages"] == N // 10
    assert figure["seconds"] > 0 and figure["peak_mb"] > 0
    assert figure["naive_sample"] == 50 and figure["naive_scaled"] is True
    assert figure["naive_isolated"] == 5
    assert figure["ratio"] == pytest.approx(figure["naive_seconds"] / figure["seconds"], rel=0.1)


def _run(*args: str) -> dict:
    return run_bench("billing_run", "--subscribers", str(N), "--naive-sample", "50", *args)


@postgres_pass()
def test_bench_on_postgresql():
    server = postgres_server()
    _check(_run("--db", "postgresql", "--server-url", server), "postgresql")


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass")
def test_bench_on_sqlite():
    _check(_run("--db", "sqlite"), "sqlite")
