"""Staff pages of customers: dashboard, registration review, customers, equipment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.customers.choices import ApplicationStatus
from ispcare.customers.models import Application, Customer, Event
from ispcare.customers.services import registration_reject
from tests import factories
from tests.web import login, msgs

pytestmark = pytest.mark.django_db


def out_of_coverage(**kw):
    return factories.submit(
        city="Bantul", kecamatan="Kasihan", kelurahan="Bangunjiwo", postcode="55184", **kw
    )


# Who may open what ----------------------------------------------------------------------

PAGES = {
    "dashboard": ([Role.REGISTRATION, Role.TECHNICIAN, Role.FINANCE], [Role.CUSTOMER]),
    "registration_queue": ([Role.REGISTRATION, Role.MANAGER], [Role.FINANCE, Role.TECHNICIAN]),
    "registration_detail": ([Role.REGISTRATION, Role.ADMIN], [Role.CUSTOMER_SERVICE, Role.NOC]),
    "customer_list": ([Role.CUSTOMER_SERVICE, Role.FINANCE], [Role.CUSTOMER]),
    "customer_detail": ([Role.CUSTOMER_SERVICE, Role.TECHNICIAN], [Role.CUSTOMER]),
    "equipment_list": ([Role.TECHNICIAN, Role.NOC], [Role.FINANCE, Role.REGISTRATION]),
}


@pytest.fixture
def world(onboarding):
    customer, _sub = onboarding.installed()
    app = factories.submit()
    factories.equipment()
    return {"customer": customer, "app": app}


def _url(name, world):
    if name == "registration_detail":
        return reverse(f"staff:{name}", args=[world["app"].pk])
    if name == "customer_detail":
        return reverse(f"staff:{name}", args=[world["customer"].pk])
    return reverse(f"staff:{name}")


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_render_for_allowed_roles_and_403_otherwise(client, world, name):
    allowed, denied = PAGES[name]
    url = _url(name, world)
    for role in allowed:
        login(client, role)
        response = client.get(url)
        assert response.status_code == 200, (name, role)
        assert b"<h1" in response.content
    for role in denied:
        login(client, role)
        assert client.get(url).status_code == 403, (name, role)


def test_anonymous_goes_to_login(client, world):
    response = client.get(reverse("staff:registration_queue"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# Dashboard -------------------------------------------------------------------------------


def test_dashboard_counts_and_links(client, onboarding):
    factories.submit()
    onboarding.approved()  # to schedule
    onboarding.scheduled()  # installation today
    onboarding.installed()  # awaiting deposit
    onboarding.active()
    login(client, Role.MANAGER)
    response = client.get(reverse("staff:dashboard"))
    tiles = {t["key"]: t for t in response.context["tiles"]}
    assert tiles["applications"]["value"] == 1
    assert tiles["schedule"]["value"] == 1
    assert tiles["today"]["value"] == 1
    assert tiles["deposit"]["value"] == 1
    assert tiles["active"]["value"] == 1
    assert tiles["applications"]["url"] == reverse("staff:registration_queue")
    bars = {b["state"]: b["count"] for b in response.context["bars"]}
    assert bars["pending_installation"] == 2 and bars["active"] == 1


def test_dashboard_hides_links_the_user_may_not_open(client, onboarding):
    login(client, Role.FINANCE)
    tiles = {t["key"]: t for t in client.get(reverse("staff:dashboard")).context["tiles"]}
    assert tiles["applications"]["url"] == ""
    assert tiles["schedule"]["url"] == ""


# Registration queue ----------------------------------------------------------------------


def test_queue_oldest_first_masked_nik_and_hints(client, onboarding):
    first = factories.submit(full_name="Ani Lestari")
    second = out_of_coverage(full_name="Citra Dewi")
    onboarding.approved()
    login(client, Role.REGISTRATION)
    response = client.get(reverse("staff:registration_queue"))
    rows = list(response.context["page"])
    assert [a.pk for a in rows] == [first.pk, second.pk]
    html = response.content.decode()
    assert first.nik not in html and first.nik[:4] in html  # masked
    assert rows[0].in_coverage and not rows[1].in_coverage
    assert html.count('class="badge bad"') == 1  # the out-of-coverage badge
    assert not rows[0].dup_customer


def test_queue_duplicate_hint_when_phone_belongs_to_customer(client, onboarding):
    customer, _ = onboarding.approved()
    app = factories.submit()
    Application.objects.filter(pk=app.pk).update(phone=customer.phone)
    login(client, Role.REGISTRATION)
    row = client.get(reverse("staff:registration_queue")).context["page"][0]
    assert row.dup_customer


def test_queue_search_and_status_tabs(client, onboarding):
    a = factories.submit(full_name="Sri Wahyuni")
    b = factories.submit(full_name="Joko Susilo")
    registration_reject(
        application_id=b.pk, actor=onboarding.registration, reason="Data tidak valid"
    )
    login(client, Role.REGISTRATION)
    url = reverse("staff:registration_queue")
    assert [x.pk for x in client.get(url, {"q": "wahyu"}).context["page"]] == [a.pk]
    assert [x.pk for x in client.get(url, {"q": a.reference}).context["page"]] == [a.pk]
    local = "0" + a.phone[3:]  # +62812... typed as 0812...
    assert [x.pk for x in client.get(url, {"q": local}).context["page"]] == [a.pk]
    rejected = client.get(url, {"status": "rejected"})
    assert [x.pk for x in rejected.context["page"]] == [b.pk]


def test_detail_shows_full_nik_decoded(client):
    app = factories.submit(nik=factories.nik(female=True), latitude="-7.7650", longitude="110.3900")
    login(client, Role.REGISTRATION)
    response = client.get(reverse("staff:registration_detail", args=[app.pk]))
    html = response.content.decode()
    nik = app.nik
    assert f"{nik[:2]} {nik[2:4]} {nik[4:6]} {nik[6:12]} {nik[12:]}" in html
    facts = response.context["nik"]
    assert facts.female and facts.province_name == "DI Yogyakarta" and facts.regency_code == "3404"
    assert "openstreetmap.org/?mlat=-7.765" in html
    assert "coverage_override" not in html  # in coverage: no override box


def test_detail_shows_override_only_out_of_coverage(client):
    app = out_of_coverage()
    login(client, Role.REGISTRATION)
    html = client.get(reverse("staff:registration_detail", args=[app.pk])).content.decode()
    assert 'name="coverage_override"' in html


# Approve / reject ------------------------------------------------------------------------


def test_approve_redirects_to_customer_with_number(client):
    app = factories.submit()
    login(client, Role.REGISTRATION)
    response = client.post(reverse("staff:registration_approve", args=[app.pk]), {"note": ""})
    customer = Customer.objects.get(application=app)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:customer_detail", args=[customer.pk])
    assert any(customer.number in m for m in msgs(response))
    page = client.get(response["Location"])
    assert customer.number in page.content.decode()


def test_approve_is_post_only(client):
    app = factories.submit()
    login(client, Role.REGISTRATION)
    assert client.get(reverse("staff:registration_approve", args=[app.pk])).status_code == 405
    assert not Customer.objects.exists()


def test_approve_twice_shows_error_and_changes_nothing(client):
    app = factories.submit()
    login(client, Role.REGISTRATION)
    url = reverse("staff:registration_approve", args=[app.pk])
    client.post(url, {})
    events = Event.objects.count()
    response = client.post(url, {})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:registration_detail", args=[app.pk])
    assert any("already" in m.lower() or "sudah" in m.lower() for m in msgs(response))
    assert Customer.objects.count() == 1 and Event.objects.count() == events


def test_approve_after_reject_is_refused(client, onboarding):
    app = factories.submit()
    registration_reject(
        application_id=app.pk, actor=onboarding.registration, reason="Alamat fiktif"
    )
    login(client, Role.REGISTRATION)
    response = client.post(reverse("staff:registration_approve", args=[app.pk]), {})
    assert response.status_code == 302
    assert msgs(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and not Customer.objects.exists()


def test_out_of_coverage_needs_the_override(client):
    app = out_of_coverage()
    login(client, Role.REGISTRATION)
    url = reverse("staff:registration_approve", args=[app.pk])
    response = client.post(url, {})
    assert response.status_code == 422
    assert response.context["approve_form"].errors["coverage_override"]
    assert not Customer.objects.exists()
    response = client.post(url, {"coverage_override": "on", "note": "NOC: tiang baru"})
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.events.filter(kind="application_approved", reason="NOC: tiang baru").exists()


def test_approve_duplicate_person_shows_form_error(client, onboarding):
    customer, _ = onboarding.approved()
    app = factories.submit()
    Application.objects.filter(pk=app.pk).update(phone=customer.phone)
    login(client, Role.REGISTRATION)
    response = client.post(reverse("staff:registration_approve", args=[app.pk]), {})
    assert response.status_code == 422
    assert response.context["approve_form"].non_field_errors()
    assert Customer.objects.count() == 1


def test_reject_needs_a_reason_then_rejects(client):
    app = factories.submit()
    login(client, Role.REGISTRATION)
    url = reverse("staff:registration_reject", args=[app.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422 and response.context["reject_form"].errors["reason"]
    response = client.post(url, {"reason": "Alamat di luar jangkauan jaringan"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert app.rejection_reason == "Alamat di luar jangkauan jaringan"


def test_reject_after_approve_is_refused(client, onboarding):
    app = factories.submit()
    login(client, Role.REGISTRATION)
    client.post(reverse("staff:registration_approve", args=[app.pk]), {})
    response = client.post(
        reverse("staff:registration_reject", args=[app.pk]), {"reason": "Terlambat"}
    )
    assert response.status_code == 302 and msgs(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED


def test_forbidden_role_cannot_approve(client):
    app = factories.submit()
    login(client, Role.FINANCE)
    assert client.post(reverse("staff:registration_approve", args=[app.pk])).status_code == 403
    assert not Customer.objects.exists()


# Customers -------------------------------------------------------------------------------


def test_customer_list_search_filter_and_masked_nik(client, onboarding):
    a, _ = onboarding.approved(full_name="Rina Marlina")
    b, _ = onboarding.installed(full_name="Bayu Pratama")
    login(client, Role.CUSTOMER_SERVICE)
    url = reverse("staff:customer_list")
    response = client.get(url)
    html = response.content.decode()
    assert a.nik not in html and a.nik_masked in html
    assert [c.pk for c in client.get(url, {"q": "marlina"}).context["page"]] == [a.pk]
    assert [c.pk for c in client.get(url, {"q": b.number}).context["page"]] == [b.pk]
    assert [c.pk for c in client.get(url, {"state": "awaiting_deposit"}).context["page"]] == [b.pk]


def test_customer_detail_timeline_access_state_and_panels(client, onboarding):
    customer, sub = onboarding.installed()
    login(client, Role.MANAGER)
    response = client.get(reverse("staff:customer_detail", args=[customer.pk]))
    html = response.content.decode()
    assert customer.nik not in html
    assert sub.pppoe_username in html
    assert response.context["subscriptions"][0].access == "isolated"
    assert reverse("billing:customer_panel", args=[customer.pk]) in html
    assert reverse("workorders:customer_panel", args=[customer.pk]) in html
    assert 'hx-trigger="load"' in html
    assert sub.equipment.get().serial in html
    assert onboarding.technician.first_name in html  # who


def test_customer_detail_panels_only_with_capability(client, onboarding):
    customer, _ = onboarding.approved()
    login(client, Role.CUSTOMER_SERVICE)  # billing yes, work orders no
    html = client.get(reverse("staff:customer_detail", args=[customer.pk])).content.decode()
    assert reverse("billing:customer_panel", args=[customer.pk]) in html
    assert reverse("workorders:customer_panel", args=[customer.pk]) not in html


def test_unknown_customer_is_404(client):
    login(client, Role.MANAGER)
    assert client.get(reverse("staff:customer_detail", args=[999999])).status_code == 404


def test_equipment_list_filter(client, onboarding):
    _, sub = onboarding.installed()
    spare = factories.equipment()
    login(client, Role.TECHNICIAN)
    url = reverse("staff:equipment_list")
    stock = client.get(url, {"status": "in_stock"}).context["page"]
    assert [e.pk for e in stock] == [spare.pk]
    installed = client.get(url, {"status": "installed"}).context["page"]
    assert [e.subscription_id for e in installed] == [sub.pk]


# No per-row queries ----------------------------------------------------------------------


def test_registration_queue_queries_do_not_grow(client, django_assert_max_num_queries):
    for _ in range(30):
        factories.submit()
    login(client, Role.REGISTRATION)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:registration_queue"))
    assert len(response.context["page"].object_list) == 30


def test_customer_list_queries_do_not_grow(client, onboarding, django_assert_max_num_queries):
    for _ in range(30):
        onboarding.approved()
    login(client, Role.CUSTOMER_SERVICE)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:customer_list"))
    assert len(response.context["page"].object_list) == 30


def test_equipment_list_queries_do_not_grow(client, onboarding, django_assert_max_num_queries):
    for _ in range(3):
        onboarding.installed()
    for _ in range(30):
        factories.equipment()
    login(client, Role.NOC)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:equipment_list"))
    assert len(response.context["page"].object_list) == 33


def test_customer_page_lists_the_messages_sent_and_the_channels(client, onboarding):
    customer, _ = onboarding.approved()
    customer.notify_channels = "email,whatsapp"
    customer.save()
    client.force_login(factories.staff_user("customer_service"))
    html = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "Selamat datang di" in html  # the welcome message, linked to the outbox
    assert "/staff/messages/" in html and "Email → WhatsApp" in html
    client.force_login(factories.staff_user("technician"))  # may see customers, not the outbox
    html = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "Selamat datang di" in html and "/staff/messages/" not in html
