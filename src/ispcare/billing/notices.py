"""Billing's notices: a new invoice, the reminder before the due date, on it, overdue, and
isolation for non-payment (default texts in templates/notices/<key>.<lang>.txt)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from ispcare.customers.notices import SAMPLE
from ispcare.notifications.catalog import TemplateSpec, register

SAMPLE_INVOICE = {
    "number": "INV/2026/000456",
    "amount": 250_000,
    "balance": 250_000,
    "due_date": dt.date(2026, 12, 11),
    "period_start": dt.date(2026, 11, 1),
    "period_end": dt.date(2026, 12, 1),
}
_INVOICE_PARAMS = (
    "{{ name }}",
    "{{ invoice.number }}",
    "{{ invoice.balance|rupiah }}",
    '{{ invoice.due_date|date:"j F Y" }}',
)


def register_templates() -> None:
    sample = {**SAMPLE, "invoice": SAMPLE_INVOICE, "bank_account": "BNI 0123456789"}
    for key, title in (
        ("invoice_issued", _("New monthly invoice")),
        ("invoice_reminder", _("Invoice reminder before the due date")),
        ("invoice_due", _("Invoice due today")),
        ("invoice_overdue", _("Invoice overdue")),
    ):
        register(TemplateSpec(key, title, sample, f"ispcare_{key}", _INVOICE_PARAMS))
    register(
        TemplateSpec(
            "service_isolated",
            _("Service isolated for non-payment"),
            {**SAMPLE, "balance": 250_000, "bank_account": "BNI 0123456789"},
            "ispcare_service_isolated",
            ("{{ name }}", "{{ balance|rupiah }}"),
        )
    )
