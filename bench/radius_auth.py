#!/usr/bin/env python3
"""FreeRADIUS authorising from ISPcare's tables: requests/s, p99, against flat files; and
the time from a state change to the CoA acknowledged by the NAS.

    python bench/radius_auth.py [--users 100000] [--requests 20000] [--clients 4]

1. Setup (timed, not the point): a throwaway PostgreSQL database, migrated; a NAS record
   for 127.0.0.1 (`nas_sync`), the plan group and the isolir group (`groups_sync`), and
   --users subscribers through `network.services.access_import` (every 10th isolated).
2. sql: FreeRADIUS from deploy/freeradius (or --conf), `freeradius -f`. --clients
   radclients in parallel (`radclient -q -s -p 50 -f FILE ... auth`), each with a file of
   --requests / --clients PAP Access-Requests over distinct users. Wall time from the
   first start to the last exit gives requests/s. Latency: radclient reports none, so a
   probe process (bench/radiuslib.py) sends its own requests over other users: "closed",
   one at a time back to back during the radclient run (what a NAS sees while the server
   is saturated by the radclients' 200 in flight), and "open", at a fixed --probe-rate
   alone afterwards (the latency at that load; sql_p99_ms). Then post-auth durability:
   radpostauth must hold one row per answered request (waited for up to 60 s when the
   config writes it off the request path; postauth_lag_s).
3. files: the same users and reply attributes in an `authorize`-style users file, served
   by a copy of the config whose authorize calls `files` instead of `sql` and that logs
   no post-auth (the upper bound); the same clients, files, probe.
4. coa: a test NAS (tests/doubles/nas.py) as the NAS's CoA port, a Huey consumer
   (`django run_huey`, HUEY_IMMEDIATE=0) in a subprocess, --coa-changes subscribers with
   an open session (Accounting-Start through FreeRADIUS). For each, one at a time:
   `access_set` (isolate) committed -> the worker rewrites radcheck/radusergroup and
   queues the CoA -> the worker sends it -> the NAS ACKs -> CoaRequest ACK in the
   database. coa_p95_s is from before access_set to the ACK seen in the database; then
   one Access-Request checks that FreeRADIUS already answers with the isolir attributes.

Kernel UDP receive-buffer drops (Udp RcvbufErrors, /proc/net/snmp, machine-wide) are
counted around each load run: `drops`. Last line: one JSON object, e.g.
{"bench": "radius_auth", "users": 100000, "sql_rps": 4200, "files_rps": 8000,
 "ratio": 0.52, "sql_p99_ms": 12.0, "coa_p95_s": 0.4, "drops": 0, ...}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import add_db_args, configure, drop, setup_django
from radiuslib import (
    CONF_DIR,
    Probe,
    cpu_seconds,
    files_variant,
    postgres_cpu_seconds,
    radclients,
    request_files,
    udp_rcvbuf_errors,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/integration/freeradius.py, tests/doubles/nas.py

SECRET = "bench-secret"
NAS_IP = "127.0.0.1"
PLAN = "rumah-20"
PLAN_RATE = "20M/20M"
WARM = 1000  # requests before each measured run (connections opened, caches warm)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--requests", type=int, default=20_000, help="Access-Requests per pass")
    p.add_argument("--clients", type=int, default=4, help="radclient processes")
    p.add_argument("--parallel", type=int, default=50, help="radclient -p")
    p.add_argument("--probe-rate", type=float, default=2000, help="open-loop probe, req/s")
    p.add_argument("--probe-seconds", type=float, default=3.0)
    p.add_argument("--coa-changes", type=int, default=50)
    p.add_argument("--conf", default=str(CONF_DIR), help="FreeRADIUS config dir (sql pass)")
    p.add_argument("--postauth-timeout", type=float, default=60.0, help="wait for radpostauth rows")
    p.add_argument("--skip-files", action="store_true", help="no flat-file pass")
    p.add_argument("--skip-coa", action="store_true", help="no CoA measurement")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="no Redis read path (ISPcare writes no values: every request misses, SQL answers)",
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="the read path's Redis")
    add_db_args(p)
    args = p.parse_args(argv)
    if args.db != "postgresql":
        p.error("FreeRADIUS reads PostgreSQL: --db postgresql only")
    return args


def cache_prefix() -> str:
    """The Redis key prefix of this run (ISPcare's RADIUS_CACHE_PREFIX, FreeRADIUS's
    RADIUS_REDIS_PREFIX)."""
    return os.environ["RADIUS_CACHE_PREFIX"]


def cache_drop(url: str) -> None:
    """Remove this run's values from Redis."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=cache_prefix() + "*", count=10_000))
    for start in range(0, len(keys), 10_000):
        client.unlink(*keys[start : start + 10_000])


