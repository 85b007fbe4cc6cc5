"""Personal data in billing (decision 0019).

Indonesian tax law (UU KUP art. 28(11)) keeps books, records and the documents behind
them for 10 years, so nothing financial changes when a customer is anonymised: invoices,
lines, payments, allocations, credits, amounts, numbers, references, dates and the proof
of transfer files (supporting documents, stored under random names) all stay, tied to the
customer number. Only the customer's own values are scrubbed out of the free text that
may repeat them (a cashier's note, a description, a void reason, what a payment gateway
echoed back: Xendit's payer_email, Midtrans's customer details).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import BigIntegerField
from django.utils.translation import gettext_lazy as _

from ispcare.common.privacy import ErasureBatch, Subject, case_on, plain, rows, section_register

from .models import (
    Adjustment,
    Allocation,
    GatewayEvent,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentLink,
    Refund,
)


def export(subject: Subject) -> dict[str, Any]:
    customer_id = subject.customer_id
    invoices = Invoice.objects.filter(customer_id=customer_id).order_by("issued_at", "pk")
    lines: dict[int, list] = defaultdict(list)
    for line in InvoiceLine.objects.filter(invoice__customer_id=customer_id).order_by("pk"):
        lines[line.invoice_id].append(
            {
                "kind": line.kind,
                "description": line.description,
                "amount": line.amount,
                "period_start": plain(line.period_start),
                "period_end": plain(line.period_end),
            }
        )
    allocations: dict[int, list] = defaultdict(list)
    for payment_id, number, amount in Allocation.objects.filter(
        payment__customer_id=customer_id
    ).values_list("payment_id", "invoice__number", "amount"):
        allocations[payment_id].append({"invoice": number, "amount": amount})
    return {
        "invoices": [
            {
                **{
                    k: plain(v)
                    for k, v in (
                        ("number", i.number),
                        ("kind", i.kind),
                        ("description", i.description),
                        ("period_start", i.period_start),
                        ("period_end", i.period_end),
                        ("subtotal", i.subtotal),
                        ("tax", i.tax),
                        ("amount", i.amount),
                        ("amount_paid", i.amount_paid),
                        ("status", i.status),
                        ("issued_at", i.issued_at),
                        ("due_date", i.due_date),
                        ("paid_at", i.paid_at),
                        ("voided_at", i.voided_at),
                    )
                },
                "lines": lines.get(i.pk, []),
            }
            for i in invoices
        ],
        "payments": [
            {
                "amount": p.amount,
                "credit_left": p.unallocated,
                "method": p.method,
                "reference": p.reference,
                "received_at": plain(p.received_at),
                "note": p.note,
                "proof_of_transfer": bool(p.proof),
                "allocations": allocations.get(p.pk, []),
            }
            for p in Payment.objects.filter(customer_id=customer_id).order_by("received_at", "pk")
        ],
        "adjustments": rows(
            Adjustment.objects.filter(customer_id=customer_id).order_by("created_at", "pk"),
            "kind",
            "amount",
            "description",
            "created_at",
            invoice="invoice__number",
        ),
        "refunds": rows(
            Refund.objects.filter(customer_id=customer_id).order_by("paid_at", "pk"),
            "amount",
            "from_deposit",
            "from_credit",
            "method",
            "reference",
            "paid_at",
            "note",
        ),
        "online_payments": rows(
            PaymentLink.objects.filter(customer_id=customer_id).order_by("created_at", "pk"),
            "gateway",
            "order_id",
            "amount",
            "status",
            "created_at",
            "paid_at",
        ),
    }


def anonymise(batch: ErasureBatch) -> dict[str, dict[int, int]]:
    ids = batch.customer_ids
    counts = {
        "billing.Invoice": batch.scrub_rows(
            Invoice.objects.filter(customer_id__in=ids),
            ["description", "void_reason"],
            owner="customer_id",
        ),
        "billing.InvoiceLine": batch.scrub_rows(
            InvoiceLine.objects.filter(invoice__customer_id__in=ids),
            ["description"],
            owner="invoice__customer_id",
        ),
        "billing.Payment": batch.scrub_rows(
            Payment.objects.filter(customer_id__in=ids), ["note"], owner="customer_id"
        ),
        "billing.Adjustment": batch.scrub_rows(
            Adjustment.objects.filter(customer_id__in=ids), ["description"], owner="customer_id"
        ),
        "billing.Refund": batch.scrub_rows(
            Refund.objects.filter(customer_id__in=ids), ["note"], owner="customer_id"
        ),
        "billing.PaymentLink": batch.scrub_rows(
            PaymentLink.objects.filter(customer_id__in=ids), ["flag_reason"], owner="customer_id"
        ),
    }
    orders = dict(
        PaymentLink.objects.filter(customer_id__in=ids).values_list("order_id", "customer_id")
    )
    if orders:
        counts["billing.GatewayEvent"] = batch.scrub_rows(
            GatewayEvent.objects.filter(order_id__in=list(orders)),
            ["detail"],
            owner=case_on("order_id", orders, BigIntegerField()),
            json_columns=["payload"],
        )
    return {table: c for table, c in counts.items() if c}


def register() -> None:
    section_register(
        name="billing",
        label=_("Invoices and payments"),
        order=40,
        exporter=export,
        anonymiser=anonymise,
        columns={
            "billing.Invoice": ("description", "void_reason"),
            "billing.InvoiceLine": ("description",),
            "billing.Payment": ("note",),
            "billing.Adjustment": ("description",),
            "billing.Refund": ("note",),
            "billing.PaymentLink": ("flag_reason",),
            "billing.GatewayEvent": ("payload", "detail"),
        },
    )
