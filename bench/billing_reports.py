#!/usr/bin/env python3
"""Billing reports with 100,000 subscribers: are the unpaid list, aging and the daily cash
report still fast?

Seeds (not timed) --n customers with portal accounts and active or isolated
subscriptions on 5 plans, 12 kecamatan and 40 network nodes (bulk_create), and three
monthly invoices each (COPY): the two older ones mostly paid, about a third of the
subscribers with something open, due dates spread over the last 150 days; plus --cash
payments yesterday by 6 cashiers and the gateways. Then requests each page --samples
times through Django's test client as a finance user (the whole view: filter form,
aggregates, template) and prints p50/p95/max per page:

- unpaid_first: the unpaid list, first page, no filter (sorted by amount);
- unpaid_filtered: state=active, a kecamatan, 31-60 days overdue, sorted by days;
- unpaid_search: a search by name, page 1;
- unpaid_last: the last page of the unfiltered list (OFFSET at its largest);
- aging: today's buckets and the first page of customers;
- aging_past: as of 20 days ago (reconstructed from allocations);
- cash: yesterday's daily cash report.

    python bench/billing_reports.py [--n 100000] [--samples 20] [--cash 3000]

Last line: {"bench": "billing_reports", "subscribers": 100000, "unpaid_first_p95_ms": ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time

from benchlib import add_db_args, configure, drop, peak_mb, setup_django

KECAMATAN = [
    "Depok",
    "Mlati",
    "Gamping",
    "Ngaglik",
    "Kalasan",
    "Berbah",
    "Sleman",
    "Godean",
    "Seyegan",
    "Ngemplak",
    "Turi",
    "Pakem",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000, help="subscribers")
    p.add_argument("--samples", type=int, default=20, help="requests per page")
    p.add_argument("--cash", type=int, default=3000, help="payments received yesterday")
    add_db_args(p)
    return p.parse_args(argv)


def seed(n: int, cash: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from ispcare.accounts.models import User
    from ispcare.billing.models import Invoice, Payment
    from ispcare.common.bulk import rows_insert
    from ispcare.customers.models import CoverageArea, Customer, Plan, Subscription
    from ispcare.network.models import Node

    plans = [
        Plan.objects.create(
            code=f"rumah-{s}",
            name=f"Rumah {s}",
            speed_mbps=s,
            monthly_price=p,
            installation_fee=250_000,
            deposit=300_000,
            radius_profile=f"rumah-{s}",
        )
        for s, p in ((10, 150_000), (20, 200_000), (30, 250_000), (50, 350_000), (100, 500_000))
    ]
    for k in KECAMATAN:
        CoverageArea.objects.create(city="Sleman", kecamatan=k)
    nodes = [Node.objects.create(name=f"OLT {i:02d}", kind="olt") for i in range(40)]
    password = make_password(None)
    now = timezone.now()
    today = timezone.localdate()
    chunk = 10_000
    invoices: list[dict] = []
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
                    street="Jl. Kaliurang",
                    kelurahan="Caturtunggal",
                    kecamatan=KECAMATAN[i % len(KECAMATAN)],
                    city="Sleman",
                )
                for i, u in zip(ids, users, strict=True)
            ]
        )
        subs = Subscription.objects.bulk_create(
            [
                Subscription(
                    customer=c,
                    plan=plans[i % len(plans)],
                    state="isolated" if i % 3 == 0 and i % 9 else "active",
                    state_changed_at=now,
                    activated_at=now - dt.timedelta(days=200),
                    pppoe_username=f"vn{i:06d}",
                    pppoe_password="x",
                    node=nodes[i % len(nodes)],
                )
                for i, c in zip(ids, customers, strict=True)
            ]
        )
        for i, s in zip(ids, subs, strict=True):
            price = plans[i % len(plans)].monthly_price
            for m in range(3):  # periods ending 90, 60 and 30 days ago
                end = today - dt.timedelta(days=30 * (3 - m) - 30)
                due = end + dt.timedelta(days=10) - dt.timedelta(days=(i * 7 + m) % 50)
                open_ = (i % 3 == 0 and m >= 1) or (i % 3 == 1 and m == 2 and i % 2)
                paid = 0 if open_ else price
                if open_ and i % 5 == 0:
                    paid = price // 4  # partly paid
                status = "paid" if paid == price else ("partially_paid" if paid else "issued")
                invoices.append(
                    {
                        "number": f"INV/B/{i:06d}{m}",
                        "customer_id": s.customer_id,
                        "subscription_id": s.pk,
                        "kind": "monthly",
                        "description": "Langganan bulanan",
                        "period_start": end - dt.timedelta(days=30),
                        "period_end": end,
                        "subtotal": price,
                        "tax": 0,
                        "amount": price,
                        "amount_paid": paid,
                        "status": status,
                        "issued_at": now - dt.timedelta(days=30 * (3 - m) - 30 + 1),
                        "due_date": due,
                        "paid_at": now - dt.timedelta(days=30 * (3 - m) - 25)
                        if paid == price
                        else None,
                        "reminder": 0,
                        "void_reason": "",
                    }
                )
        rows_insert(Invoice, invoices)
        invoices = []
    cashiers = [
        User.objects.create_user(username=f"kasir{k}", role="finance", first_name=f"Kasir {k}")
        for k in range(6)
    ]
    yesterday = today - dt.timedelta(days=1)
    tz = timezone.get_default_timezone()
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:cash])
    methods = ["cash", "cash", "bank_transfer", "qris", "midtrans", "xendit"]
    payments = []
    for k, customer_id in enumerate(customers):
        method = methods[k % len(methods)]
        payments.append(
            {
                "customer_id": customer_id,
                "amount": 200_000,
                "unallocated": 0,
                "method": method,
                "reference": f"B-{k:06d}",
                "received_by_id": None if method in ("midtrans", "xendit") else cashiers[k % 6].pk,
                "received_at": dt.datetime.combine(
                    yesterday, dt.time(7 + k % 14, k % 60), tzinfo=tz
                ),
                "note": "",
                "proof": "",
            }
        )
    rows_insert(Payment, payments)
    with connection.cursor() as c:
        for table in ("billing_invoice", "billing_payment", "customers_customer"):
            c.execute(f"ANALYZE {table}")
        c.execute("ANALYZE customers_subscription")
    finance = User.objects.create_user(username="keuangan", role="finance")
    return {"finance": finance, "yesterday": yesterday, "today": today}


class SqlClock:
    """Time spent in the database during a request (execute_wrapper)."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def timed(client, url: str, params: dict, samples: int, check) -> tuple[list, list]:
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()  # response.context, to check what the page shows
    response = client.get(url, params)  # warm-up, and the check
    check(response)
    teardown_test_environment()  # timed without the test instrumentation of templates
    out, sql = [], []
    for _ in range(samples):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            response = client.get(url, params)
            if response.streaming:
                b"".join(response.streaming_content)
            out.append((time.perf_counter() - started) * 1000)
        sql.append(clock.ms)
        assert response.status_code == 200, (url, params, response.status_code)
    return out, sql


