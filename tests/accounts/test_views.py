"""Login (staff username, customer number, email), logout, the home redirect, the rate limit."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ispcare.accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "kuat-sekali-2026"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    client.cookies["ispcare_language"] = "en"
    return client


@pytest.fixture
def customer(onboarding):
    customer, _sub = onboarding.approved(email="siti@example.id")
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return customer


def _login(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def test_login_page_renders_with_csrf(en):
    response = en.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert "Customer number, email or staff username" in body


def test_customer_logs_in_with_customer_number(client, customer):
    response = _login(client, customer.number)
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert client.get(response.url).url == reverse("portal:dashboard")


def test_customer_number_is_case_insensitive(client, customer):
    assert _login(client, customer.number.lower()).status_code == 302


def test_customer_logs_in_with_email(client, customer):
    response = _login(client, "  SITI@example.id ")
    assert response.status_code == 302
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_wrong_password_says_so_and_logs_nobody_in(en, customer):
    response = _login(en, customer.number, "salah-sandi")
    assert response.status_code == 200
    assert "Wrong login or password" in response.content.decode()
    assert "_auth_user_id" not in en.session


def test_staff_logs_in_with_username(client):
    user = factories.staff_user(Role.REGISTRATION)
    response = _login(client, user.username, "pass-registration")
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).url == reverse("staff:registration_queue")


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.TECHNICIAN, "workorders:my_jobs"),
        (Role.REGISTRATION, "staff:registration_queue"),
        (Role.FINANCE, "billing:invoice_list"),
        (Role.CUSTOMER_SERVICE, "staff:dashboard"),
        (Role.MANAGER, "staff:dashboard"),
        (Role.ADMIN, "staff:dashboard"),
    ],
)
def test_home_redirects_by_role(client, role, target):
    client.force_login(factories.staff_user(role))
    assert client.get(reverse("accounts:home")).url == reverse(target)


def test_home_redirects_a_customer_to_the_portal(client, customer):
    client.force_login(customer.user)
    assert client.get(reverse("accounts:home")).url == reverse("portal:dashboard")


def test_home_needs_login(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_login_follows_a_local_next_but_not_a_foreign_one(client, customer):
    url = reverse("accounts:login")
    ok = client.post(url, {"username": customer.number, "password": PASSWORD, "next": "/portal/"})
    assert ok.url == "/portal/"
    client.logout()
    evil = client.post(
        url, {"username": customer.number, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil.url == reverse("accounts:home")


def test_logged_in_person_opening_login_goes_home(client, customer):
    client.force_login(customer.user)
    assert client.get(reverse("accounts:login")).url == reverse("accounts:home")


def test_logout_is_post_only(client, customer):
    client.force_login(customer.user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_logout_needs_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("accounts:logout")).status_code == 403


def test_login_post_needs_the_csrf_token(customer):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("accounts:login"), {"username": customer.number, "password": PASSWORD}
    )
    assert response.status_code == 403


@pytest.fixture
def limits_on(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 300)}
    cache.clear()
    yield
    cache.clear()


def test_login_is_rate_limited_with_a_readable_429_page(en, customer, limits_on):
    for _ in range(3):
        assert _login(en, customer.number, "salah").status_code == 200
    response = _login(en, customer.number, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many attempts" in body and "<html" in body
    assert "_auth_user_id" not in en.session
    # Only POSTs count: the form itself still opens.
    assert en.get(reverse("accounts:login")).status_code == 200


def test_rate_limit_counts_per_address(client, customer, limits_on):
    for _ in range(3):
        _login(client, customer.number, "salah", REMOTE_ADDR="10.0.0.1")
    assert _login(client, customer.number, "salah", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert _login(client, customer.number, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


@pytest.mark.parametrize("namespace", ["accounts", "customers", "portal", "portal_billing"])
def test_every_page_declares_who_may_open_it(namespace):
    """Public pages say so; the rest name a capability (customer_required names "portal")."""
    from django.urls import get_resolver

    _prefix, resolver = get_resolver().namespace_dict[namespace]
    for pattern in resolver.url_patterns:
        view = pattern.callback
        assert getattr(view, "public", False) or getattr(view, "required_capability", None), (
            f"{namespace}:{pattern.name} declares no protection"
        )


def test_login_switches_to_the_persons_language_unless_one_was_chosen(client, onboarding):
    customer, _ = onboarding.approved()
    customer.user.language = "en"
    customer.user.set_password(PASSWORD)
    customer.user.save()
    response = _login(client, customer.number)
    assert response.cookies["ispcare_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("portal:dashboard")).content.decode()
    chosen = Client()
    chosen.cookies["ispcare_language"] = "id"
    assert "ispcare_language" not in _login(chosen, customer.number).cookies
