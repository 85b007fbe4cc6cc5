"""The REST API: happy paths, the error shape, bad input, stale state and the role matrix."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from ispcare.accounts.models import ApiToken
from ispcare.accounts.roles import CAPABILITIES, Role, has_capability
from ispcare.billing.models import Invoice, Payment
from ispcare.customers.models import Application, Customer
from ispcare.workorders.models import WorkOrder
from tests import factories

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def token_for(role: str) -> str:
    _token, key = ApiToken.issue(user=factories.staff_user(role), name="test")
    return key


def call(
    client, method: str, path: str, key: str | None = None, body: dict | None = None, **headers
):
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    kwargs = (
        {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    )
    return getattr(client, method)(BASE + path, **kwargs, **headers)


def registration_body(**overrides) -> dict:
    data = factories.registration_data()
    body = {k: v for k, v in data.items() if not k.startswith("consent_")}
    body.update({k: True for k in data if k.startswith("consent_")}, plan=int(data["plan"]))
    body.update(overrides)
    return body


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    return body


def test_public_registration_creates_an_application_with_a_status_link(client):
    factories.coverage()
    response = call(client, "post", "/registrations", body=registration_body())
    assert response.status_code == 201, response.content
    body = response.json()
    app = Application.objects.get(pk=body["id"])
    assert body["reference"] == app.reference and "/register/status/" in body["status_url"]
    assert app.in_coverage


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "3404010101010000"),
        ("nik", "12"),
        ("phone", "021 555 1234"),
        ("email", "not-an-email"),
        ("postcode", "5528"),
        ("preferred_date", "2001-01-01"),
        ("consent_deposit", False),
        ("plan", 999999),
    ],
)
def test_registration_bad_input_is_a_422_on_the_field_and_creates_nothing(client, field, value):
    response = call(client, "post", "/registrations", body=registration_body(**{field: value}))
    body = assert_error(response, 422, "validation_error")
    assert field in body["fields"], body
    assert Application.objects.count() == 0


def test_registration_with_a_missing_field_is_a_422(client):
    body = registration_body()
    del body["nik"]
    assert (
        "nik"
        in assert_error(call(client, "post", "/registrations", body=body), 422, "validation_error")[
            "fields"
        ]
    )


def test_duplicate_registration_is_a_conflict_naming_the_field(client):
    first = registration_body()
    assert call(client, "post", "/registrations", body=first).status_code == 201
    again = registration_body(nik=first["nik"])
    body = assert_error(call(client, "post", "/registrations", body=again), 409, "duplicate")
    assert "nik" in body["fields"] and Application.objects.count() == 1


def test_registration_is_rate_limited(client, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "registration": (2, 3600)}
    codes = [
        call(client, "post", "/registrations", body=registration_body()).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_approve_then_schedule_complete_and_pay_reaches_active(client):
    app = factories.submit()
    reg, tech, fin = token_for(Role.REGISTRATION), None, token_for(Role.FINANCE)
    technician = factories.staff_user(Role.TECHNICIAN)
    _t, tech = ApiToken.issue(user=technician, name="phone")
    approved = call(client, "post", f"/applications/{app.pk}/approve", reg, {"note": "ok"})
    assert approved.status_code == 200, approved.content
    customer = approved.json()
    sub = customer["subscriptions"][0]
    assert customer["number"].startswith("VN-") and sub["state"] == "pending_installation"
    assert sub["access"] == "disabled" and "*" in customer["nik_masked"]

    scheduled = call(
        client,
        "post",
        f"/subscriptions/{sub['id']}/installation",
        reg,
        {"date": timezone.localdate().isoformat(), "technician_id": technician.pk},
    )
    assert scheduled.status_code == 200, scheduled.content
    device = factories.equipment()
    fee = Invoice.objects.get(subscription_id=sub["id"], kind="installation").amount
    done = call(
        client,
        "post",
        f"/work-orders/{scheduled.json()['id']}/complete",
        tech,
        {"serials": [device.serial], "amount": fee, "method": "cash", "receipt_number": "KW-1"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["subscription_state"] == "awaiting_deposit"

    deposit = Invoice.objects.get(subscription_id=sub["id"], kind="deposit")
    paid = call(
        client,
        "post",
        f"/invoices/{deposit.pk}/payments",
        fin,
        {"amount": deposit.amount, "method": "bank_transfer", "reference": "TRF-9"},
    )
    assert paid.status_code == 201, paid.content
    assert (
        paid.json()["invoice"]["status"] == "paid" and paid.json()["subscription_state"] == "active"
    )

    cs = token_for(Role.CUSTOMER_SERVICE)
    read = call(client, "get", f"/customers/{customer['id']}", cs).json()
    assert read["subscriptions"][0]["access"] == "active"
    assert read["subscriptions"][0]["equipment"] == [device.serial]
    events = call(client, "get", f"/customers/{customer['id']}/events", cs).json()
    assert [e["to_state"] for e in events if e["kind"] == "state_changed"] == [
        "awaiting_deposit",
        "active",
    ]
    invoices = call(client, "get", f"/customers/{customer['id']}/invoices", fin).json()
    assert {i["kind"]: i["status"] for i in invoices} == {"installation": "paid", "deposit": "paid"}


def test_list_masks_nik_and_detail_shows_it(client):
    app = factories.submit()
    key = token_for(Role.REGISTRATION)
    listed = call(client, "get", "/applications", key).json()
    assert (
        listed["count"] == 1
        and listed["items"][0]["nik"] != app.nik
        and "*" in listed["items"][0]["nik"]
    )
    assert call(client, "get", f"/applications/{app.pk}", key).json()["nik"] == app.nik


def test_stale_actions_are_conflicts_that_change_nothing(client):
    app = factories.submit()
    key = token_for(Role.REGISTRATION)
    rejected = call(
        client, "post", f"/applications/{app.pk}/reject", key, {"reason": "Di luar jangkauan"}
    )
    assert rejected.status_code == 200, rejected.content
    assert_error(
        call(client, "post", f"/applications/{app.pk}/approve", key, {}),
        409,
        "application.already_reviewed",
    )
    assert Customer.objects.count() == 0


def test_completing_twice_is_a_conflict(client, onboarding):
    _customer, sub, order = onboarding.scheduled()
    _t, key = ApiToken.issue(user=onboarding.technician, name="t")
    body = {
        "serials": [factories.equipment().serial],
        "amount": sub.plan.installation_fee,
        "method": "cash",
        "receipt_number": "KW-77",
    }
    assert call(client, "post", f"/work-orders/{order.pk}/complete", key, body).status_code == 200
    body["receipt_number"] = "KW-78"
    assert_error(
        call(client, "post", f"/work-orders/{order.pk}/complete", key, body),
        409,
        "work_order.not_open",
    )
    assert Payment.objects.count() == 1


def test_another_technicians_job_is_not_found(client, onboarding):
    _customer, _sub, order = onboarding.scheduled()
    other = token_for(Role.TECHNICIAN)
    body = {"serials": ["X"], "amount": 1, "method": "cash", "receipt_number": "KW-1"}
    assert_error(
        call(client, "post", f"/work-orders/{order.pk}/complete", other, body), 404, "not_found"
    )
    assert WorkOrder.objects.get(pk=order.pk).status == "scheduled"


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "method": "cash", "reference": "A"},
        {"amount": 10_000_000, "method": "cash", "reference": "A"},
        {"amount": 1000, "method": "bitcoin", "reference": "A"},
        {"amount": 1000, "method": "cash", "reference": " "},
        {"amount": "seribu", "method": "cash", "reference": "A"},
    ],
)
def test_bad_payments_are_422_and_record_nothing(client, onboarding, body):
    _customer, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    response = call(
        client, "post", f"/invoices/{deposit.pk}/payments", token_for(Role.FINANCE), body
    )
    assert_error(response, 422, "validation_error")
    assert Payment.objects.filter(invoice=deposit).count() == 0


def test_missing_objects_are_404(client):
    key = token_for(Role.ADMIN)
    for method, path, body in [
        ("get", "/applications/999", None),
        ("get", "/customers/999", None),
        ("post", "/applications/999/approve", {}),
        ("get", "/customers/999/events", None),
        ("post", "/invoices/999/payments", {"amount": 1, "method": "cash", "reference": "x"}),
    ]:
        assert_error(call(client, method, path, key, body), 404, "not_found")


def test_no_token_bad_token_and_revoked_token_are_401(client):
    assert_error(call(client, "get", "/applications"), 401, "unauthenticated")
    assert_error(call(client, "get", "/applications", "isp_wrong"), 401, "unauthenticated")
    token, key = ApiToken.issue(user=factories.staff_user(Role.ADMIN), name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_error(call(client, "get", "/applications", key), 401, "unauthenticated")


ENDPOINTS = [
    ("get", "/applications", "registrations.review"),
    ("get", "/applications/{app}", "registrations.review"),
    ("post", "/applications/{app}/reject", "registrations.review"),
    ("get", "/customers/{customer}", "customers.view"),
    ("get", "/customers/{customer}/events", "customers.view"),
    ("get", "/customers/{customer}/invoices", "billing.view"),
    ("post", "/subscriptions/{sub}/installation", "workorders.schedule"),
    ("post", "/work-orders/{order}/complete", "workorders.field"),
    ("post", "/invoices/{invoice}/payments", "billing.record_payment"),
]


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(client, onboarding, role):
    """Every role on every endpoint: allowed exactly when roles.py says so, else 403."""
    assert {cap for _m, _p, cap in ENDPOINTS} <= set(CAPABILITIES)
    customer, sub, order = onboarding.scheduled()
    app = factories.submit()
    ids = {
        "app": app.pk,
        "customer": customer.pk,
        "sub": sub.pk,
        "order": order.pk,
        "invoice": Invoice.objects.get(subscription=sub).pk,
    }
    key = token_for(role)
    for method, path, capability in ENDPOINTS:
        response = call(client, method, path.format(**ids), key, {} if method == "post" else None)
        if has_capability(factories.User(role=role, is_active=True), capability):
            assert response.status_code != 403, (role, path)
        else:
            assert_error(response, 403, "forbidden")


def test_errors_follow_accept_language(client):
    body = registration_body(nik="12")
    en = call(client, "post", "/registrations", body=body, HTTP_ACCEPT_LANGUAGE="en").json()
    id_ = call(client, "post", "/registrations", body=body, HTTP_ACCEPT_LANGUAGE="id").json()
    assert en["fields"]["nik"] == ["NIK must be exactly 16 digits."]
    assert id_["fields"]["nik"] == ["NIK harus tepat 16 angka."]
