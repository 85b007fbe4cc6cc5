#!/usr/bin/env python3
"""Helpdesk at size: is the staff ticket list fast with a million tickets, and does live
chat keep customer -> agent latency low with 1,000 WebSocket connections?

(a) Ticket list. Loads --n tickets (default 1,000,000) into a scratch PostgreSQL database
    with one INSERT ... SELECT generate_series (statuses, kinds, priorities, sources,
    assignees and customers spread like a real book: about 8% still open), ANALYZE, then
    requests /staff/helpdesk/tickets/ --samples times per filter through Django's test
    client as a logged-in agent (the whole view: selector, counters, timers, template):
    the default open list, one status, assignee=me, a search by ticket number, a search
    by customer name, and page 2 through the keyset cursor of page 1.
(b) WebSockets. Starts one uvicorn process (ispcare.asgi:application, the Redis channel
    layer at redis://127.0.0.1:6379/<--redis-db>, flushed first), opens --connections
    WebSockets: --agents agents on ws/agent/ (each has claimed its share of the
    conversations) and customers on ws/chat/ (Django session cookies made in the bench
    database). Customers send at --rate messages per second in total for --seconds; the
    agent sockets time each message from send to arrival (p50, p99, max), and count
    the lost and the refused.

    python bench/chat.py [--n 1000000] [--connections 1000] [--rate 30] [--seconds 30]
    python bench/chat.py --quick        # small, for the test suite

Last line: {"bench": "chat", "connections": 1000, "p50_ms": ..., "p99_ms": ...,
"ticket_list_p95_ms": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import add_db_args, configure, drop, peak_mb, setup_django

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="tickets in the list")
    p.add_argument("--samples", type=int, default=20, help="requests per list filter")
    p.add_argument("--connections", type=int, default=1000, help="WebSockets, agents included")
    p.add_argument("--agents", type=int, default=10, help="agent sockets among them")
    p.add_argument(
        "--rate", type=float, default=30.0, help="customer messages per second (all together)"
    )
    p.add_argument("--seconds", type=float, default=30.0, help="how long customers write")
    p.add_argument("--redis-db", type=int, default=13, help="scratch Redis database number")
    p.add_argument(
        "--redis-max-connections",
        type=int,
        default=0,
        help="the server's Redis pool size (0: redis-py's default, 100 since redis-py 6)",
    )
    p.add_argument("--skip-list", action="store_true", help="only the WebSockets")
    p.add_argument("--skip-ws", action="store_true", help="only the ticket list")
    p.add_argument("--quick", action="store_true", help="small sizes for the test suite")
    add_db_args(p)
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.samples, args.connections = min(args.n, 3000), 3, 40
        args.agents, args.rate, args.seconds = 2, 20.0, 3.0
    if args.db != "postgresql":
        p.error("the ticket load and the server need PostgreSQL (--db postgresql)")
    args.agents = max(1, min(args.agents, args.connections - 1))
    return args


def raise_nofile() -> int:
    """As many open files as the hard limit allows (1,000 sockets need more than 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- seeding ------------------------------------------------------------------------------


def seed_people(customers: int, agents: int) -> dict:
    """Customers with portal accounts (chat and ticket search), agents, the list's user."""
    from django.contrib.auth.hashers import make_password

    from ispcare.accounts.models import User
    from ispcare.customers.models import Customer

    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"cb{i:06d}", password=password, role="customer") for i in range(customers)],
        batch_size=5000,
    )
    rows = Customer.objects.bulk_create(
        [
            Customer(
                number=f"VN-2612-{i:06d}",
                user=u,
                full_name=f"Pelanggan Chat {i:06d}",
                nik=f"3404{i:012d}",
                phone=f"+62813{i:08d}",
                email=f"chat{i}@contoh.id",
                street="Jl. Kaliurang",
                kelurahan="Caturtunggal",
                kecamatan="Depok",
                city="Sleman",
            )
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    staff = [
        User.objects.create_user(
            username=f"agen{k}", role="customer_service", first_name=f"Agen {k}"
        )
        for k in range(agents)
    ]
    return {"customers": rows, "agents": staff, "me": staff[0]}


TICKET_SQL = """
INSERT INTO helpdesk_ticket (
  created_at, updated_at, number, kind, priority, status, subject, description, source,
  customer_id, contact_name, contact_phone, assignee_id, first_response_due,
  resolution_due, first_responded_at, resolved_at, closed_at, response_breached_at,
  resolution_breached_at, breached_at, awaiting_team_since
)
SELECT t.created, t.created + interval '20 minutes', 'TKT/B/' || lpad(g::text, 7, '0'),
  (ARRAY['question','complaint','fault','billing','other'])[1 + g %% 5],
  (ARRAY['low','normal','normal','normal','high','urgent'])[1 + g %% 6],
  t.status,
  (ARRAY['Internet mati sejak pagi','Tagihan ganda','Modem LOS merah',
         'Kecepatan turun malam hari','Ganti paket'])[1 + g %% 5] || ' #' || g,
  '', (ARRAY['chat','portal','phone','email'])[1 + g %% 4],
  %(first)s + (g %% %(customers)s), 'Pelanggan', '+6281300000000',
  CASE WHEN g %% 7 = 0 THEN NULL ELSE (%(agents)s::bigint[])[1 + (g / 3) %% cardinality(%(agents)s::bigint[])] END,
  t.created + interval '1 hour', t.created + interval '1 day',
  CASE WHEN t.status IN ('new') THEN NULL ELSE t.created + interval '30 minutes' END,
  CASE WHEN t.status IN ('resolved','closed') THEN t.created + interval '5 hours' END,
  CASE WHEN t.status = 'closed' THEN t.created + interval '3 days' END,
  CASE WHEN g %% 31 = 0 THEN t.created + interval '1 hour' END,
  NULL,
  CASE WHEN g %% 31 = 0 THEN t.created + interval '1 hour' END,
  CASE WHEN t.status IN ('new','open','waiting_team') THEN t.created END
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (
  SELECT now() - ((%(n)s - g) * interval '30 seconds') AS created,
         CASE WHEN g %% 100 < 92 THEN (CASE WHEN g %% 3 = 0 THEN 'resolved' ELSE 'closed' END)
              ELSE (ARRAY['new','open','waiting_customer','waiting_team'])[1 + g %% 4]
         END AS status
) AS t
"""


def seed_tickets(n: int, people: dict) -> float:
    """--n tickets in one statement (the server generates them), then VACUUM ANALYZE."""
    from django.db import connection

    started = time.perf_counter()
    customers = people["customers"]
    with connection.cursor() as c:
        c.execute(
            TICKET_SQL,
            {
                "first": customers[0].pk,
                "customers": len(customers),
                "agents": [a.pk for a in people["agents"]],
                "n": n,
            },
        )
        # VACUUM too: autovacuum has long done it on a real table, and without the
        # visibility map the counters' index-only scan reads the heap.
        c.execute("VACUUM ANALYZE helpdesk_ticket")
        c.execute("ANALYZE customers_customer")
    return time.perf_counter() - started


# --- (a) the ticket list ----------------------------------------------------------------


def time_list(me, samples: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.urls import reverse

    from ispcare.helpdesk.models import Ticket

    url = reverse("helpdesk:ticket_list")
    client = Client()
    client.force_login(me)
    some = Ticket.objects.order_by("-id").values_list("number", flat=True)[:500][::97]
    filters = {
        "open": {},
        "status": {"status": "waiting_team"},
        "mine": {"assignee": "me"},
        "number": {"q": some[0], "status": "all"},
        "name": {"q": "Pelanggan Chat 000012", "status": "all"},
    }
    setup_test_environment()  # response.context: the rows and the next-page link
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    assert len(first.context["rows"]) == 50, len(first.context["rows"])
    next_url = first.context["next_url"]
    assert "after=" in next_url, next_url
    filters["page2"] = dict(p.split("=", 1) for p in next_url.split("?", 1)[1].split("&"))
    found = client.get(url, filters["number"]).context["rows"]
    assert [t.number for t in found] == [some[0]], found
    rows = {k: len(client.get(url, v).context["rows"]) for k, v in filters.items()}
    teardown_test_environment()
    out: dict = {"list_rows": rows}
    pooled: list[float] = []
    for name, params in filters.items():
        ms, sql = [], []
        for _ in range(samples):
            clock = SqlClock()
            with connection.execute_wrapper(clock):
                started = time.perf_counter()
                response = client.get(url, params)
                ms.append((time.perf_counter() - started) * 1000)
            sql.append(clock.ms)
            assert response.status_code == 200
        pooled += ms
        out[f"list_{name}_p95_ms"] = pct(ms, 95)
        out[f"list_{name}_sql_p50_ms"] = round(statistics.median(sql), 1)
        out[f"list_{name}_queries"] = clock.queries
    out["ticket_list_p50_ms"] = pct(pooled, 50)
    out["ticket_list_p95_ms"] = pct(pooled, 95)
    out["ticket_list_max_ms"] = round(max(pooled), 1)
    return out


class SqlClock:
    def __init__(self) -> None:
        self.ms, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * p / 100 + 0.5) - 1))], 1)


