"""Issue invoices and record payments; a settled deposit activates the subscription."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Conflict, Duplicate, ValidationFailed
from ispcare.common.money import format_rupiah
from ispcare.common.sequences import sequence_next
from ispcare.customers.choices import EventKind
from ispcare.customers.events import event_record
from ispcare.customers.models import Subscription
from ispcare.customers.services import subscription_deposit_recorded

from .choices import OPEN_STATUSES, InvoiceKind, InvoiceStatus, PaymentMethod
from .models import Invoice, Payment


def invoice_number_next() -> str:
    year = timezone.localdate().year
    return settings.INVOICE_NUMBER_FORMAT.format(
        year=year, seq=sequence_next(name=f"invoice:{year}")
    )


def invoice_issue(
    *,
    subscription: Subscription,
    kind: str,
    amount: int,
    description: str,
    due_date: dt.date,
    actor: Any,
) -> Invoice:
    with transaction.atomic():
        invoice = Invoice.objects.create(
            number=invoice_number_next(),
            customer=subscription.customer,
            subscription=subscription,
            kind=kind,
            amount=amount,
            description=description[:200],
            due_date=due_date,
        )
        event_record(
            customer=subscription.customer,
            subscription=subscription,
            kind=EventKind.INVOICE_ISSUED,
            actor=actor,
            data={"invoice": invoice.number, "kind": kind, "amount": amount},
        )
        if kind == InvoiceKind.DEPOSIT:
            _notify_invoice(invoice.pk)
    return invoice


def installation_invoice_ensure(
    *, subscription: Subscription, due_date: dt.date, actor: Any
) -> Invoice:
    """The initial payment, collected by the technician at installation (one per subscription)."""
    existing = Invoice.objects.filter(
        subscription=subscription, kind=InvoiceKind.INSTALLATION
    ).first()
    if existing:
        return existing
    return invoice_issue(
        subscription=subscription,
        kind=InvoiceKind.INSTALLATION,
        amount=subscription.plan.installation_fee,
        description=str(_("Installation fee, %(plan)s") % {"plan": subscription.plan.name}),
        due_date=due_date,
        actor=actor,
    )


def deposit_invoice_issue(*, subscription: Subscription, actor: Any) -> Invoice:
    existing = Invoice.objects.filter(subscription=subscription, kind=InvoiceKind.DEPOSIT).first()
    if existing:
        return existing
    return invoice_issue(
        subscription=subscription,
        kind=InvoiceKind.DEPOSIT,
        amount=subscription.plan.deposit,
        description=str(_("Subscription deposit, %(plan)s") % {"plan": subscription.plan.name}),
        due_date=timezone.localdate() + dt.timedelta(days=settings.DEPOSIT_DUE_DAYS),
        actor=actor,
    )


def payment_record(
    *, invoice_id: int, amount: int, method: str, reference: str, actor: Any, note: str = ""
) -> Payment:
    """Record money received against one invoice; the deposit, once settled, activates service."""
    reference = (reference or "").strip()
    errors: dict[str, list] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = [_("Enter an amount above zero, in whole rupiah.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose a payment method.")]
    if not reference:
        errors["reference"] = [_("Enter the receipt or transfer reference number.")]
    if errors:
        raise ValidationFailed(_("Check the payment details."), fields=errors)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .select_related("subscription", "customer")
            .get(pk=invoice_id)
        )
        if invoice.status not in OPEN_STATUSES:
            raise Conflict(
                _("This invoice is already %(status)s.")
                % {"status": invoice.get_status_display().lower()},
                code="invoice.not_open",
            )
        if amount > invoice.balance:
            raise ValidationFailed(
                _("Check the payment details."),
                fields={
                    "amount": [
                        _("The amount is more than the balance of %(balance)s.")
                        % {"balance": format_rupiah(invoice.balance)}
                    ]
                },
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
                    invoice=invoice,
                    customer=invoice.customer,
                    amount=amount,
                    method=method,
                    reference=reference,
                    received_by=actor,
                    note=note,
                )
        except IntegrityError:
            # A payment on another invoice with this receipt committed since the check above.
            if Payment.objects.filter(method=method, reference=reference).exists():
                raise duplicate from None
            raise
        invoice.amount_paid += amount
        invoice.status = (
            InvoiceStatus.PAID if invoice.balance == 0 else InvoiceStatus.PARTIALLY_PAID
        )
        invoice.paid_at = timezone.now() if invoice.status == InvoiceStatus.PAID else None
        invoice.save(update_fields=["amount_paid", "status", "paid_at"])
        event_record(
            customer=invoice.customer,
            subscription=invoice.subscription,
            kind=EventKind.PAYMENT_RECORDED,
            actor=actor,
            data={
                "invoice": invoice.number,
                "amount": amount,
                "method": method,
                "reference": reference,
                "balance": invoice.balance,
            },
        )
        if invoice.kind == InvoiceKind.DEPOSIT and invoice.status == InvoiceStatus.PAID:
            subscription_deposit_recorded(subscription_id=invoice.subscription_id, actor=actor)
    return payment


def _notify_invoice(invoice_id: int) -> None:
    from ispcare.customers.notices import customer_notify, plan_context

    invoice = Invoice.objects.select_related("customer", "subscription__plan").get(pk=invoice_id)
    customer_notify(
        customer=invoice.customer,
        template="deposit_invoice",
        context={
            "invoice": {
                "number": invoice.number,
                "amount": invoice.amount,
                "due_date": invoice.due_date,
            },
            "plan": plan_context(invoice.subscription.plan),
            "bank_account": settings.ISP_BANK_ACCOUNT,
        },
        key=f"invoice:{invoice.pk}:issued",
    )


def installation_invoice_void_unpaid(*, subscription: Subscription, actor: Any, reason: str) -> int:
    """The installation did not happen: its invoice, if nothing was paid on it, is void."""
    voided = Invoice.objects.filter(
        subscription=subscription,
        kind=InvoiceKind.INSTALLATION,
        status=InvoiceStatus.ISSUED,
        amount_paid=0,
    ).update(status=InvoiceStatus.VOID)
    if voided:
        event_record(
            customer=subscription.customer,
            subscription=subscription,
            kind=EventKind.INVOICE_VOIDED,
            actor=actor,
            reason=reason,
        )
    return voided
