"""Issue and void single invoices: installation, deposit, the final one at closing, and
the credits and charges that wait for the next invoice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, PermissionDenied, ValidationFailed
from ispcare.customers.choices import EventKind
from ispcare.customers.events import event_record
from ispcare.customers.models import Customer, Subscription

from .choices import OPEN_STATUSES, AdjustmentKind, InvoiceKind, InvoiceStatus, LineKind
from .drafts import Draft, adjustments_take, drafts_write
from .models import Adjustment, Allocation, Invoice, Payment

# Deposits are refundable security, not a supply: no PPN on them.
_TAXABLE = {InvoiceKind.INSTALLATION: True, InvoiceKind.DEPOSIT: False}
_LINE_KIND = {
    InvoiceKind.INSTALLATION: LineKind.INSTALLATION,
    InvoiceKind.DEPOSIT: LineKind.DEPOSIT,
}


def invoice_issue(
    *,
    subscription: Subscription,
    kind: str,
    amount: int,
    description: str,
    due_date: dt.date,
    actor: Any,
    adjustments: bool = False,
) -> Invoice:
    """One invoice of one line (installation fee, deposit, a month billed by hand); PPN
    added where it applies; with `adjustments`, the customer's waiting credits and
    charges go on it too."""
    from .payments import credit_allocate

    draft = Draft(
        subscription_id=subscription.pk,
        customer_id=subscription.customer_id,
        kind=kind,
        description=description,
        due_date=due_date,
    )
    draft.line(
        kind=_LINE_KIND.get(kind, LineKind.SERVICE),
        description=description,
        amount=amount,
        taxable=_TAXABLE.get(kind, True),
        plan_id=subscription.plan_id,
    )
    with transaction.atomic():
        applied = []
        if adjustments:
            Customer.objects.select_for_update().get(pk=subscription.customer_id)
            pending = list(
                Adjustment.objects.filter(customer_id=subscription.customer_id, invoice=None)
            )
            applied = [(draft, adjustments_take(draft, pending))]
        (invoice,) = drafts_write([draft], actor=actor, applied=applied)
        credit_allocate(customer_id=subscription.customer_id, actor=actor)
        if kind == InvoiceKind.DEPOSIT:
            _notify_deposit(invoice.pk)
    invoice.refresh_from_db()
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


def _notify_deposit(invoice_id: int) -> None:
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
    ).update(
        status=InvoiceStatus.VOID,
        voided_at=timezone.now(),
        void_reason=str(reason)[:200],
    )
    if voided:
        event_record(
            customer=subscription.customer,
            subscription=subscription,
            kind=EventKind.INVOICE_VOIDED,
            actor=actor,
            reason=reason,
        )
    return voided


def invoice_void(*, invoice_id: int, reason: str, actor: Any) -> Invoice:
    """Cancel an invoice issued in error (a manager, with a reason). What was paid on it
    goes back to the customer's credit and on to their other open invoices; credits and
    charges it carried wait for the next invoice again."""
    reason = (reason or "").strip()
    if not has_capability(actor, "billing.void"):
        raise PermissionDenied(_("Only a manager can void an invoice."), code="forbidden")
    if not reason:
        raise ValidationFailed(
            _("Say why the invoice is void."),
            fields={"reason": [_("Say why the invoice is void.")]},
        )
    return invoice_void_locked(invoice_id=invoice_id, reason=reason, actor=actor)


def invoice_void_locked(*, invoice_id: int, reason: str, actor: Any) -> Invoice:
    """The void itself, for callers that checked who may do it (invoice_void) or act by
    rule (the closing voids a deposit that was never paid)."""
    from .dunning import overdue_restore
    from .payments import credit_allocate

    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        Customer.objects.select_for_update().get(pk=invoice.customer_id)
        if invoice.status == InvoiceStatus.VOID:
            raise Conflict(_("This invoice is already void."), code="invoice.not_open")
        refunds = list(invoice.allocations.values_list("payment_id", "amount"))
        for payment_id, amount in refunds:
            Payment.objects.filter(pk=payment_id).update(unallocated=F("unallocated") + amount)
        Allocation.objects.filter(invoice=invoice).delete()
        Adjustment.objects.filter(invoice=invoice).update(invoice=None)
        paid = invoice.amount_paid
        invoice.status, invoice.amount_paid, invoice.paid_at = InvoiceStatus.VOID, 0, None
        invoice.voided_at, invoice.voided_by, invoice.void_reason = (
            timezone.now(),
            actor,
            reason[:200],
        )
        invoice.save(
            update_fields=[
                "status",
                "amount_paid",
                "paid_at",
                "voided_at",
                "voided_by",
                "void_reason",
            ]
        )
        event_record(
            customer=invoice.customer,
            subscription=invoice.subscription,
            kind=EventKind.INVOICE_VOIDED,
            actor=actor,
            reason=reason,
            data={"invoice": invoice.number, "amount": invoice.amount, "returned_to_credit": paid},
        )
        credit_allocate(customer_id=invoice.customer_id, actor=actor)
        overdue_restore(customer_id=invoice.customer_id, actor=actor)
    return invoice


def adjustment_add(
    *,
    customer_id: int,
    amount: Any,
    kind: str,
    description: str,
    actor: Any,
    subscription_id: int | None = None,
) -> Adjustment:
    """A credit (negative) or a charge (positive) for the customer's next invoice."""
    description = (description or "").strip()
    errors: dict[str, list] = {}
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        errors["amount"] = [_("Enter a whole rupiah amount other than zero.")]
    if kind not in AdjustmentKind.values:
        errors["kind"] = [_("Choose a type.")]
    if not description:
        errors["description"] = [_("Describe the credit or charge for the customer.")]
    if errors:
        raise ValidationFailed(_("Check the credit or charge."), fields=errors)
    with transaction.atomic():
        customer = Customer.objects.get(pk=customer_id)
        adj = Adjustment.objects.create(
            customer=customer,
            subscription_id=subscription_id,
            kind=kind,
            amount=amount,
            description=description[:200],
            created_by=actor if hasattr(actor, "pk") else None,
        )
        event_record(
            customer=customer,
            kind=EventKind.CREDIT_ADDED,
            actor=actor,
            reason=description,
            data={"amount": amount, "kind": kind},
        )
    return adj


