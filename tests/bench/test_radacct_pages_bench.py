"""bench/radacct_pages.py runs: sessions seeded, the connection panel found each one's open
session and ten past sessions, timings reported."""

from __future__ import annotations

import pytest

from tests.conftest import require

from .support import DATABASE_URL, ON_POSTGRES, postgres_reachable, run_bench


@pytest.mark.postgres
@pytest.mark.skipif(
    not ON_POSTGRES, reason="runs in the PostgreSQL pass (DATABASE_URL=postgres://…)"
)
def test_bench_on_postgresql():
    ok, reason = postgres_reachable(DATABASE_URL)
    require(ok, reason)
    figure = run_bench(
        "radacct_pages",
        "--users",
        "50",
        "--sessions",
        "12",
        "--samples",
        "20",
        "--server-url",
        DATABASE_URL,
    )
    assert figure["bench"] == "radacct_pages" and figure["rows"] == 600
    assert (
        0
        < figure["connection_p50_ms"]
        <= figure["connection_p95_ms"]
        <= figure["connection_max_ms"]
    )
    assert figure["isolir_lookup_p95_ms"] > 0
