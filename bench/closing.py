#!/usr/bin/env python3
"""The closing at a real ISP's size: the closing team's queue and a request's page, the
end-date job on a busy month-end, and the anonymisation of customers past retention.

Setup (not timed; its seconds are reported), in a scratch PostgreSQL database, loaded
set-based (INSERT ... SELECT generate_series, then VACUUM ANALYZE) by a child process so
the measuring process holds only Django and the measured code:

- --subscribers current customers (default 100,000), each with a portal account, an
  application, an active subscription, an ONT (every third a Wi-Fi router too), network
  access rows (`network.services.access_import`), a deposit and three monthly invoices
  with lines, payments and allocations, their events and notifications; every eighth has
  a ticket with updates and a chat with messages.
- --closures open termination requests (default 10,000) on current customers, statuses
  spread (30% requested, 30% in progress, 20% ended, 20% settled), end dates spread over
  60 days around today (running ones ahead, ended and settled ones behind); half go by
  pickup (a third of those with a pickup job scheduled, the ended and settled ones with
  a completed job), a quarter of the ended and every settled one with return items, the
  settled ones with a settlement (refund due), one in eleven running ones with an offer.
  Of the running ones, --ending (default 1,000) end today: the month-end.
  Also --closures/5 cancelled or withdrawn requests of customers who stayed.
- --closed closed requests (default 100,000), of former customers (subscription closed,
  equipment returned, settlement and refund paid). Of those customers: --anonymise
  (default 10,000) closed more than PRIVACY_RETENTION_DAYS ago and not yet anonymised
  (due); half the rest anonymised by earlier runs (erasure record), half still in
  retention. The due ones have everything the anonymisation walks: application, events,
  invoices, payments (notes naming them), notifications, a closed termination request
  with their bank account, a ticket with updates and a chat with messages, the texts
  naming them, their phone, street and email as people write them.

Measured, in this process:
(a) GET /staff/closing/ (closures:queue) through Django's test client as a logged-in
    closing-team user, --samples times each: the default view (open requests), the
    "in progress" tab, the "closed" tab (100,000 rows), a search by customer number
    (open requests, and over all requests); and closures:closure_detail of requests in
    each open state. p50/p95 per view.
(b) closures.services.closures_sweep(today=...): ends --ending requests, each through the
    subscription lifecycle and the network desired state. Huey immediate mode is OFF
    (HUEY_IMMEDIATE=0, a SqliteHuey file): the FreeRADIUS writes and the CoA/Disconnect
    are enqueued on commit, not performed, and so are the notices' deliveries.
(c) closures.privacy.privacy_anonymise_due(): seconds, customers per second, and the
    peak resident memory of this process during the run (VmHWM, reset before it through
    /proc/self/clear_refs), with the resident size sampled every second.

    python bench/closing.py [--subscribers 100000] [--closures 10000] [--closed 100000]
                            [--ending 1000] [--anonymise 10000] [--samples 20]
    python bench/closing.py --quick        # small, for the test suite

Progress goes to stderr. Last line: {"bench": "closing", "queue_p95_ms": ...,
"sweep_seconds": ..., "anonymise_seconds": ..., "anonymise_peak_mb": ..., ...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import add_db_args, configure, drop, peak_mb, setup_django

PLANS = [("rumah-10", 10, 150_000), ("rumah-20", 20, 200_000), ("rumah-50", 50, 350_000)]
DEPOSIT = 300_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=int, default=100_000, help="current customers")
    p.add_argument("--closures", type=int, default=10_000, help="open termination requests")
    p.add_argument("--closed", type=int, default=100_000, help="closed requests (former customers)")
    p.add_argument("--ending", type=int, default=1_000, help="requests the sweep ends today")
    p.add_argument("--anonymise", type=int, default=10_000, help="customers past retention")
    p.add_argument("--samples", type=int, default=20, help="requests per page view")
    p.add_argument("--skip-queue", action="store_true", help="skip (a), the pages")
    p.add_argument("--skip-sweep", action="store_true", help="skip (b), the end-date job")
    p.add_argument("--skip-anonymise", action="store_true", help="skip (c), the anonymisation")
    p.add_argument("--profile", metavar="DIR", help="write cProfiles of (b) and (c) to DIR")
    p.add_argument("--quick", action="store_true", help="small sizes for the test suite")
    add_db_args(p)
    args = p.parse_args(argv)
    if args.quick:
        args.subscribers, args.closures, args.closed = 2_000, 200, 1_000
        args.ending, args.anonymise, args.samples = 20, 100, 3
    if args.db != "postgresql":
        p.error("the set-based load needs PostgreSQL (--db postgresql)")
    running = sum(1 for k in range(1, args.closures + 1) if status_of(k, args.ending) in RUNNING)
    if args.closures > args.subscribers // 2:
        p.error("--closures must be at most half of --subscribers")
    if args.closures < 20 or args.ending < 1 or args.ending > running:
        p.error(f"--ending must be between 1 and the running requests ({running})")
    if not 0 < args.anonymise <= args.closed:
        p.error("--anonymise must be between 1 and --closed")
    return args


RUNNING = ("requested", "in_progress")
_SPREAD = ["requested"] * 3 + ["in_progress"] * 3 + ["ended"] * 2 + ["settled"] * 2


def status_of(k: int, ending: int) -> str:
    """The status of the k-th open request (k from 1): the first `ending` run to today."""
    if k <= ending:
        return "in_progress" if k % 2 == 0 else "requested"
    return _SPREAD[k % 10]


# --- the load (a child process) ------------------------------------------------------------

FIRST = (  # noqa: SIM905
    "Budi Siti Agus Dewi Joko Sri Bambang Wati Hendra Ratna Eko Yuni Dimas Fitri Rudi "
    "Indah Andi Lestari Yusuf Ayu Teguh Rina Fajar Nurul Arif Putri Wahyu Kartika Imam "
    "Sari Gilang Melati Bayu Anggun Rizky Wulan Hadi Novita Surya Endah"
).split()
LAST = (  # noqa: SIM905
    "Santoso Wijaya Saputra Hidayat Pratama Kusuma Nugroho Setiawan Wibowo Susanto "
    "Rahayu Purnomo Handoko Gunawan Sulistyo Kurniawan Permata Utomo Hartono Prasetyo "
    "Suryadi Firmansyah Maharani Syahputra Anggraini Wicaksono Sembiring Siregar "
    "Nasution Harahap Simanjuntak Tanjung Lubis Pohan Daulay Ginting Tarigan Sitepu "
    "Purba Rangkuti Batubara Marpaung Panjaitan Hutapea Sinaga Manurung Situmorang "
    "Pardede Saragih Wirawan"
).split()
STREETS = (  # noqa: SIM905
    "Kaliurang|Gejayan|Affandi|Colombo|Seturan|Babarsari|Palagan|Magelang|Godean|Wates|"
    "Parangtritis|Imogiri|Wonosari|Solo|Monjali|Kusumanegara|Veteran|Taman Siswa"
).split("|")
AREAS = [
    ("Caturtunggal", "Depok", "Sleman", "55281"),
    ("Condongcatur", "Depok", "Sleman", "55283"),
    ("Maguwoharjo", "Depok", "Sleman", "55282"),
    ("Sinduadi", "Mlati", "Sleman", "55284"),
    ("Banguntapan", "Banguntapan", "Bantul", "55198"),
    ("Panggungharjo", "Sewon", "Bantul", "55188"),
]

# One row per person: who they are, which group, their request, and (filled in as the
# tables are written) the ids of their rows. g: 1..S current customers, then the former.
PEOPLE_SQL = """
CREATE UNLOGGED TABLE bench_p AS
SELECT q.*,
  CASE WHEN q.grp = 'cur' THEN q.now_ - make_interval(days => 90 + mod(q.g * 7919, 1800))
       ELSE q.closed - make_interval(days => 400 + mod(q.g * 7919, 1200)) END AS created,
  CASE
    WHEN q.grp <> 'cur' THEN 'closed'
    WHEN q.k IS NOT NULL AND q.k <= %(E)s THEN
      CASE WHEN mod(q.k, 2) = 0 THEN 'in_progress' ELSE 'requested' END
    WHEN q.k IS NOT NULL THEN
      (ARRAY['requested','requested','requested','in_progress','in_progress','in_progress',
             'ended','ended','settled','settled'])[1 + mod(q.k, 10)]
    WHEN q.ko IS NOT NULL THEN CASE WHEN mod(q.ko, 2) = 0 THEN 'cancelled' ELSE 'withdrawn' END
  END AS cst
