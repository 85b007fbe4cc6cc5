"""The personal-data pages: the portal's own download, the staff's erasure log and a
customer's download on request, each role on each."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.closures.privacy import privacy_anonymise_due
from ispcare.customers.choices import EventKind
from ispcare.customers.models import Event

from .test_privacy_support import close, person

pytestmark = pytest.mark.django_db

PORTAL = "/portal/privacy/"
STAFF = "/staff/privacy/"
EXPORT = "/staff/privacy/export/"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def pair(onboarding, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return (
        person(onboarding, "Wiwik Sulastriningsih", "Jl. Cendana Wangi No. 17"),
        person(onboarding, "Heru Kurniawan", "Jl. Melati Putih No. 3"),
    )


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_routes_take_no_ids():
    assert reverse("portal_privacy:home") == PORTAL
    assert reverse("privacy:log") == STAFF
    assert reverse("privacy:export") == EXPORT


def test_the_portal_page_says_what_is_kept_and_for_how_long(pair):
    mine, _ = pair
    response = client_for(mine.customer.user).get(PORTAL)
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="download"' in page and 'method="post"' in page
    assert "UU PDP" in page
    assert " 2 " in page  # 730 days: two years


def test_the_download_is_the_callers_own_data_as_an_attachment(pair):
    mine, other = pair
    for p, not_p in ((mine, other), (other, mine)):
        response = client_for(p.customer.user).post(PORTAL)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        disposition = response["Content-Disposition"]
        assert disposition.startswith(f'attachment; filename="data-{p.customer.number}-')
        assert disposition.endswith('.json"')
        assert response["Cache-Control"] == "no-store"
        data = json.loads(response.content)
        assert data["customer"]["nik"] == p.nik
        # Whoever asks gets their own: there is no id to change in the URL or the form.
        assert not not_p.found_in(response.content.decode())
        assert (
            client_for(p.customer.user).post(PORTAL, {"customer": not_p.customer.pk}).status_code
            == 200
        )
    assert Event.objects.filter(kind=EventKind.DATA_EXPORTED).count() == 4


def test_the_portal_page_is_for_customers_only(pair, staff):
    assert Client().get(PORTAL).status_code == 302
    assert Client().post(PORTAL).status_code == 302
    manager = client_for(staff(Role.MANAGER))
    assert manager.get(PORTAL).status_code == 403
    assert manager.post(PORTAL).status_code == 403


def test_downloads_are_rate_limited_per_account(pair, settings):
    mine, other = pair
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "data_export": (2, 3600)}
    cache.clear()
    try:
        c = client_for(mine.customer.user)
        assert [c.post(PORTAL).status_code for _ in range(3)] == [200, 200, 429]
        assert c.get(PORTAL).status_code == 200  # reading the page is not limited
        # Another customer behind the same address is not blocked by it.
        assert client_for(other.customer.user).post(PORTAL).status_code == 200
    finally:
        cache.clear()
    assert Event.objects.filter(kind=EventKind.DATA_EXPORTED).count() == 3


def test_an_anonymised_customer_cannot_log_in_any_more(
    pair, settings, django_capture_on_commit_callbacks
):
    mine, _ = pair
    user = mine.customer.user
    user.set_password("rahasia-123")
    user.save()
    assert Client().login(username=mine.customer.number, password="rahasia-123")
    close(mine, days_ago=800)
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_anonymise_due() == 1
    c = Client()
    assert not c.login(username=mine.customer.number, password="rahasia-123")
    assert c.get(PORTAL).status_code == 302


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CUSTOMER])
def test_the_staff_log_by_role(pair, staff, role):
    user = staff(role)
    response = client_for(user).get(STAFF)
    allowed = role in (Role.MANAGER, Role.ADMIN)
    assert response.status_code == (200 if allowed else 403)
    export = client_for(user).post(EXPORT, {"number": pair[0].customer.number})
    assert export.status_code == (200 if allowed else 403)


def test_the_staff_pages_refuse_anonymous_and_customers(pair):
    mine, _ = pair
    response = Client().get(STAFF)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(django_settings.LOGIN_URL)}?next={STAFF}"
    assert Client().post(EXPORT, {"number": mine.customer.number}).status_code == 302
    customer = client_for(mine.customer.user)
    assert customer.get(STAFF).status_code == 403
    assert customer.post(EXPORT, {"number": mine.customer.number}).status_code == 403


def test_the_staff_log_shows_who_when_and_what(pair, staff, django_capture_on_commit_callbacks):
    mine, other = pair
    close(mine, days_ago=800)
    close(other, days_ago=10)
    manager = client_for(staff(Role.MANAGER))
    page = text(manager.get(STAFF))
    assert 'data-testid="due-count">1<' in page
    assert 'data-testid="erased-count">0<' in page
    with django_capture_on_commit_callbacks(execute=True):
        privacy_anonymise_due()
    page = text(manager.get(STAFF))
    assert 'data-testid="due-count">0<' in page
    assert 'data-testid="erased-count">1<' in page
    assert f'data-number="{mine.customer.number}"' in page
    assert other.customer.number not in page
    assert "ANON-" in page
    assert "helpdesk.ChatMessage" in page  # tables and columns, in the details
    assert not mine.found_in(page)


def test_the_staff_log_pages(pair, staff, onboarding, django_capture_on_commit_callbacks):
    from ispcare.closures import views_privacy

    mine, other = pair
    close(mine, days_ago=800)
    close(other, days_ago=900)
    with django_capture_on_commit_callbacks(execute=True):
        privacy_anonymise_due()
    manager = client_for(staff(Role.MANAGER))
    views_privacy.PAGE_SIZE, size = 1, views_privacy.PAGE_SIZE
    try:
        first, second = text(manager.get(STAFF)), text(manager.get(STAFF + "?page=2"))
    finally:
        views_privacy.PAGE_SIZE = size
    assert first.count("data-number=") == second.count("data-number=") == 1
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_staff_download_a_customers_data_on_request(pair, staff):
    mine, _ = pair
    manager = staff(Role.MANAGER)
    response = client_for(manager).post(EXPORT, {"number": mine.customer.number.lower()})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="data-{mine.customer.number}-'
    )
    assert json.loads(response.content)["customer"]["number"] == mine.customer.number
    event = Event.objects.get(customer=mine.customer, kind=EventKind.DATA_EXPORTED)
    assert event.actor == manager


@pytest.mark.parametrize("number", ["", "VN-0000-99999", "x" * 500])
def test_staff_download_with_a_bad_number_says_so(pair, staff, number):
    c = client_for(staff(Role.MANAGER))
    response = c.post(EXPORT, {"number": number}, follow=True)
    assert response.redirect_chain[-1][0] == STAFF
    assert 'class="msg msg-error"' in text(response)
    assert not Event.objects.filter(kind=EventKind.DATA_EXPORTED).exists()


def test_staff_download_is_post_only(pair, staff):
    assert client_for(staff(Role.MANAGER)).get(EXPORT).status_code == 405


def test_the_staff_log_is_empty_at_first(db, staff):
    page = text(client_for(staff(Role.ADMIN)).get(STAFF))
    assert 'class="empty card"' in page
