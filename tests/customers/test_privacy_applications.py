"""Registrations that never became a customer (UU PDP, decision 0019): rejected longer
than PRIVACY_APPLICATION_RETENTION_DAYS ago, the applicant's values are gone from every
column of every table (the walk of tests/closures), the facts the figures count stay, the
staff log shows it; rejected recently, approved (a customer), or still waiting: untouched;
a second run changes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from ispcare import jobs
from ispcare.accounts.roles import Role
from ispcare.common.models import PersonalDataErasure
from ispcare.common.privacy import REDACTED, pseudonym_for
from ispcare.customers.choices import ApplicationStatus, EventKind
from ispcare.customers.events import event_record
from ispcare.customers.models import Application, Customer, Event
from ispcare.customers.privacy_applications import (
    applications_anonymise,
    applications_anonymise_due,
    due_applications,
)
from ispcare.customers.services import registration_reject
from ispcare.notifications.models import Notification
from tests import factories
from tests.closures.test_privacy_support import Person, hits, snapshot, textual_columns

pytestmark = pytest.mark.django_db

_n = itertools.count(1)
OUT_OF_COVERAGE = "di luar jangkauan jaringan"


@dataclass
class Applicant(Person):
    application: object = None


def applicant(name: str, street: str, *, phone=None, email=None, nik=None) -> Applicant:
    """A submitted application (with its received notice), its coordinates, and an event
    whose payload and reason name the applicant."""
    phone, nik = phone or factories.phone(), nik or factories.nik()
    email = email or f"{name.split()[0].lower()}.a{next(_n)}@example.id"
    app = factories.submit(full_name=name, street=street, phone=phone, nik=nik, email=email)
    Application.objects.filter(pk=app.pk).update(
        latitude=Decimal("-7.774000"), longitude=Decimal("110.374000")
    )
    p = Applicant(None, None, name, street, email, phone, nik, application=app)
    event_record(
        application=app,
        kind=EventKind.PREFERENCES_CHANGED,
        actor=factories.staff_user(Role.REGISTRATION),
        reason=f"Telepon {p.spaced}: {name} minta dihubungi lewat {email}",
        data={"contact": {"name": name, "phone": phone, "nik": nik}, "street": street},
    )
    return p


def reject(p: Applicant, *, days_ago: int) -> None:
    registration_reject(
        application_id=p.application.pk,
        actor=factories.staff_user(Role.REGISTRATION),
        reason=f"Alamat {p.street} {OUT_OF_COVERAGE}; sudah ditelepon ke {p.spaced} ({p.name})",
    )
    Application.objects.filter(pk=p.application.pk).update(
        reviewed_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def rows_of(app_ids) -> dict[str, list]:
    """Every column of the applications, their events and their messages."""
    refs = [f"application:{pk}" for pk in app_ids]

    def values(qs):
        fields = [f.attname for f in qs.model._meta.concrete_fields]
        return sorted(map(repr, qs.values_list(*fields)))

    return {
        "applications": values(Application.objects.filter(pk__in=app_ids)),
        "events": values(Event.objects.filter(application_id__in=app_ids)),
        "messages": values(Notification.objects.filter(recipient_ref__in=refs)),
    }


def own_rows(app_ids) -> set[tuple[str, object]]:
    """(model, pk) of the rows that are the applications' own."""
    refs = [f"application:{pk}" for pk in app_ids]
    return {
        *(("customers.Application", pk) for pk in app_ids),
        *(
            ("customers.Event", pk)
            for pk in Event.objects.filter(application_id__in=app_ids).values_list("pk", flat=True)
        ),
        *(
            ("notifications.Notification", pk)
            for pk in Notification.objects.filter(recipient_ref__in=refs).values_list(
                "pk", flat=True
            )
        ),
    }


def where(found) -> set[tuple[str, object]]:
    return {(label, pk) for label, pk, _col in found}


@pytest.fixture
def world(settings, tmp_path):
    """One rejected 200 days ago (due at 180), one rejected 30 days ago, one still
    waiting for review for 400 days."""
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVACY_APPLICATION_RETENTION_DAYS = 180
    due = applicant("Wiwik Sulastriningsih", "Jl. Cendana Wangi No. 17")
    recent = applicant("Ratna Puspitasari", "Jl. Anggrek Bulan No. 8")
    waiting = applicant("Heru Kurniawan", "Jl. Melati Putih No. 3")
    reject(due, days_ago=200)
    reject(recent, days_ago=30)
    old = timezone.now() - dt.timedelta(days=400)
    Application.objects.filter(pk=waiting.application.pk).update(created_at=old, updated_at=old)
    return {"due": due, "recent": recent, "waiting": waiting}


def test_the_walk_finds_the_applicants_values_before(world):
    """Not vacuous: before the run the walk finds the values in the application, its
    events and its messages."""
    tables = {label for label, _pk, _col in hits(world["due"])}
    assert {"customers.Application", "customers.Event", "notifications.Notification"} <= tables
    columns = {col for label, _pk, col in hits(world["due"]) if label == "customers.Application"}
    assert {"full_name", "nik", "phone", "email", "street", "rejection_reason"} <= columns


