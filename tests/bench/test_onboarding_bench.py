"""bench/onboarding.py runs and its figure is sound: parallel approvals, distinct numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

BENCH = Path(__file__).resolve().parents[2] / "bench" / "onboarding.py"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _postgres_reachable(url: str) -> tuple[bool, str]:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True, ""
    except Exception as exc:
        return False, f"PostgreSQL not reachable at {url}: {str(exc).splitlines()[0]}"


def _run(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, str(BENCH), "--n", "10", "--workers", "4", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1])


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


@pytest.mark.postgres
@pytest.mark.skipif(
    not ON_POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
)
def test_bench_on_postgresql():
    ok, reason = _postgres_reachable(DATABASE_URL)
    require(ok, reason)
    _check(_run("--db", "postgresql", "--server-url", DATABASE_URL), "postgresql")


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass")
def test_bench_on_sqlite():
    _check(_run("--db", "sqlite"), "sqlite")