FROM (
  SELECT g, %(now)s::timestamptz AS now_,
    CASE WHEN g <= %(S)s THEN 'cur' WHEN g <= %(S)s + %(A)s THEN 'due'
         WHEN g <= %(S)s + %(A)s + %(K)s THEN 'anon' ELSE 'keep' END AS grp,
    CASE WHEN g <= %(S)s AND mod(g, %(step)s) = 0 AND g / %(step)s <= %(O)s
         THEN g / %(step)s END AS k,
    CASE WHEN g <= %(S)s AND mod(g, %(step)s) = %(half)s AND g / %(step)s < %(O)s / 5
         THEN g / %(step)s END AS ko,
    CASE WHEN g <= %(S)s THEN NULL
         WHEN g <= %(S)s + %(A)s
           THEN %(now)s::timestamptz - make_interval(days => 731 + mod(g * 31, 900), hours => 1)
         WHEN g <= %(S)s + %(A)s + %(K)s
           THEN %(now)s::timestamptz - make_interval(days => 1000 + mod(g * 31, 800))
         ELSE %(now)s::timestamptz - make_interval(days => 1 + mod(g * 31, 720)) END AS closed,
    (%(first)s::text[])[1 + mod(g, 40)] AS first,
    (%(last)s::text[])[1 + mod(g / 40, 50)]
      || CASE WHEN mod(g, 3) = 0 THEN ' ' || (%(last)s::text[])[1 + mod(g / 7, 50)] ELSE '' END
      AS last,
    'Jl. ' || (%(streets)s::text[])[1 + mod(g / 3, 18)] || ' No. ' || (1 + mod(g, 240))
      AS street,
    1 + mod(g / 11, 6) AS area,
    '3404' || lpad(g::text, 12, '0') AS nik,
    '+62812' || lpad(g::text, 8, '0') AS phone,
    (%(plans)s::bigint[])[1 + mod(g, 3)] AS plan_id,
    (%(prices)s::int[])[1 + mod(g, 3)] AS price
  FROM generate_series(1, %(S)s + %(X)s) AS g
) AS q;
ALTER TABLE bench_p ADD PRIMARY KEY (g);
ALTER TABLE bench_p
  ADD COLUMN full_name text, ADD COLUMN email text, ADD COLUMN number text,
  ADD COLUMN end_date date, ADD COLUMN cl_created timestamptz,
  ADD COLUMN uid bigint, ADD COLUMN aid bigint, ADD COLUMN cid bigint, ADD COLUMN sid bigint,
  ADD COLUMN ont bigint, ADD COLUMN rtr bigint, ADD COLUMN clid bigint, ADD COLUMN wo bigint,
  ADD COLUMN tid bigint, ADD COLUMN conv bigint, ADD COLUMN n int;
UPDATE bench_p SET
  n = coalesce(k, ko, g),
  full_name = first || ' ' || last,
  email = lower(first) || '.' || lower(split_part(last, ' ', 1)) || g || '@contoh.id',
  number = 'VN-' || to_char(created AT TIME ZONE 'Asia/Jakarta', 'YYMM') || '-'
           || lpad(g::text, 6, '0'),
  end_date = CASE
    WHEN grp <> 'cur' THEN ((closed - interval '7 days') AT TIME ZONE 'Asia/Jakarta')::date
    WHEN cst IN ('requested', 'in_progress') AND k <= %(E)s THEN %(today)s::date
    WHEN cst IN ('requested', 'in_progress') THEN %(today)s::date + 1 + mod(k, 29)
    WHEN cst IN ('ended', 'settled') THEN %(today)s::date - 1 - mod(k, 30)
    WHEN cst IS NOT NULL THEN %(today)s::date + 5 + mod(ko, 20) END;
UPDATE bench_p SET cl_created = CASE
    WHEN grp <> 'cur' THEN closed - interval '27 days'
    WHEN cst IN ('requested', 'in_progress') THEN now_ - make_interval(days => 2 + mod(k, 25))
    ELSE (end_date - 20)::timestamptz + interval '3 hours' END
  WHERE cst IS NOT NULL;
CREATE INDEX ON bench_p (number);
"""

LOAD_STEPS: list[tuple[str, str]] = [
    (
        "portal accounts",
        """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
  is_staff, is_active, date_joined, role, phone, language)
SELECT %(pw)s, false, number, first, last, email, false, grp <> 'anon', created, 'customer',
  '', 'id'
FROM bench_p ORDER BY g;
UPDATE bench_p p SET uid = u.id FROM accounts_user u WHERE u.username = p.number;
""",
    ),
    (
        "applications",
        """
INSERT INTO customers_application (created_at, updated_at, street, rt, rw, kelurahan,
  kecamatan, city, postcode, latitude, longitude, reference, full_name, nik, phone, email,
  preferred_date, language, consent_at, status, in_coverage, rejection_reason, reviewed_at,
  reviewed_by_id, plan_id)
SELECT created - interval '5 days', created, street, lpad((1 + mod(g, 9))::text, 3, '0'),
  lpad((1 + mod(g, 20))::text, 3, '0'), a.kel, a.kec, a.city, a.post,
  -7.75 + mod(g, 1000) / 20000.0, 110.38 + mod(g, 997) / 20000.0,
  'REG-B' || lpad(to_hex(g), 7, '0'), full_name, nik, '0' || substr(phone, 4), email,
  (created - interval '2 days')::date, 'id', created - interval '5 days', 'approved', true,
  '', created, %(registrar)s, plan_id
FROM bench_p p JOIN (SELECT * FROM unnest(%(kel)s::text[], %(kec)s::text[], %(city)s::text[],
  %(post)s::text[]) WITH ORDINALITY AS t(kel, kec, city, post, i)) a ON a.i = p.area
ORDER BY g;
UPDATE bench_p p SET aid = a.id FROM customers_application a
  WHERE a.reference = 'REG-B' || lpad(to_hex(p.g), 7, '0');
""",
    ),
    (
        "customers",
        """
INSERT INTO customers_customer (created_at, updated_at, street, rt, rw, kelurahan, kecamatan,
  city, postcode, latitude, longitude, number, full_name, nik, phone, email, language,
  application_id, user_id, notify_channels)
SELECT p.created, p.created, a.street, a.rt, a.rw, a.kelurahan, a.kecamatan, a.city,
  a.postcode, a.latitude, a.longitude, p.number,
  CASE WHEN p.grp = 'anon' THEN 'ANON-' || upper(substr(md5(p.number), 1, 10))
       ELSE p.full_name END,
  CASE WHEN p.grp = 'anon' THEN 'ANON' || lpad(p.g::text, 12, '0') ELSE p.nik END,
  CASE WHEN p.grp = 'anon' THEN 'ANON-' || p.g ELSE p.phone END,
  CASE WHEN p.grp = 'anon' THEN '' ELSE p.email END, 'id', p.aid, p.uid,
  CASE WHEN p.grp = 'anon' THEN '' ELSE 'whatsapp,email' END
FROM bench_p p JOIN customers_application a ON a.id = p.aid ORDER BY p.g;
UPDATE bench_p p SET cid = c.id FROM customers_customer c WHERE c.number = p.number;
""",
    ),
    (
        "subscriptions",
        """
INSERT INTO customers_subscription (created_at, updated_at, state, state_changed_at,
  state_reason, pppoe_username, pppoe_password, installed_at, deposit_paid_at, activated_at,
  customer_id, plan_id, node_id, closed_at, isolation_cause)
