"""Exports of the billing reports: the files parse (csv module, openpyxl), hold the rows
of the report with its filters, amounts as whole rupiah, dates as dates, and no formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from ispcare.accounts.roles import Role
from ispcare.billing import exports, ledger, reports
from ispcare.billing.models import Payment
from ispcare.customers.choices import SubscriptionState
from ispcare.customers.models import Customer
from tests.billing.test_reports import days_ago, invoice, make_book, pay, subscriber, wib
from tests.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(onboarding):
    return make_book(onboarding)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # sent row by row
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(body(response)))
    return wb.worksheets[0]


def test_safe_text():
    for bad in ("=1+2", "+62812", "-5", "@SUM(A1)", "\t=x", "\r=x"):
        assert exports.safe_text(bad) == "'" + bad
    for good in ("Budi", "0812-3000", "'quoted", ""):
        assert exports.safe_text(good) == good


def test_unpaid_csv_with_filters(client, book):
    login(client, Role.FINANCE)
    rows = csv_rows(client.get(reverse("billing_reports:unpaid_csv"), {"state": "active"}))
    header, *data = rows
    assert len(header) == 11
    assert [r[1] for r in data] == ["Ani Lestari", "Dedi Kurnia"]
    a_cust, _ = book["a"]
    ani = data[0]
    assert ani[0] == a_cust.number
    assert ani[2].startswith("0812")  # national format: no "+" for the spreadsheet
    with translation.override("id"):
        active = str(SubscriptionState.ACTIVE.label)
    assert ani[3:7] == [active, "Bisnis 50", "Depok", "OLT Caturtunggal"]
    assert ani[7:] == ["2", "350000", days_ago(40).isoformat(), "40"]
    everything = csv_rows(client.get(reverse("billing_reports:unpaid_csv")))
    assert len(everything) == 1 + 3
    assert sum(int(r[8]) for r in everything[1:]) == 600_000


def test_unpaid_xlsx_numbers_and_dates(client, book):
    login(client, Role.MANAGER)
    ws = xlsx_sheet(
        client.get(reverse("billing_reports:unpaid_xlsx"), {"sort": "days", "min_amount": "1"})
    )
    rows = list(ws.iter_rows(values_only=True))
    _, *data = rows
    assert [r[1] for r in data] == ["Bambang Wijaya", "Ani Lestari", "Dedi Kurnia"]
    bambang = data[0]
    assert bambang[7:] == (1, 150_000, dt.datetime.combine(days_ago(100), dt.time()), 100)
    amount_cell = ws.cell(row=2, column=9)
    assert amount_cell.value == 150_000 and amount_cell.number_format == "#,##0"
    assert ws.cell(row=2, column=10).is_date


def test_exports_refuse_formulas(client, onboarding):
    fin = onboarding.finance
    customer, sub = subscriber(onboarding)
    Customer.objects.filter(pk=customer.pk).update(full_name='=HYPERLINK("http://x","klik")')
    invoice(sub, fin, amount=100_000, due=days_ago(3))
    login(client, Role.FINANCE)
    data = csv_rows(client.get(reverse("billing_reports:unpaid_csv")))[1]
    assert data[1] == '\'=HYPERLINK("http://x","klik")'
    ws = xlsx_sheet(client.get(reverse("billing_reports:unpaid_xlsx")))
    cell = ws.cell(row=2, column=2)
    assert cell.data_type == "s"  # text, not a formula
    assert cell.value == '=HYPERLINK("http://x","klik")'
    # The reference a cashier typed goes through the same way.
    inv = invoice(sub, fin, amount=50_000, due=days_ago(1))
    pay(inv, fin, 10_000, "@cmd")
    today = timezone.localdate().isoformat()
    cash = csv_rows(client.get(reverse("billing_reports:cash_csv"), {"day": today}))
    assert cash[1][5] == "'@cmd"


def test_aging_exports(client, book):
    login(client, Role.FINANCE)
    header, *data = csv_rows(client.get(reverse("billing_reports:aging_csv")))
    assert len(header) == 2 + len(reports.BUCKETS) + 3
    assert [r[1] for r in data] == ["Ani Lestari", "Bambang Wijaya", "Dedi Kurnia"]
    assert data[0][2:8] == ["0", "200000", "150000", "0", "0", "350000"]
    ws = xlsx_sheet(client.get(reverse("billing_reports:aging_xlsx"), {"q": "bambang"}))
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "Bambang Wijaya" and rows[1][6] == 150_000 and rows[1][7] == 150_000
    assert ws.cell(row=2, column=8).number_format == "#,##0"
    # Bad input: the page with the field's message, no file.
    r = client.get(reverse("billing_reports:aging_xlsx"), {"as_of": "kemarin"})
    assert r.status_code == 400 and "as_of" in r.context["form"].errors


def test_daily_cash_exports(client, onboarding):
    fin = onboarding.finance
    day = days_ago(2)
    _, sub = subscriber(onboarding, full_name="Gita Ayu")
    inv = invoice(sub, fin, amount=500_000, due=days_ago(3))
    pay(inv, fin, 100_000, "KW-1", received_at=wib(day, 8, 5))
    pay(inv, fin, 50_000, "KW-2", received_at=wib(day, 16, 30))
    pay(inv, fin, 70_000, "KW-OTHER", received_at=wib(day + dt.timedelta(days=1), 8))
    Payment.objects.create(
        customer=sub.customer,
        amount=25_000,
        method="xendit",
        reference="XD-1",
        received_at=wib(day, 12),
    )
    login(client, Role.FINANCE)
    _, *data = csv_rows(client.get(reverse("billing_reports:cash_csv"), {"day": str(day)}))
    assert [r[5] for r in data] == ["KW-1", "XD-1", "KW-2"]
    assert data[0][0] == f"{day.isoformat()} 08:05"  # WIB
    assert "Midtrans/Xendit" in data[1][3]
    assert [int(r[6]) for r in data] == [100_000, 25_000, 50_000]
    ws = xlsx_sheet(client.get(reverse("billing_reports:cash_xlsx"), {"day": str(day)}))
    rows = list(ws.iter_rows(values_only=True))[1:]
    assert rows[0][0] == dt.datetime.combine(day, dt.time(8, 5))
    assert sum(r[6] for r in rows) == 175_000
    bad = client.get(reverse("billing_reports:cash_csv"), {"day": "2999-01-01"})
    assert bad.status_code == 400


def test_ledger_exports_end_at_the_balance(client, onboarding):
    fin = onboarding.finance
    customer, sub = subscriber(onboarding)
    i1 = invoice(sub, fin, amount=200_000, due=days_ago(30), issued=wib(days_ago(40), 9))
    i2 = invoice(sub, fin, amount=150_000, due=days_ago(5), issued=wib(days_ago(15), 9))
    pay(i1, fin, 120_000, "KW-L1")
    login(client, Role.CUSTOMER_SERVICE)  # billing.view may read (and export) the ledger
    url = reverse("billing_reports:ledger_csv", args=[customer.pk])
    _, *data = csv_rows(client.get(url))
    assert [r[2] for r in data] == [i1.number, i2.number, "KW-L1"]
    assert [int(r[4] or 0) - int(r[5] or 0) for r in data] == [200_000, 150_000, -120_000]
    assert int(data[-1][6]) == ledger.balance(customer_id=customer.pk) == 230_000
    ws = xlsx_sheet(client.get(reverse("billing_reports:ledger_xlsx", args=[customer.pk])))
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert rows[-1][6] == 230_000
    assert isinstance(rows[1][0], dt.datetime)
    assert client.get(reverse("billing_reports:ledger_csv", args=[999_999])).status_code == 404
