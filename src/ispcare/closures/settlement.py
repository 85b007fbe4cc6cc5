"""The closing's money: the settlement (final invoice, deposit applied, refund due), the
refund, a manager's write-off, and closing the file (decision 0018)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import has_capability
from ispcare.billing import services as billing
from ispcare.billing.choices import AdjustmentKind
from ispcare.common.errors import Conflict, PermissionDenied, ValidationFailed
from ispcare.common.money import format_rupiah
from ispcare.customers.choices import EventKind
from ispcare.customers.lifecycle import subscription_transition

from . import notices
from .choices import ClosureStatus
from .lifecycle import MACHINE, closure_event, closure_locked, closure_move
from .models import Closure, Settlement


class _DryRun(Exception):
    """Rolls back the settlement a preview computed."""


def closure_settle(*, closure_id: int, actor: Any) -> Settlement:
    """Every device is back: issue the final invoice (prorated to the end date, with the
    equipment charges), apply the deposit to what is owed, and freeze the statement."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        closure = closure_move(closure, "settle", actor=actor)
        customer_id, sub_id = closure.customer_id, closure.subscription_id
        billing.deposit_unpaid_void(
            subscription_id=sub_id,
            reason=str(_("Service ended before the deposit was paid")),
            actor=actor,
        )
        charged = 0
        for item in closure.items.select_related("equipment").filter(charge__gt=0):
            billing.adjustment_add(
                customer_id=customer_id,
                subscription_id=sub_id,
                amount=item.charge,
                kind=AdjustmentKind.EQUIPMENT,
                description=str(
                    _("%(kind)s %(serial)s: %(condition)s")
                    % {
                        "kind": item.equipment.get_kind_display(),
                        "serial": item.equipment.serial,
                        "condition": item.get_condition_display().lower(),
                    }
                ),
                actor=actor,
            )
            charged += item.charge
        invoice = billing.final_invoice_issue(
            subscription_id=sub_id, until=closure.end_date, actor=actor
        )
        held = billing.deposit_held(subscription_id=sub_id)
        owed = billing.open_balance(customer_id=customer_id)
        applied = min(held, owed)
        billing.deposit_apply(
            customer_id=customer_id,
            amount=applied,
            reference=f"{closure.number}/DEP",
            actor=actor,
        )
        credit = billing.credit_left(customer_id=customer_id)
        settlement = Settlement.objects.create(
            closure=closure,
            deposit_held=held,
            final_invoice=invoice,
            service_charge=invoice.amount - charged if invoice else 0,
            equipment_charges=charged,
            owed=owed,
            deposit_applied=applied,
            credit=credit,
            refund_due=held - applied + credit,
            balance_left=owed - applied,
            created_by=actor if hasattr(actor, "pk") else None,
        )
        closure_event(
            closure,
            EventKind.SETTLEMENT_ISSUED,
            actor,
            deposit=held,
            equipment=charged,
            applied=applied,
            refund=settlement.refund_due,
            owed=settlement.balance_left,
        )
        notices.closure_notify(closure, "closure_settled", settlement=settlement)
        _close_if_done(closure, actor)
    return settlement


