"""The money pages in a real browser, phone and desktop: finance opens an invoice with its
lines, tax and the payment that settled it and downloads the PDF; a customer opens their
invoices, expands the lines and downloads an invoice and a receipt."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ispcare.billing.models import Invoice, Payment
from ispcare.billing.services import adjustment_add, payment_record
from tests import factories
from tests.billing.test_pdf import pdf_text
from tests.e2e.conftest import DESKTOP, PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pelanggan-uji-2026"


def _world():
    o = factories.Onboarding()
    customer, sub = o.installed(full_name="Rina Kusumawati")
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    payment_record(
        customer_id=customer.pk,
        amount=320_000,
        method="bank_transfer",
        reference="TRF-E2E-1",
        actor=o.finance,
    )
    adjustment_add(
        customer_id=customer.pk,
        amount=-15_000,
        kind="compensation",
        description="Kompensasi gangguan 3 Mei",
        actor=o.finance,
    )
    customer.user.set_password(PASSWORD)
    customer.user.save()
    return o, customer, deposit


def _download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        return fh.read()


def test_finance_opens_an_invoice_and_downloads_the_pdf(new_page):
    _o, customer, deposit = _world()
    finance = factories.staff_user("finance")
    payment = Payment.objects.get(reference="TRF-E2E-1")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_page(viewport)
        login(page, finance.username, "pass-finance")
        page.goto(reverse("billing:invoice_detail", args=[deposit.pk]))
        expect(page.locator("h1")).to_have_text(deposit.number)
        expect(page.locator("#invoice-lines")).to_contain_text("Rp 300.000")
        expect(page.locator("#invoice-payments")).to_contain_text("TRF-E2E-1")
        expect(page.locator(".badge.paid").first).to_be_visible()
        shot(page, f"billing-invoice-{name}")
        pdf_url = reverse("billing:invoice_pdf", args=[deposit.pk])
        data = _download(page, page.locator(f'a[href="{pdf_url}"]'))
        text = pdf_text(data)
        assert deposit.number in text and "Rp 300.000" in text and customer.full_name in text
        page.goto(reverse("billing:payment_detail", args=[payment.pk]))
        expect(page.locator("#where-it-went")).to_contain_text(deposit.number)
        expect(page.locator("#where-it-went")).to_contain_text("Rp 20.000")  # kept as credit
        shot(page, f"billing-payment-{name}")


def test_customer_opens_invoices_and_downloads_invoice_and_receipt(new_page):
    _o, customer, deposit = _world()
    payment = Payment.objects.get(reference="TRF-E2E-1")
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport)
        login(page, customer.number, PASSWORD)
        page.goto(reverse("portal_billing:invoices"))
        card = page.locator(f"#invoice-{deposit.number.lower().replace('/', '')}")
        expect(card).to_contain_text("Lunas")
        card.locator("summary").click()
        expect(card.locator("table.lines")).to_be_visible()
        expect(page.locator("#credit")).to_contain_text("Rp 20.000")
        expect(page.locator("#credit")).to_contain_text("Kompensasi gangguan 3 Mei")
        shot(page, f"portal-invoices-{name}")
        data = _download(page, card.get_by_role("link"))
        assert deposit.number in pdf_text(data)
        receipt = page.locator("#payment-history li", has_text="TRF-E2E-1")
        data = _download(page, receipt.get_by_role("link"))
        text = pdf_text(data)
        assert payment.reference in text and "Rp 320.000" in text and "Rp 20.000" in text
