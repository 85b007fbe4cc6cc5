"""POST /registrations: public, the web form's rules, duplicates, the rate limit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from ispcare.customers.models import Application, Event
from ispcare.customers.notices import status_reference
from tests import factories

from .support import assert_error, call, registration_body

pytestmark = pytest.mark.django_db


def test_registration_creates_an_application_and_answers_its_signed_status_link(client):
    factories.coverage()
    body = registration_body(phone="0812 3456 7890", latitude=-7.77, longitude=110.38)
    response = call(client, "post", "/registrations", body=body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    out = response.json()
    assert set(out) == {"reference", "status", "status_url"}
    app = Application.objects.get(reference=out["reference"])
    assert out["status"] == "submitted" == app.status
    token = out["status_url"].rsplit("/register/status/", 1)[1].strip("/")
    assert status_reference(token) == app.reference
    # Cleaned by the form exactly as on the web page; in coverage; language from the request.
    assert app.phone == "+6281234567890" and app.nik == body["nik"] and app.in_coverage
    assert app.language == "en" and app.consent_at is not None
    assert Event.objects.filter(application=app, kind="application_submitted").count() == 1
    assert client.get(out["status_url"].split("localhost:8000", 1)[1]).status_code == 200


def test_registration_works_for_a_client_without_csrf_cookie():
    client = Client(enforce_csrf_checks=True)
    response = call(client, "post", "/registrations", body=registration_body())
    assert response.status_code == 201, response.content


def test_registration_sends_the_acknowledgement(
    client, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, "post", "/registrations", body=registration_body())
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert any(reference in m.body for m in mail.outbox), [m.body for m in mail.outbox]


BAD_FIELDS = [
    ("nik", "3404010101010000"),
    ("nik", "12"),
    ("nik", "".join(chr(0xFF10 + int(d)) for d in "3404010101900001")),  # full-width
    ("phone", "021 555 1234"),
    ("email", "not-an-email"),
    ("full_name", "B"),
    ("rt", "1a"),
    ("postcode", "5528"),
    ("preferred_date", "2001-01-01"),
    ("preferred_date", "2099-01-01"),
    ("preferred_date", "tomorrow"),
    ("consent_initial_payment", False),
    ("consent_deposit", False),
    ("consent_isolation", False),
    ("consent_equipment", False),
    ("plan", 999999),
    ("plan", "basic"),
    ("latitude", 48.85),
    ("website", "http://spam.example"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_bad_input_is_422_on_the_field_and_creates_nothing(client, field, value):
    body = registration_body(**{field: value})
    if field == "latitude":  # a whole pin, outside Indonesia
        body["longitude"] = 2.35
    before = factories.row_counts()
    response = call(client, "post", "/registrations", body=body)
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert field in fields, fields
    assert factories.row_counts() == before


@pytest.mark.parametrize(
    "field", ["full_name", "nik", "phone", "plan", "preferred_date", "postcode"]
)
def test_a_missing_field_is_422_on_that_field(client, field):
    body = registration_body()
    del body[field]
    fields = assert_error(
        call(client, "post", "/registrations", body=body), 422, "validation_error"
    )["fields"]
    assert list(fields) == [field]
    assert Application.objects.count() == 0


@pytest.mark.parametrize("consent", ["consent_deposit", "consent_isolation"])
def test_a_missing_consent_is_the_forms_message(client, consent):
    body = registration_body()
    del body[consent]
    en = call(client, "post", "/registrations", body=body, HTTP_ACCEPT_LANGUAGE="en")
    fields = assert_error(en, 422, "validation_error")["fields"]
    assert fields == {consent: ["You must agree to this term to register."]}


def test_half_a_map_pin_is_a_request_level_error(client):
    body = registration_body(latitude=-7.7)
    fields = assert_error(
        call(client, "post", "/registrations", body=body), 422, "validation_error"
    )["fields"]
    assert list(fields) == ["__all__"]


def test_a_status_in_the_body_is_ignored(client):
    body = registration_body(status="approved", in_coverage=True, reference="X")
    response = call(client, "post", "/registrations", body=body)
    assert response.status_code == 201
    assert Application.objects.get().status == "submitted"
    assert response.json()["reference"] != "X"


@pytest.mark.parametrize("field", ["nik", "phone"])
def test_the_same_person_again_is_409_duplicate_naming_the_field(client, field):
    first = registration_body()
    assert call(client, "post", "/registrations", body=first).status_code == 201
    again = registration_body(**{field: first[field]})
    before = factories.row_counts()
    body = assert_error(call(client, "post", "/registrations", body=again), 409, "duplicate")
    assert list(body["fields"]) == [field]
    assert factories.row_counts() == before


def test_an_existing_customer_registering_again_is_409(client, onboarding):
    customer, _sub = onboarding.approved()
    body = assert_error(
        call(client, "post", "/registrations", body=registration_body(nik=customer.nik)),
        409,
        "duplicate",
    )
    assert "nik" in body["fields"]


def test_registration_is_rate_limited_per_client_address(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "registration": (3, 3600)}
    statuses = [
        call(client, "post", "/registrations", body=registration_body()).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 201]
    before = factories.row_counts()
    response = call(client, "post", "/registrations", body=registration_body())
    assert_error(response, 429, "rate_limited")
    assert factories.row_counts() == before
    # Another address has its own count.
    other = call(client, "post", "/registrations", body=registration_body(), REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 201


def test_the_limit_counts_refused_attempts_too(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "registration": (2, 3600)}
    for _ in range(2):
        assert_error(
            call(client, "post", "/registrations", body=registration_body(nik="1")),
            422,
            "validation_error",
        )
    assert_error(
        call(client, "post", "/registrations", body=registration_body()), 429, "rate_limited"
    )
    assert Application.objects.count() == 0
