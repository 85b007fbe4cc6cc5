"""The customer portal: only the customer's own records, in plain words for every state."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ispcare.accounts.roles import Role
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.notices import welcome_path
from ispcare.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["portal:dashboard", "portal:notifications", "portal:preferences"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    client.cookies["ispcare_language"] = "en"
    return client


def body(response) -> str:
    return response.content.decode()


def as_customer(client, customer):
    client.force_login(customer.user)
    return client


# Who may open the portal --------------------------------------------------------------------


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("name", PORTAL_PAGES)
@pytest.mark.parametrize("role", [Role.CUSTOMER_SERVICE, Role.ADMIN, Role.FINANCE])
def test_staff_get_403(client, name, role):
    client.force_login(factories.staff_user(role))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_customer_opens_every_portal_page(client, onboarding, name):
    customer, _ = onboarding.approved()
    assert as_customer(client, customer).get(reverse(name)).status_code == 200


def test_customer_role_without_a_customer_record_gets_404_not_500(client):
    client.force_login(factories.staff_user(Role.CUSTOMER))
    assert client.get(reverse("portal:dashboard")).status_code == 404


# Dashboard ----------------------------------------------------------------------------------


def test_dashboard_pending_installation(en, onboarding):
    customer, sub = onboarding.approved()
    html = body(as_customer(en, customer).get(reverse("portal:dashboard")))
    assert f'id="customer-number">{customer.number}<' in html
    assert sub.plan.name in html and "Rp 200.000" in html
    assert 'data-state="pending_installation"' in html
    assert "We will contact you" in html
    assert "Rp 250.000" in html  # prepare the initial payment
    assert '<li class="current" data-step="installed">' in html
    # the invoices panel comes by htmx, with a link for browsers without JavaScript
    assert f'hx-get="{reverse("portal_billing:due_panel")}"' in html
    assert 'hx-trigger="load"' in html
    assert f'<noscript><p><a href="{reverse("portal_billing:invoices")}"' in html


def test_dashboard_awaiting_deposit_explains_isolation_and_how_to_pay(en, onboarding, settings):
    settings.ISP_BANK_ACCOUNT = "BNI 0099887766 a.n. PT Uji"
    customer, _ = onboarding.installed()
    html = body(as_customer(en, customer).get(reverse("portal:dashboard")))
    assert 'data-state="awaiting_deposit"' in html
    assert "installed but isolated until the deposit is paid" in html
    assert "BNI 0099887766 a.n. PT Uji" in html
    assert f"<strong>{customer.number}</strong> as the transfer reference" in html
    assert "at our office" in html
    assert "Rp 300.000" in html
    assert '<li class="current" data-step="deposit">' in html


def test_dashboard_active(en, onboarding):
    customer, _ = onboarding.active()
    html = body(as_customer(en, customer).get(reverse("portal:dashboard")))
    assert 'data-state="active"' in html and "Your internet is active" in html
    assert html.count('<li class="done"') == 5


def test_dashboard_isolated_and_closed(en, onboarding):
    customer, sub = onboarding.active()
    subscription_transition(
        subscription_id=sub.pk, action="isolate", actor=onboarding.finance, reason="Overdue"
    )
    html = body(as_customer(en, customer).get(reverse("portal:dashboard")))
    assert 'data-state="isolated"' in html and "Your service is isolated" in html
    assert "Overdue" in html
    subscription_transition(subscription_id=sub.pk, action="close", actor=onboarding.finance)
    html = body(en.get(reverse("portal:dashboard")))
    assert 'data-state="closed"' in html and "has ended" in html
    assert "return them" in html  # the equipment belongs to the ISP
    assert SubscriptionState.CLOSED.label  # every state has its words


def test_dashboard_shows_the_unread_count(en, onboarding, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer, _ = onboarding.approved()  # the welcome message is in the inbox
    unread = Notification.objects.filter(user=customer.user, read_at__isnull=True).count()
    assert unread >= 1
    html = body(as_customer(en, customer).get(reverse("portal:dashboard")))
    assert f'id="unread-count" title="unread">{unread}<' in html


def test_dashboard_shows_only_the_customers_own_record(en, onboarding):
    mine, _ = onboarding.approved()
    other, _ = onboarding.approved(full_name="Orang Lain")
    html = body(as_customer(en, mine).get(reverse("portal:dashboard")))
    assert mine.number in html and other.number not in html and "Orang Lain" not in html
    assert mine.nik not in html


# Notifications -------------------------------------------------------------------------------


def test_notifications_are_marked_read_when_seen(
    en, onboarding, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer, _ = onboarding.installed()
    inbox = Notification.objects.filter(user=customer.user)  # whichever channel carried them
    assert inbox.filter(read_at__isnull=True).count() >= 2
    response = as_customer(en, customer).get(reverse("portal:notifications"))
    html = body(response)
    for n in inbox:
        assert f'id="message-{n.pk}"' in html
    assert html.count(">new<") == inbox.count()  # marked new on the visit that shows them
    assert inbox.filter(read_at__isnull=True).count() == 0
    assert ">new<" not in body(en.get(reverse("portal:notifications")))
    assert 'id="unread-count"' not in body(en.get(reverse("portal:dashboard")))


def test_notifications_of_another_customer_are_absent_and_stay_unread(
    en, onboarding, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine, _ = onboarding.approved()
        other, _ = onboarding.approved(full_name="Orang Lain")
    theirs = Notification.objects.filter(user=other.user)
    assert theirs.exists()
    html = body(as_customer(en, mine).get(reverse("portal:notifications")))
    for n in theirs:
        assert f'id="message-{n.pk}"' not in html
    assert other.number not in html
    assert theirs.filter(read_at__isnull=True).count() == theirs.count()


# Welcome link --------------------------------------------------------------------------------

NEW_PASSWORD = "Rumah-Baru-2026"


def test_welcome_link_sets_the_password_once_and_logs_in(en, onboarding):
    customer, _ = onboarding.approved()
    url = welcome_path(customer)
    page = en.get(url)
    assert page.status_code == 200 and customer.number in body(page)
    response = en.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:dashboard")
    assert en.get(reverse("portal:dashboard")).status_code == 200  # logged in
    customer.user.refresh_from_db()
    assert customer.user.check_password(NEW_PASSWORD)
    assert customer.events.filter(kind=EventKind.PORTAL_PASSWORD_SET).count() == 1
    # The second use of the same link is refused with a clear page.
    other = Client()
    other.cookies["ispcare_language"] = "en"
    again = other.get(url)
    assert again.status_code == 400
    assert "does not work any more" in body(again) and "customer service" in body(again)
    other.post(url, {"new_password1": "Lain-Lagi-2026", "new_password2": "Lain-Lagi-2026"})
    customer.user.refresh_from_db()
    assert customer.user.check_password(NEW_PASSWORD)
    # and the new password works on the login page
    assert (
        Client()
        .post(reverse("accounts:login"), {"username": customer.number, "password": NEW_PASSWORD})
        .status_code
        == 302
    )


def test_welcome_rejects_weak_or_mismatched_passwords_on_the_field(en, onboarding):
    customer, _ = onboarding.approved()
    url = welcome_path(customer)
    response = en.post(url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    response = en.post(url, {"new_password1": NEW_PASSWORD, "new_password2": "Lain-2026-x"})
    assert "new_password2" in response.context["form"].errors
    customer.user.refresh_from_db()
    assert not customer.user.has_usable_password()
    assert not customer.events.filter(kind=EventKind.PORTAL_PASSWORD_SET).exists()


@pytest.mark.parametrize("which", ["token", "uid", "garbage", "staff"])
def test_bad_welcome_links_show_the_contact_page(en, onboarding, which):
    customer, _ = onboarding.approved()
    uid = urlsafe_base64_encode(force_bytes(customer.user_id))
    token = default_token_generator.make_token(customer.user)
    if which == "token":
        token = token[:-3] + "abc"
    elif which == "uid":
        uid = urlsafe_base64_encode(force_bytes(customer.user_id + 999))
    elif which == "garbage":
        uid = "!!"
    else:  # a staff account's valid token is no portal welcome
        staff = factories.staff_user(Role.REGISTRATION)
        uid = urlsafe_base64_encode(force_bytes(staff.pk))
        token = default_token_generator.make_token(staff)
    response = en.get(reverse("portal:welcome", args=[uid, token]))
    assert response.status_code == 400
    assert 'id="link-invalid"' in body(response)


def test_welcome_post_needs_the_csrf_token(onboarding):
    customer, _ = onboarding.approved()
    strict = Client(enforce_csrf_checks=True)
    url = welcome_path(customer)
    response = strict.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 403


# Message settings ---------------------------------------------------------------------------


def test_customer_chooses_channels_and_language(en, onboarding):
    customer, _ = onboarding.approved()
    as_customer(en, customer)
    page = en.get(reverse("portal:preferences"))
    assert re.search(r'value="whatsapp,email"[^>]*checked', body(page))  # the default
    r = en.post(reverse("portal:preferences"), {"language": "en", "notify_channels": "email"})
    assert r.status_code == 302 and r.cookies["ispcare_language"].value == "en"
    customer.refresh_from_db()
    customer.user.refresh_from_db()
    assert (customer.language, customer.notify_channels, customer.user.language) == (
        "en",
        "email",
        "en",
    )
    event = customer.events.get(kind=EventKind.PREFERENCES_CHANGED)
    assert event.actor_id == customer.user_id
    assert event.data["before"]["notify_channels"] == "whatsapp,email"
    # Saving the same again records nothing new.
    en.post(reverse("portal:preferences"), {"language": "en", "notify_channels": "email"})
    assert customer.events.filter(kind=EventKind.PREFERENCES_CHANGED).count() == 1


def test_next_message_follows_the_new_preferences(client, onboarding):
    from ispcare.customers.notices import customer_notify

    customer, _ = onboarding.approved()
    as_customer(client, customer)
    client.post(reverse("portal:preferences"), {"language": "en", "notify_channels": ""})
    customer.refresh_from_db()
    customer_notify(
        customer=customer,
        template="service_active",
        context={"plan": {"name": "Rumah 20"}},
        key="prefs-test",
    )
    rows = Notification.objects.filter(idempotency_key__startswith="prefs-test")
    assert [(r.channel, r.language) for r in rows] == [("inapp", "en")]  # portal only, English
    assert rows[0].subject == "Your internet service is now active"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"language": "fr", "notify_channels": "email"}, "language"),
        ({"language": "id", "notify_channels": "sms"}, "notify_channels"),
    ],
)
def test_bad_preferences_are_refused_per_field(client, onboarding, data, field):
    customer, _ = onboarding.approved()
    as_customer(client, customer)
    r = client.post(reverse("portal:preferences"), data)
    assert r.status_code == 200 and field in r.context["form"].errors
    customer.refresh_from_db()
    assert (customer.language, customer.notify_channels) == ("id", "whatsapp,email")
