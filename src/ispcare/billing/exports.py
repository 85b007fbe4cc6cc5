"""The billing reports as files: CSV (streamed row by row) and XLSX (openpyxl in write-only
mode, written to a temporary file that is then streamed).

Amounts are whole rupiah as numbers (XLSX format "#,##0"), dates are dates (ISO in CSV),
times are WIB. Text that a spreadsheet would take for a formula (starting with = + - @,
or a tab or carriage return) is prefixed with a quote in CSV; in XLSX every text cell is
written as text, never as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import reports

TEXT, INT, DATE, DATETIME = "text", "int", "date", "datetime"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUPIAH_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT
    width: int = 14


@dataclass
class Table:
    """What a report exports: a file name (without extension), a sheet title, the columns
    and the rows (an iterable of lists of plain values, read once)."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterable[list[Any]]


def safe_text(value: str) -> str:
    """A cell a spreadsheet opens as text, not as a formula (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def national_phone(e164: str) -> str:
    """0812-3000-0005: the way people dial it, and no leading "+" for spreadsheets."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _local(moment: dt.datetime) -> dt.datetime:
    """A naive WIB datetime (spreadsheets have no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None)


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == INT:
        return int(value)
    if kind == DATE:
        return value.isoformat()
    if kind == DATETIME:
        return _local(value).strftime("%Y-%m-%d %H:%M")
    return safe_text(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM: spreadsheets then read the file as UTF-8
    yield writer.writerow([safe_text(c.title) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield writer.writerow([_csv_value(v, k) for v, k in zip(row, kinds, strict=True)])


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def xlsx_write(table: Table, fileobj) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.title[:31])
    for i, c in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in table.columns:
        cell = WriteOnlyCell(ws, value=c.title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        cells = []
        for value, kind in zip(row, kinds, strict=True):
            if value is None or value == "":
                cells.append(None)
                continue
            if kind == INT:
                cell = WriteOnlyCell(ws, value=int(value))
                cell.number_format = RUPIAH_FORMAT
            elif kind == DATE:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
            elif kind == DATETIME:
                cell = WriteOnlyCell(ws, value=_local(value))
                cell.number_format = DATETIME_FORMAT
            else:
                cell = WriteOnlyCell(ws, value=str(value))
                cell.data_type = "s"  # text, even when it starts with "="
            cells.append(cell)
        ws.append(cells)
    wb.save(fileobj)


def xlsx_response(table: Table) -> FileResponse:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    xlsx_write(table, out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{table.name}.xlsx", content_type=XLSX_TYPE
    )


def respond(table: Table, fmt: str):
    return xlsx_response(table) if fmt == "xlsx" else csv_response(table)


# --- The reports as tables ----------------------------------------------------------------


def unpaid_table(*, filters: reports.UnpaidFilters, today: dt.date) -> Table:
    columns = [
        Column(_("Customer number"), width=18),
        Column(_("Name"), width=28),
        Column(_("Phone"), width=16),
        Column(_("Service state")),
        Column(_("Plan"), width=18),
        Column(_("Kecamatan"), width=18),
        Column(_("Network node"), width=18),
        Column(_("Open invoices"), INT, 10),
        Column(_("Amount due (Rp)"), INT, 16),
        Column(_("Oldest due date"), DATE, 14),
        Column(_("Days overdue"), INT, 10),
    ]
    rows = (
        [
            r.number,
            r.name,
            national_phone(r.phone),
            r.state_label,
            r.plan,
            r.kecamatan,
            r.node,
            r.invoices,
            r.due,
            r.oldest,
            r.days,
        ]
        for r in reports.unpaid_all(filters=filters, today=today)
    )
    return Table(f"unpaid-{today.isoformat()}", _("Unpaid"), columns, rows)


def aging_table(*, as_of: dt.date, q: str = "") -> Table:
    columns = [
        Column(_("Customer number"), width=18),
        Column(_("Name"), width=28),
        *[Column(f"{b.label} (Rp)", INT, 16) for b in reports.BUCKETS],
        Column(_("Total (Rp)"), INT, 16),
        Column(_("Oldest due date"), DATE, 14),
        Column(_("Days overdue"), INT, 10),
    ]
    rows = (
        [r.number, r.name, *r.columns, r.total, r.oldest, r.days]
        for r in reports.aging_customers_all(as_of=as_of, q=q)
    )
    return Table(f"aging-{as_of.isoformat()}", _("Aging"), columns, rows)


def daily_cash_table(*, day: dt.date) -> Table:
    columns = [
        Column(_("Received (WIB)"), DATETIME, 18),
        Column(_("Customer number"), width=18),
        Column(_("Name"), width=28),
        Column(_("Cashier"), width=24),
        Column(_("Method"), width=18),
        Column(_("Reference"), width=22),
        Column(_("Amount (Rp)"), INT, 16),
    ]
    rows = (
        [
            p.received_at,
            p.customer.number,
            p.customer.full_name,
            reports.cashier_of(p),
            p.get_method_display(),
            p.reference,
            p.amount,
        ]
        for p in reports.daily_payments(day=day).iterator(chunk_size=2000)
    )
    return Table(f"cash-{day.isoformat()}", _("Daily cash"), columns, rows)


def ledger_table(*, ledger: reports.Ledger) -> Table:
    kinds = {"invoice": _("Invoice"), "payment": _("Payment"), "void": _("Void")}
    columns = [
        Column(_("Date (WIB)"), DATETIME, 18),
        Column(_("Entry"), width=12),
        Column(_("Reference"), width=22),
        Column(_("Description"), width=36),
        Column(_("Debit (Rp)"), INT, 16),
        Column(_("Credit (Rp)"), INT, 16),
        Column(_("Balance (Rp)"), INT, 16),
    ]
    rows = [
        [
            e.when,
            str(kinds.get(e.kind, e.kind)),
            e.reference,
            e.description,
            e.debit,
            e.credit,
            e.balance,
        ]
        for e in ledger.entries
    ]
    name = f"ledger-{ledger.customer.number}".replace("/", "-")
    return Table(name, _("Ledger"), columns, rows)
