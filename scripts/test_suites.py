#!/usr/bin/env python3
"""Run every check and test suite: lint, migrations, SQLite, PostgreSQL, browser.

Run by `make test` with the project's virtualenv. A suite whose server is missing is
skipped with the reason printed, or fails when ISPCARE_REQUIRE_ALL=1 (as CI runs it).
Prints one summary line per suite and exits non-zero if anything failed.

Environment: TEST_DATABASE_URL (PostgreSQL server to create test databases on, default
postgres://postgres@127.0.0.1:5432/ispcare), CHROMIUM_PATH (default /usr/bin/chromium),
PYTEST_WORKERS (pytest-xdist processes for the unit passes, default 2; 0 = no xdist),
ISPCARE_SUITES (comma-separated subset, e.g. "sqlite,postgresql"). Extra arguments are
passed to every pytest run (e.g. `scripts/test_suites.py -x -k onboarding`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REQUIRE_ALL = os.environ.get("ISPCARE_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ispcare")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WORKERS = os.environ.get("PYTEST_WORKERS", "2")
ONLY = {s.strip() for s in os.environ.get("ISPCARE_SUITES", "").split(",") if s.strip()}
PYTEST_EXIT = {1: "tests failed", 2: "interrupted", 3: "internal error", 4: "usage error"}


class Runner:
    def __init__(self, pytest_args: list[str]) -> None:
        self.results: list[tuple[str, str, float]] = []
        self.pytest_args = pytest_args
        # Tests never touch the developer's var/ (the demo database, the job queue).
        self.var = tempfile.mkdtemp(prefix="ispcare-test-var-")
        env = {**os.environ, "ISPCARE_TESTING": "1", "ISPCARE_VAR_DIR": self.var}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        self.env = env

    def wanted(self, name: str) -> bool:
        return not ONLY or name in ONLY

    def run(self, name: str, cmd: list[str], env: dict | None = None, pytest: bool = False) -> None:
        if not self.wanted(name):
            return
        print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
        started = time.monotonic()
        rc = subprocess.call(cmd, cwd=ROOT, env=env or self.env)  # noqa: S603 (our own tools)
        took = time.monotonic() - started
        if rc == 0:
            status = "passed"
        elif pytest and rc == 5:
            status = "FAILED (no tests collected)"
        else:
            status = f"FAILED ({PYTEST_EXIT.get(rc, 'exit') if pytest else 'exit'} {rc})"
        self.results.append((name, status, took))

    def missing(self, name: str, reason: str) -> None:
        if not self.wanted(name):
            return
        if REQUIRE_ALL:
            print(f"\n=== {name}: REQUIRED (ISPCARE_REQUIRE_ALL=1) but {reason}", flush=True)
            self.results.append((name, f"FAILED (server missing: {reason})", 0.0))
        else:
            print(f"\n=== {name}: skipped: {reason}", flush=True)
            self.results.append((name, f"skipped ({reason})", 0.0))

    def pytest(self, *args: str) -> list[str]:
        return [str(BIN / "python"), "-m", "pytest", *args, *self.pytest_args]

    def xdist(self) -> list[str]:
        return ["-p", "xdist", "-n", WORKERS] if WORKERS not in ("", "0") else []

    def summary(self) -> int:
        print("\n=== summary", flush=True)
        for name, status, took in self.results:
            print(f"{name:14} {took:7.1f}s  {status}")
        failed = [r for r in self.results if r[1].startswith("FAILED")]
        skipped = [r for r in self.results if r[1].startswith("skipped")]
        passed = len(self.results) - len(failed) - len(skipped)
        print(f"suites: {passed} passed, {len(skipped)} skipped, {len(failed)} failed")
        shutil.rmtree(self.var, ignore_errors=True)
        return 1 if failed else 0


def postgres_missing() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    server = PG_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(server, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {server}: {str(exc).strip().splitlines()[0]}"
    return None


def browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def main(argv: list[str]) -> int:
    r = Runner(argv)
    py = str(BIN / "python")
    r.run("ruff check", [str(BIN / "ruff"), "check", "."])
    r.run("ruff format", [str(BIN / "ruff"), "format", "--check", "."])
    r.run(
        "migrations",
        [py, "-m", "django", "makemigrations", "--check", "--dry-run"],
        {**r.env, "DJANGO_SETTINGS_MODULE": "ispcare.settings"},
    )
    unit = ["-m", "not browser", "-q", "--durations=5", *r.xdist()]
    r.run("sqlite", r.pytest(*unit), pytest=True)
    if reason := postgres_missing():
        r.missing("postgresql", reason)
    else:
        r.run("postgresql", r.pytest(*unit), {**r.env, "DATABASE_URL": PG_URL}, pytest=True)
    if reason := browser_missing():
        r.missing("browser", reason)
    else:
        r.run("browser", r.pytest("-m", "browser", "-q", "tests/e2e"), pytest=True)
    return r.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