def username(i: int) -> str:
    return f"pl{i:06d}"


def password(i: int) -> str:
    return f"pw-{i * 7919 % 1_000_003:07d}"


def seed(args: argparse.Namespace, coa_port: int) -> dict:
    """NAS, groups and subscribers, the way ISPcare writes them."""
    from ispcare.network.groups import GroupSpec, groups_sync
    from ispcare.network.models import Nas, Node
    from ispcare.network.services import access_import, nas_sync
    from ispcare.network.specs import AccessSpec, AccessState

    began = time.perf_counter()
    pop = Node.objects.create(name="POP Bench", kind="pop")
    router = Node.objects.create(name="NAS Bench", kind="router", parent=pop)
    Nas.objects.create(node=router, address=NAS_IP, secret=SECRET, coa_port=coa_port)
    nas_sync()
    groups_sync(groups=[GroupSpec(PLAN, {"Mikrotik-Rate-Limit": PLAN_RATE})])
    specs = [
        AccessSpec(
            username=username(i),
            password=password(i),
            profile=PLAN,
            state=AccessState.ISOLATED if i % 10 == 9 else AccessState.ACTIVE,
            nas=NAS_IP,
        )
        for i in range(args.users)
    ]
    imported = access_import(specs=specs)
    assert imported == args.users, imported
    return {"load_seconds": round(time.perf_counter() - began, 2)}


def reply_entries() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every subscriber's password and reply attributes (own and group's), from the
    tables FreeRADIUS reads: the users file of the flat-file pass."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT groupname, attribute, value FROM radgroupreply ORDER BY id")
        groups: dict[str, list] = {}
        for group, attribute, value in cur.fetchall():
            groups.setdefault(group, []).append((attribute, value))
        cur.execute(
            "SELECT c.username, c.value, g.groupname FROM radcheck c"
            " JOIN radusergroup g ON g.username = c.username"
            " WHERE c.attribute = 'Cleartext-Password' ORDER BY c.username"
        )
        return [(u, pw, groups.get(g, [])) for u, pw, g in cur.fetchall()]


def db_count(sql: str, *params) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def load_pass(
    args, conf: Path, workdir: Path, db_name: str, users, probe_users, postauth: bool = False
) -> dict:
    """Start FreeRADIUS from `conf`, warm it up, run the radclients with the closed
    probe, then the open probe alone; with `postauth`, wait (server still running: it
    may write radpostauth off the request path) for one radpostauth row per answer."""
    from tests.integration.freeradius import FreeRadiusServer

    workdir.mkdir(parents=True, exist_ok=True)
    server = FreeRadiusServer(
        db_name=db_name, workdir=workdir, conf_dir=conf, redis_prefix=cache_prefix()
    )
    per_file = args.requests // args.clients
    paths = request_files(
        users, files=args.clients, per_file=per_file, directory=workdir, nas_ip=NAS_IP
    )
    warm_dir = workdir / "warm"
    warm_dir.mkdir()
    warm_users = probe_users[-WARM:]
    warm = request_files(warm_users, files=1, per_file=WARM, directory=warm_dir, nas_ip=NAS_IP)
    postauth_before = db_count("SELECT count(*) FROM radpostauth") if postauth else 0
    with server:
        radclients(warm, port=server.auth_port, secret=SECRET, parallel=args.parallel)
        drops_before = udp_rcvbuf_errors()
        probe = Probe(
            workdir, port=server.auth_port, users=probe_users[:20000], secret=SECRET, nas_ip=NAS_IP
        )
        cpu_before = cpu_seconds(server.process.pid), postgres_cpu_seconds(db_name)
        run = radclients(paths, port=server.auth_port, secret=SECRET, parallel=args.parallel)
        cpu_after = cpu_seconds(server.process.pid), postgres_cpu_seconds(db_name)
        probe.stop()
        closed = probe.result()
        drops = udp_rcvbuf_errors() - drops_before
        opened = Probe(
            workdir,
            port=server.auth_port,
            users=probe_users[:20000],
            secret=SECRET,
            nas_ip=NAS_IP,
            mode="open",
            rate=args.probe_rate,
            seconds=args.probe_seconds,
        ).result()
        drops = udp_rcvbuf_errors() - drops_before
        replies_ok = replies_check(server.auth_port, args.users)
        answered = run["accepted"] + run["rejected"] + closed["answered"] + opened["answered"]
        # + the warm-up and replies_check's three
        expected = postauth_before + answered + WARM + (3 if args.users > 9 else 2)
        if postauth:
            rows, lag = postauth_wait(expected, args.postauth_timeout)
    sent = per_file * args.clients
    extra = {}
    if postauth:
        extra = {"postauth_rows": rows - postauth_before, "postauth_lag_s": lag}
    return extra | {
        "sent": sent,
        "accepted": run["accepted"],
        "rejected": run["rejected"],
        "lost": run["lost"],
        "seconds": round(run["seconds"], 3),
        "rps": round(sent / run["seconds"]),
        # Server CPU per request during the radclient run (the probe's few included).
        "freeradius_cpu_us": round((cpu_after[0] - cpu_before[0]) / sent * 1e6),
        "postgres_cpu_us": round((cpu_after[1] - cpu_before[1]) / sent * 1e6),
        "closed_probe": closed,
        "open_probe": opened,
        "drops": drops,
        "replies_ok": replies_ok,
        "radclient_output": run["output"][-1000:],
        # Every answer the server sent in this pass (warm-up and checks included): one
        # radpostauth row each.
        "answered_total": expected - postauth_before,
    }


