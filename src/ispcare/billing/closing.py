"""Billing's part of closing a subscription: the deposit it holds, applying it to what the
customer owes, refunding the rest with their unused credit, and writing off a balance a
manager decides not to collect (docs/decisions/0018-closing.md).

The deposit is held outside the customer's ledger (its invoice was paid like any other);
applying it is a payment of method "deposit", a write-off one of method "write_off": both
settle invoices the usual way and stay out of the cash reports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Duplicate, ValidationFailed
from ispcare.customers.choices import EventKind
from ispcare.customers.events import event_record
from ispcare.customers.models import Customer

from .choices import OPEN_STATUSES, InvoiceKind, InvoiceStatus, PaymentMethod, RefundMethod
from .invoicing import invoice_void_locked, open_balance
from .models import Invoice, Payment, Refund


def deposit_held(*, subscription_id: int) -> int:
    """What the customer paid as the subscription's deposit (a part-paid deposit invoice is
    not held: voiding it returns that part to their credit)."""
    paid = Invoice.objects.filter(
        subscription_id=subscription_id, kind=InvoiceKind.DEPOSIT, status=InvoiceStatus.PAID
    ).aggregate(s=Sum("amount_paid"))["s"]
    return paid or 0


def credit_left(*, customer_id: int) -> int:
    """The customer's unused credit (overpayments not yet taken by an invoice)."""
    total = Payment.objects.filter(customer_id=customer_id, unallocated__gt=0).aggregate(
        s=Sum("unallocated")
    )["s"]
    return total or 0


def deposit_unpaid_void(*, subscription_id: int, reason: str, actor: Any) -> int:
    """A deposit never paid in full is no longer owed once the service ends."""
    open_ids = list(
        Invoice.objects.filter(
            subscription_id=subscription_id, kind=InvoiceKind.DEPOSIT, status__in=OPEN_STATUSES
        ).values_list("pk", flat=True)
    )
    for pk in open_ids:
        invoice_void_locked(invoice_id=pk, reason=reason, actor=actor)
    return len(open_ids)


def _settle_with(
    *, customer_id: int, amount: int, method: str, reference: str, note: str, actor: Any
) -> Payment | None:
    """A non-cash payment spread over the open invoices like any other."""
    from .payments import _spread

    if amount <= 0:
        return None
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if Payment.objects.filter(method=method, reference=reference).exists():
            raise Duplicate(_("This settlement was already recorded."), code="payment.duplicate")
        payment = Payment.objects.create(
            customer=customer,
            amount=amount,
            unallocated=amount,
            method=method,
            reference=reference,
            received_by=actor if hasattr(actor, "pk") else None,
            note=note[:200],
        )
        allocations = _spread([payment], customer_id=customer_id, first=None)
        event_record(
            customer=customer,
            kind=EventKind.PAYMENT_RECORDED,
            actor=actor,
            reason=note,
            data={
                "amount": amount,
                "method": method,
                "reference": reference,
                "allocations": [{"invoice": i.number, "amount": a} for i, a in allocations],
                "credit": payment.unallocated,
            },
        )
    return payment


def deposit_apply(*, customer_id: int, amount: int, reference: str, actor: Any) -> Payment | None:
    """Use `amount` of the held deposit for the customer's open invoices (at most what they
    owe: the caller computes it under the customer lock)."""
    return _settle_with(
        customer_id=customer_id,
        amount=amount,
        method=PaymentMethod.DEPOSIT,
        reference=reference,
        note=str(_("Deposit applied at closing")),
        actor=actor,
    )


def balance_write_off(*, customer_id: int, reference: str, reason: str, actor: Any) -> int:
    """Settle everything the customer still owes as written off; returns the amount."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        owed = open_balance(customer_id=customer_id)
        _settle_with(
            customer_id=customer_id,
            amount=owed,
            method=PaymentMethod.WRITE_OFF,
            reference=reference,
            note=reason,
            actor=actor,
        )
        if owed:
            event_record(
                customer=customer,
                kind=EventKind.BALANCE_WRITTEN_OFF,
                actor=actor,
                reason=reason,
                data={"amount": owed, "reference": reference},
            )
    return owed


def refund_record(
    *,
    customer_id: int,
    subscription_id: int,
    from_deposit: int,
    method: str,
    reference: str,
    actor: Any,
    note: str = "",
) -> Refund:
    """Pay back `from_deposit` of the deposit and all the customer's unused credit."""
    reference = (reference or "").strip()
    errors: dict[str, list] = {}
    if method not in RefundMethod.values:
        errors["method"] = [_("Choose how the refund is paid.")]
    if not reference:
        errors["reference"] = [_("Enter the transfer or receipt number.")]
    elif len(reference) > 64:
        errors["reference"] = [_("The reference number is too long (64 characters at most).")]
    if errors:
        raise ValidationFailed(_("Check the refund."), fields=errors)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        payments = list(
            Payment.objects.select_for_update()
            .filter(customer_id=customer_id, unallocated__gt=0)
            .order_by("received_at", "id")
        )
        credit = sum(p.unallocated for p in payments)
        if from_deposit + credit <= 0:
            raise ValidationFailed(
                _("There is nothing to refund."),
                fields={"amount": [_("There is nothing to refund.")]},
            )
        if Refund.objects.filter(method=method, reference=reference).exists():
            raise Duplicate(
                _("This reference number was already recorded."),
                fields={"reference": [_("This reference number was already recorded.")]},
            )
        Payment.objects.filter(pk__in=[p.pk for p in payments]).update(unallocated=0)
        refund = Refund.objects.create(
            customer=customer,
            subscription_id=subscription_id,
            amount=from_deposit + credit,
            from_deposit=from_deposit,
            from_credit=credit,
            method=method,
            reference=reference,
            paid_at=timezone.now(),
            paid_by=actor if hasattr(actor, "pk") else None,
            note=(note or "")[:200],
        )
        event_record(
            customer=customer,
            kind=EventKind.REFUND_PAID,
            actor=actor,
            data={
                "amount": refund.amount,
                "from_deposit": from_deposit,
                "from_credit": credit,
                "method": method,
                "reference": reference,
            },
        )
    return refund
