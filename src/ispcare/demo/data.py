"""Vokasi.Net demo data, made through the real services so every screen shows real records.

Idempotent: every piece is keyed (staff by username, plans by code, coverage by place,
equipment by serial, people by NIK) and skipped when it exists, so a second run creates
nothing and says so. Notifications of the load are delivered into memory, not printed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from huey.contrib.djhuey import HUEY

from ispcare.accounts.roles import Role
from ispcare.billing.choices import InvoiceKind, RunKind, RunStatus
from ispcare.billing.dunning import isolation_run, reminders_run
from ispcare.billing.invoicing import adjustment_add
from ispcare.billing.models import BillingRun, Invoice
from ispcare.billing.periods import months_add, period_of
from ispcare.billing.run import period_bill
from ispcare.billing.services import payment_record
from ispcare.customers.announcements import Audience, Text, announcement_send
from ispcare.customers.forms import CONSENTS, RegistrationForm
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import (
    Application,
    CoverageArea,
    Customer,
    Equipment,
    Plan,
    Subscription,
)
from ispcare.customers.network import plan_groups
from ispcare.customers.services import (
    registration_approve,
    registration_reject,
    registration_submit,
)
from ispcare.demo import closures as closures_demo
from ispcare.demo import helpdesk as helpdesk_demo
from ispcare.network.choices import NodeKind
from ispcare.network.models import Nas, Node, RadAcct
from ispcare.network.reconcile import reconcile
from ispcare.notifications.models import BulkSend
from ispcare.workorders.services import installation_complete, installation_schedule

DEMO_PASSWORD = "vokasi-demo-2026"  # noqa: S105 (documented demo login)
CUSTOMER_PASSWORD = "pelanggan-demo-2026"  # noqa: S105 (the demo customer)

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
        "monthly_price": 200_000,
        "installation_fee": 250_000,
        "deposit": 300_000,
        "radius_profile": "rumah-20",
        "sort_order": 1,
    },
    {
        "code": "keluarga-50",
        "name": "Keluarga 50",
        "speed_mbps": 50,
        "monthly_price": 325_000,
        "installation_fee": 250_000,
        "deposit": 400_000,
        "radius_profile": "keluarga-50",
        "sort_order": 2,
    },
    {
        "code": "bisnis-100",
        "name": "Bisnis 100",
        "speed_mbps": 100,
        "monthly_price": 650_000,
        "installation_fee": 500_000,
        "deposit": 750_000,
        "radius_profile": "bisnis-100",
        "sort_order": 3,
    },
]

# city, kecamatan, kelurahan ("" = the whole kecamatan), postcode
COVERAGE = [
    ("Sleman", "Depok", "Caturtunggal", "55281"),
    ("Sleman", "Depok", "Condongcatur", "55283"),
    ("Sleman", "Depok", "Maguwoharjo", "55282"),
    ("Sleman", "Mlati", "", "55284"),
    ("Sleman", "Ngaglik", "Sinduharjo", "55581"),
    ("Sleman", "Ngaglik", "Sariharjo", "55581"),
    ("Kota Yogyakarta", "Gondokusuman", "", "55225"),
]

# kind, model, serial prefix, MAC prefix, how many
STOCK = [
    ("ont", "ZTE F670L", "ZTEGC8", "E0:19:54", 10),
    ("ont", "Huawei HG8245H5", "HWTC", "48:7B:6B", 6),
    ("router", "TP-Link Archer C6", "2231", "50:C7:BF", 4),
]


@dataclass(frozen=True)
class Person:
    name: str
    nik: str  # PP KK CC DDMMYY SSSS, women's day + 40 (see common/nik.py)
    phone: str
    street: str
    kelurahan: str
    kecamatan: str
    city: str
    postcode: str
    plan: str
    goal: str  # where the demo leaves them in the lifecycle
    devices: tuple[str, ...] = ()


PEOPLE = [
    Person("Siti Rahmawati", "3404014512920003", "081227400112", "Jl. Seturan Raya No. 21",
           "Caturtunggal", "Depok", "Sleman", "55281", "rumah-20", "submitted"),
    Person("Ahmad Fauzi", "3404101703880002", "085643210877", "Jl. Solo Km 12 No. 5",
           "Tirtomartani", "Kalasan", "Sleman", "55571", "keluarga-50", "submitted"),  # outside coverage
    Person("Rudi Hartono", "3404012208850004", "087838100245", "Perum Condongcatur Blok C-7",
           "Condongcatur", "Depok", "Sleman", "55283", "rumah-20", "rejected"),
    Person("Putri Ayu Lestari", "3404125506960001", "089612345670", "Jl. Palagan Tentara Pelajar Km 9",
           "Sariharjo", "Ngaglik", "Sleman", "55581", "keluarga-50", "approved"),
    Person("Bambang Setiawan", "3404070210790003", "081328776541", "Jl. Magelang Km 8 No. 44",
           "Sendangadi", "Mlati", "Sleman", "55285", "bisnis-100", "scheduled_today"),
    Person("Lestari Handayani", "3404124811930002", "082134567812", "Jl. Kaliurang Km 10, Gg. Sadewa 3",
           "Sinduharjo", "Ngaglik", "Sleman", "55581", "rumah-20", "scheduled_tomorrow"),
    Person("Nur Aini", "3404016401980005", "085729001133", "Jl. Raya Tajem No. 17",
           "Maguwoharjo", "Depok", "Sleman", "55282", "rumah-20", "awaiting_deposit",
           ("ZTEGC8000001",)),
    Person("Dimas Saputra", "3404011209910001", "081227554301", "Jl. Kaliurang Km 5, Gg. Pandega Marta 12",
           "Caturtunggal", "Depok", "Sleman", "55281", "keluarga-50", "active",
           ("ZTEGC8000002",)),
    Person("Wahyu Kurniawan", "3471030305870006", "081392004411", "Jl. Urip Sumoharjo No. 98",
           "Klitren", "Gondokusuman", "Kota Yogyakarta", "55222", "bisnis-100", "active",
           ("HWTC00000001", "22310000001")),
    Person("Ratna Sari", "3404014107940002", "087739200518", "Jl. Gejayan, Gg. Kuwera 8",
           "Condongcatur", "Depok", "Sleman", "55283", "rumah-20", "isolated",
           ("ZTEGC8000003",)),
    Person("Eko Purnomo", "3404121511890001", "082242118809", "Jl. Damai No. 3",
           "Sinduharjo", "Ngaglik", "Sleman", "55581", "rumah-20", "cancelled"),
    # Leaving (demo/closures.py): Fajar asked to stop, Indah's service has ended.
    Person("Fajar Nugroho", "3404012504900003", "081578003312", "Jl. Affandi, Gg. Bima 5",
           "Caturtunggal", "Depok", "Sleman", "55281", "rumah-20", "active",
           ("ZTEGC8000004",)),
    Person("Indah Permatasari", "3404016208950004", "085292114477", "Jl. Perumnas No. 31",
           "Condongcatur", "Depok", "Sleman", "55283", "rumah-20", "active",
           ("ZTEGC8000005",)),
]  # fmt: skip
DEMO_CUSTOMER = "Dimas Saputra"  # gets a known portal password
DEMO_RADIUS_SECRET = "vokasi-radius-demo"  # noqa: S105 - the demo router's, printed in the docs
DEMO_CUSTOMER_EMAIL = "dimas.saputra@contoh.id"


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@contoh.id"


@contextmanager
def quiet_immediate() -> Iterator[None]:
    """Run queued effects inline and deliver the load's emails into memory, not the console."""
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


