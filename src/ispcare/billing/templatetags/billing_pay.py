"""{% pay_online invoices as pay %}: what the "pay online" buttons need (enabled gateways,
the open balance, and whether paying online is possible for these invoices)."""

from __future__ import annotations

from django import template

from ..choices import OPEN_STATUSES, InvoiceKind
from ..gateways import enabled
from ..online import LABELS

register = template.Library()


@register.simple_tag
def pay_online(invoices) -> dict:
    rows = [i for i in (invoices or []) if i.status in OPEN_STATUSES]
    amount = sum(i.balance for i in rows)
    possible = bool(rows) and amount > 0 and all(i.kind != InvoiceKind.INSTALLATION for i in rows)
    return {
        "gateways": [(g, LABELS[g]) for g in enabled()] if possible else [],
        "amount": amount,
    }
