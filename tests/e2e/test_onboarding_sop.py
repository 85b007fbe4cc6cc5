"""The SOP's first section in a real browser, each person on their own device:
a person registers on a phone, the registration team approves, the technician completes
the installation with the initial payment, the portal shows the service isolated until
the deposit is paid, finance records the deposit, the portal shows it active, and the
customer's history names who did each step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice
from ispcare.customers.choices import EventKind, SubscriptionState
from ispcare.customers.models import Application, Customer
from ispcare.notifications.models import Notification
from ispcare.workorders.models import WorkOrder
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"


def submit(page, form_selector: str) -> None:
    page.locator(f"{form_selector} button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def test_registration_to_active_service(new_page):
    plan = factories.PlanFactory()
    factories.coverage()
    device = factories.equipment()
    registrar = factories.staff_user(Role.REGISTRATION, first_name="Rina", last_name="Wulandari")
    technician = factories.staff_user(Role.TECHNICIAN, first_name="Agus", last_name="Prasetyo")
    finance = factories.staff_user(Role.FINANCE, first_name="Sri", last_name="Handayani")
    nik = factories.nik(female=True)

    # 1. A person registers on a phone.
    phone = new_page(PHONE)
    phone.goto(reverse("customers:register"))
    fields = {
        "full_name": "Siti Rahmawati",
        "nik": nik,
        "phone": "0812 2740 1234",
        "email": "siti@contoh.id",
        "street": "Jl. Melati No. 7",
        "rt": "3",
        "rw": "11",
        "kelurahan": "Caturtunggal",
        "kecamatan": "Depok",
        "city": "Sleman",
        "postcode": "55281",
        "preferred_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }
    for name, value in fields.items():
        phone.fill(f"[name={name}]", value)
    phone.check(f"input[name=plan][value='{plan.pk}']")
    for box in phone.locator("input[type=checkbox][name^=consent_]").all():
        box.check()
    shot(phone, "sop-01-registration-form-phone")
    submit(phone, "form:has([name=nik])")
    assert "/register/done/" in phone.url
    application = Application.objects.get(nik=nik)
    assert application.phone == "+6281227401234"
    assert application.reference in phone.content()
    shot(phone, "sop-02-registration-done-phone")

    # 2. The registration team verifies and approves (desktop).
    office = new_page(DESKTOP)
    login(office, registrar.username, "pass-registration")
    office.goto(reverse("staff:registration_detail", args=[application.pk]))
    shot(office, "sop-03-registration-review")
    submit(office, "form[action$='/approve/']")
    customer = Customer.objects.get(application=application)
    subscription = customer.subscriptions.get()
    assert customer.number in office.content()

    # ... and schedules the installation for today with the technician.
    office.goto(reverse("workorders:installation_schedule", args=[subscription.pk]))
    office.fill("input[name=date]", timezone.localdate().isoformat())
    office.select_option("select[name=technician]", str(technician.pk))
    submit(office, "form:has(select[name=technician])")
    order = WorkOrder.objects.get(subscription=subscription)

    # 3. The technician completes the installation on a phone, collecting the initial payment.
    field = new_page(PHONE)
    login(field, technician.username, "pass-technician")
    field.goto(reverse("workorders:my_jobs"))
    assert "Siti Rahmawati" in field.content()
    shot(field, "sop-04-technician-jobs-phone")
    field.goto(reverse("workorders:installation_complete", args=[order.pk]))
    field.fill("[name=serials]", device.serial)
    field.fill("[name=amount]", str(plan.installation_fee))
    field.select_option("select[name=method]", "cash")
    field.fill("[name=receipt_number]", "KW-0007")
    shot(field, "sop-05-complete-installation-phone")
    submit(field, "form:has([name=serials])")
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.AWAITING_DEPOSIT

    # 4. The customer sets a password from the welcome link; the portal says isolated until deposit.
    welcome = Notification.objects.get(template_key="welcome", channel="email", to="siti@contoh.id")
    link = re.search(r"/portal/welcome/[^/\s]+/[^/\s]+/", welcome.body).group(0)
    portal = new_page(PHONE)
    portal.goto(link)
    portal.fill("[name=new_password1]", PASSWORD)
    portal.fill("[name=new_password2]", PASSWORD)
    submit(portal, "form:has([name=new_password1])")
    assert portal.url.endswith(reverse("portal:dashboard"))
    assert portal.locator("[data-state=awaiting_deposit]").count() == 1
    assert customer.number in portal.content()
    shot(portal, "sop-06-portal-isolated-phone")

    # 5. Finance records the deposit; the service becomes active.
    deposit = Invoice.objects.get(subscription=subscription, kind="deposit")
    desk = new_page(DESKTOP)
    login(desk, finance.username, "pass-finance")
    desk.goto(reverse("billing:payment_create", args=[deposit.pk]))
    desk.fill("[name=amount]", str(deposit.amount))
    desk.select_option("select[name=method]", "bank_transfer")
    desk.fill("[name=reference]", "TRF-BNI-000123")
    submit(desk, "form:has([name=reference])")
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.ACTIVE

    portal.reload()
    portal.wait_for_load_state("networkidle")
    assert portal.locator("[data-state=active]").count() == 1
    shot(portal, "sop-07-portal-active-phone")

    # 6. The history shows each step with its actor.
    office.goto(reverse("staff:customer_detail", args=[customer.pk]))
    office.wait_for_load_state("networkidle")
    timeline = office.locator("ol.timeline").first.inner_text()
    for name in ("Siti Rahmawati", "Rina Wulandari", "Agus Prasetyo", "Sri Handayani"):
        assert name in timeline, name
    shot(office, "sop-08-customer-history")
    actors = {e.kind: e.actor_id for e in customer.events.exclude(kind=EventKind.STATE_CHANGED)}
    assert actors[EventKind.APPLICATION_APPROVED] == registrar.pk
    assert actors[EventKind.INSTALLATION_COMPLETED] == technician.pk
    assert actors[EventKind.PAYMENT_RECORDED] == finance.pk
    changes = list(
        customer.events.filter(kind=EventKind.STATE_CHANGED).values_list("to_state", "actor_id")
    )
    assert changes == [
        (SubscriptionState.AWAITING_DEPOSIT, technician.pk),
        (SubscriptionState.ACTIVE, finance.pk),
    ]