def summary(times: tuple[list, list], name: str) -> dict:
    ms, sql = sorted(times[0]), sorted(times[1])
    return {
        f"{name}_p50_ms": round(statistics.median(ms), 1),
        f"{name}_p95_ms": round(ms[max(int(len(ms) * 0.95) - 1, 0)], 1),
        f"{name}_max_ms": round(ms[-1], 1),
        f"{name}_sql_p50_ms": round(statistics.median(sql), 1),
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(args, tmp, ISPCARE_DEBUG="0")
    try:
        setup_django()
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        started = time.perf_counter()
        world = seed(args.n, args.cash)
        seed_s = time.perf_counter() - started
        client = Client()
        client.force_login(world["finance"])
        unpaid, aging, cash = (
            reverse("billing_reports:unpaid"),
            reverse("billing_reports:aging"),
            reverse("billing_reports:cash"),
        )
        facts: dict = {}

        def listed(key):
            def check(r):
                assert r.status_code == 200, r.status_code
                facts[key] = r.context["totals"].rows
                assert r.context["page"].object_list, key

            return check

        def ok(key, attr):
            def check(r):
                assert r.status_code == 200, r.status_code
                facts[key] = getattr(r.context[attr], "amount", None)

            return check

        n = args.samples
        results = {}
        results |= summary(timed(client, unpaid, {}, n, listed("unpaid_rows")), "unpaid_first")
        filtered = {"state": "active", "kecamatan": "Mlati", "overdue": "31-60", "sort": "days"}
        results |= summary(
            timed(client, unpaid, filtered, n, listed("filtered_rows")), "unpaid_filtered"
        )
        results |= summary(
            timed(client, unpaid, {"q": "pelanggan 00004"}, n, listed("search_rows")),
            "unpaid_search",
        )
        last = (facts["unpaid_rows"] + 49) // 50
        results |= summary(
            timed(client, unpaid, {"page": last}, n, listed("last_rows")), "unpaid_last"
        )
        results |= summary(timed(client, aging, {}, n, ok("aging_amount", "aging")), "aging")
        past = (world["today"] - dt.timedelta(days=20)).isoformat()
        results |= summary(
            timed(client, aging, {"as_of": past}, n, ok("aging_past_amount", "aging")),
            "aging_past",
        )
        results |= summary(
            timed(
                client,
                cash,
                {"day": world["yesterday"].isoformat()},
                n,
                ok("cash_amount", "cash"),
            ),
            "cash",
        )
        assert facts["cash_amount"] == 200_000 * args.cash, facts
        result = {
            "bench": "billing_reports",
            "db": connection.vendor,
            "subscribers": args.n,
            "invoices": 3 * args.n,
            "samples": n,
            "seed_seconds": round(seed_s, 1),
            **results,
            **facts,
            "peak_mb": peak_mb(),
        }
        connection.close()
    finally:
        drop(args, db_name)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
