"""The review queue: list (NIK masked), detail (full NIK), approve, reject, stale 409s."""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role
from ispcare.customers.models import Application, Customer, Event
from tests import factories

from .support import assert_error, call, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return factories.staff_user(Role.REGISTRATION, first_name="Rina", last_name="Verifikasi")


@pytest.fixture
def key(reviewer):
    return token_for(user=reviewer)


def test_list_masks_the_nik_and_pages(client, key):
    apps = [factories.submit() for _ in range(3)]
    body = call(client, "get", "/applications?limit=2", key).json()
    assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert [i["reference"] for i in body["items"]] == [a.reference for a in apps[:2]]
    for item, app in zip(body["items"], apps, strict=False):
        assert "nik" not in item and item["nik_masked"] != app.nik and "*" in item["nik_masked"]
        assert app.nik not in str(body)
    rest = call(client, "get", "/applications?limit=2&offset=2", key).json()
    assert [i["reference"] for i in rest["items"]] == [apps[2].reference]


def test_list_filters_by_status_and_search(client, key, onboarding):
    waiting = factories.submit(full_name="Siti Aminah")
    factories.submit(full_name="Budi Santoso")
    customer, _sub = onboarding.approved()

    approved = call(client, "get", "/applications?status=approved", key).json()
    assert [i["customer_id"] for i in approved["items"]] == [customer.pk]
    assert approved["items"][0]["status"] == "approved"

    found = call(client, "get", "/applications?q=aminah", key).json()
    assert [i["id"] for i in found["items"]] == [waiting.pk]
    by_phone = call(client, "get", f"/applications?q=0{waiting.phone[3:]}", key).json()
    assert [i["id"] for i in by_phone["items"]] == [waiting.pk]
    by_ref = call(client, "get", f"/applications?q={waiting.reference}", key).json()
    assert by_ref["count"] == 1


def test_detail_shows_the_full_nik_and_the_address_in_parts(client, key):
    app = factories.submit()
    body = call(client, "get", f"/applications/{app.pk}", key).json()
    assert body["nik"] == app.nik and body["nik_masked"] == app.nik_masked
    assert body["postcode"] == app.postcode and body["kelurahan"] == app.kelurahan
    assert body["status"] == "submitted" and body["customer_id"] is None
    assert body["plan"] == app.plan.code and body["in_coverage"] is True


def test_approve_issues_the_customer_with_a_subscription(client, key, reviewer):
    app = factories.submit()
    response = call(client, "post", f"/applications/{app.pk}/approve", key, {"note": " ok "})
    assert response.status_code == 200, response.content
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk and body["number"] == customer.number
    assert body["number"].startswith("VN-") and body["nik_masked"] == customer.nik_masked
    [sub] = body["subscriptions"]
    assert sub["state"] == "pending_installation" and sub["access"] == "disabled"
    assert sub["pppoe_username"] and "pppoe_password" not in sub and sub["equipment"] == []
    app.refresh_from_db()
    assert app.status == "approved" and app.reviewed_by == reviewer
    approved = Event.objects.get(kind="application_approved")
    assert approved.actor == reviewer and approved.reason == "ok"


def test_approve_outside_coverage_needs_the_override(client, key):
    app = factories.submit(city="Gunungkidul", kecamatan="Wonosari")
    assert not app.in_coverage
    before = factories.row_counts()
    assert_error(
        call(client, "post", f"/applications/{app.pk}/approve", key, {}),
        409,
        "application.out_of_coverage",
    )
    assert factories.row_counts() == before
    response = call(
        client,
        "post",
        f"/applications/{app.pk}/approve",
        key,
        {"coverage_override": True, "note": "Tiang baru dipasang bulan ini"},
    )
    assert response.status_code == 200, response.content
    assert Event.objects.get(kind="application_approved").reason == "Tiang baru dipasang bulan ini"


def test_approving_twice_is_409_and_changes_nothing(client, key):
    app = factories.submit()
    assert call(client, "post", f"/applications/{app.pk}/approve", key, {}).status_code == 200
    before = factories.row_counts()
    body = assert_error(
        call(client, "post", f"/applications/{app.pk}/approve", key, {}),
        409,
        "application.already_reviewed",
    )
    assert body["fields"] == {}
    assert factories.row_counts() == before and Customer.objects.count() == 1


def test_rejecting_an_approved_application_is_409(client, key):
    app = factories.submit()
    call(client, "post", f"/applications/{app.pk}/approve", key, {})
    before = factories.row_counts()
    assert_error(
        call(client, "post", f"/applications/{app.pk}/reject", key, {"reason": "Salah input"}),
        409,
        "application.already_reviewed",
    )
    assert factories.row_counts() == before
    assert Application.objects.get(pk=app.pk).status == "approved"


def test_reject_records_the_reason(client, key, reviewer):
    app = factories.submit()
    response = call(
        client,
        "post",
        f"/applications/{app.pk}/reject",
        key,
        {"reason": "  Alamat di luar jangkauan  "},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rejected" and body["rejection_reason"] == "Alamat di luar jangkauan"
    assert "nik" not in body
    event = Event.objects.get(kind="application_rejected")
    assert event.actor == reviewer and event.reason == "Alamat di luar jangkauan"
    # and then it cannot be approved
    assert_error(
        call(client, "post", f"/applications/{app.pk}/approve", key, {}),
        409,
        "application.already_reviewed",
    )
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("reject", {}, "reason"),
        ("reject", {"reason": "no"}, "reason"),
        ("reject", {"reason": None}, "reason"),
        ("reject", {"reason": "     "}, "reason"),
        ("approve", {"coverage_override": "maybe"}, "coverage_override"),
        ("approve", {"note": "x" * 501}, "note"),
    ],
)
def test_bad_review_input_is_422_on_the_field_and_changes_nothing(client, key, action, body, field):
    app = factories.submit()
    before = factories.row_counts()
    response = call(client, "post", f"/applications/{app.pk}/{action}", key, body)
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert list(fields) == [field]
    assert factories.row_counts() == before
    assert Application.objects.get(pk=app.pk).status == "submitted"
