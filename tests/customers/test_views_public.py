"""Public pages: home, the registration form, the confirmation and the status link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ispcare.customers.models import Application, Plan
from ispcare.customers.notices import STATUS_SALT, status_token
from ispcare.customers.services import registration_reject
from tests import factories

pytestmark = pytest.mark.django_db

REGISTER = "/register/"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    """Assertions on wording use English, the source language."""
    client.cookies["ispcare_language"] = "en"
    return client


def body(response) -> str:
    return response.content.decode()


# Home -------------------------------------------------------------------------------------


def test_home_lists_the_offered_plans_with_prices_and_a_register_button(en):
    plan = factories.PlanFactory()
    Plan.objects.create(
        code="old-5",
        name="Old 5",
        speed_mbps=5,
        monthly_price=1,
        installation_fee=1,
        deposit=1,
        radius_profile="old",
        is_active=False,
    )
    response = en.get(reverse("customers:home"))
    assert response.status_code == 200
    html = body(response)
    assert "20 <span>Mbps</span>" in html
    for amount in ("Rp 200.000", "Rp 250.000", "Rp 300.000"):
        assert amount in html
    assert f"{REGISTER}?plan={plan.pk}" in html
    assert "Old 5" not in html
    assert reverse("accounts:login") in html
    for step in ("Verification", "Customer number", "Installation", "Deposit", "Active"):
        assert step in html


def test_plan_from_the_home_page_is_preselected(client):
    plan = factories.PlanFactory()
    html = body(client.get(f"{REGISTER}?plan={plan.pk}"))
    assert f'value="{plan.pk}" checked' in html


# Registration form ------------------------------------------------------------------------


def test_form_renders_grouped_with_consents_honeypot_and_map_pin(en):
    factories.PlanFactory()
    response = en.get(REGISTER)
    assert response.status_code == 200
    html = body(response)
    assert html.count("<fieldset>") == 4
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'class="hp"' in html and 'name="website"' in html
    assert 'name="latitude"' in html and 'name="longitude"' in html
    assert "navigator.geolocation" in html
    assert 'type="radio" name="plan"' in html
    for name in (
        "consent_initial_payment",
        "consent_deposit",
        "consent_isolation",
        "consent_equipment",
    ):
        assert f'name="{name}"' in html
    assert "isolated until the deposit is paid" in html


def test_valid_registration_creates_one_application_and_goes_to_done(client):
    data = factories.registration_data(latitude="-7.765432", longitude="110.378901")
    response = client.post(REGISTER, data)
    assert Application.objects.count() == 1
    app = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:registration_done", args=[status_token(app)])
    assert app.nik == data["nik"] and app.language == "id"
    assert str(app.latitude) == "-7.765432"


def test_the_active_language_is_stored_on_the_application(en):
    en.post(REGISTER, factories.registration_data())
    assert Application.objects.get().language == "en"


def _past():
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


BAD_INPUT = {
    "bad NIK structure": ({"nik": "9904011201900001"}, "nik", "province code"),
    "NIK not 16 digits": ({"nik": "34040112"}, "nik", "exactly 16 digits"),
    "bad phone": ({"phone": "12345"}, "phone", "phone number"),
    "past date": ({"preferred_date": _past}, "preferred_date", "from tomorrow"),
    "missing consent": ({"consent_deposit": None}, "consent_deposit", "must agree"),
    "missing plan": ({"plan": None}, "plan", "choose a plan"),
    "bad postcode": ({"postcode": "55"}, "postcode", "5 digits"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gets_a_message_on_its_field_and_creates_nothing(en, case):
    overrides, field, words = BAD_INPUT[case]
    data = factories.registration_data()
    for key, value in overrides.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value() if callable(value) else value
    response = en.post(REGISTER, data)
    assert response.status_code == 200
    assert Application.objects.count() == 0
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower()
    html = body(response)
    assert f'id="id_{field}_error"' in html  # shown under the field itself
    assert "Please check the fields marked in red." in html


def test_filled_honeypot_is_refused_and_creates_nothing(client):
    response = client.post(REGISTER, factories.registration_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "website" in response.context["form"].errors
    assert Application.objects.count() == 0


def test_entered_values_are_kept_after_an_error(client):
    data = factories.registration_data(phone="12345")
    html = body(client.post(REGISTER, data))
    assert data["street"] in html and data["nik"] in html


def test_duplicate_nik_of_an_open_application_is_shown_on_the_nik_field(en):
    first = factories.submit()
    response = en.post(REGISTER, factories.registration_data(nik=first.nik))
    assert Application.objects.count() == 1
    errors = response.context["form"].errors
    assert "already being processed" in errors["nik"][0]
    assert "phone" not in errors
    assert 'id="id_nik_error"' in body(response)


def test_duplicate_phone_of_a_customer_is_shown_on_the_phone_field(en, onboarding):
    customer, _ = onboarding.approved()
    response = en.post(REGISTER, factories.registration_data(phone=customer.phone))
    assert response.status_code == 200
    assert "already belongs to a customer" in response.context["form"].errors["phone"][0]
    assert Application.objects.filter(status="submitted").count() == 0


def test_registration_post_needs_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(REGISTER, factories.registration_data())
    assert response.status_code == 403
    assert Application.objects.count() == 0


@pytest.fixture
def limits_on(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "registration": (2, 3600)}
    cache.clear()
    yield
    cache.clear()


def test_registration_is_rate_limited(en, limits_on):
    for _ in range(2):
        assert en.post(REGISTER, factories.registration_data(phone="1")).status_code == 200
    response = en.post(REGISTER, factories.registration_data())
    assert response.status_code == 429
    assert "Too many attempts" in body(response)
    assert Application.objects.count() == 0
    assert en.get(REGISTER).status_code == 200  # reading the form is not limited


# Confirmation and status ------------------------------------------------------------------


def test_done_page_shows_the_reference_and_the_status_link(en):
    app = factories.submit()
    token = status_token(app)
    response = en.get(reverse("customers:registration_done", args=[token]))
    assert response.status_code == 200
    html = body(response)
    assert f'id="reference">{app.reference}<' in html
    assert reverse("customers:registration_status", args=[token]) in html
    assert "What happens next" in html
    assert "Rp 250.000" in html and "Rp 300.000" in html  # initial payment and deposit


def test_status_of_a_submitted_application(en):
    app = factories.submit()
    response = en.get(reverse("customers:registration_status", args=[status_token(app)]))
    assert response.status_code == 200
    html = body(response)
    assert app.reference in html and 'id="status-waiting"' in html
    assert app.nik not in html
    assert '<li class="done" data-step="submitted">' in html
    assert '<li class="current" data-step="verified">' in html


def test_status_after_approval_shows_customer_number_and_service_state(en, onboarding):
    customer, sub = onboarding.installed()
    response = en.get(
        reverse("customers:registration_status", args=[status_token(customer.application)])
    )
    html = body(response)
    assert customer.number in html
    assert sub.get_state_display() in html
    for step in ("submitted", "verified", "installed"):
        assert f'<li class="done" data-step="{step}">' in html
    assert '<li class="current" data-step="deposit">' in html
    assert "isolated until the deposit" in html


def test_status_when_active_has_every_step_done(en, onboarding):
    customer, _ = onboarding.active()
    html = body(
        en.get(reverse("customers:registration_status", args=[status_token(customer.application)]))
    )
    assert html.count('<li class="done"') == 5


def test_status_of_a_rejected_application_shows_the_reason(en, onboarding):
    app = factories.submit()
    registration_reject(
        application_id=app.pk, actor=onboarding.registration, reason="Outside our network area."
    )
    html = body(en.get(reverse("customers:registration_status", args=[status_token(app)])))
    assert 'id="status-rejected"' in html and "Outside our network area." in html
    assert 'id="status-steps"' not in html


@pytest.mark.parametrize("name", ["customers:registration_status", "customers:registration_done"])
def test_tampered_or_unknown_tokens_answer_404(client, name):
    app = factories.submit()
    token = status_token(app)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse(name, args=[tampered])).status_code == 404
    assert client.get(reverse(name, args=["not-a-token"])).status_code == 404
    forged = signing.dumps("REG-NOSUCH1", salt="another.salt")
    assert client.get(reverse(name, args=[forged])).status_code == 404
    unknown = signing.dumps("REG-NOSUCH1", salt=STATUS_SALT)
    assert client.get(reverse(name, args=[unknown])).status_code == 404


# Language ---------------------------------------------------------------------------------


def test_indonesian_by_default_and_english_after_the_switch(client):
    factories.PlanFactory()
    html = body(client.get("/"))
    assert '<html lang="id">' in html and "Layanan pelanggan" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = body(client.get("/"))
    assert '<html lang="en">' in html
    assert "Customer service" in html and "Layanan pelanggan" not in html
    assert "Register now" in html


def test_status_link_is_rate_limited_on_get(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "registration_status": (2, 60)}
    cache.clear()
    url = reverse("customers:registration_status", args=[status_token(factories.submit())])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()


def test_full_width_digits_in_rt_and_postcode_are_refused():
    from ispcare.customers.forms import RegistrationForm
    from tests.factories import registration_data

    form = RegistrationForm(registration_data(rt="\uff10\uff10\uff13", postcode="\uff15" * 5))
    assert not form.is_valid()
    assert "rt" in form.errors and "postcode" in form.errors
