"""Test data builders: valid by default, so each test states only what it is about."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import factory
from django.utils import timezone

from ispcare.accounts.models import User
from ispcare.accounts.roles import Role
from ispcare.billing.choices import InvoiceKind
from ispcare.billing.models import Invoice
from ispcare.billing.services import payment_record
from ispcare.customers.forms import CONSENTS
from ispcare.customers.models import CoverageArea, Equipment, Plan
from ispcare.customers.services import registration_approve, registration_submit
from ispcare.workorders.services import installation_complete, installation_schedule

_seq = itertools.count(1)


def nik(female: bool = False, serial: int | None = None) -> str:
    """A structurally valid NIK (Sleman: 34 04 xx)."""
    n = next(_seq)
    day = 1 + n % 28 + (40 if female else 0)
    return f"3404{1 + n % 17:02d}{day:02d}{1 + n % 12:02d}{90 + n % 10:02d}{serial or (n % 9999) + 1:04d}"


def phone() -> str:
    return f"+62812{next(_seq) % 10_000_000 + random.randint(0, 9) * 10_000_000:08d}"[:15]


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = "home-20"
    name = "Home 20"
    speed_mbps = 20
    monthly_price = 200_000
    installation_fee = 250_000
    deposit = 300_000
    radius_profile = "home-20"


def staff_user(role: str, **kwargs) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=f"{role}{n}",
        password="pass-" + role,
        role=role,
        **{"first_name": role.title(), **kwargs},
    )
    return user


def coverage() -> CoverageArea:
    return CoverageArea.objects.get_or_create(city="Sleman", kecamatan="Depok", kelurahan="")[0]


def registration_data(**overrides) -> dict:
    """Form data as a browser or API client would send it."""
    plan = PlanFactory()
    data = {
        "full_name": "Budi Santoso",
        "nik": nik(),
        "phone": phone(),
        "email": f"budi{next(_seq)}@example.id",
        "street": "Jl. Kaliurang Km 5 No. 12",
        "rt": "003",
        "rw": "011",
        "kelurahan": "Caturtunggal",
        "kecamatan": "Depok",
        "city": "Sleman",
        "postcode": "55281",
        "plan": str(plan.pk),
        "preferred_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        **dict.fromkeys(CONSENTS, "on"),
    }
    data.update(overrides)
    return data


def submit(**overrides):
    from ispcare.customers.forms import RegistrationForm

    coverage()
    form = RegistrationForm(registration_data(**overrides))
    assert form.is_valid(), form.errors
    return registration_submit(cleaned=form.cleaned_data)


def equipment(serial: str | None = None) -> Equipment:
    n = next(_seq)
    return Equipment.objects.create(
        kind="ont",
        model_name="ZTE F609",
        serial=serial or f"ZTEG{n:08d}",
        mac=f"00:1A:2B:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}",
    )


class Onboarding:
    """Walks one subscriber through the SOP; each step returns what it made."""

    def __init__(self) -> None:
        self.registration = staff_user(Role.REGISTRATION)
        self.technician = staff_user(Role.TECHNICIAN)
        self.finance = staff_user(Role.FINANCE)

    def approved(self, **overrides):
        app = submit(**overrides)
        customer = registration_approve(application_id=app.pk, actor=self.registration)
        return customer, customer.subscriptions.get()

    def scheduled(self, **overrides):
        customer, sub = self.approved(**overrides)
        order = installation_schedule(
            subscription_id=sub.pk,
            date=timezone.localdate(),
            technician_id=self.technician.pk,
            actor=self.registration,
        )
        return customer, sub, order

    def installed(self, **overrides):
        customer, sub, order = self.scheduled(**overrides)
        device = equipment()
        installation_complete(
            work_order_id=order.pk,
            actor=self.technician,
            serials=[device.serial],
            amount=sub.plan.installation_fee,
            method="cash",
            receipt_number=f"KW-{order.pk:05d}",
        )
        sub.refresh_from_db()
        return customer, sub

    def active(self, **overrides):
        customer, sub = self.installed(**overrides)
        deposit = Invoice.objects.get(subscription=sub, kind=InvoiceKind.DEPOSIT)
        payment_record(
            invoice_id=deposit.pk,
            amount=deposit.amount,
            method="bank_transfer",
            reference=f"TRF-{deposit.pk:06d}",
            actor=self.finance,
        )
        sub.refresh_from_db()
        return customer, sub


# --- Helpers for the service tests (appended) --------------------------------------------


def cleaned(**overrides) -> dict:
    """Registration data as the form cleans it, without creating a coverage row."""
    from ispcare.customers.forms import RegistrationForm

    form = RegistrationForm(registration_data(**overrides))
    assert form.is_valid(), form.errors
    return form.cleaned_data


def row_counts() -> dict[str, int]:
    """How many rows each onboarding table holds: 'nothing changed' is an equal dict."""
    from ispcare.billing.models import Payment
    from ispcare.common.models import Sequence
    from ispcare.customers.models import Application, Customer, Event, Subscription
    from ispcare.notifications.models import Notification
    from ispcare.workorders.models import WorkOrder

    models = (
        User,
        Application,
        Customer,
        Subscription,
        Event,
        Equipment,
        Invoice,
        Payment,
        WorkOrder,
        Notification,
    )
    counts = {m.__name__: m.objects.count() for m in models}
    counts["sequence_total"] = sum(Sequence.objects.values_list("value", flat=True))
    return counts


def subscription_in(onboarding: Onboarding, state: str, *, deposit: bool = False, device=False):
    """A freshly approved subscription put straight into `state` (bypassing the machine),
    optionally with the deposit recorded and a device installed, to test one transition."""
    from ispcare.customers.models import Subscription

    _, sub = onboarding.approved()
    Subscription.objects.filter(pk=sub.pk).update(
        state=state, deposit_paid_at=timezone.now() if deposit else None
    )
    if device:
        Equipment.objects.filter(pk=equipment().pk).update(status="installed", subscription=sub)
    sub.refresh_from_db()
    return sub
