"""Installations: schedule (or move) the job, complete it; own jobs only for technicians."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice, Payment
from ispcare.customers.models import Equipment, Event, Subscription
from ispcare.workorders.models import WorkOrder
from tests import factories

from .support import assert_error, call, token_for

pytestmark = pytest.mark.django_db


def _schedule(client, key, sub, technician, date=None):
    date = date or timezone.localdate() + dt.timedelta(days=2)
    body = {"date": date.isoformat(), "technician_id": technician.pk}
    return call(client, "post", f"/subscriptions/{sub.pk}/installation", key, body)


def _completion(sub, **overrides) -> dict:
    body = {
        "serials": [factories.equipment().serial],
        "amount": sub.plan.installation_fee,
        "method": "cash",
        "receipt_number": "KW-00042",
        "result": "ONT di ruang tamu, sinyal -19 dBm",
    }
    body.update(overrides)
    return body


def test_schedule_creates_the_job_and_the_initial_payment_invoice(client, onboarding):
    _customer, sub = onboarding.approved()
    key = token_for(user=onboarding.registration)
    day = timezone.localdate() + dt.timedelta(days=2)
    response = _schedule(client, key, sub, onboarding.technician, day)
    assert response.status_code == 200, response.content
    body = response.json()
    order = WorkOrder.objects.get()
    assert (
        body["id"] == order.pk and body["status"] == "scheduled" and body["kind"] == "installation"
    )
    assert body["scheduled_date"] == day.isoformat()
    assert body["technician_id"] == onboarding.technician.pk
    assert body["subscription_state"] == "pending_installation" and body["access"] == "disabled"
    assert Invoice.objects.get(subscription=sub, kind="installation").status == "issued"
    assert Event.objects.filter(kind="installation_scheduled").count() == 1


def test_scheduling_again_moves_the_open_job(client, onboarding):
    _customer, sub, order = onboarding.scheduled()
    other = factories.staff_user(Role.TECHNICIAN)
    day = timezone.localdate() + dt.timedelta(days=5)
    body = _schedule(client, token_for(Role.NOC), sub, other, day).json()
    assert body["id"] == order.pk and body["technician_id"] == other.pk
    assert WorkOrder.objects.count() == 1 and Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda tech: {"date": "2001-01-01", "technician_id": tech.pk}, "date"),
        (lambda tech: {"date": "besok", "technician_id": tech.pk}, "date"),
        (lambda tech: {"technician_id": tech.pk}, "date"),
        (lambda tech: {"date": "2099-01-01"}, "technician_id"),
        (lambda tech: {"date": "2099-01-01", "technician_id": 987654}, "technician_id"),
        (
            lambda tech: {
                "date": "2099-01-01",
                "technician_id": factories.staff_user(Role.FINANCE).pk,
            },
            "technician_id",
        ),
        (
            lambda tech: {
                "date": "2099-01-01",
                "technician_id": factories.staff_user(Role.TECHNICIAN, is_active=False).pk,
            },
            "technician_id",
        ),
    ],
    ids=["past", "not-a-date", "no-date", "no-technician", "unknown", "not-technician", "inactive"],
)
def test_bad_schedule_input_is_422_on_the_field_and_creates_nothing(
    client, onboarding, make_body, field
):
    _customer, sub = onboarding.approved()
    body = make_body(onboarding.technician)
    key = token_for(user=onboarding.registration)
    before = factories.row_counts()
    response = call(client, "post", f"/subscriptions/{sub.pk}/installation", key, body)
    assert list(assert_error(response, 422, "validation_error")["fields"]) == [field]
    assert factories.row_counts() == before


def test_scheduling_an_installed_subscription_is_409(client, onboarding):
    _customer, sub = onboarding.installed()
    key = token_for(user=onboarding.registration)
    before = factories.row_counts()
    assert_error(
        _schedule(client, key, sub, onboarding.technician), 409, "installation.not_pending"
    )
    assert factories.row_counts() == before


def test_complete_installs_collects_and_isolates_until_the_deposit(client, onboarding):
    customer, sub, order = onboarding.scheduled()
    key = token_for(user=onboarding.technician)
    body = _completion(sub, serials=[" " + factories.equipment().serial + " ", ""])
    response = call(client, "post", f"/work-orders/{order.pk}/complete", key, body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "completed" and out["completed_at"]
    assert out["result"] == body["result"]
    assert out["subscription_state"] == "awaiting_deposit" and out["access"] == "isolated"
    sub.refresh_from_db()
    assert [e.serial for e in sub.equipment.all()] == [body["serials"][0].strip()]
    assert Payment.objects.get().reference == "KW-00042"
    assert Invoice.objects.get(subscription=sub, kind="installation").status == "paid"
    assert Invoice.objects.get(subscription=sub, kind="deposit").status == "issued"
    assert Event.objects.filter(customer=customer, kind="installation_completed").count() == 1


def test_completing_twice_is_409_and_records_nothing_more(client, onboarding):
    _customer, sub, order = onboarding.scheduled()
    key = token_for(user=onboarding.technician)
    assert (
        call(client, "post", f"/work-orders/{order.pk}/complete", key, _completion(sub)).status_code
        == 200
    )
    again = _completion(sub, receipt_number="KW-00043")
    before = factories.row_counts()
    assert_error(
        call(client, "post", f"/work-orders/{order.pk}/complete", key, again),
        409,
        "work_order.not_open",
    )
    assert factories.row_counts() == before and Payment.objects.count() == 1


def test_a_technician_cannot_complete_another_technicians_job(client, onboarding):
    _customer, sub, order = onboarding.scheduled()
    key, body = token_for(Role.TECHNICIAN), _completion(sub)
    before = factories.row_counts()
    assert_error(
        call(client, "post", f"/work-orders/{order.pk}/complete", key, body), 404, "not_found"
    )
    assert factories.row_counts() == before
    assert WorkOrder.objects.get(pk=order.pk).status == "scheduled"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_a_manager_or_admin_may_complete_any_job(client, onboarding, role):
    _customer, sub, order = onboarding.scheduled()
    response = call(
        client, "post", f"/work-orders/{order.pk}/complete", token_for(role), _completion(sub)
    )
    assert response.status_code == 200, response.content


def _in_use_serial(onboarding) -> str:
    _c, installed = onboarding.installed()
    return installed.equipment.get().serial


@pytest.mark.parametrize(
    ("make_overrides", "field"),
    [
        (lambda ob, sub: {"serials": []}, "serials"),
        (lambda ob, sub: {"serials": ["  "]}, "serials"),
        (lambda ob, sub: {"serials": ["NOPE-404"]}, "serials"),
        (lambda ob, sub: {"serials": [_in_use_serial(ob)]}, "serials"),
        (lambda ob, sub: {"serials": "ZTEG1"}, "serials"),
        (lambda ob, sub: {"amount": sub.plan.installation_fee - 1}, "amount"),
        (lambda ob, sub: {"amount": "dua ratus"}, "amount"),
        (lambda ob, sub: {"amount": 1.5}, "amount"),
        (lambda ob, sub: {"method": "bitcoin"}, "method"),
        (lambda ob, sub: {"receipt_number": "  "}, "receipt_number"),
        (lambda ob, sub: {"receipt_number": None}, "receipt_number"),
        (lambda ob, sub: {"result": "x" * 1001}, "result"),
    ],
    ids=[
        "no-serials",
        "blank-serial",
        "unknown-serial",
        "serial-in-use",
        "serials-not-a-list",
        "wrong-amount",
        "amount-text",
        "amount-fraction",
        "method",
        "blank-receipt",
        "no-receipt",
        "result-too-long",
    ],
)
def test_bad_completion_input_is_422_on_the_request_field_and_changes_nothing(
    client, onboarding, make_overrides, field
):
    _customer, sub, order = onboarding.scheduled()
    body = _completion(sub, **make_overrides(onboarding, sub))
    key = token_for(user=onboarding.technician)
    before = factories.row_counts()
    response = call(client, "post", f"/work-orders/{order.pk}/complete", key, body)
    fields = assert_error(response, 422, "validation_error")["fields"]
    assert list(fields) == [field], fields
    assert factories.row_counts() == before
    assert WorkOrder.objects.get(pk=order.pk).status == "scheduled"
    assert Subscription.objects.get(pk=sub.pk).state == "pending_installation"
    assert not Equipment.objects.filter(subscription=sub).exists()


def test_a_receipt_number_already_recorded_is_409_duplicate_on_receipt_number(client, onboarding):
    _c1, sub1, first = onboarding.scheduled()
    _c2, sub2, second = onboarding.scheduled()
    key = token_for(user=onboarding.technician)
    assert (
        call(
            client, "post", f"/work-orders/{first.pk}/complete", key, _completion(sub1)
        ).status_code
        == 200
    )
    again = _completion(sub2)
    before = factories.row_counts()
    body = assert_error(
        call(client, "post", f"/work-orders/{second.pk}/complete", key, again),
        409,
        "duplicate",
    )
    assert list(body["fields"]) == ["receipt_number"]
    assert factories.row_counts() == before
