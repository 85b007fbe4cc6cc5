"""Invoices before they are written: lines, credits and charges, totals, and the one
writer every invoice goes through (a single installation fee or 100,000 monthly
invoices): numbers reserved in one block, rows written in bulk, an event per invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from ispcare.common.bulk import rows_insert
from ispcare.common.sequences import sequence_reserve
from ispcare.customers.choices import EventKind
from ispcare.customers.events import actor_label
from ispcare.customers.models import Event

from .choices import InvoiceStatus, LineKind
from .models import Adjustment, Invoice, InvoiceLine
from .periods import tax_of


@dataclass
class Draft:
    subscription_id: int
    customer_id: int
    kind: str
    description: str
    due_date: dt.date
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    issued_amount: int = 0  # set by drafts_write: the total it was written with

    def line(self, *, kind: str, description: str, amount: int, taxable: bool = True, **extra):
        self.lines.append(
            {
                "kind": kind,
                "description": str(description)[:200],
                "amount": amount,
                "taxable": taxable,
                **extra,
            }
        )

    @property
    def subtotal(self) -> int:
        return sum(line["amount"] for line in self.lines)

    @property
    def tax(self) -> int:
        # Credits reduce the taxable base; never below zero.
        return tax_of(sum(line["amount"] for line in self.lines if line["taxable"]))

    @property
    def amount(self) -> int:
        return self.subtotal + self.tax


def adjustments_pending() -> dict[int, list[Adjustment]]:
    """Credits and charges waiting for an invoice, by customer (a small set: an index
    covers exactly these rows)."""
    pending: dict[int, list[Adjustment]] = {}
    for adj in Adjustment.objects.filter(invoice__isnull=True).order_by("created_at", "id"):
        pending.setdefault(adj.customer_id, []).append(adj)
    return pending


def adjustments_take(draft: Draft, adjustments: list[Adjustment]) -> list[Adjustment]:
    """Put `adjustments` on `draft` as lines: charges all, credits while the invoice stays
    at or above zero; a credit larger than what is left is split, the rest waits for the
    next invoice. Returns the adjustments to mark as applied (saved by the writer)."""
    taken: list[Adjustment] = []
    for adj in sorted(adjustments, key=lambda a: (a.amount < 0, a.created_at, a.pk)):
        if adj.subscription_id not in (None, draft.subscription_id):
            continue
        room = draft.subtotal
        amount = adj.amount
        if amount < 0 and room <= 0:
            continue
        if amount < 0 and -amount > room:
            rest = Adjustment.objects.create(
                customer_id=adj.customer_id,
                subscription_id=adj.subscription_id,
                kind=adj.kind,
                amount=amount + room,
                description=adj.description,
                created_by_id=adj.created_by_id,
            )
            Adjustment.objects.filter(pk=adj.pk).update(amount=-room)
            adj.amount, amount = -room, -room
            adjustments.append(rest)
        draft.line(
            kind=LineKind.ADJUSTMENT,
            description=adj.description,
            amount=amount,
            adjustment_id=adj.pk,
        )
        taken.append(adj)
    for adj in taken:
        adjustments.remove(adj)
    return taken


def _number_format(seq: int, year: int) -> str:
    return settings.INVOICE_NUMBER_FORMAT.format(year=year, seq=seq)


def drafts_write(
    drafts: Iterable[Draft],
    *,
    actor: Any,
    run_id: int | None = None,
    reason: str = "",
    applied: Iterable[tuple[Draft, list[Adjustment]]] = (),
) -> list[Invoice]:
    """Write the invoices (inside the caller's transaction), numbered gap-free in order."""
    drafts = list(drafts)
    if not drafts:
        return []
    now = timezone.now()
    year = timezone.localdate().year
    first = sequence_reserve(name=f"invoice:{year}", count=len(drafts))
    numbers = [_number_format(first + i, year) for i in range(len(drafts))]
    # Invoices of this run written before these have smaller ids: what the id query
    # below reads back is these rows only, not the whole run again for every block.
    floor = Invoice.objects.aggregate(top=Max("pk"))["top"] or 0
    rows = []
    for number, d in zip(numbers, drafts, strict=True):
        subtotal, tax = d.subtotal, d.tax
        amount = d.issued_amount = subtotal + tax
        rows.append(
            {
                "number": number,
                "customer_id": d.customer_id,
                "subscription_id": d.subscription_id,
                "kind": d.kind,
                "description": str(d.description)[:200],
                "period_start": d.period_start,
                "period_end": d.period_end,
                "subtotal": subtotal,
                "tax": tax,
                "amount": amount,
                "amount_paid": 0,
                "status": InvoiceStatus.PAID if amount == 0 else InvoiceStatus.ISSUED,
                "paid_at": now if amount == 0 else None,
                "issued_at": now,
                "due_date": d.due_date,
                "run_id": run_id,
            }
        )
    rows_insert(Invoice, rows)
    if run_id is not None:
        ids = dict(Invoice.objects.filter(run_id=run_id, pk__gt=floor).values_list("number", "pk"))
    else:
        ids = dict(Invoice.objects.filter(number__in=numbers).values_list("number", "pk"))
    lines, events = [], []
    label = actor_label(actor)
    actor_id = actor.pk if hasattr(actor, "pk") else None
    for number, d, row in zip(numbers, drafts, rows, strict=True):
        invoice_id = ids[number]
        lines += [{"invoice_id": invoice_id, **line} for line in d.lines]
        events.append(
            {
                "customer_id": d.customer_id,
                "subscription_id": d.subscription_id,
                "kind": EventKind.INVOICE_ISSUED,
                "actor_id": actor_id,
                "actor_label": label,
                "reason": reason,
                "data": {"invoice": number, "kind": d.kind, "amount": row["amount"]},
                "created_at": now,
            }
        )
    rows_insert(InvoiceLine, lines)
    rows_insert(Event, events)
    number_of = {id(d): number for number, d in zip(numbers, drafts, strict=True)}
    for d, adjustments in applied:
        Adjustment.objects.filter(pk__in=[a.pk for a in adjustments]).update(
            invoice_id=ids[number_of[id(d)]]
        )
    return list(Invoice.objects.filter(pk__in=ids.values())) if len(ids) <= 100 else []


def service_description(period_start: dt.date, period_end: dt.date) -> str:
    last = period_end - dt.timedelta(days=1)
    return gettext("Internet service %(start)s – %(end)s") % {  # noqa: RUF001
        "start": period_start.strftime("%d/%m/%Y"),
        "end": last.strftime("%d/%m/%Y"),
    }
