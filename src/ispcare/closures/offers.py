"""Win-back: an offer to a customer who asked to leave; accepting it withdraws the request."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.billing import services as billing
from ispcare.billing.choices import AdjustmentKind
from ispcare.common.errors import Conflict, ValidationFailed
from ispcare.customers.choices import EventKind
from ispcare.workorders import services as workorders

from . import notices
from .choices import ClosureStatus, OfferOutcome
from .lifecycle import closure_event, closure_locked, closure_move
from .models import RetentionOffer


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
        closure_event(closure, EventKind.RETENTION_OFFERED, actor, text, credit=credit)
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
        closure_event(closure, kind, actor, offer.text, credit=offer.credit)
        if accept:
            notices.closure_notify(closure, "closure_withdrawn", offer=offer)
    return offer
