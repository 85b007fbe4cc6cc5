"""A customer's account as a ledger: invoices owed (+), payments received (-), voids
(reversing their invoice), oldest first with the running balance. A positive balance is
owed by the customer; a negative one is their credit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from .choices import OPEN_STATUSES, InvoiceStatus
from .models import Invoice, Payment, Refund


@dataclass
class Entry:
    when: dt.datetime
    kind: str  # "invoice", "payment", "void", "refund"
    reference: str
    description: str
    debit: int  # owed by the customer
    credit: int  # paid, or reversed
    balance: int = 0


def ledger(*, customer_id: int) -> list[Entry]:
    entries: list[Entry] = []
    for inv in Invoice.objects.filter(customer_id=customer_id).order_by("issued_at", "id"):
        entries.append(Entry(inv.issued_at, "invoice", inv.number, inv.description, inv.amount, 0))
        if inv.status == InvoiceStatus.VOID:
            entries.append(
                Entry(
                    inv.voided_at or inv.issued_at,
                    "void",
                    inv.number,
                    inv.void_reason,
                    0,
                    inv.amount,
                )
            )
    for p in Payment.objects.filter(customer_id=customer_id).order_by("received_at", "id"):
        entries.append(
            Entry(p.received_at, "payment", p.reference, p.get_method_display(), 0, p.amount)
        )
    # The credit part of a refund brings the customer's credit back to zero; the deposit
    # part was never in the ledger (its invoice was paid like any other).
    for r in Refund.objects.filter(customer_id=customer_id, from_credit__gt=0).order_by("paid_at"):
        entries.append(
            Entry(r.paid_at, "refund", r.reference, r.get_method_display(), r.from_credit, 0)
        )
    entries.sort(key=lambda e: e.when)
    running = 0
    for e in entries:
        running += e.debit - e.credit
        e.balance = running
    return entries


def balance(*, customer_id: int) -> int:
    """Owed on open invoices minus unused credit: what the ledger must add up to."""
    owed = Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).aggregate(
        a=Sum("amount"), p=Sum("amount_paid")
    )
    credit = Payment.objects.filter(customer_id=customer_id).aggregate(c=Sum("unallocated"))["c"]
    return (owed["a"] or 0) - (owed["p"] or 0) - (credit or 0)