def test_a_rejected_application_past_retention_leaves_no_personal_value(world):
    p = world["due"]
    app = Application.objects.get(pk=p.application.pk)
    others = {k: rows_of([world[k].application.pk]) for k in ("recent", "waiting")}

    assert applications_anonymise_due() == 1

    # Column by column, in every table: nothing of theirs is left.
    assert hits(p) == set()
    # The others are exactly as they were.
    for k, before in others.items():
        assert rows_of([world[k].application.pk]) == before, f"{k} was touched"
    after = Application.objects.get(pk=app.pk)
    pseudonym = pseudonym_for(app.reference)
    assert after.full_name == pseudonym
    assert after.nik.startswith("ANON") and len(after.nik) == 16 and after.nik != app.nik
    assert after.phone.startswith("ANON") and after.phone != app.phone
    assert (after.email, after.street, after.rt, after.rw) == ("", REDACTED, "", "")
    assert after.latitude is None and after.longitude is None
    # The reason keeps what the refusal was about, without who it was.
    assert OUT_OF_COVERAGE in after.rejection_reason and pseudonym in after.rejection_reason
    # Every text column of the application was looked at: each personal one changed,
    # the rest (reference, area, language, status) are as they were.
    kept = {"reference", "language", "status", "kelurahan", "kecamatan", "city", "postcode"}
    for f in textual_columns(Application):
        old, new = getattr(app, f.attname), getattr(after, f.attname)
        if f.name in kept:
            assert new == old, f.name
        else:
            assert new != old and not p.found_in(str(new)), f.name
    # The facts the figures count stay.
    for name in ("status", "plan_id", "preferred_date", "created_at", "reviewed_at"):
        assert getattr(after, name) == getattr(app, name), name
    assert after.reviewed_by_id == app.reviewed_by_id and after.in_coverage == app.in_coverage
    # Events: kinds and staff kept, their text scrubbed; the applicant's own label too.
    kinds = set(Event.objects.filter(application=app).values_list("kind", flat=True))
    assert {EventKind.APPLICATION_SUBMITTED, EventKind.APPLICATION_REJECTED} <= kinds
    submitted = Event.objects.get(application=app, kind=EventKind.APPLICATION_SUBMITTED)
    assert submitted.actor_label.startswith(pseudonym)
    rejected = Event.objects.get(application=app, kind=EventKind.APPLICATION_REJECTED)
    assert OUT_OF_COVERAGE in rejected.reason and rejected.actor_id is not None
    # The messages: address and text gone, channel, template and status kept.
    messages = Notification.objects.filter(recipient_ref=f"application:{app.pk}")
    assert {"application_received", "application_rejected"} <= set(
        messages.values_list("template_key", flat=True)
    )
    for m in messages:
        assert m.recipient_name == pseudonym and m.to in ("", pseudonym)
        assert (m.subject, m.body, m.wa_params) == (REDACTED, REDACTED, [])


def test_staff_see_the_erasure(world, staff):
    from ispcare.closures.privacy import privacy_summary

    p = world["due"]
    assert privacy_summary()["applications_due"] == 1
    applications_anonymise_due()
    summary = privacy_summary()
    assert (summary["applications_due"], summary["applications_erased"]) == (0, 1)
    assert summary["application_retention_days"] == 180
    record = PersonalDataErasure.objects.get(subject="application")
    assert record.subject_id == p.application.pk
    assert record.label == p.application.reference
    assert record.pseudonym == pseudonym_for(p.application.reference)
    assert record.actor is None and record.actor_label == "job"
    assert record.fields["customers"]["customers.Application"] == {
        "columns": [
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
        ],
        "rows": 1,
    }
    assert record.fields["customers"]["customers.Event"]["rows"] >= 2
    assert record.fields["notifications"]["notifications.Notification"]["rows"] >= 2
    assert "to" in record.fields["notifications"]["notifications.Notification"]["columns"]
    event = Event.objects.get(application=p.application, kind=EventKind.DATA_ANONYMISED)
    assert event.data["pseudonym"] == record.pseudonym
    # Not counted as a customer.
    assert not PersonalDataErasure.objects.filter(subject="customer").exists()

    c = Client()
    c.force_login(staff(Role.MANAGER))
    page = c.get("/staff/privacy/").content.decode()
    assert 'data-testid="applications-erased-count">1<' in page
    assert 'data-testid="erased-count">0<' in page
    assert f'data-number="{p.application.reference}" data-subject="application"' in page
    assert "customers.Application" in page
    assert not p.found_in(page)


