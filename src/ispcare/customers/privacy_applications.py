"""Personal data of registrations that never became a customer (UU PDP, decision 0019):
anonymised PRIVACY_APPLICATION_RETENTION_DAYS (180) after the decision, by the same
nightly job as closed customers (jobs.privacy_anonymise).

Who is due: an application that was decided (any status but submitted: today that is
rejected; a withdrawn or expired status added later is covered as it is), that no
customer points at, decided longer ago than the retention period (reviewed_at, else the
last change), and not anonymised yet: no erasure record of subject "application", and a
NIK that is not already "ANON…" (the customer pass anonymises a person's earlier decided
applications with them, decision 0019). An application that became a customer is the
customer's: its retention runs from the closing (closures/privacy.py). One still waiting
for review is staff's to decide, however old.

Anonymised, one transaction per batch, with the tools the customer sections use
(common.privacy: Subject, ErasureBatch, the pseudonym and the scrubbing patterns):
- Application: the name becomes the pseudonym (of the reference); NIK and phone become
  values made from the id (not unique columns once decided, but the staff queue's
  same-person search would otherwise pair every anonymised application with every
  other); email and RT/RW emptied, street REDACTED, coordinates cleared. The rejection
  reason keeps its wording with the applicant's values scrubbed out: what the refusal
  was about (outside coverage, a NIK that does not decode) is what the figures count,
  and there is no category column. Reference, plan, dates, status, coverage flag,
  reviewer, language and the area (kelurahan, kecamatan, city, postcode) stay.
- Its events: reason and data scrubbed; the "who" label scrubbed where the applicant
  acted ("<name> (applicant)", no user), a staff member's label kept.
- The outbox rows sent under "application:<id>" (received, rejected), as a customer's
  (notifications.privacy.anonymise_refs): name and address become the pseudonym, subject
  and body REDACTED, queued ones cancelled. Found by that reference only, not by address:
  the phone or email may by now be a customer's or another applicant's, whose messages
  are theirs.
Not touched: the WhatsApp window row and visitor chats under the same number (whoever
holds the number now may be using them; decision 0019, not covered yet). Applications
have no uploaded files (the KTP is checked against the NIK, not kept): a file column
added later needs deleting here (tests/customers/test_privacy_applications.py checks).

Each application gets a PersonalDataErasure (subject "application", the reference as its
label), listed on the staff page with the customers', and a data_anonymised event; the
record's unique subject is the last guard against a second run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ispcare.common.bulk import rows_update
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import (
    REDACTED,
    Counts,
    ErasureBatch,
    Subject,
    add_counts,
    in_batches,
    pseudonym_for,
    sections,
)
from ispcare.notifications.privacy import anonymise_refs

from .choices import ApplicationStatus
from .models import Application, Customer, Event
from .privacy import APPLICATION_COLUMNS, erasures_record

log = logging.getLogger(__name__)

BATCH = 500
SUBJECT = "application"
# Every anonymised NIK starts so (the customer pass's "ANON0…", this pass's "ANONA…");
# a real NIK is 16 digits.
ANON = "ANON"

# What changes in each table (the erasure record's columns, shown to staff).
COLUMNS = {
    "customers.Application": APPLICATION_COLUMNS,
    "customers.Event": ("reason", "data"),
    "customers.Event.actor_label": ("actor_label",),
}
MESSAGES = "notifications.Notification"


def anon_application_nik(application_id: int) -> str:
    """16 characters, never a real NIK, apart from the customers' "ANON0…"."""
    return f"{ANON}A{application_id:011d}"


def anon_application_phone(application_id: int) -> str:
    return f"{ANON}-A{application_id}"[:20]


def application_retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    days = settings.PRIVACY_APPLICATION_RETENTION_DAYS
    return (now or timezone.now()) - dt.timedelta(days=days)


def erased_applications() -> QuerySet[PersonalDataErasure]:
    return PersonalDataErasure.objects.filter(subject=SUBJECT)


def due_applications(*, now: dt.datetime | None = None) -> QuerySet[Application]:
    """Applications to anonymise now. NOT EXISTS only (no join), so the rows can be
    locked FOR UPDATE."""
    cutoff = application_retention_cutoff(now)
    decided_before = Q(reviewed_at__lt=cutoff) | Q(reviewed_at__isnull=True, updated_at__lt=cutoff)
    return (
        Application.objects.exclude(status=ApplicationStatus.SUBMITTED)
        .filter(decided_before)
        .exclude(Exists(Customer.objects.filter(application_id=OuterRef("pk"))))
        .exclude(nik__startswith=ANON)
        .exclude(Exists(erased_applications().filter(subject_id=OuterRef("pk"))))
    )


