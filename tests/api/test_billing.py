"""Payments and invoices: a settled deposit activates; bad input and stale invoices."""

from __future__ import annotations

import pytest

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice, Payment
from tests import factories

from .support import assert_error, call, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed(onboarding):
    customer, sub = onboarding.installed()
    return customer, sub, Invoice.objects.get(subscription=sub, kind="deposit")


def _pay(client, key, invoice, **overrides):
    body = {"amount": invoice.balance, "method": "bank_transfer", "reference": "TRF-0001"}
    body.update(overrides)
    return call(client, "post", f"/invoices/{invoice.pk}/payments", key, body)


def test_a_part_payment_leaves_the_service_isolated(client, installed):
    _customer, sub, deposit = installed
    finance = factories.staff_user(Role.FINANCE, first_name="Fina", last_name="Kasir")
    response = _pay(client, token_for(user=finance), deposit, amount=100_000, note=" DP ")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == 100_000 and body["method"] == "bank_transfer"
    assert body["reference"] == "TRF-0001" and body["note"] == "DP"
    assert body["received_by"] == "Fina Kasir"
    assert body["invoice"]["status"] == "partially_paid"
    assert body["invoice"]["balance"] == deposit.amount - 100_000
    assert body["subscription_id"] == sub.pk
    assert body["subscription_state"] == "awaiting_deposit" and body["access"] == "isolated"


def test_paying_the_deposit_in_full_activates_the_service(client, installed):
    _customer, sub, deposit = installed
    body = _pay(client, token_for(Role.FINANCE), deposit).json()
    assert body["invoice"]["status"] == "paid" and body["invoice"]["balance"] == 0
    assert body["invoice"]["paid_at"]
    assert body["subscription_state"] == "active" and body["access"] == "active"
    sub.refresh_from_db()
    assert sub.state == "active" and sub.deposit_paid_at is not None


def test_paying_a_paid_invoice_is_409_and_records_nothing(client, installed):
    _customer, _sub, deposit = installed
    key = token_for(Role.FINANCE)
    assert _pay(client, key, deposit).status_code == 201
    deposit.refresh_from_db()
    before = factories.row_counts()
    assert_error(_pay(client, key, deposit, amount=1, reference="TRF-2"), 409, "invoice.not_open")
    assert factories.row_counts() == before


def test_a_reference_already_recorded_is_409_duplicate(client, onboarding):
    _c1, sub1 = onboarding.installed()
    _c2, sub2 = onboarding.installed()
    key = token_for(Role.FINANCE)
    first = Invoice.objects.get(subscription=sub1, kind="deposit")
    second = Invoice.objects.get(subscription=sub2, kind="deposit")
    assert _pay(client, key, first, reference="TRF-777").status_code == 201
    before = factories.row_counts()
    body = assert_error(_pay(client, key, second, reference="TRF-777"), 409, "duplicate")
    assert list(body["fields"]) == ["reference"]
    assert factories.row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"amount": "seribu"}, "amount"),
        ({"amount": None}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"method": None}, "method"),
        ({"reference": " "}, "reference"),
        ({"reference": 12}, "reference"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_bad_payments_are_422_on_the_field_and_record_nothing(client, installed, overrides, field):
    _customer, sub, deposit = installed
    key = token_for(Role.FINANCE)
    before = factories.row_counts()
    fields = assert_error(_pay(client, key, deposit, **overrides), 422, "validation_error")[
        "fields"
    ]
    assert list(fields) == [field], fields
    assert factories.row_counts() == before
    assert Payment.objects.filter(invoice=deposit).count() == 0
    sub.refresh_from_db()
    assert sub.state == "awaiting_deposit"


def test_a_customers_invoices_newest_first_with_their_payments(client, onboarding):
    customer, _sub = onboarding.active()
    other, _ = onboarding.active()
    response = call(client, "get", f"/customers/{customer.pk}/invoices", token_for(Role.CLOSING))
    assert response.status_code == 200, response.content
    invoices = response.json()
    assert [i["kind"] for i in invoices] == ["deposit", "installation"]
    assert all(i["status"] == "paid" and i["balance"] == 0 for i in invoices)
    [payment] = invoices[0]["payments"]
    assert payment["amount"] == invoices[0]["amount"] and payment["method"] == "bank_transfer"
    own = set(Invoice.objects.filter(customer=customer).values_list("number", flat=True))
    assert {i["number"] for i in invoices} == own
    assert other.number not in str(invoices)


def test_a_customer_without_invoices_has_an_empty_list(client, onboarding):
    customer, _sub = onboarding.approved()
    key = token_for(Role.FINANCE)
    assert call(client, "get", f"/customers/{customer.pk}/invoices", key).json() == []
