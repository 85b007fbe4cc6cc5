"""registration_submit and registration_reject: duplicates, coverage, messages, stale states."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.customers.choices import ApplicationStatus, EventKind
from ispcare.customers.models import Application, CoverageArea, Customer
from ispcare.customers.notices import status_reference
from ispcare.customers.services import (
    registration_approve,
    registration_reject,
    registration_submit,
)
from tests import factories
from tests.factories import cleaned, row_counts

pytestmark = pytest.mark.django_db


# --- Duplicates -----------------------------------------------------------------------


def test_open_application_with_same_nik_is_a_duplicate_on_the_nik_field():
    first = factories.submit()
    with pytest.raises(Duplicate) as exc:
        factories.submit(nik=first.nik)
    assert set(exc.value.fields) == {"nik"}
    assert exc.value.code == "duplicate" and exc.value.status == 409
    assert Application.objects.count() == 1


def test_open_application_with_same_phone_in_another_spelling_is_a_duplicate():
    factories.submit(phone="0812-7000-1234")
    with pytest.raises(Duplicate) as exc:
        factories.submit(phone="+62 812 7000 1234")
    assert set(exc.value.fields) == {"phone"}
    assert Application.objects.count() == 1


def test_same_nik_and_phone_name_both_fields():
    first = factories.submit()
    with pytest.raises(Duplicate) as exc:
        factories.submit(nik=first.nik, phone=first.phone)
    assert set(exc.value.fields) == {"nik", "phone"}


def test_existing_customer_is_a_duplicate_with_a_customer_message(onboarding):
    customer, _ = onboarding.approved()
    for field in ("nik", "phone"):
        # Messages are rendered in the language of the request that calls the service.
        with translation.override("en"), pytest.raises(Duplicate) as exc:
            factories.submit(**{field: getattr(customer, field)})
        assert set(exc.value.fields) == {field}
        assert "already belongs to a customer" in str(exc.value.fields[field][0])
    assert Application.objects.count() == 1


def test_open_application_message_differs_from_customer_message():
    first = factories.submit()
    with translation.override("en"), pytest.raises(Duplicate) as exc:
        factories.submit(nik=first.nik)
    assert "already being processed" in str(exc.value.fields["nik"][0])
    with pytest.raises(Duplicate) as exc:
        factories.submit(nik=first.nik)
    assert "sedang diproses" in str(exc.value.fields["nik"][0])  # Indonesian by default


def test_rejected_application_does_not_block_a_new_one(staff):
    first = factories.submit()
    registration_reject(
        application_id=first.pk, actor=staff("registration"), reason="Alamat tidak ditemukan"
    )
    second = factories.submit(nik=first.nik, phone=first.phone)
    assert second.pk != first.pk
    assert second.status == ApplicationStatus.SUBMITTED


def test_duplicate_leaves_nothing_behind(django_capture_on_commit_callbacks):
    first = factories.submit()
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Duplicate):
        factories.submit(nik=first.nik)
    assert callbacks == []
    assert row_counts() == before
    assert mail.outbox == []


# --- Coverage -----------------------------------------------------------------------------


def _submit(**overrides) -> Application:
    return registration_submit(cleaned=cleaned(**overrides))


def test_no_coverage_rows_means_out_of_coverage():
    assert _submit().in_coverage is False


def test_kelurahan_row_covers_that_kelurahan_only():
    CoverageArea.objects.create(city="Sleman", kecamatan="Depok", kelurahan="Caturtunggal")
    assert _submit(kelurahan="caturtunggal ").in_coverage is True
    assert _submit(kelurahan="Condongcatur").in_coverage is False


def test_whole_kecamatan_row_covers_every_kelurahan_in_it():
    CoverageArea.objects.create(city="Sleman", kecamatan="Depok", kelurahan="")
    assert _submit(kelurahan="Condongcatur").in_coverage is True
    assert _submit(kelurahan="Maguwoharjo", kecamatan="DEPOK", city="sleman").in_coverage is True


def test_same_kecamatan_name_in_another_city_is_not_covered():
    CoverageArea.objects.create(city="Sleman", kecamatan="Depok", kelurahan="")
    assert _submit(city="Kota Depok", kecamatan="Depok", postcode="16411").in_coverage is False


def test_postcode_row_covers_by_postcode():
    CoverageArea.objects.create(city="Bantul", kecamatan="Banguntapan", postcode="55198")
    assert _submit(city="Bantul", kecamatan="Lain", postcode="55198").in_coverage is True
    assert _submit(city="Bantul", kecamatan="Lain", postcode="55199").in_coverage is False


# --- The application record and what the applicant is told ------------------------------


def test_submit_records_the_application_and_an_event_by_the_applicant():
    app = factories.submit(full_name="Siti Aminah")
    assert app.reference.startswith("REG-") and len(app.reference) == 12
    assert app.status == ApplicationStatus.SUBMITTED and app.consent_at is not None
    event = app.events.get()
    assert event.kind == EventKind.APPLICATION_SUBMITTED
    assert event.actor is None and "Siti Aminah" in event.actor_label


def test_application_received_message_in_indonesian_with_status_link(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        app = factories.submit()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [app.email]
    assert message.subject == f"Pendaftaran Anda sudah kami terima ({app.reference})"
    token = message.body.split("/register/status/")[1].split("/")[0]
    assert status_reference(token) == app.reference


def test_application_received_message_in_english_for_an_english_applicant(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        app = registration_submit(cleaned=cleaned(), language="en")
    assert app.language == "en"
    assert mail.outbox[0].subject == f"We received your registration ({app.reference})"


# --- Reject -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "no", "  ok  "])
def test_reject_needs_a_reason(staff, reason):
    app = factories.submit()
    reviewer = staff("registration")
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        registration_reject(application_id=app.pk, actor=reviewer, reason=reason)
    assert "reason" in exc.value.fields
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.reviewed_by is None
    assert row_counts() == before


def test_reject_records_reviewer_reason_and_event_and_tells_the_applicant(
    staff, django_capture_on_commit_callbacks
):
    reviewer = staff("registration")
    app = registration_submit(cleaned=cleaned(), language="en")
    with django_capture_on_commit_callbacks(execute=True):
        registration_reject(
            application_id=app.pk, actor=reviewer, reason="  Outside our network area  "
        )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert app.rejection_reason == "Outside our network area"
    assert app.reviewed_by == reviewer and app.reviewed_at is not None
    event = app.events.get(kind=EventKind.APPLICATION_REJECTED)
    assert event.actor == reviewer and event.reason == "Outside our network area"
    rejected = [m for m in mail.outbox if "could not be approved" in m.subject]
    assert len(rejected) == 1
    assert app.reference in rejected[0].subject
    assert "Outside our network area" in rejected[0].body
    assert not Customer.objects.exists()


def test_rejection_message_in_indonesian_by_default(staff, django_capture_on_commit_callbacks):
    app = factories.submit()
    with django_capture_on_commit_callbacks(execute=True):
        registration_reject(application_id=app.pk, actor=staff("registration"), reason="Data KTP")
    assert mail.outbox[-1].subject == f"Pendaftaran {app.reference} belum dapat kami setujui"


def test_reject_twice_is_a_conflict_and_changes_nothing(staff, django_capture_on_commit_callbacks):
    reviewer = staff("registration")
    app = factories.submit()
    registration_reject(application_id=app.pk, actor=reviewer, reason="first reason")
    manager = staff("manager")
    before = row_counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Conflict) as exc,
    ):
        registration_reject(application_id=app.pk, actor=manager, reason="second reason")
    assert exc.value.code == "application.already_reviewed"
    assert callbacks == []
    app.refresh_from_db()
    assert app.rejection_reason == "first reason" and app.reviewed_by == reviewer
    assert row_counts() == before


def test_reject_an_approved_application_is_a_conflict(onboarding, staff):
    customer, _ = onboarding.approved()
    app = customer.application
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        registration_reject(
            application_id=app.pk, actor=onboarding.registration, reason="Too late now"
        )
    assert exc.value.code == "application.already_reviewed"
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and app.rejection_reason == ""
    assert row_counts() == before


def test_approve_a_rejected_application_is_a_conflict(staff):
    reviewer = staff("registration")
    app = factories.submit()
    registration_reject(application_id=app.pk, actor=reviewer, reason="Data tidak lengkap")
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        registration_approve(application_id=app.pk, actor=reviewer)
    assert exc.value.code == "application.already_reviewed"
    assert row_counts() == before
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED


def test_nik_in_other_digit_scripts_cannot_slip_past_the_duplicate_check():
    from ispcare.customers.forms import RegistrationForm

    first = factories.submit()
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in first.nik)
    form = RegistrationForm(factories.registration_data(nik=fullwidth))
    assert not form.is_valid()
    assert "nik" in form.errors
