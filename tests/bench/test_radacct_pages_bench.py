"""bench/radacct_pages.py runs: sessions seeded, the connection panel found each one's open
session and ten past sessions, timings reported."""

from __future__ import annotations

from .support import postgres_pass, postgres_server, run_bench


@postgres_pass()
def test_bench_on_postgresql():
    server = postgres_server()
    figure = run_bench(
        "radacct_pages",
        "--users",
        "50",
        "--sessions",
        "12",
        "--samples",
        "20",
        "--server-url",
        server,
    )
    assert figure["bench"] == "radacct_pages" and figure["rows"] == 600
    assert (
        0
        < figure["connection_p50_ms"]
        <= figure["connection_p95_ms"]
        <= figure["connection_max_ms"]
    )
    assert figure["isolir_lookup_p95_ms"] > 0
