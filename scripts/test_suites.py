#!/usr/bin/env python3
"""Run every test suite: checks, SQLite, PostgreSQL, browser.

A suite whose server is missing is skipped with the reason printed, or fails when
ISPCARE_REQUIRE_ALL=1 (CI). Exits non-zero if anything failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REQUIRE_ALL = os.environ.get("ISPCARE_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ispcare")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASE_ENV = {**os.environ, "ISPCARE_TESTING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
BASE_ENV.pop("DATABASE_URL", None)
BASE_ENV.pop("REDIS_URL", None)


def run(name: str, cmd: list[str], env: dict | None = None) -> tuple[str, str, float]:
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env=env or BASE_ENV)
    took = time.monotonic() - started
    # pytest exit 5 = nothing collected: a suite that runs nothing is a failure here.
    return name, "passed" if rc == 0 else f"FAILED (exit {rc})", took


def postgres_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg not installed"
    try:
        dsn = PG_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {exc}".splitlines()[0]
    return None


def missing(name: str, reason: str) -> tuple[str, str, float]:
    if REQUIRE_ALL:
        print(f"\n=== {name}: REQUIRED but {reason}", flush=True)
        return name, f"FAILED (server missing: {reason})", 0.0
    print(f"\n=== {name}: skipped: {reason}", flush=True)
    return name, f"skipped ({reason})", 0.0


def main() -> int:
    py, pytest = str(BIN / "python"), [str(BIN / "python"), "-m", "pytest"]
    results = [
        run("ruff", [str(BIN / "ruff"), "check", "."]),
        run("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        run("migrations", [py, "-m", "django", "makemigrations", "--check", "--dry-run"],
            {**BASE_ENV, "DJANGO_SETTINGS_MODULE": "ispcare.settings", "ISPCARE_VAR_DIR": "/tmp/ispcare-mig"}),
        run("sqlite", [*pytest, "-m", "not browser", "-q", "-n", "2"]),
    ]
    reason = postgres_reason()
    if reason:
        results.append(missing("postgresql", reason))
    else:
        results.append(run("postgresql", [*pytest, "-m", "not browser", "-q", "-n", "2"],
                           {**BASE_ENV, "DATABASE_URL": PG_URL}))
    if Path(CHROMIUM).exists():
        results.append(run("browser", [*pytest, "-m", "browser", "-q", "tests/e2e"]))
    else:
        results.append(missing("browser", f"Chromium not found at {CHROMIUM}"))
    print("\n=== summary")
    for name, status, took in results:
        print(f"{name:12} {status:40} {took:6.1f}s")
    failed = [r for r in results if r[1].startswith("FAILED")]
    total = len(results)
    print(f"suites: {total - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
