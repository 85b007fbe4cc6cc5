"""The invoice and receipt PDFs: what they say (read back from the PDF bytes), in the
customer's language, and who may download them.

`pdf_text` reads the text the way a PDF viewer's copy does: it inflates the streams, maps
each font's glyph codes back to characters through the font's ToUnicode table and joins
the strings of each text object. It handles what fpdf2 writes (Type0 fonts, Identity-H),
which is all these tests need; no PDF library is a dependency of the project.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from ispcare.accounts.roles import Role
from ispcare.billing import pdf
from ispcare.billing.models import Invoice, InvoiceLine, Payment
from ispcare.billing.services import (
    adjustment_add,
    final_invoice_issue,
    invoice_void,
    payment_record,
)
from tests import factories

pytestmark = pytest.mark.django_db

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    out = {}
    for m in _OBJ.finditer(data):
        body = m.group(2)
        stream = None
        if b"stream" in body:
            head, _s, rest = body.partition(b"stream")
            stream = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
            body = head
        out[int(m.group(1))] = (body, stream)
    return out


def _cmap(stream: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for lo, hi, dst in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(start + i)
    return table


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The PDF literal string starting at data[i] == '(' and the index after it."""
    out, depth, i = bytearray(), 1, i + 1
    while i < len(data):
        c = data[i : i + 1]
        if c == b"\\":
            nxt = data[i + 1 : i + 2]
            if nxt in _ESC:
                out += _ESC[nxt]
                i += 2
            elif nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4]).group()
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out += nxt
                i += 2
            continue
        if c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += c
        i += 1
    raise ValueError("unterminated string")


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:20]
    objects = _objects(data)
    maps = {}
    for num, (body, _stream) in objects.items():
        m = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if m:
            maps[num] = _cmap(objects[int(m.group(1))][1])
    names = {}
    for body, _stream in objects.values():
        for name, num in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            names[name] = maps.get(int(num), {})
    lines = []
    for _body, stream in objects.values():
        if not stream or b"BT" not in stream or b"begincmap" in stream:
            continue
        font: dict[int, str] = {}
        i, current = 0, []
        while i < len(stream):
            if stream.startswith(b"/F", i):
                m = re.match(rb"/(F\d+) [\d.]+ Tf", stream[i:])
                if m:
                    font = names.get(m.group(1), {})
                    i += m.end()
                    continue
            if stream[i : i + 1] == b"(":
                raw, i = _literal(stream, i)
                current.append(
                    "".join(
                        font.get(int.from_bytes(raw[k : k + 2], "big"), "?")
                        for k in range(0, len(raw) - 1, 2)
                    )
                )
                continue
            if stream.startswith(b"ET", i) and current:
                lines.append("".join(current))
                current = []
            i += 1
    return "\n".join(lines)


@pytest.fixture
def invoice_with_lines(onboarding):
    """An active customer's monthly invoice with a service line and a credit line."""
    customer, sub = onboarding.active(full_name="Siti Rahayu")
    invoice = Invoice.objects.create(
        number="INV/2026/000777",
        customer=customer,
        subscription=sub,
        kind="monthly",
        description="Langganan Januari 2026",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 2, 1),
        subtotal=300_000,
        tax=33_000,
        amount=333_000,
        due_date=dt.date(2026, 2, 11),
    )
    InvoiceLine.objects.create(
        invoice=invoice, kind="service", description="Rumah 20 Mbps, Januari", amount=350_000
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind="adjustment",
        description="Kompensasi gangguan 3 Jan",
        amount=-50_000,
    )
    return invoice


def test_invoice_pdf_in_indonesian(invoice_with_lines, settings):
    settings.BILLING_TAX_PERCENT = "11"
    settings.ISP_TAX_ID = "01.234.567.8-901.000"
    settings.ISP_BANK_ACCOUNT = "BNI 0099887766 a.n. PT Uji"
    text = pdf_text(pdf.invoice_pdf(invoice_with_lines))
    assert "INV/2026/000777" in text
    assert "Siti Rahayu" in text and invoice_with_lines.customer.number in text
    assert "Rumah 20 Mbps, Januari" in text and "Rp 350.000" in text
    assert "-Rp 50.000" in text  # the credit line, negative
    assert "Rp 300.000" in text and "Rp 33.000" in text and "Rp 333.000" in text
    assert "PPN 11%" in text
    assert "NPWP" in text and "01.234.567.8-901.000" in text
    assert "BNI 0099887766 a.n. PT Uji" in text
    assert "11 Februari 2026" in text  # due date, Indonesian month
    assert "1 Januari 2026 \u2013 31 Januari 2026" in text  # the period, last day inclusive
    assert "PAID" not in text and "LUNAS" not in text


def test_invoice_pdf_follows_the_customers_language(invoice_with_lines):
    customer = invoice_with_lines.customer
    customer.language = "en"
    customer.save(update_fields=["language"])
    invoice_with_lines.refresh_from_db()
    text = pdf_text(pdf.invoice_pdf(invoice_with_lines))
    assert "INVOICE" in text and "Balance due" in text
    assert "11 February 2026" in text
    assert pdf.invoice_filename(invoice_with_lines) == "invoice-inv-2026-000777.pdf"