def load() -> Counter:
    """Create whatever demo data is missing; return what was created (empty: nothing)."""
    made: Counter = Counter()
    with quiet_immediate(), transaction.atomic(), translation.override("id"):
        staff = _staff(made)
        for plan in PLANS:
            if not Plan.objects.filter(code=plan["code"]).exists():
                Plan.objects.create(**plan)
                made["plans"] += 1
        for city, kec, kel, pc in COVERAGE:
            _, created = CoverageArea.objects.get_or_create(
                city=city, kecamatan=kec, kelurahan=kel, defaults={"postcode": pc}
            )
            made["coverage areas"] += created
        _stock(made)
        olt = _network(made)
        for i, person in enumerate(PEOPLE):
            if not Application.objects.filter(nik=person.nik).exists():
                _person(i, person, staff, olt)
                made["applicants and customers"] += 1
        if not BulkSend.objects.exists():
            _announcement(staff)
            made["announcements"] += 1
        if not Invoice.objects.filter(kind=InvoiceKind.MONTHLY).exists():
            made["monthly invoices"] += _billing(staff)
        helpdesk_demo.load(staff, made)
        closures_demo.load(staff, made)
    return +made  # drop zero counts


def _billing(staff: dict) -> int:
    """Two months of postpaid billing for the live subscribers: Dimas and Wahyu paid the
    older month (Wahyu has a compensation credit waiting), Ratna paid part of hers and is
    isolated for the rest; then the reminder and isolation runs, as the jobs would."""
    today = timezone.localdate()
    current = period_of(today)[0]
    first = months_add(current, -2)
    since = timezone.make_aware(dt.datetime.combine(first - dt.timedelta(days=20), dt.time(10)))
    Subscription.objects.filter(activated_at__isnull=False).update(activated_at=since)
    # The history starts here: the first run bills the two periods after it.
    BillingRun.objects.create(
        kind=RunKind.INVOICES, period_end=first, status=RunStatus.DONE, triggered_by="demo"
    )
    issued = 0
    for start, end in ((first, months_add(first, 1)), (months_add(first, 1), current)):
        issued += period_bill(start=start, end=end, today=end, actor="billing run").counts[
            "invoices"
        ]
    fin = staff["keuangan"]
    older = {
        i.customer.full_name: i
        for i in Invoice.objects.filter(
            kind=InvoiceKind.MONTHLY, period_end=months_add(first, 1)
        ).select_related("customer")
    }
    for n, (name, share) in enumerate(
        (("Dimas Saputra", 100), ("Wahyu Kurniawan", 100), ("Ratna Sari", 40))
    ):
        invoice = older.get(name)
        if invoice is None:
            continue
        payment_record(
            invoice_id=invoice.pk,
            amount=invoice.amount * share // 100,
            method="bank_transfer" if n != 1 else "cash",
            reference=f"TRF-BNI-{current:%y%m}{n:03d}" if n != 1 else f"KW-VN-{2000 + n}",
            actor=fin,
        )
        if name == "Wahyu Kurniawan":
            adjustment_add(
                customer_id=invoice.customer_id,
                amount=-25_000,
                kind="compensation",
                description="Kompensasi gangguan jaringan 6 jam (tiket #1042)",
                actor=fin,
            )
    isolation_run(actor="dunning")
    reminders_run(actor="dunning")
    return issued