def test_who_is_due(world, settings):
    due = world["due"].application.pk
    assert list(due_applications().values_list("pk", flat=True)) == [due]
    # The retention period is a setting.
    settings.PRIVACY_APPLICATION_RETENTION_DAYS = 365
    assert not due_applications().exists()
    settings.PRIVACY_APPLICATION_RETENTION_DAYS = 180
    # The recent one is due 151 days later; the one still waiting never is.
    later = timezone.now() + dt.timedelta(days=151)
    ids = set(due_applications(now=later).values_list("pk", flat=True))
    assert world["recent"].application.pk in ids
    assert world["waiting"].application.pk not in ids
    # Decided without a review time: its last change counts.
    Application.objects.filter(pk=due).update(
        reviewed_at=None, updated_at=timezone.now() - dt.timedelta(days=10)
    )
    assert not due_applications().exists()
    Application.objects.filter(pk=due).update(updated_at=timezone.now() - dt.timedelta(days=181))
    assert list(due_applications().values_list("pk", flat=True)) == [due]
    # One the customer pass already anonymised (the NIK is "ANON…") is not taken again.
    Application.objects.filter(pk=due).update(nik="ANON000000000042")
    assert not due_applications().exists()


def test_an_approved_application_is_the_customers_and_untouched(world, onboarding):
    customer, _sub = onboarding.active(full_name="Bambang Triwahyudi")
    app = customer.application
    long_ago = timezone.now() - dt.timedelta(days=900)
    Application.objects.filter(pk=app.pk).update(reviewed_at=long_ago, updated_at=long_ago)
    before = rows_of([app.pk])
    assert app.pk not in set(due_applications().values_list("pk", flat=True))
    assert applications_anonymise_due() == 1
    assert rows_of([app.pk]) == before
    # Even marked rejected by a slip, it has a customer: not this pass's.
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.REJECTED)
    assert applications_anonymise(application_ids=[app.pk]) == []
    assert rows_of([app.pk])["events"] == before["events"]
    assert Customer.objects.get(pk=customer.pk).application_id == app.pk


def test_a_second_run_changes_nothing(world):
    assert applications_anonymise_due() == 1
    before = snapshot()
    assert applications_anonymise_due() == 0
    # Asked for by id again (and for ids that are not due or do not exist): nothing.
    ids = [world[k].application.pk for k in ("due", "recent", "waiting")]
    assert applications_anonymise(application_ids=[*ids, 10**9]) == []
    assert snapshot() == before


def test_the_nightly_job_runs_it(world):
    jobs.privacy_anonymise.call_local()
    assert hits(world["due"]) == set()
    assert PersonalDataErasure.objects.filter(subject="application").count() == 1


def test_a_batch_of_applications_sharing_a_phone_and_an_email(settings, tmp_path, onboarding):
    """The same person rejected twice (same NIK, phone and email), a relative with the
    same email, then a customer holding that phone and email now: the three applications
    go, each with its own values, across batches; the customer's rows stay as they were."""
    settings.MEDIA_ROOT = tmp_path
    phone, nik = factories.phone(), factories.nik()
    email = "keluarga.santoso@example.id"
    first = applicant("Sri Wahyuningsih", "Jl. Kenanga No. 2", phone=phone, email=email, nik=nik)
    reject(first, days_ago=400)
    again = applicant("Sri Wahyuningsih", "Jl. Kenanga No. 2", phone=phone, email=email, nik=nik)
    reject(again, days_ago=300)
    relative = applicant("Agus Setiawan", "Jl. Kenanga No. 2A", email=email)
    reject(relative, days_ago=250)
    customer, _sub = onboarding.active(full_name="Dewi Lestari", phone=phone, email=email)
    holder = Person(customer, None, "Dewi Lestari", customer.street, email, phone, customer.nik)
    apps = [first, again, relative]
    ids = [p.application.pk for p in apps]
    theirs = own_rows(ids)
    holder_before = {h for h in hits(holder) if (h[0], h[1]) not in theirs}
    customer_rows = rows_of([customer.application_id])

    assert applications_anonymise_due(batch=2) == 3

    for p in apps:
        # Nothing of theirs is left in their rows; what still holds the shared phone or
        # email is the customer's.
        assert not where(hits(p)) & theirs, p.name
        assert where(hits(p)) <= where(hits(holder)), p.name
    assert hits(holder) == holder_before
    assert rows_of([customer.application_id]) == customer_rows
    anonymised = list(Application.objects.filter(pk__in=ids).values_list("nik", "phone"))
    assert len({n for n, _ in anonymised}) == len({ph for _, ph in anonymised}) == 3
    assert set(Application.objects.filter(pk__in=ids).values_list("full_name", flat=True)) == {
        pseudonym_for(p.application.reference) for p in apps
    }
    # Each application's messages under its own pseudonym.
    for p in apps:
        names = set(
            Notification.objects.filter(
                recipient_ref=f"application:{p.application.pk}"
            ).values_list("recipient_name", flat=True)
        )
        assert names == {pseudonym_for(p.application.reference)}
    assert set(
        PersonalDataErasure.objects.filter(subject="application").values_list(
            "subject_id", flat=True
        )
    ) == set(ids)


def test_applications_hold_no_files():
    """A KTP photo or other upload on Application would need deleting from storage by
    customers/privacy_applications.py (as the helpdesk's chat images): none exists yet."""
    files = [f.name for f in Application._meta.get_fields() if isinstance(f, models.FileField)]
    assert files == [], "delete these files in customers/privacy_applications.py"
