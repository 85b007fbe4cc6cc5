"""Staff billing pages: invoice list and detail, recording payments, the customer panel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice, Payment
from ispcare.customers.choices import SubscriptionState
from tests.web import assert_pages_by_role, login, msgs

pytestmark = pytest.mark.django_db


def deposit_of(sub) -> Invoice:
    return Invoice.objects.get(subscription=sub, kind="deposit")


def test_pages_by_role(client, onboarding):
    customer, sub = onboarding.installed()
    invoice = deposit_of(sub)
    pages = {
        reverse("billing:invoice_list"): (
            [Role.FINANCE, Role.CUSTOMER_SERVICE],
            [Role.TECHNICIAN, Role.REGISTRATION],
        ),
        reverse("billing:invoice_detail", args=[invoice.pk]): (
            [Role.FINANCE, Role.CLOSING],
            [Role.TECHNICIAN, Role.CUSTOMER],
        ),
        reverse("billing:payment_create", args=[invoice.pk]): (
            [Role.FINANCE, Role.MANAGER],
            [Role.CUSTOMER_SERVICE, Role.TECHNICIAN],
        ),
        reverse("billing:customer_panel", args=[customer.pk]): (
            [Role.CUSTOMER_SERVICE, Role.ADMIN],
            [Role.TECHNICIAN, Role.NOC],
        ),
    }
    assert_pages_by_role(client, pages)


def test_invoice_list_unpaid_first_filters_and_search(client, onboarding):
    c1, _ = onboarding.active(full_name="Lunas Semua")
    _, s2 = onboarding.installed(full_name="Belum Bayar")
    login(client, Role.FINANCE)
    url = reverse("billing:invoice_list")
    rows = list(client.get(url).context["page"])
    assert rows[0] == deposit_of(s2)  # the only open invoice comes first
    assert all(r.status == "paid" for r in rows[1:])
    assert [i.pk for i in client.get(url, {"status": "open"}).context["page"]] == [
        deposit_of(s2).pk
    ]
    deposits = client.get(url, {"kind": "deposit"}).context["page"]
    assert {i.kind for i in deposits} == {"deposit"} and len(deposits) == 2
    assert {i.customer_id for i in client.get(url, {"q": "lunas"}).context["page"]} == {c1.pk}
    assert [i.pk for i in client.get(url, {"q": deposit_of(s2).number}).context["page"]] == [
        deposit_of(s2).pk
    ]
    assert client.get(url).context["outstanding"] == deposit_of(s2).balance


def test_invoice_detail_shows_lines_payments_balance(client, onboarding):
    _, sub = onboarding.installed()
    installation = Invoice.objects.get(subscription=sub, kind="installation")
    login(client, Role.FINANCE)
    html = client.get(reverse("billing:invoice_detail", args=[installation.pk])).content.decode()
    assert installation.description in html
    assert Payment.objects.get(invoice=installation).reference in html
    assert "Rp 0" in html  # balance


def test_payment_form_prefilled_with_balance(client, onboarding):
    _, sub = onboarding.installed()
    login(client, Role.FINANCE)
    response = client.get(reverse("billing:payment_create", args=[deposit_of(sub).pk]))
    assert b'value="300000"' in response.content


def test_deposit_payment_activates_and_says_so(client, onboarding):
    customer, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:payment_create", args=[invoice.pk]),
        {"amount": "300.000", "method": "bank_transfer", "reference": "TRF-0001"},
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE
    text = " ".join(msgs(response))
    assert customer.number in text and "aktif" in text  # Indonesian is the default language


def test_partial_payment_keeps_isolation(client, onboarding):
    _, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:payment_create", args=[invoice.pk]),
        {"amount": "100000", "method": "cash", "reference": "KW-9"},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert invoice.balance == 200_000 and invoice.status == "partially_paid"
    assert sub.state == SubscriptionState.AWAITING_DEPOSIT


@pytest.mark.parametrize("amount", ["0", "12x", "abc", "-5"])
def test_bad_amounts_are_field_errors(client, onboarding, amount):
    _, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:payment_create", args=[invoice.pk]),
        {"amount": amount, "method": "cash", "reference": "KW-1"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["amount"]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_duplicate_reference_is_a_field_error(client, onboarding):
    _, sub = onboarding.installed()
    used = Payment.objects.get(invoice__subscription=sub)  # the installation receipt
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:payment_create", args=[invoice.pk]),
        {"amount": "300000", "method": used.method, "reference": used.reference},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["reference"]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_paid_invoice_cannot_take_another_payment(client, onboarding):
    _, sub = onboarding.active()
    invoice = deposit_of(sub)
    login(client, Role.FINANCE)
    url = reverse("billing:payment_create", args=[invoice.pk])
    response = client.post(url, {"amount": "1", "method": "cash", "reference": "KW-X"})
    assert response.status_code == 302 and msgs(response)
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_customer_panel_record_link_only_for_finance(client, onboarding):
    customer, sub = onboarding.installed()
    pay_url = reverse("billing:payment_create", args=[deposit_of(sub).pk])
    panel = reverse("billing:customer_panel", args=[customer.pk])
    login(client, Role.CUSTOMER_SERVICE)
    response = client.get(panel)
    assert pay_url not in response.content.decode() and b"<html" not in response.content
    assert len(response.context["invoices"]) == 2
    login(client, Role.FINANCE)
    assert pay_url in client.get(panel).content.decode()


def test_invoice_list_queries_do_not_grow(client, onboarding, django_assert_max_num_queries):
    for _ in range(15):
        onboarding.installed()  # two invoices each
    login(client, Role.FINANCE)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:invoice_list"))
    assert len(response.context["page"].object_list) == 30
