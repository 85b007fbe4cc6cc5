#!/usr/bin/env python3
"""One announcement to N customers: how fast it is queued, and how fast email goes out.

Seeds N active customers (bulk inserts; not measured), half preferring WhatsApp and half
email. Then:

1. queue: `customers.announcements.announcement_send` for every customer, the path of
   the staff "new announcement" page: the audience query, one rendering per customer
   in their language, the channel decision with address checks, and the bulk insert of
   the outbox rows (one per channel plus the portal copy). Timed to commit.
2. smtp: the outbox worker (`notifications.outbox.drain("email")`, one process, one
   SMTP connection per batch) delivering the email rows to a real SMTP server
   (aiosmtpd, bench/smtp_sink.py) in another process, for --smtp-seconds.

    python bench/notifications.py [--n 100000] [--smtp-seconds 20] [--db postgresql|sqlite]

Last line: one JSON object, e.g.
{"bench": "notifications", "db": "postgresql", "recipients": 100000, "queue_seconds": 9.8,
 "smtp_msgs_per_s": 410, ...}
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import add_db_args, configure, drop, peak_mb, plan_create, setup_django

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000, help="customers the announcement reaches")
    p.add_argument("--smtp-seconds", type=float, default=20.0, help="time to deliver email")
    add_db_args(p)
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(n: int) -> None:
    """N active customers with portal accounts, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from ispcare.accounts.models import User
    from ispcare.customers.models import Customer, Subscription

    plan = plan_create()
    password = make_password(None)
    now = timezone.now()
    chunk = 10_000
    for start in range(0, n, chunk):
        ids = range(start, min(n, start + chunk))
        users = User.objects.bulk_create(
            [User(username=f"vn{i:06d}", password=password, role="customer") for i in ids]
        )
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    number=f"VN-2612-{i:06d}",
                    user=u,
                    full_name=f"Pelanggan {i:06d}",
                    nik=f"3404{i:012d}",
                    phone=f"+62812{i:08d}",
                    email=f"pelanggan{i}@contoh.id",
                    language="en" if i % 10 == 0 else "id",
                    notify_channels="email,whatsapp" if i % 2 else "whatsapp,email",
                    street="Jl. Kaliurang",
                    kelurahan="Caturtunggal",
                    kecamatan="Depok",
                    city="Sleman",
                )
                for i, u in zip(ids, users, strict=True)
            ]
        )
        Subscription.objects.bulk_create(
            [
                Subscription(
                    customer=c,
                    plan=plan,
                    state="active",
                    state_changed_at=now,
                    pppoe_username=f"vn{c.number[-6:]}",
                    pppoe_password="x",
                )
                for c in customers
            ]
        )


def queue(n: int) -> dict:
    from django.db import connection

    from ispcare.customers.announcements import Audience, Text, announcement_send
    from ispcare.notifications.models import Notification

    started = time.perf_counter()
    bulk = announcement_send(
        audience=Audience(),
        text_id=Text("Pemeliharaan jaringan Sleman", "Layanan terganggu pukul 01.00-03.00 WIB."),
        text_en=Text("Network maintenance in Sleman", "Service interrupted 01:00-03:00 WIB."),
        label="bench",
        by=None,
    )
    seconds = time.perf_counter() - started
    by_channel = dict(
        Notification.objects.filter(bulk=bulk)
        .values_list("channel")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
    )
    assert bulk.total == n, (bulk.total, n)
    connection.close()
    return {"queue_seconds": round(seconds, 2), "rows": by_channel}


def deliver(seconds: float) -> dict:
    from ispcare.notifications import outbox

    started = time.perf_counter()
    result = outbox.drain("email", budget_seconds=seconds)
    took = time.perf_counter() - started
    return {
        "smtp_sent": result.sent,
        "smtp_failed": result.failed + result.retried,
        "smtp_seconds": round(took, 2),
        "smtp_msgs_per_s": round(result.sent / took),
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    port = free_port()
    db_name = configure(
        args,
        tmp,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        HUEY_IMMEDIATE="0",  # the bench runs the worker itself
        WHATSAPP_ACCESS_TOKEN="bench-token",  # WhatsApp on: half the customers prefer it
        WHATSAPP_PHONE_NUMBER_ID="106540352242922",
    )
    os.environ["HUEY_SQLITE_PATH"] = os.path.join(tmp, "huey.sqlite3")
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "smtp_sink.py"), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout.readline().strip() == "ready"
        setup_django()
        from django.db import connection

        seed(args.n)
        result = {"bench": "notifications", "db": connection.vendor, "recipients": args.n}
        result.update(queue(args.n))
        result.update(deliver(args.smtp_seconds))
        sink.terminate()
        received = int(sink.stdout.readline() or 0)
        result["smtp_received"] = received
        result["peak_mb"] = peak_mb()
        connection.close()
    finally:
        if sink.poll() is None:
            sink.kill()
        drop(args, db_name)
    print(json.dumps(result), flush=True)
    return 0 if result["smtp_received"] == result["smtp_sent"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
