#!/usr/bin/env python3
"""The monthly billing run for N active subscribers: issue the invoices, find the
overdue, isolate them. Then the same work done the straightforward way, one subscriber
at a time through the ORM, on a sample, for the ratio.

Setup (not timed; its seconds are reported): plans, N customers with portal accounts and
active subscriptions, their network access rows (`network.services.access_import`, so
isolation really marks network changes pending), and the previous period's invoices,
issued a month ago: 10% of them still unpaid past due date and grace period, the rest
paid (payments and allocations). All of it written in bulk (COPY on PostgreSQL) by a
child process, so the measured process holds only Django and the run itself.

Timed, in this process: `billing.run.invoices_run(today=...)` for the period that has
just ended, then `billing.dunning.isolation_run(today=...)` (which also queues the
"isolated" message to every isolated customer). Peak memory is the peak resident set of
this process (`resource.getrusage(RUSAGE_SELF).ru_maxrss`), which did nothing else but
migrate. The network apply and the message delivery are the workers' job (Huey queued,
not immediate) and are not part of the figure.

Checked: one invoice per subscriber for the period, numbers gap-free and following the
previous run's, one INVOICE_ISSUED event per invoice, every overdue subscription (and
only those) isolated with its access row isolated and pending, one message each.

The naive loop runs on a copy of the same data taken before the run (a template
database on PostgreSQL, a file copy on SQLite): for the first --naive-sample
subscribers (10% of them overdue, like the whole), per subscriber in its own
transaction: the plan's price, a check that no invoice exists, `sequence_next`,
`Invoice.objects.create`, `InvoiceLine.objects.create`, `Event.objects.create`; then for
each of them with an overdue invoice `subscription_transition(action="isolate")` and the
"isolated" message (`customer_notify`). Its time is scaled to N ("naive_scaled": true).

    python bench/billing_run.py [--subscribers 100000] [--db sqlite|postgresql]
                                [--naive-sample 1000]

Both databases by default (one JSON line each); the last line is the last database's:
{"bench": "billing_run", "db": "postgresql", "subscribers": 100000, "seconds": 41.0,
 "peak_mb": 310, "naive_seconds": 1200.0, "naive_sample": 1000, "naive_scaled": true,
 "ratio": 29.3, ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import DEFAULT_SERVER, admin_sql, configure, drop, peak_mb, setup_django

CHUNK = 20_000
PLANS = [("rumah-10", 10, 150_000), ("rumah-20", 20, 200_000), ("rumah-50", 50, 350_000)]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=int, default=100_000)
    p.add_argument(
        "--db", choices=["sqlite", "postgresql", "both"], default="both", help="default: both"
    )
    p.add_argument("--naive-sample", type=int, default=1000, help="subscribers in the naive loop")
    p.add_argument("--server-url", default=DEFAULT_SERVER, help="PostgreSQL server to use")
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    p.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed run to FILE")
    return p.parse_args(argv)


def overdue(i: int) -> bool:
    """Every tenth subscriber left last month's invoice unpaid."""
    return i % 10 == 0


# --- setup (a child process) -------------------------------------------------------------


def dates(today: dt.date) -> dict:
    from django.conf import settings

    from ispcare.billing.periods import months_add, period_of

    end = period_of(today)[0]  # the period that has just ended: [start, end)
    start = months_add(end, -1)
    prev_start = months_add(start, -1)
    return {
        "start": start,
        "end": end,
        "prev_start": prev_start,
        "prev_due": start + dt.timedelta(days=settings.BILLING_DUE_DAYS),
        "activated": months_add(prev_start, -3),
    }