def _announcement(staff: dict) -> None:
    """NOC tells the live customers about a maintenance night (see the bulk-send page)."""
    announcement_send(
        audience=Audience(),
        text_id=Text(
            "Pemeliharaan jaringan Sleman, Sabtu 01.00-03.00 WIB",
            "Kami memperbarui perangkat jaringan di area Sleman pada Sabtu pukul 01.00-03.00 WIB. "
            "Selama itu internet dapat terputus beberapa menit. Mohon maaf atas ketidaknyamanannya.",
        ),
        text_en=Text(
            "Network maintenance in Sleman, Saturday 01:00-03:00 WIB",
            "We are upgrading network equipment in Sleman on Saturday, 01:00-03:00 WIB. "
            "The internet may drop for a few minutes. We apologise for the inconvenience.",
        ),
        label="Aktif; Diisolir",
        by=staff["noc"],
    )


def _staff(made: Counter) -> dict:
    users = get_user_model().objects
    found = {}
    for username, first, last, role in STAFF:
        user = users.filter(username=username).first()
        if user is None:
            user = users.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                role=role,
                email=f"{username}@vokasi.net",
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            made["staff"] += 1
        found[username] = user
    return found


def _stock(made: Counter) -> None:
    for kind, model, serial_prefix, mac_prefix, count in STOCK:
        width = 12 - len(serial_prefix) if kind != "router" else 7
        for n in range(1, count + 1):
            serial = f"{serial_prefix}{n:0{width}d}"
            if Equipment.objects.filter(serial=serial).exists():
                continue
            Equipment.objects.create(
                kind=kind,
                model_name=model,
                serial=serial,
                mac=f"{mac_prefix}:3A:{n // 256:02X}:{n % 256:02X}",
            )
            made["devices in stock"] += 1


