"""Money in: record a payment, spread it over the open invoices oldest first, keep what is
left as the customer's credit for the next invoices. A settled deposit activates the
service; settling everything overdue lifts billing's isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.customers.choices import EventKind
from ispcare.customers.events import event_record
from ispcare.customers.models import Customer

from .choices import MANUAL_METHODS, OPEN_STATUSES, InvoiceKind, InvoiceStatus, PaymentMethod
from .models import Allocation, Invoice, Payment


def _validate(*, amount: Any, method: str, reference: str, currency: str, staff: bool) -> None:
    errors: dict[str, list] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = [_("Enter an amount above zero, in whole rupiah.")]
    if (currency or "").upper() != "IDR":
        errors["currency"] = [_("Only rupiah (IDR) payments are accepted.")]
    if method not in (MANUAL_METHODS if staff else PaymentMethod.values):
        # Online payments are recorded by the gateway's verified notification only.
        errors["method"] = [_("Choose a payment method.")]
    if not reference:
        errors["reference"] = [_("Enter the receipt or transfer reference number.")]
    elif len(reference) > 64:
        errors["reference"] = [_("The reference number is too long (64 characters at most).")]
    if errors:
        raise ValidationFailed(_("Check the payment details."), fields=errors)


def payment_record(
    *,
    amount: Any,
    method: str,
    reference: str,
    actor: Any,
    invoice_id: int | None = None,
    customer_id: int | None = None,
    note: str = "",
    currency: str = "IDR",
    proof: Any = None,
    received_at: dt.datetime | None = None,
) -> Payment:
    """Record money received from a customer (for `invoice_id` first, if given)."""
    from .dunning import overdue_restore
    from .proofs import proof_check

    reference = (reference or "").strip()
    _validate(
        amount=amount,
        method=method,
        reference=reference,
        currency=currency,
        staff=hasattr(actor, "pk"),
    )
    if proof is not None:
        proof_check(proof)
    if invoice_id is None and customer_id is None:
        raise ValueError("payment_record needs invoice_id or customer_id")
    with transaction.atomic():
        target = None
        if invoice_id is not None:
            customer_id = Invoice.objects.values_list("customer_id", flat=True).get(pk=invoice_id)
        # One customer's money moves one payment at a time: allocations never race.
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if invoice_id is not None:
            target = Invoice.objects.select_for_update().get(pk=invoice_id)
            if target.status not in OPEN_STATUSES:
                raise Conflict(
                    _("This invoice is already %(status)s.")
                    % {"status": target.get_status_display().lower()},
                    code="invoice.not_open",
                )
        duplicate = Duplicate(
            _("This receipt number was already recorded."),
            fields={"reference": [_("This receipt number was already recorded.")]},
        )
        if Payment.objects.filter(method=method, reference=reference).exists():
            raise duplicate
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    customer=customer,
                    invoice=target,
                    amount=amount,
                    unallocated=amount,
                    method=method,
                    reference=reference,
                    received_by=actor if hasattr(actor, "pk") else None,
                    received_at=received_at or timezone.now(),
                    note=(note or "")[:200],
                    proof=proof or "",
                )
        except IntegrityError:
            # The same receipt committed on another customer since the check above.
            if Payment.objects.filter(method=method, reference=reference).exists():
                raise duplicate from None
            raise
        allocations = _spread([payment], customer_id=customer.pk, first=target)
        data = {
            "invoice": target.number if target else "",
            "amount": amount,
            "method": method,
            "reference": reference,
            "allocations": [{"invoice": i.number, "amount": a} for i, a in allocations],
            "credit": payment.unallocated,
        }
        if target is not None:
            target.refresh_from_db()
            data["balance"] = target.balance
        paid_for = target or (allocations[0][0] if allocations else None)
        event_record(
            customer=customer,
            subscription=paid_for.subscription if paid_for else None,
            kind=EventKind.PAYMENT_RECORDED,
            actor=actor,
            data=data,
        )
        _settled([i for i, _a in allocations], actor=actor)
        overdue_restore(customer_id=customer.pk, actor=actor)
    return payment


def credit_allocate(*, customer_id: int, actor: Any) -> int:
    """Spread the customer's unused credit over their open invoices, oldest first (after
    a new invoice, or a void). Runs in the caller's transaction; returns rupiah moved."""
    Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk").first()
    payments = list(
        Payment.objects.select_for_update()
        .filter(customer_id=customer_id, unallocated__gt=0)
        .order_by("received_at", "id")
    )
    if not payments:
        return 0
    allocations = _spread(payments, customer_id=customer_id, first=None)
    _settled([i for i, _a in allocations], actor=actor)
    return sum(a for _i, a in allocations)


def _spread(
    payments: list[Payment], *, customer_id: int, first: Invoice | None
) -> list[tuple[Invoice, int]]:
    """Allocate the payments' unallocated money: `first`, then open invoices by due date."""
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(customer_id=customer_id, status__in=OPEN_STATUSES)
        .order_by("due_date", "issued_at", "id")
    )
    if first is not None:
        invoices = [first] + [i for i in invoices if i.pk != first.pk]
    now = timezone.now()
    made: list[tuple[Invoice, int]] = []
    rows: list[Allocation] = []
    queue = [p for p in payments if p.unallocated > 0]
    for invoice in invoices:
        while queue and invoice.balance > 0:
            payment = queue[0]
            amount = min(payment.unallocated, invoice.balance)
            rows.append(Allocation(payment=payment, invoice=invoice, amount=amount, created_at=now))
            payment.unallocated -= amount
            invoice.amount_paid += amount
            made.append((invoice, amount))
            if payment.unallocated == 0:
                queue.pop(0)
        if invoice.balance == 0 and invoice.status != InvoiceStatus.PAID:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
        elif 0 < invoice.amount_paid < invoice.amount:
            invoice.status = InvoiceStatus.PARTIALLY_PAID
        if not queue:
            break
    Allocation.objects.bulk_create(rows)
    touched = {i.pk: i for i, _a in made}
    for invoice in touched.values():
        invoice.save(update_fields=["amount_paid", "status", "paid_at"])
    for payment in payments:
        payment.save(update_fields=["unallocated"])
    return made


def _settled(invoices: list[Invoice], *, actor: Any) -> None:
    """A deposit paid in full activates the subscription (or lifts its isolation)."""
    from ispcare.customers.services import subscription_deposit_recorded

    done = set()
    for invoice in invoices:
        if (
            invoice.kind == InvoiceKind.DEPOSIT
            and invoice.status == InvoiceStatus.PAID
            and invoice.pk not in done
        ):
            done.add(invoice.pk)
            subscription_deposit_recorded(subscription_id=invoice.subscription_id, actor=actor)