SELECT created, coalesce(closed, created + interval '8 days'),
  CASE WHEN grp <> 'cur' THEN 'closed'
       WHEN cst IN ('ended', 'settled') THEN 'ended'
       WHEN mod(g, 23) = 0 THEN 'isolated' ELSE 'active' END,
  CASE WHEN grp <> 'cur' THEN closed
       WHEN cst IN ('ended', 'settled') THEN end_date::timestamptz + interval '1 hour'
       ELSE created + interval '8 days' END,
  CASE WHEN grp <> 'cur' THEN 'Pindah rumah: ' || full_name || ', ' || street
       WHEN mod(g, 23) = 0 THEN 'Tunggakan' ELSE '' END,
  lower(replace(number, '-', '')), substr(md5('pw' || g), 1, 12),
  created + interval '6 days', created + interval '8 days', created + interval '8 days',
  cid, plan_id, NULL,
  CASE WHEN grp <> 'cur' THEN closed - interval '7 days'
       WHEN cst IN ('ended', 'settled') THEN end_date::timestamptz END,
  CASE WHEN grp = 'cur' AND cst IS DISTINCT FROM 'ended' AND cst IS DISTINCT FROM 'settled'
       AND mod(g, 23) = 0 THEN 'overdue' ELSE '' END
FROM bench_p ORDER BY g;
UPDATE bench_p p SET sid = s.id FROM customers_subscription s
  WHERE s.pppoe_username = lower(replace(p.number, '-', ''));
""",
    ),
    (
        "equipment",
        """
INSERT INTO customers_equipment (created_at, updated_at, kind, model_name, serial, mac, status,
  installed_at, subscription_id)
SELECT created, created, 'ont', 'ZTE F609', 'ZTEGB' || lpad(g::text, 8, '0'), NULL,
  CASE WHEN grp <> 'cur' THEN 'returned'
       WHEN cst = 'settled' THEN CASE WHEN mod(k, 7) = 0 THEN 'damaged' ELSE 'returned' END
       WHEN cst = 'ended' AND mod(k, 4) = 0 THEN 'returned'
       ELSE 'installed' END,
  created + interval '6 days', sid
FROM bench_p ORDER BY g;
INSERT INTO customers_equipment (created_at, updated_at, kind, model_name, serial, mac, status,
  installed_at, subscription_id)
SELECT created, created, 'router', 'TP-Link Archer C6', 'TPLB' || lpad(g::text, 8, '0'), NULL,
  CASE WHEN grp <> 'cur' OR cst = 'settled' THEN 'returned' ELSE 'installed' END,
  created + interval '6 days', sid
FROM bench_p WHERE mod(g, 3) = 0 ORDER BY g;
UPDATE bench_p p SET ont = e.id FROM customers_equipment e
  WHERE e.serial = 'ZTEGB' || lpad(p.g::text, 8, '0');
UPDATE bench_p p SET rtr = e.id FROM customers_equipment e
  WHERE mod(p.g, 3) = 0 AND e.serial = 'TPLB' || lpad(p.g::text, 8, '0');
""",
    ),
    (
        "invoices",
        """
INSERT INTO billing_invoice (number, kind, description, amount, amount_paid, status, issued_at,
  due_date, paid_at, customer_id, subscription_id, period_start, period_end, reminder,
  subtotal, tax, void_reason)
SELECT 'INV/B/' || lpad((p.g * 4 + j)::text, 8, '0'),
  CASE WHEN j = 0 THEN 'deposit' ELSE 'monthly' END,
  CASE WHEN j = 0 THEN 'Uang jaminan berlangganan'
       ELSE 'Langganan bulanan ' || to_char(ps, 'FMMonth YYYY') END,
  amt, CASE WHEN unpaid THEN 0 ELSE amt END, CASE WHEN unpaid THEN 'issued' ELSE 'paid' END,
  iss, iss::date + 10, CASE WHEN unpaid THEN NULL ELSE iss + interval '5 days' END,
  p.cid, p.sid, CASE WHEN j > 0 THEN ps END, CASE WHEN j > 0 THEN (ps + interval '1 month')::date END,
  0, amt, 0, ''
FROM bench_p p
CROSS JOIN generate_series(0, 3) AS j
CROSS JOIN LATERAL (
  SELECT (date_trunc('month', coalesce(p.closed - interval '7 days', %(now)s::timestamptz)
            AT TIME ZONE 'Asia/Jakarta') - make_interval(months => j))::date AS ps,
         CASE WHEN j = 0 THEN %(deposit)s ELSE p.price END AS amt,
         (p.grp = 'cur' AND j = 1 AND mod(p.g, 9) = 0) AS unpaid
) AS x
CROSS JOIN LATERAL (
  SELECT CASE WHEN j = 0 THEN p.created + interval '6 days'
              ELSE x.ps::timestamptz + interval '1 hour' END AS iss
) AS y
ORDER BY p.g, j;
INSERT INTO billing_invoiceline (kind, description, amount, taxable, period_start, period_end,
  adjustment_id, invoice_id, plan_id)
SELECT CASE WHEN i.kind = 'deposit' THEN 'deposit' ELSE 'service' END, i.description, i.amount,
  i.kind <> 'deposit', i.period_start, i.period_end, NULL, i.id, NULL
FROM billing_invoice i ORDER BY i.id;
""",
    ),
    (
        "payments",
        """
INSERT INTO billing_payment (amount, method, reference, received_at, note, customer_id,
  invoice_id, received_by_id, proof, unallocated)
SELECT i.amount, m.method, 'TRF-' || i.number, i.paid_at,
  CASE WHEN mod(p.g, 4) = 0 THEN 'Transfer dari ' || p.full_name || ', ' || '0' ||
         substr(p.phone, 4, 3) || ' ' || substr(p.phone, 7, 4) || ' ' || substr(p.phone, 11)
       WHEN mod(p.g, 4) = 1 THEN 'Bayar di kantor, a.n. ' || p.first ELSE '' END,
  p.cid, i.id, CASE WHEN m.method = 'cash' THEN %(finance)s END, '', 0
FROM billing_invoice i JOIN bench_p p ON p.cid = i.customer_id
CROSS JOIN LATERAL (SELECT (ARRAY['bank_transfer','bank_transfer','cash','qris'])
  [1 + mod(i.id, 4)] AS method) AS m
WHERE i.status = 'paid' ORDER BY i.id;
INSERT INTO billing_allocation (amount, created_at, invoice_id, payment_id)
SELECT amount, received_at, invoice_id, id FROM billing_payment ORDER BY id;
""",
    ),
    (
        "work orders",
        """
INSERT INTO workorders_workorder (created_at, updated_at, kind, status, scheduled_date,
  completed_at, result, customer_id, subscription_id, technician_id, problem)
SELECT p.cl_created + interval '1 day', p.cl_created + interval '1 day', 'pickup',
  CASE WHEN p.cst IN ('requested', 'in_progress') THEN 'scheduled' ELSE 'completed' END,
  CASE WHEN p.cst IN ('requested', 'in_progress') THEN greatest(p.end_date, %(today)s::date)
       ELSE p.end_date END,
  CASE WHEN p.cst IN ('requested', 'in_progress') THEN NULL
       ELSE p.end_date::timestamptz + interval '10 hours' END,
  CASE WHEN p.cst IN ('requested', 'in_progress') THEN ''
       ELSE 'ONT diambil di rumah ' || p.full_name || ', ' || p.street END,
  p.cid, p.sid, (%(techs)s::bigint[])[1 + mod(p.g, cardinality(%(techs)s::bigint[]))],
  'Ambil perangkat: ' || p.street || ', hubungi ' || '0' || substr(p.phone, 4)
FROM bench_p p
WHERE (p.grp <> 'cur' AND mod(p.n, 2) = 0)
   OR (p.k IS NOT NULL AND mod(p.k, 2) = 0
       AND (p.cst IN ('ended', 'settled') OR mod(p.k, 3) = 0))
ORDER BY p.g;
UPDATE bench_p p SET wo = w.id FROM workorders_workorder w
  WHERE w.subscription_id = p.sid AND w.kind = 'pickup';
""",
    ),
    (
        "termination requests",
        """
INSERT INTO closures_closure (created_at, updated_at, number, status, end_date, reason,
  reason_text, channel, return_method, refund_bank, refund_account_number,
  refund_account_name, processed_at, ended_at, settled_at, closed_at, cancelled_at,
  cancel_reason, written_off, write_off_reason, customer_id, processed_by_id, requested_by_id,
  subscription_id, write_off_by_id)