def _network(made: Counter) -> Node:
    """A POP, its MikroTik (the NAS, with FreeRADIUS's groups and client list) and an OLT."""
    pop, _ = Node.objects.get_or_create(name="POP Kaliurang", defaults={"kind": NodeKind.POP})
    router, created = Node.objects.get_or_create(
        name="RB1100 Kaliurang", defaults={"kind": NodeKind.ROUTER, "parent": pop}
    )
    if created:
        Nas.objects.create(node=router, address="10.10.0.1", secret=DEMO_RADIUS_SECRET)
        made["routers"] += 1
    olt, _ = Node.objects.get_or_create(
        name="OLT Caturtunggal", defaults={"kind": NodeKind.OLT, "parent": router}
    )
    reconcile(groups=plan_groups())  # plan groups, isolir group, the nas table
    return olt


def _sessions(sub: Subscription, *, online_ip: str, days: int) -> None:
    """Some accounting, as the router would have sent it: past sessions and one open."""
    now = timezone.now()
    rows = [
        RadAcct(
            acctsessionid=f"{sub.pk:04x}{d:04x}",
            acctuniqueid=f"demo-{sub.pppoe_username}-{d}",
            username=sub.pppoe_username,
            nasipaddress="10.10.0.1",
            framedipaddress=f"10.20.{d}.{sub.pk % 250 + 2}",
            acctstarttime=now - dt.timedelta(days=d, hours=20),
            acctstoptime=now - dt.timedelta(days=d, hours=2),
            acctsessiontime=18 * 3600,
            acctinputoctets=(300 + 37 * d) * 1_000_000,
            acctoutputoctets=(4_000 + 510 * d) * 1_000_000,
            acctterminatecause="Lost-Carrier" if d % 3 == 0 else "User-Request",
        )
        for d in range(1, days + 1)
    ]
    rows.append(
        RadAcct(
            acctsessionid=f"{sub.pk:04x}0000",
            acctuniqueid=f"demo-{sub.pppoe_username}-0",
            username=sub.pppoe_username,
            nasipaddress="10.10.0.1",
            framedipaddress=online_ip,
            acctstarttime=now - dt.timedelta(hours=1, minutes=40),
            acctupdatetime=now - dt.timedelta(minutes=3),
            acctinputoctets=120_000_000,
            acctoutputoctets=2_300_000_000,
        )
    )
    RadAcct.objects.bulk_create(rows)


