"""bench/onboarding.py runs and its figure is sound: parallel approvals, distinct numbers."""

from __future__ import annotations

import pytest

from .support import ON_POSTGRES, postgres_pass, postgres_server, run_bench


def _run(*args: str) -> dict:
    return run_bench("onboarding", "--n", "10", "--workers", "4", *args)


def _check(figure: dict, db: str) -> None:
    assert figure["bench"] == "onboarding"
    assert figure["db"] == db
    assert figure["registrations"] == 10
    assert figure["approved"] == 10
    assert figure["distinct_numbers"] == 10
    assert figure["customers_stored"] == 10
    assert figure["gap_free"] is True
    assert figure["errors"] == 0
    assert figure["per_s"] > 0


@postgres_pass()
def test_bench_on_postgresql():
    server = postgres_server()
    _check(_run("--db", "postgresql", "--server-url", server), "postgresql")


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass")
def test_bench_on_sqlite():
    _check(_run("--db", "sqlite"), "sqlite")