SELECT p.cl_created, coalesce(p.closed, p.cl_created + interval '1 day'),
  'TRM/' || to_char(p.cl_created, 'YYYY') || '/' || lpad(p.g::text, 6, '0'), p.cst, p.end_date,
  r.reason,
  CASE r.reason WHEN 'moving' THEN 'Pindah ke Bandung, rumah di ' || p.street || ' dijual'
                WHEN 'price' THEN 'Terlalu mahal untuk kami, ' || p.first
                WHEN 'other' THEN 'Saya ' || p.full_name || ' ikut anak ke luar kota'
                ELSE '' END,
  CASE WHEN mod(p.n, 3) = 0 THEN 'staff' ELSE 'portal' END,
  CASE WHEN mod(p.n, 2) = 0 THEN 'pickup' ELSE 'dropoff' END,
  CASE WHEN mod(p.n, 5) = 0 THEN '' ELSE (ARRAY['BCA','BRI','Mandiri','BNI','BPD DIY'])
       [1 + mod(p.n / 5, 5)] END,
  CASE WHEN mod(p.n, 5) = 0 THEN '' ELSE lpad((p.g * 7919)::text, 10, '0') END,
  CASE WHEN mod(p.n, 5) = 0 THEN '' ELSE p.full_name END,
  CASE WHEN p.cst NOT IN ('requested', 'cancelled') THEN p.cl_created + interval '4 hours' END,
  CASE WHEN p.cst IN ('ended', 'settled', 'closed') THEN p.end_date::timestamptz
       + interval '1 hour' END,
  CASE WHEN p.cst IN ('settled', 'closed') THEN p.end_date::timestamptz + interval '3 days' END,
  CASE WHEN p.cst = 'closed' THEN p.closed END,
  CASE WHEN p.cst = 'cancelled' THEN p.cl_created + interval '2 days' END,
  CASE WHEN p.cst = 'cancelled' THEN 'Tidak jadi pindah' ELSE '' END, 0, '', p.cid,
  CASE WHEN p.cst NOT IN ('requested', 'cancelled') THEN %(closer)s END,
  CASE WHEN mod(p.n, 3) = 0 THEN %(closer)s ELSE p.uid END, p.sid, NULL
FROM bench_p p
CROSS JOIN LATERAL (SELECT (ARRAY['moving','price','quality','competitor','not_needed',
  'support','other'])[1 + mod(p.n / 2, 7)] AS reason) AS r
WHERE p.cst IS NOT NULL ORDER BY p.g;
UPDATE bench_p p SET clid = c.id FROM closures_closure c WHERE c.subscription_id = p.sid;
""",
    ),
    (
        "return items, refunds, settlements, offers",
        """
INSERT INTO closures_returnitem (condition, charge, via, note, checked_in_at,
  checked_in_by_id, closure_id, equipment_id, work_order_id)
SELECT CASE WHEN e.status = 'damaged' THEN 'damaged' ELSE 'good' END,
  CASE WHEN e.status = 'damaged' THEN 300000 ELSE 0 END,
  CASE WHEN p.wo IS NULL THEN 'dropoff' ELSE 'pickup' END,
  CASE WHEN e.status = 'damaged' THEN 'Casing retak, kata ' || p.first || ' jatuh' ELSE '' END,
  p.end_date::timestamptz + interval '10 hours',
  CASE WHEN p.wo IS NULL THEN %(closer)s
       ELSE (%(techs)s::bigint[])[1 + mod(p.g, cardinality(%(techs)s::bigint[]))] END,
  p.clid, e.id, p.wo
FROM bench_p p JOIN customers_equipment e ON e.id IN (p.ont, p.rtr)
WHERE p.cst IN ('ended', 'settled', 'closed') AND e.status IN ('returned', 'damaged')
ORDER BY p.g, e.id;
INSERT INTO billing_refund (amount, from_deposit, from_credit, method, reference, paid_at, note,
  customer_id, paid_by_id, subscription_id)
SELECT %(deposit)s, %(deposit)s, 0, 'bank_transfer', 'RFD-' || p.g,
  p.closed - interval '1 day',
  CASE WHEN mod(p.n, 5) = 0 THEN 'Tunai, diterima ' || p.full_name
       ELSE 'Ke rekening a.n. ' || p.full_name END,
  p.cid, %(finance)s, p.sid
FROM bench_p p WHERE p.cst = 'closed' ORDER BY p.g;
INSERT INTO closures_settlement (deposit_held, service_charge, equipment_charges, owed,
  deposit_applied, credit, refund_due, balance_left, created_at, closure_id, created_by_id,
  final_invoice_id, refund_id)
SELECT %(deposit)s, 0, coalesce(ch.charges, 0), coalesce(ch.charges, 0),
  coalesce(ch.charges, 0), 0, %(deposit)s - coalesce(ch.charges, 0), 0,
  p.end_date::timestamptz + interval '3 days', p.clid, %(closer)s, NULL, r.id
FROM bench_p p
LEFT JOIN billing_refund r ON p.cst = 'closed' AND r.reference = 'RFD-' || p.g
LEFT JOIN LATERAL (SELECT sum(charge)::int AS charges FROM closures_returnitem ri
  WHERE ri.closure_id = p.clid) AS ch ON true
WHERE p.cst IN ('settled', 'closed') ORDER BY p.g;
UPDATE billing_refund r SET amount = s.refund_due, from_deposit = s.refund_due
  FROM closures_settlement s WHERE s.refund_id = r.id;
INSERT INTO closures_retentionoffer (closure_id, text, credit, outcome, made_by_id, made_at,
  answered_at)
SELECT p.clid, 'Diskon 50%% dua bulan untuk ' || p.first || ' bila tetap berlangganan', 100000,
  CASE WHEN p.cst = 'in_progress' THEN 'declined' ELSE 'pending' END, %(closer)s,
  p.cl_created + interval '1 day',
  CASE WHEN p.cst = 'in_progress' THEN p.cl_created + interval '2 days' END
FROM bench_p p WHERE p.cst IN ('requested', 'in_progress') AND mod(p.k, 11) = 0 ORDER BY p.g;
""",
    ),
    (
        "events",
        """
INSERT INTO customers_event (kind, from_state, to_state, actor_label, reason, data, created_at,
  actor_id, application_id, customer_id, subscription_id)
