"""API: a customer's account, payments for a customer, credits and charges, void, runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing.dunning import isolation_run
from ispcare.billing.models import Adjustment, Invoice
from ispcare.customers.models import Subscription
from tests import factories
from tests.billing.support import monthly_invoice

from .support import assert_error, call, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(onboarding, settings):
    settings.BILLING_GRACE_DAYS = 5
    settings.BILLING_GRACE_WORKING_DAYS = False
    customer, sub = onboarding.active()
    late = timezone.localdate() - dt.timedelta(days=20)
    a = monthly_invoice(sub, onboarding.finance, amount=100_000, due=late)
    b = monthly_invoice(sub, onboarding.finance, amount=100_000, due=late)
    isolation_run()
    return customer, sub, a, b


def _key(role):
    return token_for(user=factories.staff_user(role))


def test_a_payment_for_a_customer_pays_oldest_first_and_lifts_the_isolation(client, overdue):
    customer, sub, a, b = overdue
    body = {"amount": 250_000, "method": "bank_transfer", "reference": "TRF-API-1"}
    response = call(client, "post", f"/customers/{customer.pk}/payments", _key(Role.FINANCE), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["allocations"] == [
        {"invoice": a.number, "amount": 100_000},
        {"invoice": b.number, "amount": 100_000},
    ]
    assert data["credit_left"] == 50_000
    assert data["account"] == {
        "customer_id": customer.pk,
        "owed": 0,
        "credit": 50_000,
        "balance": -50_000,
        "overdue": 0,
        "pending_adjustments": 0,
    }
    assert Subscription.objects.get(pk=sub.pk).state == "active"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"amount": 0}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"method": "midtrans"}, "method"),  # only the gateway records online payments
        ({"reference": " "}, "reference"),
    ],
)
def test_bad_customer_payments_are_field_errors(client, overdue, overrides, field):
    customer, *_ = overdue
    key = _key(Role.FINANCE)
    before = factories.row_counts()
    body = {"amount": 1000, "method": "cash", "reference": "K-1", **overrides}
    response = call(client, "post", f"/customers/{customer.pk}/payments", key, body)
    assert_error(response, 422, "validation_error")
    assert field in response.json()["fields"]
    assert factories.row_counts() == before


def test_account_and_adjustments(client, overdue):
    customer, *_ = overdue
    key = _key(Role.MANAGER)
    body = {"amount": -20_000, "kind": "compensation", "description": "Gangguan 2 jam"}
    response = call(client, "post", f"/customers/{customer.pk}/adjustments", key, body)
    assert response.status_code == 201 and response.json()["amount"] == -20_000
    bad = call(
        client,
        "post",
        f"/customers/{customer.pk}/adjustments",
        key,
        {"amount": 0, "kind": "compensation", "description": ""},
    )
    assert_error(bad, 422, "validation_error")
    assert set(bad.json()["fields"]) == {"amount", "description"}
    assert Adjustment.objects.filter(customer=customer).count() == 1
    account = call(client, "get", f"/customers/{customer.pk}/account", key).json()
    assert account["owed"] == account["overdue"] == 200_000
    assert account["pending_adjustments"] == -20_000


def test_void_by_a_manager_with_a_reason(client, overdue):
    _customer, _sub, a, _b = overdue
    url = f"/invoices/{a.pk}/void"
    assert_error(call(client, "post", url, _key(Role.FINANCE), {"reason": "x"}), 403, "forbidden")
    manager = _key(Role.MANAGER)
    assert_error(call(client, "post", url, manager, {"reason": "  "}), 422, "validation_error")
    response = call(client, "post", url, manager, {"reason": "Ditagih dua kali"})
    assert response.status_code == 200 and response.json()["status"] == "void"
    assert_error(call(client, "post", url, manager, {"reason": "again"}), 409, "invoice.not_open")
    assert Invoice.objects.get(pk=a.pk).void_reason == "Ditagih dua kali"


def test_runs_are_listed_newest_first(client, overdue):
    isolation_run()
    rows = call(client, "get", "/billing/runs?kind=isolation", _key(Role.FINANCE)).json()
    assert [r["kind"] for r in rows] == ["isolation", "isolation"]
    assert rows[0]["started_at"] >= rows[1]["started_at"]
    assert rows[1]["counts"]["isolated"] == 1
