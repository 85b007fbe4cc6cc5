"""Running a bench script from a test: its last line is the JSON figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def postgres_reachable(url: str) -> tuple[bool, str]:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True, ""
    except Exception as exc:
        return False, f"PostgreSQL not reachable at {url}: {str(exc).splitlines()[0]}"


def run_bench(name: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, str(BENCH_DIR / f"{name}.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgres_pass():
    """Decorator: a bench test that runs in the PostgreSQL pass only."""
    import pytest

    def wrap(fn):
        return pytest.mark.postgres(
            pytest.mark.skipif(
                not ON_POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
            )(fn)
        )

    return wrap


def postgres_server() -> str:
    """The PostgreSQL server of this pass, or skip (fail under ISPCARE_REQUIRE_ALL=1)."""
    from tests.conftest import require

    ok, reason = postgres_reachable(DATABASE_URL)
    require(ok, reason)
    return DATABASE_URL