# --- (b) WebSockets ----------------------------------------------------------------------


def seed_chat(people: dict, customers: int) -> dict:
    """An open conversation per chatting customer, claimed by an agent; session keys."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from ispcare.helpdesk.models import Conversation

    agents = people["agents"]
    chatting = people["customers"][:customers]
    now = timezone.now()
    Conversation.objects.bulk_create(
        [
            Conversation(
                customer=c,
                language="id",
                status="active",
                claimed_by=agents[i % len(agents)],
                claimed_at=now,
                last_message_at=now,
            )
            for i, c in enumerate(chatting)
        ],
        batch_size=2000,
    )
    store = SessionStore()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expire = now + timezone.timedelta(days=1)
    sessions, keys = [], {}
    for person in [*agents, *(c.user for c in chatting)]:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(person.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: person.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        keys[person.pk] = key
    Session.objects.bulk_create(sessions, batch_size=2000)
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "agents": [keys[a.pk] for a in agents],
        "customers": [keys[c.user_id] for c in chatting],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, redis_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "ISPCARE_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            *("-m", "uvicorn", "ispcare.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--log-level", "warning", "--backlog", "4096"),  # ws "auto", as `ispcare serve`
        ],
        env=env,
        cwd=str(ROOT),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=raise_nofile,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start within 30 s")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def server_peak_mb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


async def chat_load(args, port: int, sessions: dict) -> dict:
    import websockets

    base = f"ws://127.0.0.1:{port}"
    origin = f"http://127.0.0.1:{port}"
    cookie = sessions["cookie"]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    counts = {"refused": 0, "errors": 0, "duplicates": 0, "closed_early": 0, "customers_closed": 0}
    finished = False
    seen: set[str] = set()

    async def connect(path: str, key: str, first_event: str):
        ws = await websockets.connect(
            base + path,
            origin=origin,
            additional_headers={"Cookie": f"{cookie}={key}"},
            max_size=2**22,
            open_timeout=60,
            ping_interval=None,
        )
        frame = json.loads(await ws.recv())
        assert frame.get("event") == first_event, frame
        return ws

    async def agent_reader(ws) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await agent_frames(ws)
        if not finished:
            counts["closed_early"] += 1  # the server closed an agent's socket

    async def agent_frames(ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("event") == "message":
                body = frame["message"]["body"]
                at = sent.get(body)
                if at is not None:
                    if body in seen:
                        counts["duplicates"] += 1
                    else:
                        seen.add(body)
                        latencies.append((time.perf_counter() - at) * 1000)

    async def customer_reader(ws) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("event") == "error":
                    counts["refused" if frame.get("code") == "rate_limited" else "errors"] += 1
        if not finished:
            counts["customers_closed"] += 1

    started = time.perf_counter()
    agents = [await connect("/ws/agent/", k, "hello") for k in sessions["agents"]]
    gate = asyncio.Semaphore(100)

    async def customer(key: str):
        async with gate:
            return await connect("/ws/chat/", key, "history")

    customers = await asyncio.gather(*(customer(k) for k in sessions["customers"]))
    connect_s = time.perf_counter() - started
    readers = [asyncio.create_task(agent_reader(ws)) for ws in agents]
    readers += [asyncio.create_task(customer_reader(ws)) for ws in customers]

    # Each customer writes every `period` seconds, starting at a random offset, so the
    # server sees a steady --rate (well inside the per-connection flood limit).
    period = len(customers) / args.rate
    # The measuring client must not add pauses of its own: no cyclic GC in this process
    # while it times messages (1,000 sockets make a large heap; a full collection here
    # would show up as server latency). It allocates little in 30 s.
    gc.collect()
    gc.disable()
    stop_at = time.perf_counter() + args.seconds

    async def write(i: int, ws) -> None:
        await asyncio.sleep(random.uniform(0, period))
        seq = 0
        while time.perf_counter() < stop_at:
            body = f"c{i}m{seq} halo, internet saya lambat"
            sent[body] = time.perf_counter()
            await ws.send(json.dumps({"action": "message", "body": body}))
            seq += 1
            await asyncio.sleep(period)

    await asyncio.gather(*(write(i, ws) for i, ws in enumerate(customers)))
    drain_until = time.perf_counter() + 10
    while len(seen) < len(sent) and time.perf_counter() < drain_until:
        await asyncio.sleep(0.05)
    finished = True
    gc.enable()
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in [*agents, *customers]), return_exceptions=True)
    lat = sorted(latencies)
    return {
        "connections": len(agents) + len(customers),
        "agents": len(agents),
        "customers": len(customers),
        "connect_seconds": round(connect_s, 2),
        "messages_sent": len(sent),
        "messages_received": len(seen),
        "messages_lost": len(sent) - len(seen),
        "rate_limited": counts["refused"],
        "error_frames": counts["errors"],
        "duplicates": counts["duplicates"],
        "agent_sockets_closed": counts["closed_early"],
        "customer_sockets_closed": counts["customers_closed"],
        "rate_per_s": args.rate,
        "p50_ms": pct(lat, 50),
        "p99_ms": pct(lat, 99),
        "max_ms": round(lat[-1], 1) if lat else 0.0,
    }


def run_ws(args, sessions: dict, tmp: str) -> dict:
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    flush_redis(redis_url)
    if args.redis_max_connections:
        redis_url += f"?max_connections={args.redis_max_connections}"
    port = free_port()
    log = Path(tmp) / "uvicorn.log"  # the server's output stays out of the figure
    server = start_server(port, redis_url, log)
    try:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        try:
            result = runner(chat_load(args, port, sessions))
        except Exception:
            print(log.read_text()[-4000:], file=sys.stderr)
            raise
        result["server_peak_mb"] = server_peak_mb(server.pid)
        text = log.read_text()
        result["server_errors"] = text.count("Exception in ASGI application")
        result["server_push_failures"] = text.count("channel layer push to")
        result["redis_max_connections"] = args.redis_max_connections or "default"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        flush_redis(redis_url.split("?")[0])
    return result


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    nofile = raise_nofile()
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(args, tmp, ISPCARE_DEBUG="0")
    result: dict = {"bench": "chat"}
    try:
        setup_django()
        from django.db import connection

        chatting = args.connections - args.agents
        started = time.perf_counter()
        people = seed_people(chatting if args.quick else max(chatting, 1000), args.agents)
        seed_s = seed_tickets(args.n, people) if not args.skip_list else 0.0
        sessions = seed_chat(people, chatting) if not args.skip_ws else {}
        result |= {
            "db": connection.vendor,
            "tickets": args.n if not args.skip_list else 0,
            "ticket_seed_seconds": round(seed_s, 1),
            "seed_seconds": round(time.perf_counter() - started, 1),
        }
        if not args.skip_list:
            result |= time_list(people["me"], args.samples)
        connection.close()
        if not args.skip_ws:
            result |= run_ws(args, sessions, tmp)
        result |= {"open_files_limit": nofile, "peak_mb": peak_mb()}
    finally:
        drop(args, db_name)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
