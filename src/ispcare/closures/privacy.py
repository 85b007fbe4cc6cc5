"""Personal data (UU PDP) of customers, decision 0019: the download of everything we hold
about a customer, and the anonymisation of closed customers after the retention period.

Both walk the sections every app registers in ispcare.common.privacy (in its
AppConfig.ready()), so this module knows the customer but not the tables of the apps
above it. The closing app's own tables (termination requests with the refund's bank
account, return items, retention offers) are a section like the others: register it from
closures/privacy_closures.py in ClosuresConfig.ready(), with order=60.

Who is due: every subscription of the customer is cancelled or closed, the last of them
changed state more than PRIVACY_RETENTION_DAYS ago, and the customer has no erasure
record yet. The job works in batches of BATCH customers, one transaction each; a batch's
rows are locked with SKIP LOCKED (PostgreSQL; SQLite's writers queue on the database
lock), re-checked inside the transaction, and the erasure record's unique subject makes
a second run (or a second worker) a no-op.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import ErasureBatch, Subject, in_batches, pseudonym_for, sections
from ispcare.customers.choices import TERMINAL_STATES, ApplicationStatus, EventKind
from ispcare.customers.events import actor_label
from ispcare.customers.models import Application, Customer, Event, Subscription
from ispcare.customers.privacy import JOB, erasures_record
from ispcare.customers.privacy_applications import due_applications, erased_applications

log = logging.getLogger(__name__)

BATCH = 500
SUBJECT = "customer"


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.PRIVACY_RETENTION_DAYS)


def erased() -> QuerySet[PersonalDataErasure]:
    return PersonalDataErasure.objects.filter(subject=SUBJECT)


def due_customers(*, now: dt.datetime | None = None) -> QuerySet[Customer]:
    """Customers to anonymise now: all subscriptions terminal, the last one for longer
    than the retention period, not anonymised yet. NOT EXISTS only (no GROUP BY), so the
    rows can be locked FOR UPDATE."""
    cutoff = retention_cutoff(now)
    subs = Subscription.objects.filter(customer=OuterRef("pk"))
    recent = Q(state_changed_at__gte=cutoff) | Q(
        state_changed_at__isnull=True, updated_at__gte=cutoff
    )
    return (
        Customer.objects.filter(Exists(subs))
        .exclude(Exists(subs.exclude(state__in=TERMINAL_STATES)))
        .exclude(Exists(subs.filter(recent)))
        .exclude(Exists(erased().filter(subject_id=OuterRef("pk"))))
    )


def subjects_for(customer_ids: list[int]) -> list[Subject]:
    """Who each customer is to the other apps, and every personal value of theirs to look
    for: the customer record, their application(s) and their portal account."""
    customers = list(
        Customer.objects.filter(pk__in=customer_ids).select_related("user", "application")
    )
    # Earlier decided applications of the same person (same NIK, never a customer).
    others: dict[str, list[Application]] = {}
    for app in Application.objects.filter(
        nik__in=[c.nik for c in customers], customer__isnull=True
    ).exclude(status=ApplicationStatus.SUBMITTED):
        others.setdefault(app.nik, []).append(app)
    subjects = []
    for c in customers:
        apps = [a for a in (c.application, *others.get(c.nik, [])) if a is not None]
        user = c.user

        def values(*items: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for v in items if v and v.strip()))

        subjects.append(
            Subject(
                customer_id=c.pk,
                label=c.number,
                pseudonym=pseudonym_for(c.number),
                user_id=c.user_id,
                refs=(f"customer:{c.pk}", *(f"application:{a.pk}" for a in apps)),
                names=values(
                    c.full_name,
                    *(a.full_name for a in apps),
                    user.get_full_name(),
                    user.first_name,
                    user.last_name,
                ),
                niks=values(c.nik, *(a.nik for a in apps)),
                phones=values(c.phone, *(a.phone for a in apps), user.phone),
                emails=values(c.email, *(a.email for a in apps), user.email),
                streets=values(c.street, *(a.street for a in apps)),
            )
        )
    return subjects


# --- export ------------------------------------------------------------------------------


def customer_data_export(customer_id: int) -> dict[str, Any]:
    """Everything every section holds about the customer, as one JSON-ready dict."""
    (subject,) = subjects_for([customer_id])
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "controller": settings.ISP_NAME,
        "customer_number": subject.label,
    }
    # The customer record first, then the rest in the sections' order.
    for section in sorted(sections(), key=lambda s: s.name != "customers"):
        for key, value in section.exporter(subject).items():
            if key in data:
                raise RuntimeError(f"privacy section {section.name!r} repeats the key {key!r}")
            data[key] = value
    return data


def customer_data_download(*, customer_id: int, actor: Any) -> tuple[str, bytes]:
    """The export as a file (name, UTF-8 JSON), and an event on the record that it was
    downloaded and by whom. Nothing of its content is logged."""
    with transaction.atomic():
        customer = Customer.objects.get(pk=customer_id)
        data = customer_data_export(customer_id)
        Event.objects.create(
            customer=customer,
            kind=EventKind.DATA_EXPORTED,
            actor=actor if hasattr(actor, "pk") else None,
            actor_label=actor_label(actor),
        )
    day = timezone.localdate().isoformat()
    name = f"data-{customer.number}-{day}.json"
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return name, body.encode("utf-8")


# --- anonymisation -----------------------------------------------------------------------


def _fields_of(results: dict[str, dict[str, dict[int, int]]], customer_id: int) -> dict:
    """The erasure record's `fields`: {section: {table: {"columns": [...], "rows": n}}}."""
    declared = {s.name: s.columns for s in sections()}
    out: dict[str, dict] = {}
    for name, tables in results.items():
        for table, per_customer in tables.items():
            n = per_customer.get(customer_id, 0)
            if n:
                columns = declared.get(name, {}).get(table) or declared.get(name, {}).get(
                    table.rsplit(".", 1)[0], ()
                )
                out.setdefault(name, {})[table] = {"columns": list(columns), "rows": n}
    return out