def _values(*items: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in items if v and v.strip()))


def _subject(app: dict[str, Any]) -> Subject:
    """The applicant as the scrubbing tools see a customer. The batch is keyed by
    `customer_id`: here the application id (only this module's queries use it)."""
    return Subject(
        customer_id=app["pk"],
        label=app["reference"],
        pseudonym=pseudonym_for(app["reference"]),
        refs=(f"application:{app['pk']}",),
        names=_values(app["full_name"]),
        niks=_values(app["nik"]),
        phones=_values(app["phone"]),
        emails=_values(app["email"]),
        streets=_values(app["street"]),
    )


def _anonymise(batch: ErasureBatch, apps: list[dict[str, Any]]) -> dict[str, Counts]:
    ids = batch.customer_ids
    counts: Counts = {}
    # Events: the applicant's values out of the reason and data; out of the "who" label
    # only where the applicant acted (no user): staff labels stay.
    events = Event.objects.filter(application_id__in=ids, customer__isnull=True)
    add_counts(
        counts,
        "customers.Event",
        batch.scrub_rows(events, ["reason"], owner="application_id", json_columns=["data"]),
    )
    add_counts(
        counts,
        "customers.Event.actor_label",
        batch.scrub_rows(
            events.filter(actor__isnull=True), ["actor_label"], owner="application_id"
        ),
    )
    rows_update(
        [
            Application(
                pk=app["pk"],
                full_name=batch.subjects[app["pk"]].pseudonym,
                nik=anon_application_nik(app["pk"]),
                phone=anon_application_phone(app["pk"]),
                email="",
                street=REDACTED,
                rt="",
                rw="",
                latitude=None,
                longitude=None,
                rejection_reason=batch.subjects[app["pk"]].scrub(app["rejection_reason"]),
            )
            for app in apps
        ],
        APPLICATION_COLUMNS,
    )
    counts["customers.Application"] = dict.fromkeys(ids, 1)
    messages = anonymise_refs(batch, {s.customer_id: s.refs for s in batch.subjects.values()})
    return {"customers": counts, "notifications": {MESSAGES: messages}}


def _fields_of(results: dict[str, Counts], application_id: int) -> dict[str, Any]:
    """The erasure record's `fields`: {section: {table: {"columns": [...], "rows": n}}}."""
    declared = {
        **COLUMNS,
        MESSAGES: next(
            (s.columns.get(MESSAGES, ()) for s in sections() if s.name == "notifications"), ()
        ),
    }
    out: dict[str, Any] = {}
    for name, tables in results.items():
        for table, per_app in tables.items():
            n = per_app.get(application_id, 0)
            if n:
                out.setdefault(name, {})[table] = {"columns": list(declared[table]), "rows": n}
    return out


def applications_anonymise(
    *, application_ids: list[int], now: dt.datetime | None = None
) -> list[PersonalDataErasure]:
    """Anonymise those of `application_ids` that are due, in one transaction (rows another
    worker holds are skipped, and those not due any more left alone)."""
    now = now or timezone.now()
    with transaction.atomic():
        apps = list(
            due_applications(now=now)
            .filter(pk__in=application_ids)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values(
                "pk",
                "reference",
                "full_name",
                "nik",
                "phone",
                "email",
                "street",
                "rejection_reason",
            )
        )
        if not apps:
            return []
        batch = ErasureBatch(_subject(a) for a in apps)
        results = _anonymise(batch, apps)
        records = erasures_record(
            subject=SUBJECT,
            subjects=batch.subjects.values(),
            fields_of=lambda aid: _fields_of(results, aid),
            now=now,
            owner="application_id",
        )
    log.info("privacy: %d applications anonymised", len(records))
    return records


def applications_anonymise_due(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """The nightly pass over applications: every due one, `batch` per transaction.
    Returns how many this run anonymised (0 on a second run)."""
    now = now or timezone.now()
    return in_batches(
        due_applications(now=now),
        batch,
        lambda ids: len(applications_anonymise(application_ids=ids, now=now)),
    )