def load(n: int, today: dt.date) -> None:
    """Everything the run reads, written in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from ispcare.accounts.models import User
    from ispcare.billing.choices import InvoiceKind, InvoiceStatus, LineKind, RunKind, RunStatus
    from ispcare.billing.drafts import _number_format, service_description
    from ispcare.billing.models import Allocation, BillingRun, Invoice, InvoiceLine, Payment
    from ispcare.common.bulk import rows_insert
    from ispcare.common.models import Sequence
    from ispcare.customers.choices import EventKind
    from ispcare.customers.models import Customer, Event, Plan, Subscription
    from ispcare.network.services import access_import
    from ispcare.network.specs import AccessSpec, AccessState

    d = dates(today)
    tz = timezone.get_current_timezone()
    activated = dt.datetime.combine(d["activated"], dt.time(10), tzinfo=tz)
    issued = dt.datetime.combine(d["start"], dt.time(1), tzinfo=tz)
    paid_at = dt.datetime.combine(d["start"] + dt.timedelta(days=5), dt.time(11), tzinfo=tz)
    plans = [
        Plan.objects.create(
            code=code,
            name=f"Rumah {mbps}",
            speed_mbps=mbps,
            monthly_price=price,
            installation_fee=250_000,
            deposit=300_000,
            radius_profile=code,
        )
        for code, mbps, price in PLANS
    ]
    year = issued.year
    prev_run = BillingRun.objects.create(
        kind=RunKind.INVOICES,
        period_end=d["start"],
        started_at=issued,
        finished_at=issued,
        status=RunStatus.DONE,
        counts={"invoices": n},
        triggered_by="billing run",
    )
    description = f"Monthly subscription {service_description(d['prev_start'], d['start'])}"
    password = make_password(None)
    specs = []
    for lo in range(0, n, CHUNK):
        idx = range(lo, min(n, lo + CHUNK))
        with transaction.atomic():
            rows_insert(
                User,
                [{"username": f"br{i:07d}", "password": password, "role": "customer"} for i in idx],
            )
            users = dict(
                User.objects.filter(username__in=[f"br{i:07d}" for i in idx]).values_list(
                    "username", "pk"
                )
            )
            rows_insert(
                Customer,
                [
                    {
                        "number": f"BR-{i:07d}",
                        "user_id": users[f"br{i:07d}"],
                        "full_name": f"Pelanggan {i:07d}",
                        "nik": f"3404{i:012d}",
                        "phone": f"+62812{i:08d}",
                        "email": f"pelanggan{i}@contoh.id",
                        "language": "en" if i % 10 == 3 else "id",
                        "notify_channels": "email",
                        "street": f"Jl. Kaliurang No. {i}",
                        "rt": "001",
                        "rw": "002",
                        "kelurahan": "Caturtunggal",
                        "kecamatan": "Depok",
                        "city": "Sleman",
                        "postcode": "55281",
                    }
                    for i in idx
                ],
            )
            customers = dict(
                Customer.objects.filter(number__in=[f"BR-{i:07d}" for i in idx]).values_list(
                    "number", "pk"
                )
            )
            rows_insert(
                Subscription,
                [
                    {
                        "customer_id": customers[f"BR-{i:07d}"],
                        "plan_id": plans[i % len(plans)].pk,
                        "state": "active",
                        "state_changed_at": activated,
                        "pppoe_username": f"br{i:07d}",
                        "pppoe_password": f"pw{i:07d}",
                        "installed_at": activated,
                        "deposit_paid_at": activated,
                        "activated_at": activated,
                    }
                    for i in idx
                ],
            )
            subs = dict(
                Subscription.objects.filter(customer_id__in=customers.values()).values_list(
                    "customer_id", "pk"
                )
            )
            invoices = []
            for i in idx:
                price = PLANS[i % len(PLANS)][2]
                unpaid = overdue(i)
                invoices.append(
                    {
                        "number": _number_format(i + 1, year),
                        "customer_id": customers[f"BR-{i:07d}"],
                        "subscription_id": subs[customers[f"BR-{i:07d}"]],
                        "kind": InvoiceKind.MONTHLY,
                        "description": description,
                        "period_start": d["prev_start"],
                        "period_end": d["start"],
                        "subtotal": price,
                        "tax": 0,
                        "amount": price,
                        "amount_paid": 0 if unpaid else price,
                        "status": InvoiceStatus.ISSUED if unpaid else InvoiceStatus.PAID,
                        "issued_at": issued,
                        "due_date": d["prev_due"],
                        "paid_at": None if unpaid else paid_at,
                        "run_id": prev_run.pk,
                        "reminder": 4 if unpaid else 1,
                    }
                )
            rows_insert(Invoice, invoices)
            ids = dict(
                Invoice.objects.filter(number__in=[r["number"] for r in invoices]).values_list(
                    "number", "pk"
                )
            )
            rows_insert(
                InvoiceLine,
                [
                    {
                        "invoice_id": ids[r["number"]],
                        "kind": LineKind.SERVICE,
                        "description": description,
                        "amount": r["amount"],
                        "taxable": True,
                        "period_start": r["period_start"],
                        "period_end": r["period_end"],
                    }
                    for r in invoices
                ],
            )
            rows_insert(
                Event,
                [
                    {
                        "customer_id": r["customer_id"],
                        "subscription_id": r["subscription_id"],
                        "kind": EventKind.INVOICE_ISSUED,
                        "actor_label": "billing run",
                        "data": {"invoice": r["number"], "kind": "monthly", "amount": r["amount"]},
                        "created_at": issued,
                    }
                    for r in invoices
                ],
            )
            paid = [r for r in invoices if r["status"] == InvoiceStatus.PAID]
            rows_insert(
                Payment,
                [
                    {
                        "customer_id": r["customer_id"],
                        "invoice_id": ids[r["number"]],
                        "amount": r["amount"],
                        "unallocated": 0,
                        "method": "bank_transfer",
                        "reference": f"TRF-{r['number']}",
                        "received_at": paid_at,
                    }
                    for r in paid
                ],
            )
            payments = dict(
                Payment.objects.filter(
                    reference__in=[f"TRF-{r['number']}" for r in paid]
                ).values_list("reference", "pk")
            )
            rows_insert(
                Allocation,
                [
                    {
                        "payment_id": payments[f"TRF-{r['number']}"],
                        "invoice_id": ids[r["number"]],
                        "amount": r["amount"],
                        "created_at": paid_at,
                    }
                    for r in paid
                ],
            )
        specs += [
            AccessSpec(
                username=f"br{i:07d}",
                password=f"pw{i:07d}",
                profile=PLANS[i % len(PLANS)][0],
                state=AccessState.ACTIVE,
            )
            for i in idx
        ]
    Sequence.objects.update_or_create(name=f"invoice:{year}", defaults={"value": n})
    access_import(specs=specs)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    connection.close()


def in_child(fn, *args) -> None:
    """Run fn in a forked process (its memory never counts here); raise if it failed."""
    from django.db import connections

    connections.close_all()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn(*args)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{fn.__name__} failed in its process")


# --- copies of the loaded database for the naive loop ------------------------------------


def copy_make(args, db_name: str) -> str:
    from django.db import connections

    connections.close_all()
    if args.db == "sqlite":
        copy = db_name + ".naive"
        shutil.copyfile(db_name, copy)
        return copy
    copy = db_name + "_naive"
    admin_sql(args.server_url, f'CREATE DATABASE "{copy}" TEMPLATE "{db_name}"')
    return copy


def copy_drop(args, copy: str) -> None:
    if args.db == "sqlite":
        os.unlink(copy)
    else:
        admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


# --- the run ---------------------------------------------------------------------------


def timed_run(today: dt.date, profile: str | None) -> tuple[float, object, object]:
    from ispcare.billing.dunning import isolation_run
    from ispcare.billing.run import invoices_run

    def work():
        runs = invoices_run(today=today)
        return runs, isolation_run(today=today)

    started = time.perf_counter()
    if profile:
        import cProfile

        prof = cProfile.Profile()
        runs, iso = prof.runcall(work)
        prof.dump_stats(profile)
    else:
        runs, iso = work()
    return time.perf_counter() - started, runs, iso


def check(n: int, today: dt.date, runs, iso) -> dict:
    from ispcare.billing.choices import RunStatus
    from ispcare.billing.models import Invoice
    from ispcare.customers.choices import EventKind
    from ispcare.customers.models import Event, Subscription
    from ispcare.network.models import AccessBackendState, SubscriberAccess
    from ispcare.notifications.models import BulkSend, Notification

    d = dates(today)
    problems = []
    if [r.status for r in runs] != [RunStatus.DONE]:
        problems.append(f"invoice runs: {[(r.status, r.errors[-500:]) for r in runs]}")
    if iso.status != RunStatus.DONE:
        problems.append(f"isolation run: {iso.errors[-500:]}")
    run_ids = [r.pk for r in runs]
    numbers = list(Invoice.objects.filter(run_id__in=run_ids).values_list("number", flat=True))
    seqs = sorted(int(x.rsplit("/", 1)[-1]) for x in numbers)
    invoices = Invoice.objects.filter(period_end=d["end"]).count()
    events = Event.objects.filter(
        kind=EventKind.INVOICE_ISSUED, created_at__gte=runs[0].started_at
    ).count()
    expected_isolated = sum(1 for i in range(n) if overdue(i))
    isolated = Subscription.objects.filter(state="isolated", isolation_cause="overdue").count()
    isolated_ok = (
        not Subscription.objects.filter(state="isolated")
        .exclude(pppoe_username__in=[f"br{i:07d}" for i in range(0, n, 10)])
        .exists()
    )
    access_isolated = SubscriberAccess.objects.filter(state="isolated").count()
    pending = AccessBackendState.objects.filter(status="pending").count()
    bulk = BulkSend.objects.filter(template_key="service_isolated").first()
    messages = Notification.objects.filter(bulk=bulk, channel="email").count() if bulk else 0
    figures = {
        "invoices": invoices,
        "gap_free": seqs == list(range(n + 1, 2 * n + 1)),
        "events": events,
        "isolated": iso.counts.get("isolated"),
        "isolated_expected": expected_isolated,
        "access_pending": pending,
        "isolation_messages": messages,
    }
    if invoices != n or len(numbers) != n:
        problems.append(f"{invoices} invoices for the period, {len(numbers)} in the run, not {n}")
    if not figures["gap_free"]:
        problems.append("invoice numbers are not gap-free after the previous run's")
    if events != n:
        problems.append(f"{events} INVOICE_ISSUED events for {n} invoices")
    if not (iso.counts.get("isolated") == isolated == expected_isolated and isolated_ok):
        problems.append(f"isolated {iso.counts} / {isolated}, expected {expected_isolated}")
    if not (access_isolated == pending == expected_isolated):
        problems.append(f"access isolated {access_isolated}, pending {pending}")
    if messages != expected_isolated:
        problems.append(f"{messages} isolation messages for {expected_isolated}")
    return {**figures, "problems": problems}


# --- the naive loop (a child process, on the copy) ----------------------------------------


def naive(sample: int, today: dt.date, out: str) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.translation import gettext, override

    from ispcare.billing.choices import (
        DUNNING_KINDS,
        OPEN_STATUSES,
        InvoiceKind,
        LineKind,
    )
    from ispcare.billing.drafts import _number_format, service_description
    from ispcare.billing.models import Invoice, InvoiceLine
    from ispcare.billing.periods import overdue_cutoff
    from ispcare.common.sequences import sequence_next
    from ispcare.customers.choices import EventKind, IsolationCause
    from ispcare.customers.lifecycle import subscription_transition
    from ispcare.customers.models import Event, Plan, Subscription
    from ispcare.customers.notices import customer_notify

    d = dates(today)
    subs = list(
        Subscription.objects.filter(state="active")
        .order_by("pk")
        .values_list("pk", "customer_id", "plan_id")[:sample]
    )
    description = gettext("Monthly subscription %(period)s") % {
        "period": service_description(d["start"], d["end"])
    }
    started = time.perf_counter()
    for pk, customer_id, plan_id in subs:
        with transaction.atomic():
            price = Plan.objects.get(pk=plan_id).monthly_price
            if Invoice.objects.filter(
                subscription_id=pk, kind=InvoiceKind.MONTHLY, period_end=d["end"]
            ).exists():
                continue
            now = timezone.now()
            number = _number_format(sequence_next(name=f"invoice:{now.year}"), now.year)
            invoice = Invoice.objects.create(
                number=number,
                customer_id=customer_id,
                subscription_id=pk,
                kind=InvoiceKind.MONTHLY,
                description=description,
                period_start=d["start"],
                period_end=d["end"],
                subtotal=price,
                amount=price,
                due_date=today + dt.timedelta(days=settings.BILLING_DUE_DAYS),
            )
            InvoiceLine.objects.create(
                invoice=invoice,
                kind=LineKind.SERVICE,
                description=service_description(d["start"], d["end"]),
                amount=price,
                period_start=d["start"],
                period_end=d["end"],
            )
            Event.objects.create(
                customer_id=customer_id,
                subscription_id=pk,
                kind=EventKind.INVOICE_ISSUED,
                actor_label="billing run",
                data={"invoice": number, "kind": InvoiceKind.MONTHLY, "amount": price},
            )
    issue_seconds = time.perf_counter() - started
    cutoff = overdue_cutoff(today)
    with override(settings.LANGUAGE_CODE):
        reason = gettext("Unpaid invoice past its due date and grace period")
    isolated = 0
    started = time.perf_counter()
    for pk, _customer_id, _plan_id in subs:
        owed = Invoice.objects.filter(
            subscription_id=pk,
            status__in=OPEN_STATUSES,
            kind__in=DUNNING_KINDS,
            due_date__lte=cutoff,
        )
        if not owed.exists():
            continue
        with transaction.atomic():
            sub = subscription_transition(
                subscription_id=pk,
                action="isolate",
                actor="dunning",
                reason=reason,
                cause=IsolationCause.OVERDUE,
            )
            balance = sum(i.amount - i.amount_paid for i in owed)
            customer_notify(
                customer=sub.customer,
                template="service_isolated",
                context={"balance": balance},
                key=f"subscription:{pk}:isolated:{today}",
            )
        isolated += 1
    isolate_seconds = time.perf_counter() - started
    connection.close()
    with open(out, "w") as f:
        json.dump(
            {
                "sample": len(subs),
                "issue_seconds": issue_seconds,
                "isolate_seconds": isolate_seconds,
                "isolated": isolated,
            },
            f,
        )


# --- one database --------------------------------------------------------------------------


def bench_one(args: argparse.Namespace) -> dict:
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(
        args,
        tmp,
        HUEY_IMMEDIATE="0",  # network apply and delivery are the workers' job
        HUEY_SQLITE_PATH=os.path.join(tmp, "huey.sqlite3"),
    )
    copy = None
    try:
        setup_django()
        from django.db import connection
        from django.utils import timezone

        vendor = connection.vendor
        today = timezone.localdate()
        n = args.subscribers
        started = time.perf_counter()
        in_child(load, n, today)
        load_seconds = time.perf_counter() - started
        sample = min(args.naive_sample, n)
        if sample:
            copy = copy_make(args, db_name)
        from django.urls import reverse

        reverse("portal:dashboard")  # the URLconf loaded, as in a worker that has run before
        seconds, runs, iso = timed_run(today, args.profile)
        peak = peak_mb()
        checked = check(n, today, runs, iso)
        result = {
            "bench": "billing_run",
            "db": vendor,
            "subscribers": n,
            "seconds": round(seconds, 2),
            "peak_mb": peak,
            "peak_is": "ru_maxrss of the process that ran migrate and the run",
            "invoices_seconds": round(
                sum((r.finished_at - r.started_at).total_seconds() for r in runs), 2
            ),
            "isolation_seconds": round((iso.finished_at - iso.started_at).total_seconds(), 2),
            "load_seconds": round(load_seconds, 1),
            **{k: v for k, v in checked.items() if k != "problems"},
        }
        if sample:
            out = os.path.join(tmp, "naive.json")
            use_database(copy)
            in_child(naive, sample, today, out)
            use_database(db_name)
            with open(out) as f:
                got = json.load(f)
            per = (got["issue_seconds"] + got["isolate_seconds"]) / got["sample"]
            naive_seconds = per * n
            result.update(
                naive_seconds=round(naive_seconds, 1),
                naive_sample=got["sample"],
                naive_scaled=got["sample"] != n,
                naive_sample_seconds=round(got["issue_seconds"] + got["isolate_seconds"], 2),
                naive_isolated=got["isolated"],
                ratio=round(naive_seconds / seconds, 1),
            )
            if got["isolated"] != sum(1 for i in range(got["sample"]) if overdue(i)):
                checked["problems"].append(f"naive loop isolated {got['isolated']}")
        result["problems"] = checked["problems"]
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        if copy:
            copy_drop(args, copy)
        drop(args, db_name)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.subscribers < 10:
        sys.exit("--subscribers must be at least 10")
    if args.db == "both":
        # Django is set up once per process: each database runs in a process of its own.
        rest = [a for a in argv if a not in ("--db", "both")]
        lines = []
        for db in ("sqlite", "postgresql"):
            proc = subprocess.run(
                [sys.executable, __file__, *rest, "--db", db],
                capture_output=True,
                text=True,
            )
            sys.stderr.write(proc.stderr)
            if proc.returncode not in (0, 1) or not proc.stdout.strip():
                print(proc.stdout, end="")
                return 2
            lines.append(proc.stdout.strip().splitlines()[-1])
        ok = all(not json.loads(line)["problems"] for line in lines)
        for line in lines:
            print(line, flush=True)
        return 0 if ok else 1
    result = bench_one(args)
    for problem in result["problems"]:
        print("problem:", problem, file=sys.stderr)
    print(json.dumps(result), flush=True)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