def privacy_anonymise(
    *, customer_ids: list[int], actor: Any = None, now: dt.datetime | None = None
) -> list[PersonalDataErasure]:
    """Anonymise those of `customer_ids` that are due (one transaction; rows another
    worker holds are skipped). `actor`: a user, or None for the periodic job."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            due_customers(now=now)
            .filter(pk__in=customer_ids)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        subjects = subjects_for(ids)
        batch = ErasureBatch(subjects)
        results = {s.name: s.anonymiser(batch) or {} for s in sections()}
        user = actor if hasattr(actor, "pk") else None
        label = actor_label(actor) if user else JOB
        records = erasures_record(
            subject=SUBJECT,
            subjects=subjects,
            fields_of=lambda cid: _fields_of(results, cid),
            now=now,
            user=user,
            label=label,
        )
    log.info("privacy: %d customers anonymised", len(records))
    return records


def privacy_anonymise_due(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """The periodic job: anonymise every due customer, `batch` per transaction. Returns
    how many were anonymised by this run (0 on a second run)."""
    now = now or timezone.now()
    return in_batches(
        due_customers(now=now),
        batch,
        lambda ids: len(privacy_anonymise(customer_ids=ids, now=now)),
    )


def privacy_summary(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """For the staff page: how many anonymised, how many the next run takes; the same
    for registrations that never became a customer (customers/privacy_applications.py)."""
    # The job's last erasure, of a customer or of a registration.
    last = PersonalDataErasure.objects.filter(actor__isnull=True).order_by("-erased_at").first()
    return {
        "erased": erased().count(),
        "due": due_customers(now=now).count(),
        "retention_days": settings.PRIVACY_RETENTION_DAYS,
        "cutoff": retention_cutoff(now),
        "last_run": last.erased_at if last else None,
        "applications_erased": erased_applications().count(),
        "applications_due": due_applications(now=now).count(),
        "application_retention_days": settings.PRIVACY_APPLICATION_RETENTION_DAYS,
    }
