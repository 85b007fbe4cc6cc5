"""Issue 7's whole closing in a real browser: the customer asks to stop on a phone and gets
the instructions; the closing team sends a technician; the technician checks the ONT in
as damaged on a phone; on the end date the job disables access and the test NAS (a
protocol-level stand-in of a MikroTik's RADIUS incoming port, tests/doubles/nas.py)
receives the Disconnect-Request; the settlement shows the deduction; the refund closes
the file and the subscription. Screenshots: test-artifacts/closing-flow-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pyrad import packet

from ispcare.closures.models import Closure, EquipmentPrice
from ispcare.closures.services import closures_sweep
from ispcare.customers.models import Equipment
from ispcare.customers.network import plan_groups
from ispcare.network.groups import groups_sync
from ispcare.network.models import AccessBackendState, CoaRequest, RadAcct, SubscriberAccess
from ispcare.network.services import access_apply_due
from ispcare.notifications.models import Notification
from tests import factories
from tests.doubles.nas import TestNas
from tests.e2e.conftest import DESKTOP, PHONE, login, shot
from tests.network.support import nas

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "rahasia-Kuat-2026"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def test_nas(settings):
    settings.NETWORK = {**settings.NETWORK, "backends": ["freeradius"], "coa_timeout": 1.0}
    with TestNas() as listener:
        nas("127.0.0.1", secret="nas-secret", coa_port=listener.port)
        yield listener


def test_closing_from_request_to_closed(new_page, test_nas):
    o = factories.Onboarding()
    customer, sub = o.active()
    _with_password(customer.user)
    technician = _with_password(o.technician)
    closing = _with_password(factories.staff_user("closing", first_name="Yusuf"))
    EquipmentPrice.objects.create(kind="ont", damaged_charge=100_000, missing_charge=750_000)
    ont = Equipment.objects.get(subscription=sub)
    # The plan's group now exists: the activation that waited for it is applied (as the
    # minute sweep would), and the router's accounting opened a session.
    groups_sync(groups=plan_groups())
    AccessBackendState.objects.update(next_attempt_at=timezone.now())
    access_apply_due(backend="freeradius")
    assert AccessBackendState.objects.get(access__username=sub.pppoe_username).applied_state == (
        "active"
    )
    # The subscriber is online: the router's accounting opened a session.
    RadAcct.objects.create(
        acctsessionid="81a0c105",
        acctuniqueid="u-81a0c105",
        username=sub.pppoe_username,
        nasipaddress="127.0.0.1",
        framedipaddress="10.20.0.42",
        acctstarttime=timezone.now() - dt.timedelta(hours=3),
    )
    end = timezone.localdate() + dt.timedelta(days=3)

    # 1. The customer, on a phone: dashboard -> stop -> the form -> the instructions.
    page = new_page(PHONE)
    login(page, customer.number, PASSWORD)
    page.goto(reverse("portal:dashboard"))
    page.click("#closing-link")
    page.click("#stop-button")
    page.fill("input[name=end_date]", end.isoformat())
    page.check("input[name=reason][value=moving]")
    page.check("input[name=return_method][value=pickup]")
    page.fill("input[name=refund_bank]", "BCA")
    page.fill("input[name=refund_account_number]", "8730112233")
    page.fill("input[name=refund_account_name]", customer.full_name)
    page.check("input[name=confirm]")
    shot(page, "closing-flow-1-form-phone")
    page.click("#send-request")
    expect(page.locator("body")).to_contain_text(ont.serial)
    shot(page, "closing-flow-2-instructions-phone")
    closure = Closure.objects.get()
    assert closure.end_date == end and closure.status == "requested"
    instructions = Notification.objects.filter(template_key="closure_requested").exclude(
        channel="inapp"
    )
    assert instructions.exists() and ont.serial in instructions.first().body

    # 2. The closing team, on a desktop, sends the technician today.
    desk = new_page(DESKTOP)
    login(desk, closing.username, PASSWORD)
    desk.goto(reverse("closures:closure_detail", args=[closure.pk]))
    pickup = desk.locator("form[action$='/pickup/']")
    pickup.locator("select[name=technician]").select_option(str(technician.pk))
    pickup.locator("input[name=date]").fill(timezone.localdate().isoformat())
    pickup.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    closure.refresh_from_db()
    assert closure.status == "in_progress"

    # 3. The technician, on a phone: My jobs -> check the ONT in as damaged.
    tech = new_page(PHONE)
    login(tech, technician.username, PASSWORD)
    tech.goto(reverse("workorders:my_jobs"))
    tech.get_by_role("link", name="Check in the equipment").or_(
        tech.get_by_role("link", name="Terima perangkat")
    ).first.click()
    tech.check(f"input[name=device_{ont.pk}][value=damaged]")
    shot(tech, "closing-flow-3-check-in-phone")
    tech.locator("form.cl-checkin button[type=submit]").click()
    tech.wait_for_load_state("networkidle")
    ont.refresh_from_db()
    assert ont.status == "damaged"
    assert closure.items.get().charge == 100_000

    # 4. The end date: the hourly job disables access; the NAS gets the disconnect.
    assert closures_sweep(today=end)["ended"] == 1
    sub.refresh_from_db()
    assert sub.state == "ended"
    assert SubscriberAccess.objects.get(username=sub.pppoe_username).state == "disabled"
    (coa,) = CoaRequest.objects.filter(username=sub.pppoe_username)
    assert coa.kind == "disconnect" and coa.status == "ack"
    (got,) = test_nas.received
    assert got["code"] == packet.DisconnectRequest
    attrs = got["attributes"]
    assert attrs["User-Name"] == [sub.pppoe_username]
    assert attrs["Acct-Session-Id"] == ["81a0c105"]
    assert attrs["Framed-IP-Address"] == ["10.20.0.42"]

    # 5. The settlement shows the deduction; the refund closes the file.
    desk.goto(reverse("closures:closure_settle", args=[closure.pk]))
    desk.locator("form.card button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    closure.refresh_from_db()
    settlement = closure.settlement
    assert settlement.equipment_charges == 100_000
    assert settlement.deposit_applied > 100_000  # the damage and the last days, from the deposit
    assert settlement.refund_due == settlement.deposit_held - settlement.deposit_applied > 0
    expect(desk.locator("#items-total")).to_contain_text("100.000")
    expect(desk.locator("#refund-due")).to_contain_text(
        f"{settlement.refund_due:,}".replace(",", ".")
    )
    shot(desk, "closing-flow-4-settled-desktop")
    refund = desk.locator("form#refund")
    refund.locator("input[name=reference]").fill("TRF-BCA-REFUND-1")
    refund.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    closure.refresh_from_db()
    sub.refresh_from_db()
    assert closure.status == "closed" and sub.state == "closed"
    expect(desk.locator("#closure-status")).to_contain_text("Ditutup")

    # 6. The customer's page stays readable, with the statement.
    page.goto(reverse("portal_closures:closure", args=[closure.pk]))
    expect(page.locator("body")).to_contain_text("100.000")
    shot(page, "closing-flow-5-closed-phone")
    response = page.request.get(reverse("portal_closures:statement", args=[closure.pk]))
    assert response.ok and response.body().startswith(b"%PDF")
