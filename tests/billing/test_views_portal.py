"""Portal billing: the customer's own invoices and the open-invoices panel of the dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ispcare.accounts.roles import Role
from ispcare.billing.models import Invoice, Payment
from ispcare.billing.services import payment_record
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["portal_billing:invoices", "portal_billing:due_panel"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    client.cookies["ispcare_language"] = "en"
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", [Role.FINANCE, Role.CUSTOMER_SERVICE, Role.ADMIN])
def test_staff_get_403(client, name, role):
    client.force_login(factories.staff_user(role))
    assert client.get(reverse(name)).status_code == 403


def test_invoices_lists_own_invoices_with_status_and_payments(en, onboarding):
    customer, _ = onboarding.installed()  # installation paid, deposit open
    other, _ = onboarding.installed(full_name="Orang Lain")
    en.force_login(customer.user)
    response = en.get(reverse("portal_billing:invoices"))
    assert response.status_code == 200
    html = body(response)
    mine = Invoice.objects.filter(customer=customer)
    assert mine.count() == 2
    for invoice in mine:
        assert invoice.number in html
    for invoice in Invoice.objects.filter(customer=other):
        assert invoice.number not in html
    assert '<span class="badge paid">' in html and '<span class="badge issued">' in html
    payment = Payment.objects.get(invoice=mine.get(kind="installation"))
    assert f"Paid Rp 250.000 ({payment.get_method_display()})" in html
    assert payment.reference in html
    assert "Rp 300.000" in html  # the deposit still to pay
    assert "with reference " + customer.number in html


def test_invoices_page_when_there_are_none(en, onboarding):
    customer, _ = onboarding.approved()
    en.force_login(customer.user)
    assert "No invoices yet" in body(en.get(reverse("portal_billing:invoices")))


def test_due_panel_is_a_fragment_with_open_invoices_and_how_to_pay(en, onboarding, settings):
    settings.ISP_BANK_ACCOUNT = "BNI 0099887766 a.n. PT Uji"
    customer, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    en.force_login(customer.user)
    response = en.get(reverse("portal_billing:due_panel"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html  # a fragment for htmx
    assert deposit.number in html and "Rp 300.000" in html
    assert deposit.due_date.strftime("%Y") in html
    paid = Invoice.objects.get(subscription=sub, kind="installation")
    assert paid.number not in html  # paid invoices are not due
    assert "BNI 0099887766 a.n. PT Uji" in html
    assert f"<strong>{customer.number}</strong> as the reference" in html


def test_due_panel_shows_partial_payment_balance(en, onboarding):
    customer, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    payment_record(
        invoice_id=deposit.pk,
        amount=100_000,
        method="cash",
        reference="KW-P1",
        actor=onboarding.finance,
    )
    en.force_login(customer.user)
    html = body(en.get(reverse("portal_billing:due_panel")))
    assert "Rp 200.000" in html and "already paid Rp 100.000" in html


def test_due_panel_installation_fee_is_paid_to_the_technician(en, onboarding):
    customer, _sub, _order = onboarding.scheduled()
    en.force_login(customer.user)
    html = body(en.get(reverse("portal_billing:due_panel")))
    assert "Rp 250.000" in html and "to the technician" in html
    assert "How to pay" not in html  # no bank transfer for the initial payment


def test_due_panel_when_all_is_paid(en, onboarding):
    customer, _ = onboarding.active()
    en.force_login(customer.user)
    assert "Nothing to pay right now" in body(en.get(reverse("portal_billing:due_panel")))


def test_due_panel_never_shows_another_customers_invoice(en, onboarding):
    customer, _ = onboarding.active()
    other, _ = onboarding.installed(full_name="Orang Lain")
    en.force_login(customer.user)
    html = body(en.get(reverse("portal_billing:due_panel")))
    for invoice in Invoice.objects.filter(customer=other):
        assert invoice.number not in html


def test_invoices_page_lines_pdf_links_credit_and_payment_history(en, onboarding):
    customer, _sub = onboarding.active()
    payment_record(
        customer_id=customer.pk, amount=60_000, method="cash", reference="KW-EXTRA", actor=None
    )
    en.force_login(customer.user)
    response = en.get(reverse("portal_billing:invoices"))
    html = body(response)
    for invoice in Invoice.objects.filter(customer=customer):
        assert reverse("portal_billing:invoice_pdf", args=[invoice.pk]) in html
        for line in invoice.lines.all():
            assert line.description in html
    assert "<details" in html  # lines open on demand
    for payment in Payment.objects.filter(customer=customer):
        assert reverse("portal_billing:receipt_pdf", args=[payment.pk]) in html
    assert "Rp 60.000</strong> credit" in html
    assert "Rp 60.000 kept as credit" in html
    assert response.context["credit"] == 60_000 and response.context["invoices"] == []


def test_invoices_page_gives_the_pay_online_include_the_open_invoices(en, onboarding):
    customer, _sub = onboarding.installed()
    en.force_login(customer.user)
    response = en.get(reverse("portal_billing:invoices"))
    assert [i.kind for i in response.context["invoices"]] == ["deposit"]
    assert response.context["customer"] == customer
    assert "billing/portal/_pay_online.html" in [t.name for t in response.templates]


def test_due_panel_links_the_invoice_pdf_and_shows_credit(en, onboarding):
    customer, sub = onboarding.installed()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    en.force_login(customer.user)
    response = en.get(reverse("portal_billing:due_panel"))
    assert reverse("portal_billing:invoice_pdf", args=[deposit.pk]) in body(response)
    assert "billing/portal/_pay_online.html" in [t.name for t in response.templates]
    payment_record(
        customer_id=customer.pk, amount=350_000, method="cash", reference="KW-D", actor=None
    )
    html = body(en.get(reverse("portal_billing:due_panel")))
    assert "Nothing to pay right now" in html and "credit of Rp 50.000" in html


def test_portal_documents_of_another_customer_are_404(client, onboarding):
    customer, _ = onboarding.active()
    other, other_sub = onboarding.active(full_name="Orang Lain")
    theirs = Invoice.objects.get(subscription=other_sub, kind="deposit")
    payment = Payment.objects.get(invoice=theirs)
    client.force_login(customer.user)
    assert client.get(reverse("portal_billing:invoice_pdf", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal_billing:receipt_pdf", args=[payment.pk])).status_code == 404
    assert other.pk != customer.pk
