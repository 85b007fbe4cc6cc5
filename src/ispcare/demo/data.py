"""Vokasi.Net demo data, made through the real services so every screen shows real records.

Idempotent: a marker row (the admin user) means the data is there; a second run says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from ispcare.accounts.roles import Role
from ispcare.billing.choices import InvoiceKind
from ispcare.billing.models import Invoice
from ispcare.billing.services import payment_record
from ispcare.customers.forms import CONSENTS, RegistrationForm
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import CoverageArea, Equipment, Plan
from ispcare.customers.services import (
    registration_approve,
    registration_reject,
    registration_submit,
)
from ispcare.workorders.services import installation_complete, installation_schedule

DEMO_PASSWORD = "vokasi-demo-2026"  # noqa: S105 (published demo login)
CUSTOMER_PASSWORD = "pelanggan-demo-2026"  # noqa: S105

STAFF = [
    ("registrasi", "Rina", "Wulandari", Role.REGISTRATION),
    ("cs", "Dewi", "Lestari", Role.CUSTOMER_SERVICE),
    ("teknisi", "Agus", "Prasetyo", Role.TECHNICIAN),
    ("teknisi2", "Joko", "Susilo", Role.TECHNICIAN),
    ("noc", "Bayu", "Nugroho", Role.NOC),
    ("keuangan", "Sri", "Handayani", Role.FINANCE),
    ("penutupan", "Yusuf", "Hidayat", Role.CLOSING),
    ("manajer", "Hendra", "Gunawan", Role.MANAGER),
    ("admin", "Admin", "Vokasi", Role.ADMIN),
]

PLANS = [
    {
        "code": "rumah-20",
        "name": "Rumah 20",
        "speed_mbps": 20,
        "monthly_price": 185_000,
        "installation_fee": 250_000,
        "deposit": 300_000,
        "radius_profile": "rumah-20",
        "sort_order": 1,
    },
    {
        "code": "keluarga-50",
        "name": "Keluarga 50",
        "speed_mbps": 50,
        "monthly_price": 295_000,
        "installation_fee": 250_000,
        "deposit": 400_000,
        "radius_profile": "keluarga-50",
        "sort_order": 2,
    },
    {
        "code": "bisnis-100",
        "name": "Bisnis 100",
        "speed_mbps": 100,
        "monthly_price": 550_000,
        "installation_fee": 500_000,
        "deposit": 750_000,
        "radius_profile": "bisnis-100",
        "sort_order": 3,
    },
]

COVERAGE = [
    ("Sleman", "Depok", "Caturtunggal", "55281"),
    ("Sleman", "Depok", "Condongcatur", "55283"),
    ("Sleman", "Depok", "Maguwoharjo", "55282"),
    ("Sleman", "Mlati", "", "55284"),
    ("Sleman", "Ngaglik", "Sinduharjo", "55581"),
    ("Kota Yogyakarta", "Gondokusuman", "", "55223"),
]

# name, female, kelurahan, kecamatan, city, postcode, plan, final state
PEOPLE = [
    ("Siti Rahmawati", True, "Caturtunggal", "Depok", "Sleman", "55281", "rumah-20", "submitted"),
    ("Ahmad Fauzi", False, "Kalasan", "Kalasan", "Sleman", "55571", "keluarga-50", "submitted"),
    ("Rudi Hartono", False, "Condongcatur", "Depok", "Sleman", "55283", "rumah-20", "rejected"),
    (
        "Putri Ayu Lestari",
        True,
        "Sinduharjo",
        "Ngaglik",
        "Sleman",
        "55581",
        "keluarga-50",
        "approved",
    ),
    (
        "Bambang Setiawan",
        False,
        "Sendangadi",
        "Mlati",
        "Sleman",
        "55284",
        "bisnis-100",
        "scheduled",
    ),
    ("Nur Aini", True, "Maguwoharjo", "Depok", "Sleman", "55282", "rumah-20", "awaiting_deposit"),
    ("Dimas Saputra", False, "Caturtunggal", "Depok", "Sleman", "55281", "keluarga-50", "active"),
    (
        "Wahyu Kurniawan",
        False,
        "Baciro",
        "Gondokusuman",
        "Kota Yogyakarta",
        "55225",
        "bisnis-100",
        "active",
    ),
    ("Ratna Sari", True, "Condongcatur", "Depok", "Sleman", "55283", "rumah-20", "isolated"),
    ("Eko Purnomo", False, "Sinduharjo", "Ngaglik", "Sleman", "55581", "rumah-20", "cancelled"),
]
DEMO_CUSTOMER = "Dimas Saputra"  # gets a known portal password


def _nik(i: int, female: bool) -> str:
    day = 3 + i + (40 if female else 0)
    return f"340401{day:02d}{(i % 12) + 1:02d}{88 + i % 10:02d}{1000 + i:04d}"


@contextmanager
def quiet_immediate() -> Iterator[None]:
    """Run effects inline and keep the demo's emails out of the console."""
    before = HUEY.immediate
    HUEY.immediate = True
    loggers = [logging.getLogger(n) for n in ("huey", "ispcare")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        HUEY.immediate = before
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def load() -> bool:
    """Create the demo data; False if it was already there."""
    users = get_user_model().objects
    if users.filter(username="admin").exists():
        return False
    with quiet_immediate(), transaction.atomic():
        staff = _staff()
        for plan in PLANS:
            Plan.objects.create(**plan)
        for city, kec, kel, pc in COVERAGE:
            CoverageArea.objects.create(city=city, kecamatan=kec, kelurahan=kel, postcode=pc)
        for i in range(1, 16):
            Equipment.objects.create(
                kind="ont",
                model_name="ZTE F670L",
                serial=f"ZTEGC8{i:06d}",
                mac=f"E0:19:54:00:{i // 256:02X}:{i % 256:02X}",
            )
        for i, person in enumerate(PEOPLE):
            _person(i, person, staff)
    return True


def _staff() -> dict[str, object]:
    users = get_user_model().objects
    made = {}
    for username, first, last, role in STAFF:
        made[username] = users.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            role=role,
            email=f"{username}@vokasi.net",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
    return made


def _person(i: int, person: tuple, staff: dict) -> None:
    name, female, kel, kec, city, pc, plan_code, goal = person
    today = timezone.localdate()
    form = RegistrationForm(
        {
            "full_name": name,
            "nik": _nik(i, female),
            "phone": f"0812{27400000 + i * 1117:08d}",
            "email": name.lower().replace(" ", ".") + "@contoh.id",
            "street": f"Jl. Melati No. {i + 3}",
            "rt": f"{i % 9 + 1:03d}",
            "rw": f"{i % 5 + 1:03d}",
            "kelurahan": kel,
            "kecamatan": kec,
            "city": city,
            "postcode": pc,
            "plan": Plan.objects.get(code=plan_code).pk,
            "preferred_date": (today + dt.timedelta(days=2 + i % 5)).isoformat(),
            **dict.fromkeys(CONSENTS, "on"),
        }
    )
    if not form.is_valid():
        raise RuntimeError(f"demo person {name} invalid: {form.errors.as_json()}")
    app = registration_submit(cleaned=form.cleaned_data, language="id")
    reg, tech, fin = staff["registrasi"], staff["teknisi"], staff["keuangan"]
    if goal == "submitted":
        return
    if goal == "rejected":
        registration_reject(
            application_id=app.pk, actor=reg, reason="Alamat belum terjangkau jaringan fiber kami."
        )
        return
    customer = registration_approve(
        application_id=app.pk, actor=reg, coverage_override=not app.in_coverage
    )
    sub = customer.subscriptions.get()
    if goal == "approved":
        return
    if goal == "cancelled":
        subscription_transition(
            subscription_id=sub.pk,
            action="cancel",
            actor=reg,
            reason="Pelanggan membatalkan sebelum pemasangan.",
        )
        return
    order = installation_schedule(
        subscription_id=sub.pk, date=today, technician_id=tech.pk, actor=reg
    )
    if goal == "scheduled":
        return
    device = Equipment.objects.filter(status="in_stock").order_by("serial").first()
    installation_complete(
        work_order_id=order.pk,
        actor=tech,
        serials=[device.serial],
        amount=sub.plan.installation_fee,
        method="cash",
        receipt_number=f"KW-{1000 + i}",
        result="ONT terpasang, sinyal -19 dBm.",
    )
    if goal == "awaiting_deposit":
        return
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
    payment_record(
        invoice_id=deposit.pk,
        amount=deposit.amount,
        method="bank_transfer",
        reference=f"TRF-BNI-{20261100 + i}",
        actor=fin,
    )
    if goal == "isolated":
        subscription_transition(
            subscription_id=sub.pk,
            action="isolate",
            actor=fin,
            reason="Tagihan bulanan lewat jatuh tempo.",
        )
    if name == DEMO_CUSTOMER:
        customer.user.set_password(CUSTOMER_PASSWORD)
        customer.user.save(update_fields=["password"])


def demo_customer_number() -> str:
    from ispcare.customers.models import Customer

    c = Customer.objects.filter(full_name=DEMO_CUSTOMER).first()
    return c.number if c else "?"


def print_logins(*, base_url: str, language: str = "id") -> None:
    rows = [(u, r.label) for u, _f, _l, r in STAFF]
    print(f"""
ISPcare demo — Vokasi.Net is running.

  Public site and registration  {base_url}/   {base_url}/register/
  Staff                         {base_url}/accounts/login/
  Customer portal               {base_url}/portal/
  API docs                      {base_url}/api/v1/docs
  Health                        {base_url}/health/
  Django admin                  {base_url}/admin/

Staff logins (password for all: {DEMO_PASSWORD}):""")
    for username, label in rows:
        print(f"  {username:12} {label}")
    print(
        f"""
Customer login: {demo_customer_number()} (or dimas.saputra@contoh.id), password {CUSTOMER_PASSWORD}

Press Ctrl-C to stop web and worker.
""",
        flush=True,
    )
