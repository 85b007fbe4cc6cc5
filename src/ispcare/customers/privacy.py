"""Personal data in customers: the customer record, their application(s), subscriptions,
equipment and event history (decision 0019).

Anonymised:
- Customer and Application: the name becomes the pseudonym; NIK and phone (unique
  columns) become "ANON" + the customer id, padded to fit; email, street, RT/RW and the
  coordinates are emptied (street: REDACTED). Kelurahan, kecamatan, city and postcode stay:
  an area, not a person, and what coverage and churn figures count. The customer number
  and application reference stay (financial records and events carry them). Earlier
  decided applications with the same NIK (a rejected one, say) are anonymised with them.
- Subscription: the PPPoE password is replaced by a random one (the login is disabled
  anyway); the free-text state reason is REDACTED; the PPPoE username is derived from the
  customer number and stays, unless it is not (then "<derived>-<id>").
- Event: kinds, states, times and the acting staff stay (the audit trail still reads);
  the reason (free text) is REDACTED, and the customer's values are scrubbed out of the
  "who" label and the data.
Equipment and plan changes hold nothing personal.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import BigIntegerField, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ispcare.common.bulk import rows_update
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import (
    REDACTED,
    ErasureBatch,
    Subject,
    add_counts,
    case_on,
    count_by,
    count_mapped,
    plain,
    rows,
    section_register,
)

from .choices import ApplicationStatus, EventKind
from .models import Application, Customer, Equipment, Event, Subscription
from .numbers import pppoe_username_for

JOB = "job"  # an erasure record's `actor_label` when the periodic job did it

# An application's personal columns: anonymised with its customer here, and on their own
# for a registration that never became one (privacy_applications.py).
APPLICATION_COLUMNS = (
    "full_name",
    "nik",
    "phone",
    "email",
    "street",
    "rt",
    "rw",
    "latitude",
    "longitude",
    "rejection_reason",
)

ADDRESS = ("street", "rt", "rw", "kelurahan", "kecamatan", "city", "postcode")
COORDS = ("latitude", "longitude")


def anon_nik(customer_id: int) -> str:
    """Unique and 16 characters, never a real NIK (those are digits only)."""
    return f"ANON{customer_id:012d}"


def anon_phone(customer_id: int) -> str:
    return f"ANON-{customer_id}"[:20]


# What a Customer and an Application of the customer become.
ANONYMISED = ("full_name", "nik", "phone", "email", "street", "rt", "rw", *COORDS)


def _anonymous(subject: Subject) -> dict[str, Any]:
    return {
        "full_name": subject.pseudonym,
        "nik": anon_nik(subject.customer_id),
        "phone": anon_phone(subject.customer_id),
        "email": "",
        "street": REDACTED,
        "rt": "",
        "rw": "",
        "latitude": None,
        "longitude": None,
    }


def export(subject: Subject) -> dict[str, Any]:
    customer_id = subject.customer_id
    customer = Customer.objects.select_related("application__plan").get(pk=customer_id)
    data: dict[str, Any] = {
        "customer": {
            "number": customer.number,
            "full_name": customer.full_name,
            # The customer's own export shows their NIK in full: it is theirs.
            "nik": customer.nik,
            "phone": customer.phone,
            "email": customer.email,
            **{f: getattr(customer, f) for f in ADDRESS},
            **{f: plain(getattr(customer, f)) for f in COORDS},
            "language": customer.language,
            "notify_channels": [c for c in customer.notify_channels.split(",") if c],
            "created_at": plain(customer.created_at),
        }
    }
    app = customer.application
    if app is not None:
        data["application"] = {
            "reference": app.reference,
            "full_name": app.full_name,
            "nik": app.nik,
            "phone": app.phone,
            "email": app.email,
            **{f: getattr(app, f) for f in ADDRESS},
            **{f: plain(getattr(app, f)) for f in COORDS},
            "plan": app.plan.code,
            "preferred_date": plain(app.preferred_date),
            "terms_accepted_at": plain(app.consent_at),
            "status": app.status,
            "submitted_at": plain(app.created_at),
            "reviewed_at": plain(app.reviewed_at),
            "rejection_reason": app.rejection_reason,
        }
    subs = Subscription.objects.filter(customer_id=customer_id).order_by("created_at", "pk")
    data["subscriptions"] = rows(
        subs,
        "state",
        "state_changed_at",
        "state_reason",
        "pppoe_username",
        "installed_at",
        "deposit_paid_at",
        "activated_at",
        "closed_at",
        "created_at",
        plan="plan__code",
        plan_name="plan__name",
    )
    data["equipment"] = rows(
        Equipment.objects.filter(subscription__customer_id=customer_id).order_by("pk"),
        "kind",
        "model_name",
        "serial",
        "status",
        "installed_at",
    )
    # What happened on the record; who on the staff did it is their data, not the customer's.
    data["events"] = rows(
        Event.objects.filter(customer_id=customer_id).order_by("created_at", "pk"),
        "created_at",
        "kind",
        "from_state",
        "to_state",
        "reason",
        "data",
    )
    return data


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    ids = batch.customer_ids
    counts: dict[str, dict[int, int]] = {}

    # Applications: the customer's own, and earlier decided ones of the same person.
    app_of = dict(
        Customer.objects.filter(pk__in=ids, application__isnull=False).values_list(
            "application_id", "pk"
        )
    )

    def app_match(s):
        q = Q(pk__in=[a for a, c in app_of.items() if c == s.customer_id])
        if s.niks:
            q |= Q(nik__in=s.niks, customer__isnull=True) & ~Q(status=ApplicationStatus.SUBMITTED)
        return q

    app_ids = batch.owners(Application.objects.all(), app_match)

    # Events: the free-text reason goes and the customer's values are scrubbed out of
    # the data; out of the "who" label only where they acted themselves (an applicant, the
    # customer in the portal): a staff member's label stays, even with a shared name.
    own = Q(actor__isnull=True) | Q(actor_id__in=batch.user_ids)
    for rows_, owner in (
        (Event.objects.filter(customer_id__in=ids), "customer_id"),
        (
            Event.objects.filter(customer__isnull=True, application_id__in=list(app_ids)),
            case_on("application_id", app_ids, BigIntegerField()),
        ),
    ):
        add_counts(
            counts,
            "customers.Event",
            batch.scrub_rows(rows_, owner=owner, json_columns=["data"], redact=["reason"]),
        )
        add_counts(
            counts,
            "customers.Event.actor_label",
            batch.scrub_rows(rows_.filter(own), ["actor_label"], owner=owner),
        )

    if app_ids:
        app_rows = Application.objects.filter(pk__in=list(app_ids))
        counts["customers.Application"] = count_mapped(app_rows, "pk", app_ids)
        # Values per row, written by primary key: a CASE of 500 branches per column costs
        # more to build and run than the rows it writes.
        rows_update(
            [Application(pk=a, **_anonymous(batch.subjects[c])) for a, c in app_ids.items()],
            ANONYMISED,
        )
        app_rows.exclude(rejection_reason="").update(rejection_reason=REDACTED)

    customers = Customer.objects.filter(pk__in=ids)
    counts["customers.Customer"] = count_by(customers, "pk")
    rows_update(
        [
            # Nothing goes out to addresses that are gone: the portal inbox only.
            Customer(pk=cid, notify_channels="", **_anonymous(batch.subjects[cid]))
            for cid in counts["customers.Customer"]
        ],
        [*ANONYMISED, "notify_channels"],
    )

    subs = Subscription.objects.filter(customer_id__in=ids)
    counts["customers.Subscription"] = count_by(subs, "customer_id")
    sub_ids = list(subs.values_list("pk", flat=True))
    rows_update(
        [Subscription(pk=pk, pppoe_password=secrets.token_urlsafe(12)) for pk in sub_ids],
        ["pppoe_password"],
    )
    subs.exclude(state_reason="").update(state_reason=REDACTED)
    for pk, username, cid in subs.values_list("pk", "pppoe_username", "customer_id"):
        derived = pppoe_username_for(batch.subjects[cid].label)
        if username != derived:  # not made from the number: it may hold a name
            Subscription.objects.filter(pk=pk).update(pppoe_username=f"{derived}-{pk}"[:64])
    return counts


def register() -> None:
    section_register(
        name="customers",
        label=_("Customer record"),
        order=30,
        exporter=export,
        anonymiser=anonymise,
        columns={
            "customers.Customer": (
                "full_name",
                "nik",
                "phone",
                "email",
                "street",
                "rt",
                "rw",
                "latitude",
                "longitude",
                "notify_channels",
            ),
            "customers.Application": APPLICATION_COLUMNS,
            "customers.Subscription": ("pppoe_password", "state_reason"),
            "customers.Event": ("reason", "data"),
            "customers.Event.actor_label": ("actor_label",),
        },
    )


def erasures_record(
    *,
    subject: str,
    subjects: Iterable[Subject],
    fields_of: Callable[[int], dict[str, Any]],
    now: Any,
    user: Any = None,
    label: str = JOB,
    owner: str = "customer_id",
) -> list[PersonalDataErasure]:
    """The erasure record of each anonymised subject (what staff see on the privacy
    page) and its `data_anonymised` event on the customer's or the application's history
    (`owner`: the Event column). `user`: the staff member, or None for the job."""
    records = PersonalDataErasure.objects.bulk_create(
        [
            PersonalDataErasure(
                subject=subject,
                subject_id=s.customer_id,
                label=s.label,
                pseudonym=s.pseudonym,
                fields=fields_of(s.customer_id),
                erased_at=now,
                actor=user,
                actor_label=label,
            )
            for s in subjects
        ]
    )
    who = label if user else gettext("Data retention job")
    Event.objects.bulk_create(
        [
            Event(
                **{owner: r.subject_id},
                kind=EventKind.DATA_ANONYMISED,
                actor=user,
                actor_label=who,
                data={"pseudonym": r.pseudonym, "sections": sorted(r.fields)},
            )
            for r in records
        ]
    )
    return records