SELECT kind, from_s, to_s, label, reason, data, at, actor, app, cust, sub FROM (
  SELECT 'application_submitted' AS kind, '' AS from_s, '' AS to_s, p.full_name AS label,
    '' AS reason, jsonb_build_object('reference', 'REG-B' || lpad(to_hex(p.g), 7, '0'),
    'phone', '0' || substr(p.phone, 4)) AS data, p.created - interval '5 days' AS at,
    NULL::bigint AS actor, p.aid AS app, NULL::bigint AS cust, NULL::bigint AS sub, p.g, 0 AS o
  FROM bench_p p
  UNION ALL
  SELECT 'customer_created', '', '', 'Registrasi', '', jsonb_build_object('number', p.number),
    p.created, %(registrar)s, p.aid, p.cid, p.sid, p.g, 1 FROM bench_p p
  UNION ALL
  SELECT 'state_changed', 'awaiting_deposit', 'active', 'Keuangan', '',
    jsonb_build_object('action', 'activate', 'access', 'active'),
    p.created + interval '8 days', %(finance)s, NULL, p.cid, p.sid, p.g, 2 FROM bench_p p
  UNION ALL
  SELECT 'invoice_issued', '', '', 'billing run', '',
    jsonb_build_object('invoice', i.number, 'kind', i.kind, 'amount', i.amount),
    i.issued_at, NULL, NULL, i.customer_id, i.subscription_id, p.g, 3
  FROM billing_invoice i JOIN bench_p p ON p.cid = i.customer_id
  UNION ALL
  SELECT 'payment_recorded', '', '', 'Keuangan', pm.note,
    jsonb_build_object('amount', pm.amount, 'invoice', i.number, 'reference', pm.reference),
    pm.received_at, %(finance)s, NULL, pm.customer_id, i.subscription_id, p.g, 4
  FROM billing_payment pm JOIN billing_invoice i ON i.id = pm.invoice_id
  JOIN bench_p p ON p.cid = pm.customer_id
  UNION ALL
  SELECT 'closure_requested', '', '',
    CASE WHEN mod(p.n, 3) = 0 THEN 'Penutupan' ELSE p.full_name END, c.reason_text,
    jsonb_build_object('closure', c.number, 'end_date', c.end_date, 'reason', c.reason,
      'channel', c.channel), c.created_at,
    CASE WHEN mod(p.n, 3) = 0 THEN %(closer)s ELSE p.uid END,
    NULL, p.cid, p.sid, p.g, 5
  FROM bench_p p JOIN closures_closure c ON c.id = p.clid
  UNION ALL
  SELECT 'closure_processed', '', '', 'Penutupan', '', jsonb_build_object('closure', c.number),
    c.processed_at, %(closer)s, NULL, p.cid, p.sid, p.g, 6
  FROM bench_p p JOIN closures_closure c ON c.id = p.clid WHERE c.processed_at IS NOT NULL
  UNION ALL
  SELECT 'state_changed', 'active', 'ended', 'system',
    'Terminated on request ' || c.number,
    jsonb_build_object('action', 'end', 'access', 'disabled', 'closure', c.number),
    c.ended_at, NULL, NULL, p.cid, p.sid, p.g, 7
  FROM bench_p p JOIN closures_closure c ON c.id = p.clid WHERE c.ended_at IS NOT NULL
  UNION ALL
  SELECT 'settlement_issued', '', '', 'Penutupan', '',
    jsonb_build_object('closure', c.number, 'deposit', s.deposit_held, 'refund', s.refund_due,
      'owed', s.balance_left), s.created_at, %(closer)s, NULL, p.cid, p.sid, p.g, 8
  FROM bench_p p JOIN closures_closure c ON c.id = p.clid
  JOIN closures_settlement s ON s.closure_id = c.id
  UNION ALL
  SELECT 'state_changed', 'ended', 'closed', 'Penutupan',
    'Pindah rumah: ' || p.full_name || ', ' || p.street,
    jsonb_build_object('action', 'close', 'access', 'disabled', 'closure', c.number),
    c.closed_at, %(closer)s, NULL, p.cid, p.sid, p.g, 9
  FROM bench_p p JOIN closures_closure c ON c.id = p.clid WHERE c.closed_at IS NOT NULL
) AS e ORDER BY g, at, o;
""",
    ),
    (
        "notifications",
        """
INSERT INTO notifications_notification (channel, "to", template_key, language, subject, body,
  idempotency_key, status, attempts, last_error, created_at, sent_at, read_at, user_id,
  delivered_at, failure, next_attempt_at, note, provider_id, recipient_name, recipient_ref,
  wa_params, wa_template, bulk_id)
SELECT n.channel,
  CASE n.channel WHEN 'email' THEN p.email WHEN 'whatsapp' THEN p.phone ELSE '' END,
  n.template, 'id', n.subject, n.body, 'b:' || p.g || ':' || n.j, 'delivered', 1, '', n.at,
  n.at + interval '1 minute', CASE WHEN n.channel = 'inapp' THEN n.at + interval '1 day' END,
  p.uid, n.at + interval '2 minutes', '', NULL,
  CASE WHEN n.j = 2 AND mod(p.g, 7) = 0 THEN 'WhatsApp: nomor ' || p.phone ||
    ' tidak aktif, dikirim lewat email' ELSE '' END,
  CASE WHEN n.channel = 'inapp' THEN '' ELSE 'prov-' || p.g || '-' || n.j END,
  p.full_name, 'customer:' || p.cid,
  CASE WHEN n.channel = 'whatsapp' THEN jsonb_build_array(p.full_name, p.number, p.price)
       ELSE '[]'::jsonb END,
  CASE WHEN n.channel = 'whatsapp' THEN 'ispcare_' || n.template ELSE '' END, NULL
FROM bench_p p
CROSS JOIN LATERAL (VALUES
  (0, 'email', 'welcome', 'Selamat datang di Vokasi.Net, ' || p.full_name,
   'Halo ' || p.full_name || ', nomor pelanggan Anda ' || p.number || '. Login PPPoE '
   || lower(replace(p.number, '-', '')) || '. Alamat pemasangan: ' || p.street || '.',
   p.created),
  (1, 'inapp', 'welcome', 'Selamat datang, ' || p.first,
   'Halo ' || p.full_name || ', layanan Anda sudah aktif.', p.created + interval '8 days'),
  (2, 'whatsapp', 'invoice_issued', 'Tagihan ' || p.number,
   'Yth. ' || p.full_name || ', tagihan bulan ini Rp ' || p.price || '.',
   p.created + interval '40 days'),
  (3, 'whatsapp', 'invoice_issued', 'Tagihan ' || p.number,
   'Yth. ' || p.full_name || ', tagihan bulan ini Rp ' || p.price || '.',
   p.created + interval '70 days'),
  (4, 'email', 'payment_received', 'Pembayaran diterima',
   'Terima kasih ' || p.full_name || ', pembayaran Anda sudah kami terima.',
   p.created + interval '45 days'),
  (5, 'inapp', 'payment_received', 'Pembayaran diterima',
   'Terima kasih ' || p.first || ', pembayaran Anda sudah kami terima.',
   p.created + interval '45 days')
) AS n(j, channel, template, subject, body, at)
ORDER BY p.g, n.j;
""",
    ),
    (
        "tickets and chats",
        """
INSERT INTO helpdesk_conversation (visitor_name, visitor_phone, visitor_key, language, status,
  created_at, waiting_since, claimed_at, last_message_at, closed_at, customer_read_id,
  agent_read_id, claimed_by_id, customer_id)
SELECT '', '', '', 'id', 'closed', p.created + interval '60 days', NULL,
  p.created + interval '60 days 2 minutes', p.created + interval '60 days 20 minutes',
  p.created + interval '60 days 1 hour', 0, 0,
  (%(agents)s::bigint[])[1 + mod(p.g, cardinality(%(agents)s::bigint[]))], p.cid
FROM bench_p p WHERE p.grp = 'due' OR mod(p.g, 8) = 0 ORDER BY p.g;
UPDATE bench_p p SET conv = c.id FROM helpdesk_conversation c WHERE c.customer_id = p.cid;
INSERT INTO helpdesk_chatmessage (author_kind, body, attachment, attachment_type, created_at,
  author_id, conversation_id)
SELECT m.kind, m.body, '', '', p.created + interval '60 days' + m.after,
  CASE WHEN m.kind = 'agent'
       THEN (%(agents)s::bigint[])[1 + mod(p.g, cardinality(%(agents)s::bigint[]))]
       ELSE p.uid END, p.conv
FROM bench_p p
CROSS JOIN LATERAL (VALUES
  ('customer', 'Selamat siang, internet di rumah mati sejak pagi. Alamat saya ' || p.street,
   interval '0 minutes'),
  ('agent', 'Halo ' || p.full_name || ', kami cek dulu ya', interval '2 minutes'),
  ('customer', 'Nomor saya ' || '0' || substr(p.phone, 4) || ', email ' || p.email,
   interval '5 minutes'),
  ('agent', 'Baik Bapak/Ibu ' || p.first || ', sudah kami buatkan tiket gangguan',
   interval '20 minutes')
) AS m(kind, body, after)
WHERE p.conv IS NOT NULL ORDER BY p.g;
INSERT INTO helpdesk_ticket (created_at, updated_at, number, kind, priority, status, subject,
  description, source, contact_name, contact_phone, first_response_due, resolution_due,
  first_responded_at, resolved_at, closed_at, response_breached_at, resolution_breached_at,
  breached_at, escalated_at, awaiting_team_since, reminded_at, reopen_until, eta, assignee_id,
  created_by_id, customer_id, node_id, subscription_id, work_order_id, conversation_id)