def replies_check(port: int, users: int) -> bool:
    """The server answers as ISPcare's tables say: the plan's rate limit for an active
    subscriber, the isolir attributes for an isolated one, a reject for a bad password."""
    from tests.integration.freeradius import access_request

    def ask(i: int, pw: str | None = None):
        return access_request(port, username=username(i), password=pw or password(i), secret=SECRET)

    verdict, reply = ask(0)
    ok = verdict == "accept" and reply.get("Mikrotik-Rate-Limit") == [PLAN_RATE]
    ok = ok and "Mikrotik-Address-List" not in reply
    if users > 9:
        verdict, reply = ask(9)  # i % 10 == 9: isolated
        ok = ok and verdict == "accept" and reply.get("Mikrotik-Address-List") == ["isolir"]
    return ok and ask(0, "wrong-password")[0] == "reject"


def postauth_wait(expected: int, timeout: float = 60.0) -> tuple[int, float]:
    """radpostauth rows once they reach `expected` (or the timeout): (rows, seconds)."""
    began = time.perf_counter()
    while True:
        rows = db_count("SELECT count(*) FROM radpostauth")
        if rows >= expected or time.perf_counter() - began > timeout:
            return rows, round(time.perf_counter() - began, 2)
        time.sleep(0.2)


def coa_pass(args, workdir: Path, db_name: str, nas) -> dict:
    """State changes with a real worker: access_set committed -> CoA ACKed."""
    from django.db import connection, transaction

    from ispcare.network.choices import CoaStatus
    from ispcare.network.models import CoaRequest
    from ispcare.network.services import access_set
    from ispcare.network.specs import AccessSpec, AccessState
    from tests.integration.freeradius import FreeRadiusServer, access_request, accounting

    # Active subscribers (i % 10 != 9) from the end of the range: not used by the load.
    picked = [i for i in range(args.users - 1, -1, -1) if i % 10 != 9][: args.coa_changes]
    workdir.mkdir(parents=True, exist_ok=True)
    server = FreeRadiusServer(
        db_name=db_name, workdir=workdir, conf_dir=args.conf, redis_prefix=cache_prefix()
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "run_huey",
            "-w",
            "2",
            "-d",
            "0.01",
            "-m",
            "0.05",
            "-b",
            "1.5",
            "--no-periodic",
        ],
        env=os.environ.copy(),
        stdout=open(workdir / "worker.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    latencies, nas_latencies, next_ok = [], [], 0
    try:
        with server:
            for n, i in enumerate(picked):
                assert accounting(
                    server.acct_port,
                    username=username(i),
                    session_id=f"bench-{i}",
                    status="Start",
                    secret=SECRET,
                    framed_ip=f"100.64.{n // 250}.{n % 250 + 1}",
                )
            time.sleep(0.5)  # the consumer is up
            for i in picked:
                seen = len(nas.received)
                t0 = time.perf_counter()
                with transaction.atomic():
                    access_set(
                        spec=AccessSpec(
                            username=username(i),
                            password=password(i),
                            profile=PLAN,
                            state=AccessState.ISOLATED,
                            nas=NAS_IP,
                        )
                    )
                deadline = t0 + 30
                t_nas = None
                while time.perf_counter() < deadline:
                    if t_nas is None and len(nas.received) > seen:
                        t_nas = time.perf_counter() - t0
                    if CoaRequest.objects.filter(
                        username=username(i), status=CoaStatus.ACK
                    ).exists():
                        break
                    time.sleep(0.005)
                else:
                    raise RuntimeError(f"no CoA ACK for {username(i)} in 30 s")
                latencies.append(time.perf_counter() - t0)
                nas_latencies.append(t_nas if t_nas is not None else latencies[-1])
                verdict, reply = access_request(
                    server.auth_port, username=username(i), password=password(i), secret=SECRET
                )
                next_ok += verdict == "accept" and reply.get("Mikrotik-Address-List") == ["isolir"]
            connection.close()
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
    coa_attrs = nas.received[-1]["attributes"] if nas.received else {}

    def pct(values, q):
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "coa_changes": len(latencies),
        "coa_p50_s": pct(latencies, 0.5),
        "coa_p95_s": pct(latencies, 0.95),
        "coa_max_s": round(max(latencies), 3),
        "coa_nas_p95_s": pct(nas_latencies, 0.95),
        "coa_next_request_isolated": next_ok,
        "coa_attributes": sorted(coa_attrs),
    }


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ispcare-bench-radius-"))
    db_name = configure(
        args,
        str(tmp),
        HUEY_IMMEDIATE="0",  # the CoA pass runs a real worker
        HUEY_SQLITE_PATH=str(tmp / "huey.sqlite3"),
        COA_TIMEOUT="2",
        # The Redis read path (decision 0014): ISPcare writes the values there
        # (access_import, the worker's applies); this run's own prefix.
        RADIUS_CACHE_URL="" if args.no_cache else args.redis_url,
        RADIUS_CACHE_PREFIX=f"bench-{os.getpid()}:",
    )
    os.environ["HUEY_SQLITE_PATH"] = str(tmp / "huey.sqlite3")
    from tests.doubles.nas import TestNas

    nas = TestNas(secret=SECRET)
    result: dict = {"bench": "radius_auth", "users": args.users, "cache": not args.no_cache}
    try:
        with nas:
            setup_django()
            from django.db import connection

            result.update(seed(args, nas.port))
            users = [(username(i), password(i)) for i in range(args.users) if i % 10 != 9]
            # The load: the first --requests active subscribers; the probe: the ones after.
            load_users = users[: args.requests]
            probe_users = users[args.requests :] or users
            connection.close()

            note(f"seeded: {result}")
            sql = load_pass(
                args, Path(args.conf), tmp / "sql", db_name, load_users, probe_users, True
            )
            note(f"sql pass: {sql}")
            connection.close()
            result["sql"] = sql
            result["sql_rps"] = sql["rps"]
            result["sql_p99_ms"] = sql["open_probe"]["p99_ms"]
            result["sql_p99_saturated_ms"] = sql["closed_probe"]["p99_ms"]
            result["drops"] = sql["drops"]
            if not args.skip_files:
                conf = files_variant(tmp / "files-conf", reply_entries(), base=Path(args.conf))
                connection.close()
                files = load_pass(args, conf, tmp / "files", db_name, load_users, probe_users)
                note(f"files pass: {files}")
                result["files"] = files
                result["files_rps"] = files["rps"]
                result["files_p99_ms"] = files["open_probe"]["p99_ms"]
                result["ratio"] = round(sql["rps"] / files["rps"], 3)
                result["drops"] += files["drops"]
            if not args.skip_coa:
                result.update(coa_pass(args, tmp / "coa", db_name, nas))
            passes = (result["sql"], result.get("files", result["sql"]))
            result["all_answered"] = all(
                p["lost"] == 0 and p["accepted"] == p["sent"] for p in passes
            )
            result["replies_ok"] = all(p["replies_ok"] for p in passes)
            connection.close()
    finally:
        drop(args, db_name)
        if not args.no_cache:
            cache_drop(args.redis_url)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
