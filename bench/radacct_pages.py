#!/usr/bin/env python3
"""The connection panel with millions of accounting rows: is a subscriber's page still fast?

Seeds radacct through COPY (not timed): --users subscribers with --sessions sessions each
over the last months (the last one open), i.e. users x sessions rows. Then, for --samples
random subscribers, times what the staff customer page and the portal read from radacct
(`network.selectors.connection_of`: the open session, this month's usage, the last ten
sessions) and what the isolir page reads (`open_session_by_ip`), and prints p50/p95/max.

    python bench/radacct_pages.py [--users 20000] [--sessions 100] [--samples 300]

Last line: {"bench": "radacct_pages", "rows": 2000000, "connection_p95_ms": ..., ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time

from benchlib import add_db_args, configure, drop, peak_mb, setup_django


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=20_000)
    p.add_argument("--sessions", type=int, default=100, help="sessions per subscriber")
    p.add_argument("--samples", type=int, default=300)
    add_db_args(p)
    return p.parse_args(argv)


def seed(users: int, sessions: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from ispcare.common.bulk import rows_insert
    from ispcare.network.models import RadAcct

    now = timezone.now()
    total = 0
    batch: list[dict] = []
    for u in range(users):
        name = f"vn{u:07d}"
        for s in range(sessions):
            start = now - dt.timedelta(hours=8 * (sessions - s))
            open_ = s == sessions - 1
            batch.append(
                {
                    "acctsessionid": f"{u:x}-{s:x}",
                    "acctuniqueid": f"{u}-{s}",
                    "username": name,
                    "nasipaddress": "10.10.0.1",
                    "framedipaddress": f"10.{20 + u // 65536}.{u // 256 % 256}.{u % 256}"
                    if open_
                    else None,
                    "acctstarttime": start,
                    "acctupdatetime": start + dt.timedelta(hours=7),
                    "acctstoptime": None if open_ else start + dt.timedelta(hours=7),
                    "acctsessiontime": 7 * 3600,
                    "acctinputoctets": 50_000_000 + s,
                    "acctoutputoctets": 900_000_000 + s,
                    "acctterminatecause": None if open_ else "User-Request",
                }
            )
        if len(batch) >= 50_000:
            rows_insert(RadAcct, batch)
            total += len(batch)
            batch = []
    rows_insert(RadAcct, batch)
    total += len(batch)
    with connection.cursor() as c:
        c.execute("ANALYZE radacct")
    return total


def timed(fn, samples: list) -> list[float]:
    out = []
    for arg in samples:
        started = time.perf_counter()
        fn(arg)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(ms: list[float], name: str) -> dict:
    ms = sorted(ms)
    return {
        f"{name}_p50_ms": round(statistics.median(ms), 2),
        f"{name}_p95_ms": round(ms[int(len(ms) * 0.95) - 1], 2),
        f"{name}_max_ms": round(ms[-1], 2),
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(args, tmp)
    try:
        setup_django()
        from django.db import connection

        from ispcare.network.selectors import connection_of, open_session_by_ip

        started = time.perf_counter()
        rows = seed(args.users, args.sessions)
        seed_s = time.perf_counter() - started
        rng = random.Random(7)
        users = [rng.randrange(args.users) for _ in range(args.samples)]
        connection_of(f"vn{users[0]:07d}")  # warm the connection and the plan cache
        conn_ms = timed(lambda u: connection_of(f"vn{u:07d}"), users)
        ip_ms = timed(
            lambda u: open_session_by_ip(f"10.{20 + u // 65536}.{u // 256 % 256}.{u % 256}"),
            users,
        )
        found = connection_of(f"vn{users[0]:07d}")
        assert found.session is not None and len(found.history) == 10, found
        result = {
            "bench": "radacct_pages",
            "db": connection.vendor,
            "rows": rows,
            "users": args.users,
            "seed_seconds": round(seed_s, 1),
            **summary(conn_ms, "connection"),
            **summary(ip_ms, "isolir_lookup"),
            "peak_mb": peak_mb(),
        }
        connection.close()
    finally:
        drop(args, db_name)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
