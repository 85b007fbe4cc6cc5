"""registration_approve: one customer, user, subscription and welcome; or a conflict and nothing."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from ispcare.accounts.models import User
from ispcare.accounts.roles import Role
from ispcare.common.errors import Conflict, Duplicate
from ispcare.common.models import Sequence
from ispcare.customers.choices import ApplicationStatus, EventKind, SubscriptionState
from ispcare.customers.models import Application, Customer, Event, Subscription
from ispcare.customers.services import registration_approve, registration_submit
from ispcare.notifications.models import Notification
from tests import factories
from tests.factories import cleaned, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(staff):
    return staff(Role.REGISTRATION)


def test_approve_creates_exactly_one_customer_user_and_subscription(reviewer):
    app = factories.submit()
    before = row_counts()
    customer = registration_approve(application_id=app.pk, actor=reviewer)
    after = row_counts()
    for model in ("Customer", "Subscription"):
        assert after[model] == before[model] + 1
    assert after["User"] == before["User"] + 1
    assert after["Application"] == before["Application"]

    yymm = timezone.localtime().strftime("%y%m")
    assert customer.number == f"VN-{yymm}-00001"
    assert (customer.nik, customer.phone, customer.email) == (app.nik, app.phone, app.email)
    assert customer.address_line == app.address_line
    assert customer.application == app

    user = customer.user
    assert user.role == Role.CUSTOMER
    assert user.username == customer.number
    assert not user.has_usable_password()  # set through the welcome link
    assert user.email == app.email and user.phone == app.phone

    sub = customer.subscriptions.get()
    assert sub.state == SubscriptionState.PENDING_INSTALLATION
    assert sub.plan == app.plan
    assert sub.pppoe_username == f"vn{yymm}00001"
    assert len(sub.pppoe_password) == 12 and sub.pppoe_password.isalnum()
    assert sub.deposit_paid_at is None and sub.activated_at is None

    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert app.reviewed_by == reviewer and app.reviewed_at is not None


def test_approve_relinks_the_application_events_to_the_customer(reviewer):
    app = factories.submit()
    customer = registration_approve(application_id=app.pk, actor=reviewer)
    kinds = list(customer.events.values_list("kind", flat=True))
    assert kinds[:3] == [
        EventKind.APPLICATION_SUBMITTED,
        EventKind.APPLICATION_APPROVED,
        EventKind.CUSTOMER_CREATED,
    ]
    assert not Event.objects.filter(application=app, customer__isnull=True).exists()
    created = customer.events.get(kind=EventKind.CUSTOMER_CREATED)
    assert created.actor == reviewer
    assert created.to_state == SubscriptionState.PENDING_INSTALLATION
    assert created.data["number"] == customer.number


def test_consecutive_approvals_get_consecutive_numbers_and_distinct_logins(reviewer):
    customers = [
        registration_approve(application_id=factories.submit().pk, actor=reviewer) for _ in range(3)
    ]
    seqs = [int(c.number.rsplit("-", 1)[1]) for c in customers]
    assert seqs == [1, 2, 3]
    logins = set(Subscription.objects.values_list("pppoe_username", flat=True))
    assert len(logins) == 3


def test_customer_number_format_is_configurable(reviewer, settings):
    settings.CUSTOMER_NUMBER_FORMAT = "VKS{yymm}{seq:04d}"
    customer = registration_approve(application_id=factories.submit().pk, actor=reviewer)
    assert re.fullmatch(r"VKS\d{4}0001", customer.number)
    assert customer.user.username == customer.number


def test_approve_twice_is_a_conflict_and_changes_nothing(
    reviewer, django_capture_on_commit_callbacks
):
    app = factories.submit()
    registration_approve(application_id=app.pk, actor=reviewer)
    before = row_counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Conflict) as exc,
    ):
        registration_approve(application_id=app.pk, actor=reviewer)
    assert exc.value.code == "application.already_reviewed"
    assert exc.value.status == 409
    assert callbacks == []
    assert row_counts() == before


def test_out_of_coverage_needs_the_override_and_uses_no_number(reviewer):
    app = registration_submit(cleaned=cleaned())  # no coverage rows at all
    assert app.in_coverage is False
    before = row_counts()
    with pytest.raises(Conflict) as exc:
        registration_approve(application_id=app.pk, actor=reviewer)
    assert exc.value.code == "application.out_of_coverage"
    assert row_counts() == before
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED

    customer = registration_approve(application_id=app.pk, actor=reviewer, coverage_override=True)
    assert customer.number.endswith("-00001")  # the refused attempt left no gap
    approved = customer.events.get(kind=EventKind.APPLICATION_APPROVED)
    assert approved.reason  # the exception is written down


def test_note_is_kept_on_the_approval_event(reviewer):
    app = factories.submit()
    customer = registration_approve(application_id=app.pk, actor=reviewer, note="Checked KTP")
    assert customer.events.get(kind=EventKind.APPLICATION_APPROVED).reason == "Checked KTP"


def test_person_who_became_a_customer_meanwhile_is_a_duplicate(reviewer):
    """E.g. a customer imported from the old system after the application came in."""
    app = factories.submit()
    other = registration_approve(application_id=factories.submit().pk, actor=reviewer)
    Customer.objects.filter(pk=other.pk).update(phone=app.phone)
    before = row_counts()
    with pytest.raises(Duplicate) as exc:
        registration_approve(application_id=app.pk, actor=reviewer)
    assert set(exc.value.fields) == {"phone"}
    assert row_counts() == before
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_unknown_application_is_not_found(reviewer):
    with pytest.raises(Application.DoesNotExist):
        registration_approve(application_id=999_999, actor=reviewer)


# --- Welcome -------------------------------------------------------------------------------


def _approve_with_welcome(capture, reviewer, language="id"):
    app = registration_submit(cleaned=cleaned(), language=language)
    factories.coverage()
    mail.outbox.clear()
    with capture(execute=True):
        customer = registration_approve(
            application_id=app.pk, actor=reviewer, coverage_override=True
        )
    welcome = [m for m in mail.outbox if customer.number in m.subject]
    assert len(welcome) == 1, [m.subject for m in mail.outbox]
    return customer, welcome[0]


def test_welcome_has_number_and_set_password_link(
    reviewer, client, settings, django_capture_on_commit_callbacks
):
    customer, message = _approve_with_welcome(django_capture_on_commit_callbacks, reviewer)
    assert message.to == [customer.email]
    assert message.subject == (
        f"Selamat datang di {settings.ISP_NAME}: nomor pelanggan Anda {customer.number}"
    )
    assert customer.number in message.body
    url = re.search(r"https?://\S+/portal/welcome/\S+", message.body).group(0)
    assert url.startswith(settings.PUBLIC_BASE_URL)
    uidb64, token = urlparse(url).path.rstrip("/").split("/")[-2:]
    assert int(force_str(urlsafe_base64_decode(uidb64))) == customer.user_id
    assert default_token_generator.check_token(customer.user, token)

    # Follow it as the customer would.
    path = urlparse(url).path
    page = client.get(path)
    if page.status_code == 501:  # portal page not written yet
        return
    assert page.status_code == 200
    answer = client.post(
        path, {"new_password1": "Kopi-Tubruk-77", "new_password2": "Kopi-Tubruk-77"}
    )
    assert answer.status_code == 302
    user = User.objects.get(pk=customer.user_id)
    assert user.has_usable_password()
    assert authenticate(username=customer.number, password="Kopi-Tubruk-77") == user
    assert authenticate(username=customer.email.upper(), password="Kopi-Tubruk-77") == user
    assert customer.events.filter(kind=EventKind.PORTAL_PASSWORD_SET).exists()
    # The link works once.
    client.logout()
    assert client.get(path).status_code == 400
    assert not default_token_generator.check_token(user, token)


def test_welcome_is_in_the_applicants_language_and_queued_in_app(
    reviewer, django_capture_on_commit_callbacks
):
    customer, message = _approve_with_welcome(
        django_capture_on_commit_callbacks, reviewer, language="en"
    )
    assert message.subject.startswith("Welcome to ")
    assert "What happens next" in message.body
    (row,) = Notification.objects.filter(template_key="welcome")
    # One row: sent by email (WhatsApp is not configured here) and shown in the portal.
    assert (row.channel, row.user_id) == ("email", customer.user_id)
    assert customer.events.filter(kind=EventKind.WELCOME_SENT).count() == 1


def test_no_welcome_when_the_approval_is_refused(reviewer, django_capture_on_commit_callbacks):
    app = registration_submit(cleaned=cleaned())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        registration_approve(application_id=app.pk, actor=reviewer)
    assert mail.outbox == []
    assert not Notification.objects.filter(template_key="welcome").exists()
    assert not Sequence.objects.filter(value__gt=0).exists()


def test_approval_tells_the_customer_on_their_channel_and_mails_the_account(reviewer, settings):
    from tests.doubles.whatsapp_cloud import WhatsAppCloudStandIn

    app = factories.submit()
    with WhatsAppCloudStandIn() as cloud:  # WhatsApp on: the applicant's default first choice
        settings.WHATSAPP = {
            **settings.WHATSAPP,
            "api_url": cloud.base_url,
            "phone_number_id": cloud.phone_number_id,
            "access_token": cloud.access_token,
        }
        customer = registration_approve(application_id=app.pk, actor=reviewer)
    approved = Notification.objects.get(template_key="application_approved")
    assert approved.channel == "whatsapp" and approved.user_id == customer.user_id
    assert approved.wa_template == "ispcare_application_approved"
    assert approved.wa_params == [customer.full_name, app.reference, customer.number]
    assert customer.number in approved.body and app.reference in approved.subject
    welcome = Notification.objects.get(template_key="welcome")
    assert welcome.channel == "email" and welcome.to == customer.email  # account details
    assert "/portal/welcome/" in welcome.body