SELECT t0, t0 + interval '3 days', 'TKT/B/' || lpad(p.g::text, 8, '0'), 'fault', 'normal',
  'closed', 'Internet mati di rumah ' || p.full_name,
  'Pelanggan ' || p.full_name || ' di ' || p.street || ', ' || '0' || substr(p.phone, 4)
  || ': lampu LOS merah sejak pagi.', 'chat', '', '',
  t0 + interval '1 hour', t0 + interval '1 day', t0 + interval '10 minutes',
  t0 + interval '5 hours', t0 + interval '3 days', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, (%(agents)s::bigint[])[1 + mod(p.g, cardinality(%(agents)s::bigint[]))],
  (%(agents)s::bigint[])[1 + mod(p.g, cardinality(%(agents)s::bigint[]))], p.cid, NULL, p.sid,
  NULL, p.conv
FROM bench_p p CROSS JOIN LATERAL (SELECT p.created + interval '60 days 20 minutes' AS t0) AS t
WHERE p.conv IS NOT NULL ORDER BY p.g;
UPDATE bench_p p SET tid = t.id FROM helpdesk_ticket t
  WHERE t.number = 'TKT/B/' || lpad(p.g::text, 8, '0');
INSERT INTO helpdesk_ticketupdate (kind, public, author_kind, body, eta, from_status, to_status,
  created_at, author_id, ticket_id)
SELECT u.kind, u.pub, u.author, u.body, NULL, u.from_s, u.to_s, t.created_at + u.after,
  CASE WHEN u.author = 'customer' THEN p.uid ELSE t.assignee_id END, t.id
FROM bench_p p JOIN helpdesk_ticket t ON t.id = p.tid
CROSS JOIN LATERAL (VALUES
  ('reply', true, 'agent', 'Baik Ibu/Bapak ' || p.first || ', teknisi kami cek dari pusat.',
   '', '', interval '10 minutes'),
  ('note', false, 'agent', 'NIK ' || p.nik || ' cocok, ONT di ' || p.street || ' LOS',
   '', '', interval '30 minutes'),
  ('customer', true, 'customer', 'Sudah nyala lagi, terima kasih. ' || p.full_name,
   '', '', interval '4 hours'),
  ('status', true, 'system', '', 'open', 'resolved', interval '5 hours')
) AS u(kind, pub, author, body, from_s, to_s, after)
ORDER BY p.g;
""",
    ),
    (
        "erasure records of earlier runs",
        """
INSERT INTO common_personaldataerasure (subject, subject_id, label, pseudonym, fields,
  erased_at, actor_label, actor_id)
SELECT 'customer', p.cid, p.number, 'ANON-' || upper(substr(md5(p.number), 1, 10)),
  '{"customers": {"customers.Customer": {"rows": 1, "columns": ["full_name"]}}}'::jsonb,
  p.closed + interval '731 days', 'job', NULL
