"""Invoices and payment receipts as PDF (fpdf2), in the customer's language.

Text is set in DejaVu Sans (shipped in `fonts/`, Bitstream Vera licence): the PDF core
fonts only know latin-1, and customers' names and addresses, typographic quotes and the
dash of a period do not stay inside it. fpdf2 embeds only the glyphs used (a few KB).

Both documents read the rows as they are now: an invoice voided after a payment shows
VOID and what was paid on it went back to credit; a receipt lists the invoices its
payment still settles and the credit it still holds.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from ispcare.common.money import format_rupiah

from .choices import OPEN_STATUSES, InvoiceStatus
from .models import Invoice, Payment
from .periods import tax_of

# fontTools reports every glyph of every subset at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).with_name("fonts")
FONT = "DejaVu"
WIB = ZoneInfo("Asia/Jakarta")

INK = (28, 36, 48)
MUTED = (91, 102, 119)
LINE = (221, 227, 234)
HEAD_FILL = (240, 243, 247)
OK = (26, 127, 55)
BAD = (198, 40, 40)


class Document(FPDF):
    """A4 with the ISP's letterhead and a page footer."""

    def __init__(self, *, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_title(title)
        self.set_author(settings.ISP_NAME)
        self.set_creator("ISPcare")
        self.set_lang(translation.get_language() or "id")
        self.footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            4,
            self.footer_text,
            align="L",
        )
        self.set_x(self.l_margin)
        self.cell(
            0,
            4,
            _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"},
            align="R",
        )

    # --- building blocks ------------------------------------------------------------------

    def text_line(
        self, text: str, *, size: float = 9, bold: bool = False, color=INK, h=4.6, align="L", w=0
    ):
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(w, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def letterhead(self, *, title: str, number: str) -> None:
        top = self.get_y()
        width = self.epw * 0.58
        self.set_font(FONT, "B", 15)
        self.set_text_color(*INK)
        self.multi_cell(width, 7, settings.ISP_NAME, new_x="LMARGIN", new_y="NEXT")
        lines = [settings.ISP_ADDRESS]
        contact = " · ".join(
            x for x in (settings.ISP_SUPPORT_PHONE, settings.ISP_SUPPORT_EMAIL) if x
        )
        if contact:
            lines.append(contact)
        if settings.ISP_TAX_ID:
            lines.append(_("NPWP: %(tax_id)s") % {"tax_id": settings.ISP_TAX_ID})
        for line in lines:
            self.text_line(line, size=8.5, color=MUTED, w=width, h=4.2)
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + width, top)
        self.set_font(FONT, "B", 17)
        self.set_text_color(*INK)
        self.multi_cell(self.epw - width, 8, title.upper(), align="R", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 10)
        self.multi_cell(self.epw - width, 5.5, number, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 3)
        self.rule()

    def rule(self, gap: float = 4) -> None:
        self.set_draw_color(*LINE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(gap)

    def two_columns(self, left: list[tuple[str, str, bool]], right: list[tuple[str, str]]) -> None:
        """Left: the customer (text, size, bold); right: label/value facts."""
        top = self.get_y()
        width = self.epw * 0.5
        for text, size, bold in left:
            self.set_font(FONT, "B" if bold else "", size)
            self.set_text_color(*(INK if bold or size > 8 else MUTED))
            self.multi_cell(width - 4, 4.8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()
        self.set_y(top)
        label_w = (self.epw - width) * 0.3
        for label, value in right:
            self.set_x(self.l_margin + width)
            self.set_font(FONT, "", 8.5)
            self.set_text_color(*MUTED)
            self.cell(label_w, 4.8, label)
            self.set_font(FONT, "B", 9)
            self.set_text_color(*INK)
            self.multi_cell(
                self.epw - width - label_w, 4.8, value, align="R", new_x="LMARGIN", new_y="NEXT"
            )
        self.set_y(max(left_bottom, self.get_y()) + 4)

    def heading(self, text: str) -> None:
        self.text_line(text, size=8, bold=True, color=MUTED, h=5)

    def money_table(self, headings: tuple[str, ...], rows: list[tuple[str, ...]], widths) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(*INK)
        self.set_draw_color(*LINE)
        align = tuple("RIGHT" if i == len(headings) - 1 else "LEFT" for i in range(len(headings)))
        with self.table(
            col_widths=widths,
            text_align=align,
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", color=MUTED, fill_color=HEAD_FILL, size_pt=8),
            line_height=5,
            padding=(1.6, 1.5),
            width=self.epw,
        ) as table:
            table.row(headings)
            for row in rows:
                table.row(row)
        self.ln(1)

    def totals(self, rows: list[tuple[str, str, bool]]) -> None:
        """Label and amount, right-aligned under the table; bold rows stand out."""
        label_x = self.l_margin + self.epw * 0.45
        for label, value, strong in rows:
            self.set_x(label_x)
            self.set_font(FONT, "B" if strong else "", 10.5 if strong else 9)
            self.set_text_color(*(INK if strong else MUTED))
            self.cell(self.epw * 0.30, 6 if strong else 5, label)
            self.set_text_color(*INK)
            self.cell(
                self.epw * 0.25, 6 if strong else 5, value, align="R", new_x="LMARGIN", new_y="NEXT"
            )

    def stamp(self, text: str, color, *, y: float) -> None:
        """A rotated rubber stamp (PAID, VOID) left of the totals that start at `y`."""
        back_x, back_y = self.get_x(), self.get_y()
        x = self.l_margin + 12
        with self.local_context():
            self.set_draw_color(*color)
            self.set_text_color(*color)
            self.set_line_width(1.1)
            self.set_font(FONT, "B", 24)
            width = self.get_string_width(text) + 10
            with self.rotation(12, x + width / 2, y + 7):
                self.rect(x, y, width, 14, round_corners=True, corner_radius=2)
                self.set_xy(x, y)
                self.cell(width, 14, text, align="C")
        self.set_xy(back_x, back_y)


# --- formatting ---------------------------------------------------------------------------


def date_text(day: dt.date | None) -> str:
    return formats.date_format(day, "j F Y") if day else ""


def moment_text(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return f"{formats.date_format(value.astimezone(WIB), 'j F Y H:i')} WIB"


def _period(invoice: Invoice) -> str:
    if not (invoice.period_start and invoice.period_end):
        return ""
    last = max(invoice.period_start, invoice.period_end - dt.timedelta(days=1))
    return f"{date_text(invoice.period_start)} \u2013 {date_text(last)}"


def _tax_label(invoice: Invoice, lines) -> str:
    """'PPN 11%' when the current rate gives the invoice's tax, else just the tax's name
    (the rate may have changed since the invoice was issued)."""
    name = settings.BILLING_TAX_NAME or _("Tax")
    rate = Decimal(str(settings.BILLING_TAX_PERCENT or "0"))
    taxable = sum(line.amount for line in lines if line.taxable)
    if rate and tax_of(taxable) == invoice.tax:
        text = format(rate.normalize(), "f")
        if translation.get_language() == "id":
            text = text.replace(".", ",")
        return f"{name} {text}%"
    return name


def _customer_block(customer) -> list[tuple[str, float, bool]]:
    return [
        (_("Billed to"), 8, False),
        (customer.full_name, 10.5, True),
        (_("Customer number: %(number)s") % {"number": customer.number}, 9, False),
        (customer.address_line, 8.5, False),
        (" · ".join(x for x in (customer.phone, customer.email) if x), 8.5, False),
    ]


def footer_text() -> str:
    return _("Questions? %(phone)s · %(email)s") % {
        "phone": settings.ISP_SUPPORT_PHONE,
        "email": settings.ISP_SUPPORT_EMAIL,
    }


def pdf_bytes(doc: Document) -> bytes:
    return bytes(doc.output())


# --- documents ----------------------------------------------------------------------------


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as the customer gets it, in their language."""
    customer = invoice.customer
    lines = list(invoice.lines.all())
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        title = _("Invoice")
        doc = Document(title=f"{title} {invoice.number}")
        doc.footer_text = footer_text()
        doc.add_page()
        doc.letterhead(title=title, number=invoice.number)
        facts = [
            (_("Issued"), date_text(invoice.issued_at.astimezone(WIB).date())),
            (_("Due date"), date_text(invoice.due_date)),
        ]
        period = _period(invoice)
        if period:
            facts.append((_("Period"), period))
        facts.append((_("Type"), invoice.get_kind_display()))
        facts.append((_("Status"), invoice.get_status_display()))
        doc.two_columns(_customer_block(customer), facts)

        doc.heading(invoice.description)
        rows = [(line.description, format_rupiah(line.amount)) for line in lines]
        if not rows:  # older invoices without lines: the invoice itself is the one line
            rows = [(invoice.description, format_rupiah(invoice.subtotal or invoice.amount))]
        doc.money_table((_("Description"), _("Amount")), rows, widths=(140, 40))
        totals = [
            (_("Subtotal"), format_rupiah(invoice.subtotal or invoice.amount - invoice.tax), False)
        ]
        if invoice.tax or Decimal(str(settings.BILLING_TAX_PERCENT or "0")):
            totals.append((_tax_label(invoice, lines), format_rupiah(invoice.tax), False))
        totals.append((_("Total"), format_rupiah(invoice.amount), True))
        if invoice.status != InvoiceStatus.VOID:
            totals.append((_("Amount paid"), format_rupiah(invoice.amount_paid), False))
            totals.append((_("Balance due"), format_rupiah(invoice.balance), True))
        totals_top = doc.get_y()
        doc.totals(totals)
        doc.ln(5)

        if invoice.status == InvoiceStatus.VOID:
            doc.stamp(_("VOID"), BAD, y=totals_top + 4)
            doc.text_line(
                _("This invoice was voided on %(when)s: %(reason)s")
                % {"when": moment_text(invoice.voided_at), "reason": invoice.void_reason},
                size=9,
                color=BAD,
            )
        elif invoice.status == InvoiceStatus.PAID:
            doc.stamp(_("PAID"), OK, y=totals_top + 4)
            doc.text_line(
                _("Paid in full on %(when)s. Thank you.") % {"when": moment_text(invoice.paid_at)},
                size=9,
                color=OK,
            )
        elif invoice.status in OPEN_STATUSES:
            doc.heading(_("How to pay"))
            doc.text_line(
                _(
                    "Bank transfer to %(bank)s with your customer number %(number)s as the "
                    "reference, pay online in the customer portal, or pay in cash at our "
                    "office (%(address)s)."
                )
                % {
                    "bank": settings.ISP_BANK_ACCOUNT,
                    "number": customer.number,
                    "address": settings.ISP_ADDRESS,
                },
                size=9,
            )
        return pdf_bytes(doc)


def receipt_pdf(payment: Payment) -> bytes:
    """Proof for the customer that the money arrived and what it paid."""
    customer = payment.customer
    allocations = list(payment.allocations.select_related("invoice").order_by("created_at", "id"))
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        title = _("Payment receipt")
        doc = Document(title=f"{title} {payment.reference}")
        doc.footer_text = footer_text()
        doc.add_page()
        doc.letterhead(title=title, number=payment.reference)
        facts = [
            (_("Received"), moment_text(payment.received_at)),
            (_("Method"), payment.get_method_display()),
            (_("Reference"), payment.reference),
        ]
        doc.two_columns(_customer_block(customer)[1:], facts)
        doc.set_font(FONT, "", 9)
        doc.set_text_color(*MUTED)
        doc.cell(0, 6, _("Amount received"), new_x="LMARGIN", new_y="NEXT")
        doc.set_font(FONT, "B", 18)
        doc.set_text_color(*INK)
        doc.cell(0, 9, format_rupiah(payment.amount), new_x="LMARGIN", new_y="NEXT")
        doc.ln(3)

        doc.heading(_("Paid for"))
        if allocations:
            rows = [
                (a.invoice.number, a.invoice.description, format_rupiah(a.amount))
                for a in allocations
            ]
            doc.money_table(
                (_("Invoice"), _("Description"), _("Amount")), rows, widths=(42, 98, 40)
            )
        else:
            doc.text_line(_("No invoice: the whole amount is kept as credit."), size=9, color=MUTED)
            doc.ln(2)
        doc.totals(
            [
                (
                    _("Applied to invoices"),
                    format_rupiah(payment.amount - payment.unallocated),
                    False,
                ),
                (_("Credit left for the next invoices"), format_rupiah(payment.unallocated), True),
            ]
        )
        if payment.note:
            doc.ln(3)
            doc.text_line(_("Note: %(note)s") % {"note": payment.note}, size=9, color=MUTED)
        doc.ln(6)
        doc.text_line(
            _("Issued by %(isp)s on %(when)s. Keep this receipt as your proof of payment.")
            % {"isp": settings.ISP_NAME, "when": moment_text(payment.received_at)},
            size=8.5,
            color=MUTED,
        )
        return pdf_bytes(doc)


def invoice_filename(invoice: Invoice) -> str:
    with translation.override(invoice.customer.language or settings.LANGUAGE_CODE):
        return f"{slugify(_('invoice'))}-{slugify(invoice.number.replace('/', '-'))}.pdf"


def receipt_filename(payment: Payment) -> str:
    with translation.override(payment.customer.language or settings.LANGUAGE_CODE):
        return f"{slugify(_('receipt'))}-{slugify(payment.reference.replace('/', '-')) or payment.pk}.pdf"
