"""Closing a subscription, step by step; each function is one transaction and leaves an
event on the customer's record (docs/decisions/0018-closing.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.accounts.roles import has_capability
from ispcare.billing import services as billing
from ispcare.billing.choices import AdjustmentKind
from ispcare.common.errors import Conflict, PermissionDenied, ValidationFailed
from ispcare.common.money import format_rupiah
from ispcare.common.sequences import sequence_next
from ispcare.customers.choices import EquipmentCondition, EquipmentStatus, EventKind
from ispcare.customers.choices import SubscriptionState as S
from ispcare.customers.events import event_record
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Equipment, Subscription
from ispcare.customers.services import equipment_return
from ispcare.workorders import services as workorders
from ispcare.workorders.choices import WorkOrderKind, WorkOrderStatus
from ispcare.workorders.models import WorkOrder

from . import notices
from .choices import ClosureReason, ClosureStatus, OfferOutcome, RequestChannel, ReturnMethod
from .lifecycle import MACHINE, closure_locked, closure_move
from .models import Closure, EquipmentPrice, RetentionOffer, ReturnItem, Settlement

# States a subscription can be terminated from (before installation, it is cancelled).
_TERMINABLE = (S.AWAITING_DEPOSIT, S.ACTIVE, S.ISOLATED)


def _number() -> str:
    year = timezone.localdate().year
    return f"TRM/{year}/{sequence_next(name=f'closure:{year}'):05d}"


def _validate_request(
    *,
    end_date: Any,
    reason: str,
    reason_text: str,
    return_method: str,
    refund: tuple[str, str, str],
) -> None:
    errors: dict[str, list] = {}
    earliest = timezone.localdate() + dt.timedelta(days=settings.CLOSING_MIN_NOTICE_DAYS)
    if not isinstance(end_date, dt.date):
        errors["end_date"] = [_("Enter the date the service ends.")]
    elif end_date < earliest:
        errors["end_date"] = [
            _("The end date cannot be before %(date)s.") % {"date": earliest.strftime("%d-%m-%Y")}
        ]
    elif end_date > earliest + dt.timedelta(days=180):
        errors["end_date"] = [_("Choose an end date within the next six months.")]
    if reason not in ClosureReason.values:
        errors["reason"] = [_("Choose a reason.")]
    elif reason == ClosureReason.OTHER and len(reason_text.strip()) < 5:
        errors["reason_text"] = [_("Tell us the reason in a few words.")]
    if return_method not in ReturnMethod.values:
        errors["return_method"] = [_("Choose how the equipment comes back.")]
    account = refund[1]
    if any(refund) and not all(refund):
        for name, value in zip(
            ("refund_bank", "refund_account_number", "refund_account_name"), refund, strict=True
        ):
            if not value:
                errors[name] = [_("Fill in the bank, the account number and the holder's name.")]
    if account and not account.replace(" ", "").replace("-", "").isdigit():
        errors["refund_account_number"] = [_("An account number has digits only.")]
    if errors:
        raise ValidationFailed(_("Check the termination request."), fields=errors)


def closure_request(
    *,
    subscription_id: int,
    end_date: Any,
    reason: str,
    actor: Any,
    reason_text: str = "",
    return_method: str = ReturnMethod.PICKUP,
    refund_bank: str = "",
    refund_account_number: str = "",
    refund_account_name: str = "",
    channel: str = RequestChannel.PORTAL,
) -> Closure:
    """Record a termination request and send the customer the closing instructions."""
    reason_text = (reason_text or "").strip()
    refund = (
        (refund_bank or "").strip(),
        (refund_account_number or "").strip(),
        (refund_account_name or "").strip(),
    )
    _validate_request(
        end_date=end_date,
        reason=reason,
        reason_text=reason_text,
        return_method=return_method,
        refund=refund,
    )
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .select_related("customer", "plan")
            .get(pk=subscription_id)
        )
        if sub.state not in _TERMINABLE:
            raise Conflict(
                _("This subscription cannot be terminated (it is %(state)s).")
                % {"state": sub.get_state_display().lower()},
                code="closure.not_terminable",
            )
        if Closure.objects.filter(subscription=sub, status__in=_open()).exists():
            raise Conflict(
                _("There is already an open termination request for this subscription."),
                code="closure.already_open",
            )
        try:
            with transaction.atomic():
                closure = Closure.objects.create(
                    number=_number(),
                    customer=sub.customer,
                    subscription=sub,
                    end_date=end_date,
                    reason=reason,
                    reason_text=reason_text[:2000],
                    channel=channel,
                    requested_by=actor if hasattr(actor, "pk") else None,
                    return_method=return_method,
                    refund_bank=refund[0][:60],
                    refund_account_number=refund[1][:30],
                    refund_account_name=refund[2][:150],
                )
        except IntegrityError:  # a request committed since the check above
            raise Conflict(
                _("There is already an open termination request for this subscription."),
                code="closure.already_open",
            ) from None
        event_record(
            customer=sub.customer,
            subscription=sub,
            kind=EventKind.CLOSURE_REQUESTED,
            actor=actor,
            reason=reason_text,
            data={
                "closure": closure.number,
                "end_date": end_date.isoformat(),
                "reason": reason,
                "channel": channel,
            },
        )
        notices.closure_notify(closure, "closure_requested")
    return closure


def _open() -> tuple[str, ...]:
    from .choices import OPEN_STATUSES

    return OPEN_STATUSES


def _record(closure: Closure, kind: str, actor: Any, reason: str = "", **data: Any) -> None:
    event_record(
        customer=closure.customer,
        subscription=closure.subscription,
        kind=kind,
        actor=actor,
        reason=reason,
        data={"closure": closure.number, **data},
    )


def closure_cancel(*, closure_id: int, actor: Any, reason: str = "") -> Closure:
    """Withdraw a request that the closing team has not processed yet."""
    reason = (reason or "").strip()
    with transaction.atomic():
        closure = closure_move(closure_locked(closure_id), "cancel", actor=actor, reason=reason)
        _record(closure, EventKind.CLOSURE_CANCELLED, actor, reason)
        notices.closure_notify(closure, "closure_cancelled")
    return closure


def closure_process(*, closure_id: int, actor: Any, note: str = "") -> Closure:
    """The closing team took the request: it can no longer be cancelled, only withdrawn
    through a retention offer."""
    with transaction.atomic():
        closure = closure_move(closure_locked(closure_id), "process", actor=actor)
        _record(closure, EventKind.CLOSURE_PROCESSED, actor, (note or "").strip())
    return closure


def _process_if_new(closure: Closure, actor: Any) -> None:
    if closure.status == ClosureStatus.REQUESTED:
        closure_move(closure, "process", actor=actor)
        _record(closure, EventKind.CLOSURE_PROCESSED, actor)


def _check_in_allowed(closure: Closure) -> None:
    if closure.status not in (
        ClosureStatus.REQUESTED,
        ClosureStatus.IN_PROGRESS,
        ClosureStatus.ENDED,
    ):
        raise Conflict(
            _("This request is %(status)s: nothing more can be done on it.")
            % {"status": closure.get_status_display().lower()},
            code="closure.not_open",
        )


def closure_pickup_schedule(
    *, closure_id: int, technician_id: int, date: dt.date, actor: Any, note: str = ""
) -> WorkOrder:
    """Send a technician to collect the equipment (on the technician's phone queue)."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _check_in_allowed(closure)
        if not closure.customer_id or not _equipment_at(closure):
            raise Conflict(
                _("No equipment is left at the customer's to pick up."),
                code="closure.nothing_to_pick_up",
            )
        _process_if_new(closure, actor)
        order = workorders.pickup_schedule(
            subscription_id=closure.subscription_id,
            technician_id=technician_id,
            date=date,
            note=note
            or str(_("Collect the equipment for termination %(n)s") % {"n": closure.number}),
            actor=actor,
        )
        if closure.return_method != ReturnMethod.PICKUP:
            closure.return_method = ReturnMethod.PICKUP
            closure.save(update_fields=["return_method", "updated_at"])
        notices.closure_notify(closure, "closure_pickup", pickup=order)
    return order


def _equipment_at(closure: Closure) -> list[Equipment]:
    return list(
        Equipment.objects.filter(
            subscription_id=closure.subscription_id, status=EquipmentStatus.INSTALLED
        ).order_by("serial")
    )


def _charges(items: list[Equipment], conditions: dict[int, str]) -> dict[int, int]:
    prices = {p.kind: p for p in EquipmentPrice.objects.all()}
    out = {}
    for e in items:
        price = prices.get(e.kind)
        condition = conditions[e.pk]
        if condition == EquipmentCondition.GOOD or price is None:
            out[e.pk] = 0
        elif condition == EquipmentCondition.DAMAGED:
            out[e.pk] = price.damaged_charge
        else:
            out[e.pk] = price.missing_charge
    return out


def closure_check_in(
    *,
    closure_id: int,
    conditions: dict[int, str],
    via: str,
    actor: Any,
    note: str = "",
) -> list[ReturnItem]:
    """Check devices in with their condition (good / damaged / missing), priced from the
    list; the register follows. A pickup job is done when nothing is left to collect."""
    if via not in ReturnMethod.values:
        raise ValidationFailed(
            _("Say how the equipment came back."),
            fields={"via": [_("Say how the equipment came back.")]},
        )
    with transaction.atomic():
        closure = closure_locked(closure_id)
        _check_in_allowed(closure)
        at_customer = {e.pk: e for e in _equipment_at(closure)}
        unknown = [pk for pk in conditions if pk not in at_customer]
        if unknown or not conditions:
            raise ValidationFailed(
                _("Check in the devices still at the customer's."),
                fields={"equipment": [_("Check in the devices still at the customer's.")]},
            )
        equipment_return(
            subscription_id=closure.subscription_id, conditions=conditions, actor=actor
        )
        _process_if_new(closure, actor)
        items = [at_customer[pk] for pk in conditions]
        charges = _charges(items, conditions)
        job = WorkOrder.objects.filter(
            subscription_id=closure.subscription_id,
            kind=WorkOrderKind.PICKUP,
            status=WorkOrderStatus.SCHEDULED,
        ).first()
        now = timezone.now()
        rows = ReturnItem.objects.bulk_create(
            ReturnItem(
                closure=closure,
                equipment=e,
                condition=conditions[e.pk],
                charge=charges[e.pk],
                via=via,
                work_order=job if via == ReturnMethod.PICKUP else None,
                note=(note or "")[:200],
                checked_in_by=actor if hasattr(actor, "pk") else None,
                checked_in_at=now,
            )
            for e in items
        )
        if job is not None and not _equipment_at(closure):
            if via == ReturnMethod.PICKUP:
                workorders.pickup_complete(work_order_id=job.pk, result=note, actor=actor)
            else:
                workorders.pickup_cancel(
                    subscription_id=closure.subscription_id,
                    reason=str(_("The customer brought the equipment to the office.")),
                )
    return rows


def closure_end(*, closure_id: int, actor: Any = None) -> Closure:
    """The end date has come: the service ends and network access is disabled (RADIUS
    reject and a disconnect of the open session follow on commit)."""
    with transaction.atomic():
        closure = closure_locked(closure_id)
        closure = closure_move(closure, "end", actor=actor)
        sub = subscription_transition(
            subscription_id=closure.subscription_id,
            action="end",
            actor=actor,
            reason=str(_("Terminated on request %(n)s") % {"n": closure.number}),
            data={"closure": closure.number},
        )
        # Billing prorates the last period to the end date, whenever this job ran.
        stopped = timezone.make_aware(
            dt.datetime.combine(closure.end_date, dt.time.min), timezone.get_default_timezone()
        )
        Subscription.objects.filter(pk=sub.pk).update(closed_at=stopped)
        notices.closure_notify(closure, "closure_ended")
    return closure


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
        _record(
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


def closures_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """The periodic job: end the service of requests whose end date has come, and close
    settled ones whose last payment arrived since. A failure on one is logged and
    retried next hour; the others go on."""
    import logging

    log = logging.getLogger(__name__)
    today = today or timezone.localdate()
    counts = {"ended": 0, "closed": 0, "failed": 0}
    due = Closure.objects.filter(
        status__in=[ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS], end_date__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        try:
            closure_end(closure_id=pk)
            counts["ended"] += 1
        except Exception:  # one bad row must not stop the others
            log.exception("closure %s: ending the service failed", pk)
            counts["failed"] += 1
    for pk in list(
        Closure.objects.filter(status=ClosureStatus.SETTLED).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            if _close_if_done(closure_locked(pk), None):
                counts["closed"] += 1
    return counts


def retention_offer_make(*, closure_id: int, text: str, credit: Any, actor: Any) -> RetentionOffer:
    """Offer the customer a reason to stay (a discount, an upgrade); they answer in the
    portal, or staff record their answer."""
    text = (text or "").strip()
    errors: dict[str, list] = {}
    if len(text) < 5:
        errors["text"] = [_("Describe the offer.")]
    if credit in (None, ""):
        credit = 0
    if isinstance(credit, bool) or not isinstance(credit, int) or credit < 0:
        errors["credit"] = [_("Enter a whole rupiah amount, or 0.")]
    if errors:
        raise ValidationFailed(_("Check the offer."), fields=errors)
    with transaction.atomic():
        closure = closure_locked(closure_id)
        if closure.status not in (ClosureStatus.REQUESTED, ClosureStatus.IN_PROGRESS):
            raise Conflict(
                _("An offer is only possible before the service ends."),
                code="closure.offer_too_late",
            )
        if closure.offers.filter(outcome=OfferOutcome.PENDING).exists():
            raise Conflict(
                _("An offer is still waiting for the customer's answer."),
                code="closure.offer_pending",
            )
        offer = RetentionOffer.objects.create(
            closure=closure,
            text=text[:2000],
            credit=credit,
            made_by=actor if hasattr(actor, "pk") else None,
        )
        _record(closure, EventKind.RETENTION_OFFERED, actor, text, credit=credit)
        notices.closure_notify(closure, "closure_offer", offer=offer)
    return offer


def retention_offer_answer(*, offer_id: int, accept: bool, actor: Any) -> RetentionOffer:
    """The customer's answer: accepting withdraws the termination (the pickup is called
    off, the credit goes on the next invoice); declining lets the closing go on."""
    with transaction.atomic():
        closure_id = RetentionOffer.objects.values_list("closure_id", flat=True).get(pk=offer_id)
        closure = closure_locked(closure_id)
        offer = RetentionOffer.objects.select_for_update().get(pk=offer_id)
        if offer.outcome != OfferOutcome.PENDING:
            raise Conflict(_("This offer was already answered."), code="closure.offer_answered")
        offer.outcome = OfferOutcome.ACCEPTED if accept else OfferOutcome.DECLINED
        offer.answered_at = timezone.now()
        if accept:
            closure_move(closure, "withdraw", actor=actor)
            workorders.pickup_cancel(
                subscription_id=closure.subscription_id,
                reason=str(_("The customer accepted an offer and stays.")),
            )
            if offer.credit:
                billing.adjustment_add(
                    customer_id=closure.customer_id,
                    subscription_id=closure.subscription_id,
                    amount=-offer.credit,
                    kind=AdjustmentKind.RETENTION,
                    description=str(_("Loyalty offer %(n)s") % {"n": closure.number}),
                    actor=actor,
                )
        offer.save(update_fields=["outcome", "answered_at"])
        kind = EventKind.RETENTION_ACCEPTED if accept else EventKind.RETENTION_DECLINED
        _record(closure, kind, actor, offer.text, credit=offer.credit)
        if accept:
            notices.closure_notify(closure, "closure_withdrawn", offer=offer)
    return offer