def final_invoice_issue(*, subscription_id: int, until: dt.date, actor: Any) -> Invoice:
    """At closing: the service from the end of the last billed period until `until`
    (prorated), with the credits and charges still waiting. Issued once."""
    from .payments import credit_allocate
    from .run import service_lines

    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update().select_related("plan").get(pk=subscription_id)
        )
        existing = Invoice.objects.filter(subscription=sub, kind=InvoiceKind.FINAL).exclude(
            status=InvoiceStatus.VOID
        )
        if existing.exists():
            return existing.get()
        billed_until = (
            Invoice.objects.filter(subscription=sub, kind=InvoiceKind.MONTHLY)
            .exclude(status=InvoiceStatus.VOID)
            .aggregate(end=Max("period_end"))["end"]
        )
        start = billed_until or (
            timezone.localtime(sub.activated_at).date() if sub.activated_at else until
        )
        draft = Draft(
            subscription_id=sub.pk,
            customer_id=sub.customer_id,
            kind=InvoiceKind.FINAL,
            description=str(_("Final invoice")),
            due_date=timezone.localdate() + dt.timedelta(days=settings.BILLING_DUE_DAYS),
            # No stretch left to bill (a monthly run billed past the end date): no period,
            # so it cannot collide with that run's invoice for the same period end.
            period_start=start if until > start else None,
            period_end=until if until > start else None,
        )
        if until > start:
            service_lines(draft, sub=sub, start=start, end=until)
        pending = list(Adjustment.objects.filter(customer_id=sub.customer_id, invoice__isnull=True))
        taken = adjustments_take(draft, pending)
        (invoice,) = drafts_write([draft], actor=actor, applied=[(draft, taken)])
        credit_allocate(customer_id=sub.customer_id, actor=actor)
    invoice.refresh_from_db()
    return invoice


def open_balance(*, customer_id: int) -> int:
    """What the customer still owes on open invoices."""
    totals = Invoice.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).aggregate(
        amount=Sum("amount"), paid=Sum("amount_paid")
    )
    return (totals["amount"] or 0) - (totals["paid"] or 0)