def _person(i: int, p: Person, staff: dict, olt: Node) -> None:
    today = timezone.localdate()
    form = RegistrationForm(
        {
            "full_name": p.name,
            "nik": p.nik,
            "phone": p.phone,
            "email": _email(p.name),
            "street": p.street,
            "rt": f"{i % 9 + 1:03d}",
            "rw": f"{i % 5 + 10:03d}",
            "kelurahan": p.kelurahan,
            "kecamatan": p.kecamatan,
            "city": p.city,
            "postcode": p.postcode,
            "plan": Plan.objects.get(code=p.plan).pk,
            "preferred_date": (today + dt.timedelta(days=2 + i % 5)).isoformat(),
            **dict.fromkeys(CONSENTS, "on"),
        }
    )
    if not form.is_valid():
        raise RuntimeError(f"demo person {p.name} invalid: {form.errors.as_json()}")
    app = registration_submit(cleaned=form.cleaned_data, language="id")
    reg, fin = staff["registrasi"], staff["keuangan"]
    if p.goal == "submitted":
        return
    if p.goal == "rejected":
        registration_reject(
            application_id=app.pk,
            actor=reg,
            reason="Nama pada KTP tidak sesuai dengan nama pendaftar. Silakan daftar ulang "
            "dengan data sesuai KTP.",
        )
        return
    customer = registration_approve(application_id=app.pk, actor=reg)
    sub = customer.subscriptions.get()
    sub.node = olt  # every demo subscriber hangs on the one OLT
    sub.save(update_fields=["node"])
    if p.goal == "approved":
        return
    if p.goal == "cancelled":
        subscription_transition(
            subscription_id=sub.pk,
            action="cancel",
            actor=staff["cs"],
            reason="Pelanggan membatalkan sebelum pemasangan (pindah rumah).",
        )
        return
    tomorrow = p.goal == "scheduled_tomorrow"
    order = installation_schedule(
        subscription_id=sub.pk,
        date=today + dt.timedelta(days=1 if tomorrow else 0),
        technician_id=staff["teknisi2" if tomorrow else "teknisi"].pk,
        actor=reg,
    )
    if p.goal.startswith("scheduled"):
        return
    installation_complete(
        work_order_id=order.pk,
        actor=staff["teknisi"],
        serials=list(p.devices),
        amount=sub.plan.installation_fee,
        method="cash",
        receipt_number=f"KW-VN-{1000 + i}",
        result="ONT terpasang, redaman -19,5 dBm, PPPoE tersambung.",
    )
    if p.goal == "awaiting_deposit":
        return
    deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
    payment_record(
        invoice_id=deposit.pk,
        amount=deposit.amount,
        method="bank_transfer",
        reference=f"TRF-BNI-2611{i:04d}",
        actor=fin,
    )
    # "isolated": billing isolates them for an overdue invoice (_billing below).
    if p.name == DEMO_CUSTOMER:
        customer.user.set_password(CUSTOMER_PASSWORD)
        customer.user.save(update_fields=["password"])
        _sessions(sub, online_ip="10.20.0.5", days=6)
    elif p.goal == "isolated":
        _sessions(sub, online_ip="10.20.0.6", days=2)


def demo_customer_number() -> str:
    customer = Customer.objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    return customer.number if customer else "(not loaded)"


def print_logins(*, base_url: str, language: str = "id") -> None:
    """The URLs and every demo login, as `ispcare demo` shows them once the server is up."""
    base_url = base_url.rstrip("/")
    with translation.override(language):
        rows = [
            (username, str(role.label), f"{first} {last}") for username, first, last, role in STAFF
        ]
    pages = [
        ("Public site", "/"),
        ("Registration form", "/register/"),
        ("Customer portal", "/portal/"),
        ("Staff login", "/accounts/login/"),
        ("Tickets (staff)", "/staff/helpdesk/tickets/"),
        ("Django admin", "/admin/"),
        ("API docs", "/api/v1/docs"),
        ("Health", "/health/"),
    ]
    lines = ["", "ISPcare demo: Vokasi.Net is running.", ""]
    lines += [f"  {label:18} {base_url}{path}" for label, path in pages]
    lines += ["", f"Staff logins (password for all: {DEMO_PASSWORD}):", ""]
    lines += [f"  {'login':11} {'role':34} name", f"  {'-' * 11} {'-' * 34} {'-' * 18}"]
    lines += [f"  {username:11} {label:34} {name}" for username, label, name in rows]
    lines += [
        "",
        f"Customer portal login ({DEMO_CUSTOMER}, active): {demo_customer_number()} "
        f"or {DEMO_CUSTOMER_EMAIL}, password {CUSTOMER_PASSWORD}",
        "`admin` is also a superuser for the Django admin.",
        "The technician `teknisi` has an installation today; `keuangan` can record the deposit",
        "of the customer waiting for it; `registrasi` has applications to verify.",
        "Emails the running demo sends are printed by the worker.",
        "",
        "Press Ctrl-C to stop web and worker.",
        "",
    ]
    print("\n".join(lines), flush=True)
