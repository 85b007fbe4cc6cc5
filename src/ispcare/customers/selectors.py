"""Reads for the staff pages: registrations, customers, equipment and the dashboard.

Every list here is a fixed number of queries per page (joins, prefetches, subqueries; no
per-row lookups); the views paginate them. The dashboard counts that concern installation
jobs read the `work_orders` relation by name: a read-only join, so this app still imports
nothing above it in the layer order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ispcare.common.nik import parse_nik

from .choices import ApplicationStatus, EquipmentStatus, SubscriptionState
from .models import Application, Customer, Equipment, Event, Subscription

# Work-order values used in the dashboard joins (workorders.choices; not imported: layer rule).
_WO_INSTALLATION, _WO_SCHEDULED = "installation", "scheduled"


def _phone_digits(q: str) -> str:
    """What a person types for a phone (0812-3456, +62 812 ...) as the digits stored after +."""
    digits = re.sub(r"\D", "", q)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if len(digits) >= 4 else ""


def _search(q: str, *fields: str, phone_field: str | None = "phone") -> Q:
    q = (q or "").strip()
    cond = Q()
    for field in fields:
        cond |= Q(**{f"{field}__icontains": q})
    digits = _phone_digits(q) if phone_field else ""
    if digits:
        cond |= Q(**{f"{phone_field}__contains": digits})
    return cond


# Registrations ---------------------------------------------------------------------------


def applications_for_queue(*, status: str, q: str = "") -> QuerySet[Application]:
    """Applications of one status; waiting ones oldest first, reviewed ones newest first.

    Each row carries `dup_customer` / `dup_application`: the same NIK or phone belongs to a
    customer, or to another application (subqueries, so still one query per page).
    """
    same_person = Q(nik=OuterRef("nik")) | Q(phone=OuterRef("phone"))
    qs = (
        Application.objects.filter(status=status)
        .select_related("plan", "reviewed_by")
        .annotate(
            dup_customer=Exists(Customer.objects.filter(same_person)),
            dup_application=Exists(
                Application.objects.filter(same_person).exclude(pk=OuterRef("pk"))
            ),
        )
    )
    if q.strip():
        qs = qs.filter(_search(q, "full_name", "reference"))
    if status == ApplicationStatus.SUBMITTED:
        return qs.order_by("created_at", "id")
    return qs.order_by("-reviewed_at", "-id")


def application_status_counts() -> dict[str, int]:
    rows = Application.objects.values("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(ApplicationStatus.values, 0)
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def application_get(*, pk: int) -> Application:
    return Application.objects.select_related("plan", "reviewed_by").get(pk=pk)


def application_events(*, application: Application) -> list[Event]:
    return list(Event.objects.filter(application=application).order_by("-created_at", "-id"))


@dataclass(frozen=True)
class Duplicates:
    customers: list[Customer]
    applications: list[Application]

    def __bool__(self) -> bool:
        return bool(self.customers or self.applications)


def application_duplicates(*, application: Application) -> Duplicates:
    """Customers and other applications with the same NIK or phone, for the reviewer."""
    same = Q(nik=application.nik) | Q(phone=application.phone)
    return Duplicates(
        customers=list(Customer.objects.filter(same).order_by("number")[:10]),
        applications=list(
            Application.objects.filter(same).exclude(pk=application.pk).order_by("-created_at")[:10]
        ),
    )


# Province names by the first two NIK digits (Dukcapil); the Papua codes changed in 2022,
# so those are shown by code only.
PROVINCES = {
    11: "Aceh",
    12: "Sumatera Utara",
    13: "Sumatera Barat",
    14: "Riau",
    15: "Jambi",
    16: "Sumatera Selatan",
    17: "Bengkulu",
    18: "Lampung",
    19: "Kepulauan Bangka Belitung",
    21: "Kepulauan Riau",
    31: "DKI Jakarta",
    32: "Jawa Barat",
    33: "Jawa Tengah",
    34: "DI Yogyakarta",
    35: "Jawa Timur",
    36: "Banten",
    51: "Bali",
    52: "Nusa Tenggara Barat",
    53: "Nusa Tenggara Timur",
    61: "Kalimantan Barat",
    62: "Kalimantan Tengah",
    63: "Kalimantan Selatan",
    64: "Kalimantan Timur",
    65: "Kalimantan Utara",
    71: "Sulawesi Utara",
    72: "Sulawesi Tengah",
    73: "Sulawesi Selatan",
    74: "Sulawesi Tenggara",
    75: "Gorontalo",
    76: "Sulawesi Barat",
    81: "Maluku",
    82: "Maluku Utara",
}


@dataclass(frozen=True)
class NikFacts:
    birth_date: dt.date
    age: int
    female: bool
    province_code: str
    province_name: str
    regency_code: str
    district_code: str
    serial: str


def nik_facts(nik: str) -> NikFacts | None:
    """What a NIK encodes (None when it does not parse, e.g. data from before the checks)."""
    try:
        info = parse_nik(nik)
    except ValidationError:
        return None
    today = timezone.localdate()
    born = info.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return NikFacts(
        birth_date=born,
        age=age,
        female=info.female,
        province_code=nik[:2],
        province_name=PROVINCES.get(info.province, ""),
        regency_code=nik[:4],
        district_code=nik[:6],
        serial=nik[12:16],
    )


# Customers -------------------------------------------------------------------------------


def customers_for_list(*, q: str = "", state: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.prefetch_related(
        Prefetch(
            "subscriptions",
            queryset=Subscription.objects.select_related("plan").order_by("-created_at"),
        )
    )
    if state:
        qs = qs.filter(Exists(Subscription.objects.filter(customer=OuterRef("pk"), state=state)))
    if q.strip():
        qs = qs.filter(_search(q, "number", "full_name"))
    return qs.order_by("-created_at", "-id")


def customer_get(*, pk: int) -> Customer:
    return Customer.objects.select_related("application").get(pk=pk)


def customer_subscriptions(*, customer: Customer) -> list[Subscription]:
    return list(
        Subscription.objects.filter(customer=customer)
        .select_related("plan", "node")
        .prefetch_related(
            Prefetch("equipment", queryset=Equipment.objects.order_by("installed_at", "serial"))
        )
        .order_by("-created_at")
    )


def customer_events(*, customer: Customer) -> list[Event]:
    """The timeline, newest first: who did what, when and why."""
    return list(Event.objects.filter(customer=customer).order_by("-created_at", "-id"))


# Equipment -------------------------------------------------------------------------------


def equipment_for_list(*, status: str = "", q: str = "") -> QuerySet[Equipment]:
    qs = Equipment.objects.select_related("subscription__customer")
    if status:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(
            _search(
                q,
                "serial",
                "model_name",
                "mac",
                "subscription__customer__number",
                "subscription__customer__full_name",
                phone_field=None,
            )
        )
    return qs.order_by("serial")


def equipment_status_counts() -> dict[str, int]:
    rows = Equipment.objects.values("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(EquipmentStatus.values, 0)
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


# Dashboard -------------------------------------------------------------------------------


def subscription_state_counts() -> dict[str, int]:
    rows = Subscription.objects.values("state").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(SubscriptionState.values, 0)
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def dashboard_counts(*, today: dt.date | None = None) -> dict:
    """The numbers on the staff dashboard, from a handful of aggregate queries."""
    today = today or timezone.localdate()
    states = subscription_state_counts()
    pending = Subscription.objects.filter(state=SubscriptionState.PENDING_INSTALLATION)
    open_job = Q(work_orders__kind=_WO_INSTALLATION, work_orders__status=_WO_SCHEDULED)
    scheduled = pending.filter(open_job).values("pk").distinct().count()
    due = (
        pending.filter(open_job, work_orders__scheduled_date__lte=today)
        .values("pk")
        .distinct()
        .count()
    )
    return {
        "applications_waiting": Application.objects.filter(
            status=ApplicationStatus.SUBMITTED
        ).count(),
        "to_schedule": states[SubscriptionState.PENDING_INSTALLATION] - scheduled,
        "installations_today": due,
        "awaiting_deposit": states[SubscriptionState.AWAITING_DEPOSIT],
        "active": states[SubscriptionState.ACTIVE],
        "states": states,
    }
