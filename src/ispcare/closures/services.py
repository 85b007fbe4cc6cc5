"""Closing a subscription, step by step; each function is one transaction and leaves an
event on the customer's record (docs/decisions/0018-closing.md).

This module holds the request itself (file, cancel, process), the end of the service and
the periodic sweep; the other steps live by what they hold (equipment.py, settlement.py,
offers.py, pricelist.py) and are re-exported here: callers use `services.<name>`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Conflict, PermissionDenied, ValidationFailed
from ispcare.common.sequences import sequence_next
from ispcare.customers.choices import EventKind
from ispcare.customers.choices import SubscriptionState as S
from ispcare.customers.events import event_record
from ispcare.customers.lifecycle import subscription_transition
from ispcare.customers.models import Subscription

from . import notices
from .choices import ClosureReason, ClosureStatus, RequestChannel, ReturnMethod
from .equipment import closure_check_in, closure_pickup_schedule
from .lifecycle import closable, closure_event, closure_locked, closure_move
from .models import REQUEST_NUMBER_FORMAT, Closure
from .offers import retention_offer_answer, retention_offer_make
from .pricelist import equipment_prices_set
from .settlement import (
    _close_if_done,
    closure_close,
    closure_refund,
    closure_settle,
    closure_settle_preview,
    closure_write_off,
)

# States a subscription can be terminated from (before installation, it is cancelled).
_TERMINABLE = (S.AWAITING_DEPOSIT, S.ACTIVE, S.ISOLATED)


def _number() -> str:
    year = timezone.localdate().year
    return REQUEST_NUMBER_FORMAT.format(year=year, seq=sequence_next(name=f"closure:{year}"))


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


def closure_cancel(*, closure_id: int, actor: Any, reason: str = "") -> Closure:
    """Withdraw a request that the closing team has not processed yet."""
    reason = (reason or "").strip()
    with transaction.atomic():
        closure = closure_move(closure_locked(closure_id), "cancel", actor=actor, reason=reason)
        closure_event(closure, EventKind.CLOSURE_CANCELLED, actor, reason)
        notices.closure_notify(closure, "closure_cancelled")
    return closure


def closure_process(*, closure_id: int, actor: Any, note: str = "") -> Closure:
    """The closing team took the request: it can no longer be cancelled, only withdrawn
    through a retention offer."""
    with transaction.atomic():
        closure = closure_move(closure_locked(closure_id), "process", actor=actor)
        closure_event(closure, EventKind.CLOSURE_PROCESSED, actor, (note or "").strip())
    return closure


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
    # Only the settled requests that can close now: the rest wait for a payment or the
    # refund, and locking each of them every hour would only run the guards to say no.
    for pk in list(closable().values_list("pk", flat=True)):
        with transaction.atomic():
            if _close_if_done(closure_locked(pk), None):
                counts["closed"] += 1
    return counts


__all__ = [
    "Conflict",
    "PermissionDenied",
    "ValidationFailed",
    "closure_cancel",
    "closure_check_in",
    "closure_close",
    "closure_end",
    "closure_pickup_schedule",
    "closure_process",
    "closure_refund",
    "closure_request",
    "closure_settle",
    "closure_settle_preview",
    "closure_write_off",
    "closures_sweep",
    "equipment_prices_set",
    "retention_offer_answer",
    "retention_offer_make",
]
