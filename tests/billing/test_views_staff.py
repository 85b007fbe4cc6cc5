"""Staff billing pages: invoice list and detail, recording payments, the customer panel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.billing.models import Adjustment, Invoice, Payment, PlanPrice
from ispcare.billing.services import adjustment_add, payment_record
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


# --- invoice page: lines, tax, payments with receipts, void ----------------------------------


def test_invoice_page_lines_tax_and_receipt_links(client, onboarding, settings):
    _customer, sub = onboarding.installed()
    installation = Invoice.objects.get(subscription=sub, kind="installation")
    Invoice.objects.filter(pk=installation.pk).update(tax=27_500)  # as if PPN 11% were on
    settings.BILLING_TAX_NAME = "PPN"
    payment = Payment.objects.get(invoice=installation)
    login(client, Role.FINANCE)
    html = client.get(reverse("billing:invoice_detail", args=[installation.pk])).content.decode()
    for line in installation.lines.all():
        assert line.description in html
    assert "PPN" in html and "Rp 27.500" in html
    assert reverse("billing:receipt_pdf", args=[payment.pk]) in html
    assert reverse("billing:payment_detail", args=[payment.pk]) in html
    assert reverse("billing:invoice_pdf", args=[installation.pk]) in html


def test_void_button_only_for_managers(client, onboarding):
    _, sub = onboarding.installed()
    url = reverse("billing:invoice_detail", args=[deposit_of(sub).pk])
    void_url = reverse("billing:invoice_void", args=[deposit_of(sub).pk])
    login(client, Role.FINANCE)
    assert void_url not in client.get(url).content.decode()
    assert client.post(void_url, {"reason": "salah"}).status_code == 403
    login(client, Role.MANAGER)
    assert void_url in client.get(url).content.decode()


def test_void_returns_what_was_paid_to_credit(client, onboarding):
    _customer, sub = onboarding.installed()
    invoice = deposit_of(sub)
    payment_record(
        invoice_id=invoice.pk, amount=100_000, method="cash", reference="KW-V1", actor=None
    )
    login(client, Role.MANAGER)
    response = client.post(
        reverse("billing:invoice_void", args=[invoice.pk]), {"reason": "Tagihan ganda"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "void" and invoice.void_reason == "Tagihan ganda"
    assert "Rp 100.000" in " ".join(msgs(response))
    assert Payment.objects.get(reference="KW-V1").unallocated == 100_000
    html = client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Tagihan ganda" in html and 'id="void"' not in html  # no second void form
    again = client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"reason": "lagi"})
    assert again.status_code == 302 and msgs(again)  # already void: a message, no change


# --- payments for a customer, and where the money went -------------------------------------


def test_customer_payment_spreads_oldest_first_and_keeps_credit(client, onboarding):
    customer, sub = onboarding.installed()
    deposit = deposit_of(sub)
    login(client, Role.FINANCE)
    url = reverse("billing:customer_payment_create", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200 and deposit.number in page.content.decode()
    response = client.post(
        url, {"amount": "Rp 350.000", "method": "qris", "reference": "QR-77", "note": "di kantor"}
    )
    payment = Payment.objects.get(reference="QR-77")
    assert response.status_code == 302
    assert response.url == reverse("billing:payment_detail", args=[payment.pk])
    deposit.refresh_from_db()
    assert deposit.status == "paid" and payment.unallocated == 50_000
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE
    assert "aktif" in " ".join(msgs(response))
    html = client.get(response.url).content.decode()
    assert deposit.number in html and "Rp 300.000" in html and "Rp 50.000" in html
    assert reverse("billing:receipt_pdf", args=[payment.pk]) in html


def test_customer_payment_bad_input_saves_nothing(client, onboarding):
    customer, _ = onboarding.installed()
    login(client, Role.FINANCE)
    before = Payment.objects.count()
    response = client.post(
        reverse("billing:customer_payment_create", args=[customer.pk]),
        {"amount": "", "method": "cash", "reference": ""},
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) >= {"amount", "reference"}
    assert Payment.objects.count() == before


def test_customer_payment_page_only_for_finance(client, onboarding):
    customer, _ = onboarding.installed()
    url = reverse("billing:customer_payment_create", args=[customer.pk])
    assert_pages_by_role(client, {url: ([Role.FINANCE, Role.MANAGER], [Role.CUSTOMER_SERVICE])})


# --- the customer's billing panel, credits and charges ---------------------------------------


def test_panel_shows_owed_credit_pending_and_payments(client, onboarding):
    customer, _sub = onboarding.active()
    payment_record(
        customer_id=customer.pk, amount=40_000, method="cash", reference="KW-C", actor=None
    )
    adjustment_add(
        customer_id=customer.pk,
        amount=-15_000,
        kind="compensation",
        description="Kompensasi gangguan Mei",
        actor=onboarding.finance,
    )
    login(client, Role.CUSTOMER_SERVICE)
    response = client.get(reverse("billing:customer_panel", args=[customer.pk]))
    ctx = response.context
    assert ctx["owed"] == 0 and ctx["credit"] == 40_000 and ctx["balance"] == -40_000
    html = response.content.decode()
    assert "Kompensasi gangguan Mei" in html and "-Rp 15.000" in html
    assert "KW-C" in html and reverse("billing:receipt_pdf", args=[ctx["payments"][0].pk]) in html
    assert reverse("billing:customer_adjust", args=[customer.pk]) not in html  # CS cannot adjust
    login(client, Role.FINANCE)
    html = client.get(reverse("billing:customer_panel", args=[customer.pk])).content.decode()
    assert reverse("billing:customer_adjust", args=[customer.pk]) in html
    assert reverse("billing:customer_payment_create", args=[customer.pk]) in html


@pytest.mark.parametrize(("direction", "signed"), [("credit", -25_000), ("charge", 25_000)])
def test_add_credit_or_charge(client, onboarding, direction, signed):
    customer, _ = onboarding.active()
    login(client, Role.FINANCE)
    response = client.post(
        reverse("billing:customer_adjust", args=[customer.pk]),
        {
            "direction": direction,
            "amount": "25.000",
            "kind": "correction",
            "description": "Koreksi",
        },
    )
    assert response.status_code == 302
    adj = Adjustment.objects.get(customer=customer)
    assert adj.amount == signed and adj.invoice_id is None and adj.created_by is not None
    assert "Rp 25.000" in " ".join(msgs(response))


def test_adjust_page_needs_billing_adjust(client, onboarding):
    customer, _ = onboarding.active()
    url = reverse("billing:customer_adjust", args=[customer.pk])
    assert_pages_by_role(
        client, {url: ([Role.FINANCE, Role.MANAGER], [Role.CUSTOMER_SERVICE, Role.CLOSING])}
    )


# --- plan prices ----------------------------------------------------------------------------


def test_plan_price_change_applies_from_next_period(client, onboarding):
    _, sub = onboarding.active()
    plan = sub.plan
    old = plan.monthly_price
    issued = list(Invoice.objects.values_list("pk", "amount"))
    login(client, Role.FINANCE)
    page = client.get(reverse("billing:plan_prices"))
    assert page.status_code == 200 and plan.name in page.content.decode()
    response = client.post(
        reverse("billing:plan_prices"), {"plan": plan.pk, "monthly_price": "Rp 199.000"}
    )
    assert response.status_code == 302
    next_start = page.context["next_start"]
    assert PlanPrice.objects.get(plan=plan, effective_from=next_start).monthly_price == 199_000
    row = next(
        r for r in client.get(reverse("billing:plan_prices")).context["rows"] if r["plan"] == plan
    )
    assert row["now"] == old and row["next"] == 199_000
    assert list(Invoice.objects.values_list("pk", "amount")) == issued  # never rewritten


def test_plan_prices_page_by_role(client, onboarding):
    onboarding.active()
    url = reverse("billing:plan_prices")
    assert_pages_by_role(
        client, {url: ([Role.FINANCE, Role.ADMIN], [Role.CUSTOMER_SERVICE, Role.TECHNICIAN])}
    )


def test_a_transfer_received_earlier_counts_on_its_own_day(client, onboarding):
    import datetime as dt

    from django.utils import timezone

    _, sub = onboarding.installed()
    invoice = deposit_of(sub)
    login(client, onboarding.finance)
    url = reverse("billing:payment_create", args=[invoice.pk])
    today = timezone.localdate()
    base = {"amount": "100000", "method": "bank_transfer", "reference": "TRF-OLD"}
    for day, error in (
        (today + dt.timedelta(days=1), "belum tiba"),
        (today - dt.timedelta(days=61), "60 hari"),
    ):
        response = client.post(url, {**base, "received_on": day.isoformat()})
        assert response.status_code == 422 and error in response.content.decode()
    assert not Payment.objects.filter(reference="TRF-OLD").exists()
    yesterday = today - dt.timedelta(days=1)
    client.post(url, {**base, "received_on": yesterday.isoformat()})
    payment = Payment.objects.get(reference="TRF-OLD")
    assert timezone.localtime(payment.received_at).date() == yesterday
    client.post(url, {**base, "reference": "TRF-NOW", "received_on": ""})
    assert timezone.localtime(Payment.objects.get(reference="TRF-NOW").received_at).date() == today