def test_paid_and_void_invoices_carry_a_stamp(onboarding):
    customer, sub = onboarding.active()
    customer.language = "en"
    customer.save(update_fields=["language"])
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    text = pdf_text(pdf.invoice_pdf(deposit))
    assert "PAID" in text and "Paid in full" in text and "VOID" not in text
    invoice_void(invoice_id=deposit.pk, reason="Salah tagih", actor=factories.staff_user("manager"))
    deposit.refresh_from_db()
    text = pdf_text(pdf.invoice_pdf(deposit))
    assert "VOID" in text and "Salah tagih" in text and "Paid in full" not in text


def test_text_outside_latin1_is_printed(onboarding):
    _customer, sub = onboarding.installed(full_name="Ni Luh Putu \u2018Ayu\u2019 \u015eanti")
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    assert "Ni Luh Putu \u2018Ayu\u2019 \u015eanti" in pdf_text(pdf.invoice_pdf(deposit))


def test_receipt_lists_invoices_settled_and_credit_left(onboarding):
    customer, sub = onboarding.installed(full_name="Budi Santoso")
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    payment = payment_record(
        customer_id=customer.pk,
        amount=350_000,
        method="bank_transfer",
        reference="TRF/99/1",
        actor=onboarding.finance,
        received_at=timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30)),
    )
    text = pdf_text(pdf.receipt_pdf(payment))
    assert "TRF/99/1" in text and "Budi Santoso" in text
    assert "Rp 350.000" in text  # received
    assert deposit.number in text and "Rp 300.000" in text  # settled the deposit
    assert "Rp 50.000" in text  # credit left
    assert "2 Maret 2026 09:30 WIB" in text
    assert pdf.receipt_filename(payment).endswith("trf-99-1.pdf")


def test_receipt_of_credit_only_payment(onboarding):
    customer, _sub = onboarding.active()
    customer.language = "en"
    customer.save(update_fields=["language"])
    payment = payment_record(
        customer_id=customer.pk, amount=75_000, method="cash", reference="KW-7", actor=None
    )
    text = pdf_text(pdf.receipt_pdf(payment))
    assert "kept as credit" in text and "Rp 75.000" in text


# --- downloads ---------------------------------------------------------------------------


def _is_pdf_attachment(response, name_part: str) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and name_part in disposition
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF-")
    return data


def test_staff_invoice_and_receipt_downloads(client, onboarding):
    _customer, sub = onboarding.active()
    deposit = Invoice.objects.get(subscription=sub, kind="deposit")
    payment = Payment.objects.get(invoice=deposit)
    client.force_login(factories.staff_user(Role.CUSTOMER_SERVICE))
    data = _is_pdf_attachment(client.get(reverse("billing:invoice_pdf", args=[deposit.pk])), ".pdf")
    assert deposit.number in pdf_text(data)
    data = _is_pdf_attachment(client.get(reverse("billing:receipt_pdf", args=[payment.pk])), ".pdf")
    assert payment.reference in pdf_text(data)
    client.force_login(factories.staff_user(Role.TECHNICIAN))
    assert client.get(reverse("billing:invoice_pdf", args=[deposit.pk])).status_code == 403
    assert client.get(reverse("billing:receipt_pdf", args=[payment.pk])).status_code == 403


def test_portal_downloads_only_own_documents(client, onboarding):
    customer, sub = onboarding.active()
    _other, other_sub = onboarding.active(full_name="Orang Lain")
    mine = Invoice.objects.get(subscription=sub, kind="deposit")
    theirs = Invoice.objects.get(subscription=other_sub, kind="deposit")
    my_payment = Payment.objects.get(invoice=mine)
    their_payment = Payment.objects.get(invoice=theirs)
    client.force_login(customer.user)
    data = _is_pdf_attachment(
        client.get(reverse("portal_billing:invoice_pdf", args=[mine.pk])),
        mine.number.replace("/", "-").lower(),
    )
    assert mine.number in pdf_text(data)
    data = _is_pdf_attachment(
        client.get(reverse("portal_billing:receipt_pdf", args=[my_payment.pk])),
        my_payment.reference.lower(),
    )
    assert my_payment.reference in pdf_text(data)
    assert client.get(reverse("portal_billing:invoice_pdf", args=[theirs.pk])).status_code == 404
    assert (
        client.get(reverse("portal_billing:receipt_pdf", args=[their_payment.pk])).status_code
        == 404
    )


def test_adjustment_lines_show_on_the_next_invoice_pdf(onboarding):
    """A credit added by staff becomes a negative line on the invoice that takes it."""
    customer, sub = onboarding.installed()
    for amount, text in ((30_000, "Ganti adaptor router"), (-20_000, "Kompensasi pemeliharaan")):
        adjustment_add(
            customer_id=customer.pk,
            amount=amount,
            kind="correction" if amount > 0 else "compensation",
            description=text,
            actor=onboarding.finance,
        )
    invoice = final_invoice_issue(
        subscription_id=sub.pk, until=timezone.localdate(), actor=onboarding.finance
    )
    assert invoice.lines.filter(kind="adjustment").count() == 2
    text = pdf_text(pdf.invoice_pdf(invoice))
    assert invoice.number in text
    assert "Ganti adaptor router" in text and "Rp 30.000" in text
    assert "Kompensasi pemeliharaan" in text and "-Rp 20.000" in text
