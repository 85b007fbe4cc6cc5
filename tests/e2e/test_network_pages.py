"""The network pages in a real browser, phone and desktop: NOC's page with a change that
could not be applied and the CoA answers, the isolir page a router redirects to, and the
connection (online, usage, sessions) on the portal and the staff customer page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ispcare.network.models import CoaRequest, RadAcct
from ispcare.network.services import access_apply, access_set
from ispcare.network.specs import AccessSpec, AccessState
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _online(sub, ip: str) -> None:
    now = timezone.now()
    RadAcct.objects.create(
        acctsessionid="a1",
        acctuniqueid=f"u-{sub.pk}-old",
        username=sub.pppoe_username,
        nasipaddress="10.10.0.1",
        framedipaddress="10.20.3.3",
        acctstarttime=now - dt.timedelta(hours=30),
        acctstoptime=now - dt.timedelta(hours=8),
        acctinputoctets=310_000_000,
        acctoutputoctets=4_200_000_000,
        acctterminatecause="User-Request",
    )
    RadAcct.objects.create(
        acctsessionid="a2",
        acctuniqueid=f"u-{sub.pk}-now",
        username=sub.pppoe_username,
        nasipaddress="10.10.0.1",
        framedipaddress=ip,
        acctstarttime=now - dt.timedelta(hours=2),
        acctinputoctets=90_000_000,
        acctoutputoctets=1_700_000_000,
    )


def test_noc_sees_what_is_not_yet_on_the_network(new_page):
    from ispcare.network.models import Node
    from tests.network.support import nas

    router = nas("10.10.0.1", name="RB1100 Kaliurang")
    olt = Node.objects.create(name="OLT Caturtunggal", kind="olt", parent=router.node)
    for i in range(3):
        access_set(
            spec=AccessSpec(
                f"vn26120010{i}", "pw", "rumah-20", AccessState.ACTIVE, "10.10.0.1", olt.pk
            )
        )
    access_set(spec=AccessSpec("vn261200077", "pw", "paket-hilang", AccessState.ACTIVE))
    access_apply(username="vn261200077", backend="freeradius")  # fails: group without attributes
    CoaRequest.objects.create(
        username="vn261200042",
        nas_address="10.10.0.1",
        session_id="81a0",
        kind="coa",
        state="isolated",
        status="ack",
        attempts=1,
    )
    noc = factories.staff_user("noc", first_name="Bayu")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport)
        login(page, noc.username, "pass-noc")
        page.goto(reverse("network:overview"))
        expect(page.locator('[data-count="pending"]')).to_have_text("4")  # 3 lack their group
        expect(page.locator("ul.tree")).to_contain_text("OLT Caturtunggal")
        expect(page.locator("ul.tree")).to_contain_text("3 pelanggan")
        row = page.locator("table.list tbody tr", has_text="vn261200077")
        expect(row).to_contain_text("paket-hilang")
        expect(page.locator(".badge.coa-ack")).to_have_text("Diterima router")
        shot(page, f"network-overview-{name}")
    page.locator("table.list tbody tr", has_text="vn261200077").get_by_role(
        "button", name="Coba lagi sekarang"
    ).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Mencoba lagi sekarang")
    # The router's page: the node and its RADIUS details, editable by NOC.
    page.locator("ul.tree").get_by_role("link", name="RB1100 Kaliurang").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("input[name='nas-address']")).to_have_value("10.10.0.1")
    shot(page, "network-node-edit-phone")


def test_isolir_page_by_customer_number_on_a_phone(new_page):
    customer, _sub = factories.Onboarding().installed()  # isolated until the deposit
    page = new_page(PHONE)
    page.goto(reverse("isolir"))
    expect(page.get_by_role("heading", name="Internet Anda sedang dijeda")).to_be_visible()
    shot(page, "network-isolir-ask-phone")
    page.fill("input[name=number]", customer.number)
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".mono").first).to_have_text(customer.number)
    expect(page.locator(".amount-due")).to_contain_text("Rp")
    expect(page.locator(".pay-how")).to_contain_text("BNI")
    assert customer.full_name not in page.content()
    shot(page, "network-isolir-found-phone")


def test_connection_on_the_portal_and_the_customer_page(new_page):
    onboarding = factories.Onboarding()
    customer, sub = onboarding.active()
    customer.user.set_password("rahasia-Kuat-2026")
    customer.user.save()
    _online(sub, "10.20.0.55")
    portal = new_page(PHONE)
    login(portal, customer.number, "rahasia-Kuat-2026")
    portal.goto(reverse("portal:dashboard"))
    connection = portal.locator(".connection")
    expect(connection).to_contain_text("Online")
    expect(connection).to_contain_text("10.20.0.55")
    shot(portal, "network-portal-connection-phone")
    portal.locator(".connection summary").click()
    portal.get_by_role("link", name="Semua sesi").click()
    portal.wait_for_load_state("networkidle")
    expect(portal.get_by_role("heading", name="Sesi saya")).to_be_visible()
    expect(portal.locator("table.list tbody tr")).to_have_count(2)
    shot(portal, "network-portal-sessions-phone")
    staff = new_page(DESKTOP)
    cs = factories.staff_user("customer_service")
    login(staff, cs.username, "pass-customer_service")
    staff.goto(reverse("staff:customer_detail", args=[customer.pk]))
    expect(staff.locator(".connection")).to_contain_text("User-Request")
    shot(staff, "network-customer-connection-desktop")