FROM bench_p p WHERE p.grp = 'anon' ORDER BY p.closed;
""",
    ),
]


def staff_make() -> dict:
    from django.contrib.auth.hashers import make_password

    from ispcare.accounts.models import User
    from ispcare.closures.models import EquipmentPrice
    from ispcare.customers.models import Plan

    plans = [
        Plan.objects.create(
            code=code,
            name=f"Rumah {mbps}",
            speed_mbps=mbps,
            monthly_price=price,
            installation_fee=250_000,
            deposit=DEPOSIT,
            radius_profile=code,
        )
        for code, mbps, price in PLANS
    ]
    EquipmentPrice.objects.create(kind="ont", damaged_charge=300_000, missing_charge=600_000)
    EquipmentPrice.objects.create(kind="router", damaged_charge=150_000, missing_charge=350_000)

    def user(username: str, role: str, first: str) -> User:
        return User.objects.create_user(username=username, role=role, first_name=first)

    return {
        "plans": [p.pk for p in plans],
        "prices": [p.monthly_price for p in plans],
        "closer": user("penutupan", "closing", "Tim Penutupan").pk,
        "finance": user("keuangan", "finance", "Keuangan").pk,
        "registrar": user("registrasi", "registration", "Registrasi").pk,
        "techs": [user(f"teknisi{i}", "technician", f"Teknisi {i}").pk for i in range(1, 9)],
        "agents": [user(f"cs{i}", "customer_service", f"CS {i}").pk for i in range(1, 7)],
        "pw": make_password(None),
    }


def load_defaults(on: bool) -> int:
    """While loading: give every NOT NULL column its model default in the database too, so
    the INSERTs below need to name only the columns they fill and a column added later
    (with a default) does not break the load. Dropped again afterwards. Returns how many."""
    import json as _json

    from django.apps import apps
    from django.db import connection, models

    done = 0
    with connection.cursor() as c:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for f in model._meta.concrete_fields:
                if f.null or f.primary_key or f.db_default is not models.NOT_PROVIDED:
                    continue  # a default of the schema's own stays as it is
                table, column = model._meta.db_table, f.column
                if not on:
                    expr = None
                elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    expr = "now()"
                elif f.has_default() or isinstance(f, models.CharField | models.TextField):
                    value = f.get_default() if f.has_default() else ""
                    if callable(value):
                        continue
                    if isinstance(f, models.JSONField):
                        expr = c.mogrify("%s::jsonb", [_json.dumps(value)])
                    elif isinstance(value, bool | int | str):
                        expr = c.mogrify("%s", [value])
                    else:  # a date, a time, a decimal: none of those in the load's tables
                        continue
                else:
                    continue
                qn = connection.ops.quote_name
                action = f"SET DEFAULT {expr}" if expr else "DROP DEFAULT"
                c.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(column)} {action}")
                done += 1
    return done


def sizes(args: argparse.Namespace) -> dict:
    step = max(2, args.subscribers // args.closures)
    keep_or_anon = args.closed - args.anonymise
    return {
        "S": args.subscribers,
        "O": args.closures,
        "X": args.closed,
        "A": args.anonymise,
        "K": keep_or_anon // 2,  # anonymised by earlier runs; the rest are in retention
        "E": args.ending,
        "step": step,
        "half": step // 2,
    }


def load(args: argparse.Namespace, now: dt.datetime, today: dt.date) -> None:
    """Everything the three measures read, written set-based by the server."""
    from django.db import connection, transaction

    from ispcare.network.services import access_import
    from ispcare.network.specs import AccessSpec, AccessState

    params = {
        **sizes(args),
        **staff_make(),
        "now": now,
        "today": today,
        "deposit": DEPOSIT,
        "first": FIRST,
        "last": LAST,
        "streets": STREETS,
        "kel": [a[0] for a in AREAS],
        "kec": [a[1] for a in AREAS],
        "city": [a[2] for a in AREAS],
        "post": [a[3] for a in AREAS],
    }
    load_defaults(True)
    with connection.cursor() as c:
        started = time.perf_counter()
        c.execute(PEOPLE_SQL, params)
        say(f"  people: {time.perf_counter() - started:.1f} s")
        for label, sql in LOAD_STEPS:
            started = time.perf_counter()
            with transaction.atomic():
                c.execute(sql, params)
            say(f"  {label}: {time.perf_counter() - started:.1f} s")
    # The network's desired state, as an ISP moving onto ISPcare imports it (already applied).
    started = time.perf_counter()
    states = {"active": AccessState.ACTIVE, "isolated": AccessState.ISOLATED}
    with connection.cursor() as c:
        c.execute(
            "SELECT s.pppoe_username, s.pppoe_password, pl.radius_profile, s.state"
            " FROM customers_subscription s JOIN customers_plan pl ON pl.id = s.plan_id"
        )
        specs = [
            AccessSpec(
                username=u,
                password=pw,
                profile=profile,
                state=states.get(state, AccessState.DISABLED),
            )
            for u, pw, profile, state in c.fetchall()
        ]
    access_import(specs=specs)
    say(f"  network access: {time.perf_counter() - started:.1f} s")
    load_defaults(False)
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("DROP TABLE bench_p")
        # VACUUM too: autovacuum has long done it on real tables (visibility map, stats).
        c.execute("VACUUM ANALYZE")
    say(f"  vacuum analyze: {time.perf_counter() - started:.1f} s")
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


def table_sizes() -> dict[str, int]:
    from django.db import connection

    tables = (
        "customers_customer",
        "customers_event",
        "billing_invoice",
        "billing_payment",
        "notifications_notification",
        "helpdesk_ticket",
        "helpdesk_chatmessage",
        "closures_closure",
    )
    with connection.cursor() as c:
        c.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return {name.split("_", 1)[1]: n for name, n in c.fetchall()}


# --- helpers ----------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * p / 100 + 0.5) - 1))], 1)


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


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_reset() -> bool:
    """Reset this process's peak resident size (VmHWM) so the next phase has its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Watch(threading.Thread):
    """Every second: the resident size; every --every seconds: progress to stderr, from a
    connection of its own (committed batches only)."""

    def __init__(self, label: str, sql: str, total: int, every: float = 10.0):
        super().__init__(daemon=True)
        self.label, self.sql, self.total, self.every = label, sql, total, every
        self.stop = threading.Event()
        self.rss_mb: list[int] = []

    def run(self) -> None:
        import psycopg

        started = last = time.monotonic()
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            while not self.stop.wait(1.0):
                self.rss_mb.append(status_kb("VmRSS") // 1024)
                if time.monotonic() - last >= self.every:
                    last = time.monotonic()
                    done = conn.execute(self.sql).fetchone()[0]
                    say(
                        f"  {self.label}: {done}/{self.total} after "
                        f"{last - started:.0f} s, {self.rss_mb[-1]} MB resident"
                    )

    def finish(self) -> list[int]:
        self.stop.set()
        self.join()
        return self.rss_mb


# --- (a) the queue and a request's page -----------------------------------------------------


def time_pages(samples: int, ending: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.urls import reverse

    from ispcare.accounts.models import User
    from ispcare.closures.models import Closure

    client = Client()
    client.force_login(User.objects.get(username="penutupan"))
    url = reverse("closures:queue")
    open_rows = Closure.objects.filter(status__in=["requested", "in_progress", "ended", "settled"])
    mid = open_rows.order_by("end_date", "id").values_list("customer__number", flat=True)
    number = mid[open_rows.count() // 2]
    views = {
        "default": {},
        "tab_in_progress": {"status": "in_progress"},
        "tab_closed": {"status": "closed"},
        "search_number": {"q": number},
        "search_number_all": {"q": number, "status": "all"},
    }
    details = {
        status: list(
            open_rows.filter(status=status)
            .order_by("end_date", "id")
            .values_list("pk", flat=True)[:400:40]
        )
        for status in ("requested", "in_progress", "ended", "settled")
    }
    # With a pickup job and an offer, the busiest running page.
    with_pickup = list(
        open_rows.filter(
            status="in_progress", offers__isnull=False, return_method="pickup"
        ).values_list("pk", flat=True)[:5]
    )
    details["in_progress"] = (with_pickup + details["in_progress"])[:10]

    setup_test_environment()  # response.context: the rows each view found
    rows = {}
    for name, params in views.items():
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        rows[name] = len(response.context["page"].object_list)
        if name == "default":
            due_today = response.context["figures"].ending_week
    for status, pks in details.items():
        for pk in pks:
            response = client.get(reverse("closures:closure_detail", args=[pk]))
            assert response.status_code == 200, (status, pk, response.status_code)
            assert response.context["closure"].status == status
    teardown_test_environment()
    found = client.get(url, views["search_number"]).content.decode()
    out: dict = {"queue_rows": rows, "search_found": number in found, "ending_week": due_today}

    def timed(get) -> tuple[float, float, int]:
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            response = get()
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        return ms, clock.ms, clock.queries

    pooled: list[float] = []
    for name, params in views.items():
        ms, sql = [], []
        for _ in range(samples):
            m, s, queries = timed(lambda params=params: client.get(url, params))
            ms.append(m)
            sql.append(s)
        pooled += ms
        out[f"queue_{name}_p50_ms"] = pct(ms, 50)
        out[f"queue_{name}_p95_ms"] = pct(ms, 95)
        out[f"queue_{name}_sql_p50_ms"] = round(statistics.median(sql), 1)
        out[f"queue_{name}_queries"] = queries
        say(f"  queue {name}: p50 {pct(ms, 50)} ms, p95 {pct(ms, 95)} ms, {queries} queries")
    out["queue_p50_ms"] = pct(pooled, 50)
    out["queue_p95_ms"] = pct(pooled, 95)
    out["queue_max_ms"] = round(max(pooled), 1)
    detail_all: list[float] = []
    for status, pks in details.items():
        ms, sql, queries = [], [], []
        for i in range(samples):
            pk = pks[i % len(pks)]
            m, s, q = timed(lambda pk=pk: client.get(reverse("closures:closure_detail", args=[pk])))
            ms.append(m)
            sql.append(s)
            queries.append(q)
        detail_all += ms
        out[f"detail_{status}_p50_ms"] = pct(ms, 50)
        out[f"detail_{status}_p95_ms"] = pct(ms, 95)
        out[f"detail_{status}_sql_p50_ms"] = round(statistics.median(sql), 1)
        out[f"detail_{status}_queries"] = max(queries)
        say(f"  detail {status}: p50 {pct(ms, 50)} ms, p95 {pct(ms, 95)} ms, {max(queries)} q")
    out["detail_p50_ms"] = pct(detail_all, 50)
    out["detail_p95_ms"] = pct(detail_all, 95)
    out["detail_max_ms"] = round(max(detail_all), 1)
    return out


# --- (b) the end-date job ---------------------------------------------------------------------


def run_sweep(today: dt.date, ending: int, profile: str | None) -> dict:
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    from ispcare.closures import services
    from ispcare.closures.models import Closure

    settled_before = Closure.objects.filter(status="settled").count()
    pending_before = HUEY.pending_count()
    # Time the per-request part (closure_end) apart from the rest of the sweep (finding
    # the due, and re-checking every settled request for closing).
    real_end = services.closure_end
    spent = [0.0]
    clock = SqlClock()

    def closure_end(**kw):
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(clock):
                return real_end(**kw)
        finally:
            spent[0] += time.perf_counter() - started

    services.closure_end = closure_end
    watch = Watch(
        "ended",
        "SELECT count(*) FROM closures_closure WHERE status = 'ended'"
        " AND ended_at > now() - interval '1 hour'",
        ending,
    )
    peak_reset()
    watch.start()
    started = time.perf_counter()
    try:
        if profile:
            import cProfile

            prof = cProfile.Profile()
            counts = prof.runcall(services.closures_sweep, today=today)
            prof.dump_stats(profile)
        else:
            counts = services.closures_sweep(today=today)
    finally:
        seconds = time.perf_counter() - started
        services.closure_end = real_end
        rss = watch.finish()
    return {
        "sweep_seconds": round(seconds, 2),
        "sweep_ended": counts["ended"],
        "sweep_failed": counts["failed"],
        "sweep_closed": counts["closed"],
        "sweep_per_request_ms": round(1000 * spent[0] / max(counts["ended"], 1), 1),
        "sweep_ending_seconds": round(spent[0], 2),
        "sweep_queries_per_request": round(clock.queries / max(counts["ended"], 1), 1),
        "sweep_sql_ms_per_request": round(clock.ms / max(counts["ended"], 1), 1),
        "sweep_settled_checked": settled_before,
        "sweep_rest_seconds": round(seconds - spent[0], 2),
        "sweep_enqueued_tasks": HUEY.pending_count() - pending_before,
        "sweep_peak_mb": status_kb("VmHWM") // 1024,
        "sweep_rss_max_mb": max(rss, default=0),
    }


def check_sweep(today: dt.date, ending: int, figures: dict) -> list[str]:
    from ispcare.closures.models import Closure
    from ispcare.customers.models import Event, Subscription
    from ispcare.network.models import AccessBackendState, SubscriberAccess
    from ispcare.notifications.models import Notification

    problems = []
    ended_today = Closure.objects.filter(status="ended", end_date=today)
    subs = list(ended_today.values_list("subscription_id", flat=True))
    users = list(
        Subscription.objects.filter(pk__in=subs, state="ended").values_list(
            "pppoe_username", flat=True
        )
    )
    disabled = SubscriberAccess.objects.filter(username__in=users, state="disabled").count()
    pending = AccessBackendState.objects.filter(
        access__username__in=users, status="pending"
    ).count()
    events = Event.objects.filter(
        subscription_id__in=subs, kind="state_changed", to_state="ended"
    ).count()
    notices = Notification.objects.filter(
        template_key="closure_ended", recipient_ref__startswith="customer:"
    ).count()
    figures.update(
        sweep_subscriptions_ended=len(users),
        sweep_access_disabled_pending=min(disabled, pending),
        sweep_events=events,
        sweep_notices=notices,
    )
    if figures["sweep_ended"] != ending or figures["sweep_failed"]:
        problems.append(f"sweep ended {figures['sweep_ended']}, failed {figures['sweep_failed']}")
    if ended_today.count() != ending or len(users) != ending:
        problems.append(f"{ended_today.count()} requests, {len(users)} subscriptions ended")
    if not disabled == pending == ending:
        problems.append(f"access disabled {disabled}, pending {pending}, not {ending}")
    if events != ending:
        problems.append(f"{events} 'ended' events for {ending}")
    if notices < ending:
        problems.append(f"{notices} closure_ended notices for {ending}")
    if Closure.objects.filter(status__in=RUNNING, end_date__lte=today).exists():
        problems.append("requests due today left running")
    return problems


# --- (c) the anonymisation --------------------------------------------------------------------


def run_anonymise(total: int, profile: str | None) -> dict:
    from ispcare.closures.privacy import privacy_anonymise_due

    before = status_kb("VmRSS") // 1024
    reset = peak_reset()
    watch = Watch(
        "anonymised",
        "SELECT count(*) FROM common_personaldataerasure WHERE erased_at > now() - interval '1 day'",
        total,
    )
    watch.start()
    started = time.perf_counter()
    try:
        if profile:
            import cProfile

            prof = cProfile.Profile()
            done = prof.runcall(privacy_anonymise_due)
            prof.dump_stats(profile)
        else:
            done = privacy_anonymise_due()
    finally:
        seconds = time.perf_counter() - started
        rss = watch.finish()
    peak = status_kb("VmHWM") // 1024 if reset else peak_mb()
    quarter = [rss[int(len(rss) * f) - 1] for f in (0.25, 0.5, 0.75, 1.0)] if len(rss) >= 4 else rss
    return {
        "anonymise_seconds": round(seconds, 1),
        "anonymised": done,
        "anonymise_per_s": round(done / seconds, 1) if seconds else 0.0,
        "anonymise_peak_mb": peak,
        "anonymise_peak_is": "VmHWM of this process, reset before the run"
        if reset
        else "ru_maxrss of this process",
        "anonymise_rss_before_mb": before,
        "anonymise_rss_quarters_mb": quarter,
    }


def check_anonymise(total: int, figures: dict) -> list[str]:
    from ispcare.billing.models import Payment
    from ispcare.closures.models import Closure
    from ispcare.closures.privacy import due_customers
    from ispcare.common.models import PersonalDataErasure
    from ispcare.common.privacy import REDACTED, pseudonym_for
    from ispcare.customers.models import Customer
    from ispcare.helpdesk.models import ChatMessage, Ticket, TicketUpdate
    from ispcare.notifications.models import Notification

    problems = []
    if figures["anonymised"] != total:
        problems.append(f"anonymised {figures['anonymised']}, not {total}")
    left = due_customers().count()
    if left:
        problems.append(f"{left} customers still due after the run")
    fresh = PersonalDataErasure.objects.filter(actor_label="job", erased_at__gt=figures["_since"])
    if fresh.count() != total:
        problems.append(f"{fresh.count()} new erasure records for {total}")
    # One of them, table by table: no name, phone or street left where the load put them.
    record = fresh.order_by("subject_id").first()
    if record is None:
        return problems
    c = Customer.objects.select_related("user").get(pk=record.subject_id)
    sample = {
        "customer": c.full_name == pseudonym_for(c.number) and c.email == "",
        "account": not c.user.is_active and c.user.first_name == c.full_name,
        "payments": not Payment.objects.filter(customer=c, note__contains="Transfer dari ")
        .exclude(note__contains="ANON-")
        .exists(),
        "notifications": set(
            Notification.objects.filter(recipient_ref=f"customer:{c.pk}").values_list(
                "body", flat=True
            )
        )
        == {REDACTED},
        "ticket": set(Ticket.objects.filter(customer=c).values_list("subject", flat=True))
        == {REDACTED},
        "ticket_updates": not TicketUpdate.objects.filter(ticket__customer=c)
        .exclude(body__in=["", REDACTED])
        .exists(),
        "chat": set(
            ChatMessage.objects.filter(conversation__customer=c).values_list("body", flat=True)
        )
        == {REDACTED},
        "closure": not Closure.objects.filter(customer=c)
        .exclude(refund_account_number="")
        .exists(),
    }
    figures["anonymise_sample_clean"] = sample
    bad = [k for k, ok in sample.items() if not ok]
    if bad:
        problems.append(f"customer {c.number}: personal data left in {bad}")
    return problems


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="ispcare-bench-")
    db_name = configure(
        args,
        tmp,
        ISPCARE_DEBUG="0",
        HUEY_IMMEDIATE="0",  # network apply, CoA and message delivery: the workers' job
        HUEY_SQLITE_PATH=os.path.join(tmp, "huey.sqlite3"),
    )
    result: dict = {"bench": "closing", "db": "postgresql"}
    problems: list[str] = []
    try:
        setup_django()
        from django.conf import settings
        from django.db import connection
        from django.urls import reverse
        from django.utils import timezone

        now = timezone.now()
        today = timezone.localdate(now)
        say(
            f"loading {args.subscribers} subscribers, {args.closures} open and {args.closed}"
            f" closed requests, {args.anonymise} customers past retention ..."
        )
        started = time.perf_counter()
        in_child(load, args, now, today)
        result.update(
            subscribers=args.subscribers,
            open_requests=args.closures,
            closed_requests=args.closed,
            ending=args.ending,
            anonymise=args.anonymise,
            retention_days=settings.PRIVACY_RETENTION_DAYS,
            huey_immediate=bool(settings.HUEY.get("immediate")),
            load_seconds=round(time.perf_counter() - started, 1),
            rows=table_sizes(),
        )
        say(f"loaded in {result['load_seconds']} s: {result['rows']}")
        reverse("closures:queue")  # the URLconf loaded, as in a server that has run before
        if not args.skip_queue:
            say(f"(a) queue and request pages, {args.samples} samples each ...")
            result |= time_pages(args.samples, args.ending)
            if result["queue_rows"]["default"] != 50 or result["queue_rows"]["tab_closed"] != 50:
                problems.append(f"queue rows {result['queue_rows']}")
            if result["queue_rows"]["search_number"] != 1 or not result["search_found"]:
                problems.append("the search by customer number did not find its one request")
        if not args.skip_sweep:
            say(f"(b) closures_sweep ending {args.ending} requests (Huey immediate OFF) ...")
            profile = os.path.join(args.profile, "sweep.prof") if args.profile else None
            result |= run_sweep(today, args.ending, profile)
            problems += check_sweep(today, args.ending, result)
            say(
                f"  {result['sweep_ended']} ended in {result['sweep_seconds']} s"
                f" ({result['sweep_per_request_ms']} ms each)"
            )
        if not args.skip_anonymise:
            say(f"(c) privacy_anonymise_due over {args.anonymise} due customers ...")
            profile = os.path.join(args.profile, "anonymise.prof") if args.profile else None
            result["_since"] = timezone.now()
            result |= run_anonymise(args.anonymise, profile)
            problems += check_anonymise(args.anonymise, result)
            result.pop("_since")
            say(
                f"  {result['anonymised']} in {result['anonymise_seconds']} s"
                f" ({result['anonymise_per_s']}/s), peak {result['anonymise_peak_mb']} MB"
            )
        result["peak_mb"] = peak_mb()
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        drop(args, db_name)
        shutil.rmtree(tmp, ignore_errors=True)
    result["problems"] = problems
    for problem in problems:
        say(f"problem: {problem}")
    print(json.dumps(result, default=str), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