def closure_refund(
    *, closure_id: int, amount: Any, method: str, reference: str, actor: Any, note: str = ""
) -> Closure:
    """Pay out the refund: the deposit left and any unused credit, exactly."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        settlement = _settlement_open(closure)
        if settlement.refund_id:
            raise Conflict(_("The refund was already paid."), code="closure.refund_paid")
        from_deposit = settlement.deposit_held - settlement.deposit_applied
        due = from_deposit + billing.credit_left(customer_id=closure.customer_id)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationFailed(
                _("Check the refund."),
                fields={"amount": [_("Enter an amount above zero, in whole rupiah.")]},
            )
        if amount != due:
            message = (
                _("The refund cannot be more than %(due)s: the deposit left plus unused credit.")
                if amount > due
                else _("Refund the whole %(due)s: the deposit left plus unused credit.")
            )
            raise ValidationFailed(
                _("Check the refund."),
                fields={"amount": [message % {"due": format_rupiah(due)}]},
            )
        refund = billing.refund_record(
            customer_id=closure.customer_id,
            subscription_id=closure.subscription_id,
            from_deposit=from_deposit,
            method=method,
            reference=reference,
            actor=actor,
            note=note,
        )
        settlement.refund = refund
        settlement.save(update_fields=["refund"])
        notices.closure_notify(closure, "closure_refunded", refund=refund)
        _close_if_done(closure, actor)
    return closure


def _settlement_open(closure: Closure) -> Settlement:
    if closure.status != ClosureStatus.SETTLED:
        raise Conflict(
            _("This request is %(status)s: this step is not possible now.")
            % {"status": closure.get_status_display().lower()},
            code="closure.not_settled",
        )
    return closure.settlement


def closure_write_off(*, closure_id: int, reason: str, actor: Any) -> Closure:
    """A manager writes off what the customer still owes, with a reason."""
    if not has_capability(actor, "closures.write_off"):
        raise PermissionDenied(_("Only a manager can write off a balance."), code="forbidden")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            _("Say why the balance is written off."),
            fields={"reason": [_("Say why the balance is written off.")]},
        )
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _settlement_open(closure)
        amount = billing.balance_write_off(
            customer_id=closure.customer_id,
            reference=f"{closure.number}/WO",
            reason=reason,
            actor=actor,
        )
        if amount == 0:
            raise Conflict(
                _("Nothing is owed: there is nothing to write off."), code="closure.nothing_owed"
            )
        closure.written_off, closure.write_off_reason, closure.write_off_by = (
            amount,
            reason[:200],
            actor,
        )
        closure.save(
            update_fields=["written_off", "write_off_reason", "write_off_by", "updated_at"]
        )
        _close_if_done(closure, actor)
    return closure


def closure_close(*, closure_id: int, actor: Any) -> Closure:
    """Close the file: every device back, nothing owed, the refund paid."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _close(closure, actor)
    return closure


def _close(closure: Closure, actor: Any) -> None:
    closure_move(closure, "close", actor=actor)
    subscription_transition(
        subscription_id=closure.subscription_id,
        action="close",
        actor=actor,
        reason=str(_("Termination %(n)s settled") % {"n": closure.number}),
        data={"closure": closure.number},
    )
    notices.closure_notify(closure, "closure_closed")


def _close_if_done(closure: Closure, actor: Any) -> bool:
    if not MACHINE.allowed(closure, "close", closure.status):
        return False
    _close(closure, actor)
    return True


@dataclass
class SettlementPreview:
    deposit_held: int
    service_charge: int
    equipment_charges: int
    final_amount: int
    open_before: int
    credit_used: int
    owed: int
    deposit_applied: int
    refund_due: int
    balance_left: int
    lines: list[dict[str, Any]]


def closure_settle_preview(*, closure_id: int, actor: Any) -> SettlementPreview | None:
    """What `closure_settle` would do, by doing it in a transaction that is rolled back:
    the very same computation (never a second copy of billing's rules), with nothing kept,
    no number used and no notice sent. None when settling is not possible now."""
    from ispcare.billing.models import Invoice

    sub_id, customer_id = Closure.objects.values_list("subscription_id", "customer_id").get(
        pk=closure_id
    )
    unpaid_deposit_paid = sum(
        Invoice.objects.filter(
            subscription_id=sub_id, kind="deposit", status__in=("issued", "partially_paid")
        ).values_list("amount_paid", flat=True)
    )
    credit_before = billing.credit_left(customer_id=customer_id) + unpaid_deposit_paid
    preview: SettlementPreview | None = None
    try:
        with transaction.atomic():
            try:
                settlement = closure_settle(closure_id=closure_id, actor=actor)
            except Conflict:
                raise _DryRun from None
            final = settlement.final_invoice
            final_amount = final.amount if final else 0
            credit_used = credit_before - settlement.credit
            preview = SettlementPreview(
                deposit_held=settlement.deposit_held,
                service_charge=settlement.service_charge,
                equipment_charges=settlement.equipment_charges,
                final_amount=final_amount,
                open_before=settlement.owed + credit_used - final_amount,
                credit_used=credit_used,
                owed=settlement.owed,
                deposit_applied=settlement.deposit_applied,
                refund_due=settlement.refund_due,
                balance_left=settlement.balance_left,
                lines=[
                    {"description": line.description, "amount": line.amount}
                    for line in (final.lines.all() if final else [])
                ],
            )
            raise _DryRun
    except _DryRun:
        pass
    return preview
