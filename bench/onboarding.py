#!/usr/bin/env python3
"""Parallel onboarding: N registrations, each approved at once, from W workers at the same time.

Every worker (a process by default, or a thread) has its own database connection and runs
the real code path: the public registration form's validation, `registration_submit`,
then `registration_approve` (customer number, customer, subscription, PPPoE login,
portal account, welcome notification). The point is the customer number: taken from one
sequence row under a row lock, it must come out distinct and gap-free however the
approvals interleave.

PostgreSQL (default): a database of its own, created on the server of --server-url (or
TEST_DATABASE_URL) and dropped afterwards. --db sqlite uses a temporary file instead.
Notifications are delivered inline (Huey immediate mode) to a dummy email backend, so
the figure includes rendering them.

    python bench/onboarding.py [--n 200] [--workers 8] [--mode processes|threads]

Last line: one JSON object, e.g.
{"bench": "onboarding", "db": "postgresql", "registrations": 200, "distinct_numbers": 200,
 "errors": 0, "per_s": 35.1, ...}
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
import time

from benchlib import add_db_args, configure, drop, plan_create, setup_django


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200, help="registrations (each then approved)")
    p.add_argument("--workers", type=int, default=8, help="parallel workers")
    p.add_argument("--mode", choices=["processes", "threads"], default="processes")
    add_db_args(p)
    return p.parse_args(argv)


def prepare() -> int:
    """Migrate, and make a plan, a coverage area and a registration officer."""
    setup_django()
    from ispcare.accounts.models import User
    from ispcare.customers.models import CoverageArea

    plan_create()
    CoverageArea.objects.create(city="Sleman", kecamatan="Depok", kelurahan="")
    officer = User.objects.create_user(username="registrasi", role="registration")
    return officer.pk


def person(i: int, plan_id: int) -> dict:
    import datetime as dt

    from django.utils import timezone

    from ispcare.customers.forms import CONSENTS

    female = i % 2 == 1
    day = 1 + i % 28 + (40 if female else 0)
    return {
        "full_name": f"Pelanggan Uji {i:04d}",
        "nik": f"3404{1 + i % 17:02d}{day:02d}{1 + i % 12:02d}{80 + i % 20:02d}{i + 1:04d}",
        "phone": f"0812{30_000_000 + i:08d}",
        "email": f"uji{i}@contoh.id",
        "street": f"Jl. Kaliurang Km {5 + i % 10} No. {i + 1}",
        "rt": f"{1 + i % 9:03d}",
        "rw": f"{1 + i % 20:03d}",
        "kelurahan": "Caturtunggal",
        "kecamatan": "Depok",
        "city": "Sleman",
        "postcode": "55281",
        "plan": str(plan_id),
        "preferred_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        **dict.fromkeys(CONSENTS, "on"),
    }


def onboard(indices: list[int], officer_id: int, plan_id: int) -> tuple[list[str], list[str]]:
    """Register and approve each person; return the customer numbers and the errors."""
    from django.db import connection

    from ispcare.accounts.models import User
    from ispcare.customers.forms import RegistrationForm
    from ispcare.customers.services import registration_approve, registration_submit

    officer = User.objects.get(pk=officer_id)
    numbers, errors = [], []
    for i in indices:
        try:
            form = RegistrationForm(person(i, plan_id))
            if not form.is_valid():
                raise ValueError(form.errors.as_json())
            app = registration_submit(cleaned=form.cleaned_data)
            numbers.append(registration_approve(application_id=app.pk, actor=officer).number)
        except Exception as exc:
            errors.append(f"{i}: {type(exc).__name__}: {exc}"[:300])
    connection.close()
    return numbers, errors


def _process_worker(indices, officer_id, plan_id, barrier, queue) -> None:
    barrier.wait()
    queue.put(onboard(indices, officer_id, plan_id))


def run_parallel(args, officer_id: int, plan_id: int) -> tuple[list[str], list[str], float]:
    from django.db import connections

    shares = [list(range(w, args.n, args.workers)) for w in range(args.workers)]
    numbers: list[str] = []
    errors: list[str] = []
    if args.mode == "threads":
        barrier = threading.Barrier(args.workers + 1)
        lock = threading.Lock()

        def thread_worker(indices: list[int]) -> None:
            barrier.wait()
            got, errs = onboard(indices, officer_id, plan_id)
            with lock:
                numbers.extend(got)
                errors.extend(errs)

        threads = [threading.Thread(target=thread_worker, args=(s,)) for s in shares]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        return numbers, errors, time.perf_counter() - started

    connections.close_all()  # each forked process opens its own connection
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(args.workers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(s, officer_id, plan_id, barrier, queue))
        for s in shares
    ]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    for _ in procs:
        got, errs = queue.get()
        numbers.extend(got)
        errors.extend(errs)
    seconds = time.perf_counter() - started
    for p in procs:
        p.join()
    return numbers, errors, seconds


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.n < 1 or args.workers < 1:
        sys.exit("--n and --workers must be at least 1")
    args.workers = min(args.workers, args.n)
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(args, tmp)
    try:
        officer_id = prepare()
        from django.db import connection

        from ispcare.customers.models import Customer, Plan

        plan_id = Plan.objects.get().pk
        numbers, errors, seconds = run_parallel(args, officer_id, plan_id)
        stored = list(Customer.objects.values_list("number", flat=True))
        seqs = sorted(int(n.rsplit("-", 1)[-1]) for n in stored)
        for line in errors[:10]:
            print("error:", line, file=sys.stderr)
        result = {
            "bench": "onboarding",
            "db": connection.vendor,
            "mode": args.mode,
            "workers": args.workers,
            "registrations": args.n,
            "approved": len(numbers),
            "distinct_numbers": len(set(numbers)),
            "customers_stored": len(stored),
            "gap_free": seqs == list(range(1, len(seqs) + 1)),
            "errors": len(errors),
            "seconds": round(seconds, 2),
            "per_s": round(args.n / seconds, 1),
        }
        connection.close()
    finally:
        drop(args, db_name)
    print(json.dumps(result), flush=True)
    ok = not errors and result["distinct_numbers"] == args.n and result["gap_free"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
