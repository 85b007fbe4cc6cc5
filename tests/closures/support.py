"""Shortcuts for the closing tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ispcare.closures import services
from ispcare.customers.models import Equipment


def request(sub, actor, *, days: int = 7, **overrides):
    """A termination request for `sub`, ending `days` from today."""
    data = {
        "subscription_id": sub.pk,
        "end_date": timezone.localdate() + dt.timedelta(days=days),
        "reason": "moving",
        "actor": actor,
        "return_method": "pickup",
        "refund_bank": "BCA",
        "refund_account_number": "1234567890",
        "refund_account_name": "Dimas Saputra",
    }
    data.update(overrides)
    return services.closure_request(**data)


def settled(sub, actor, closing, condition: str = "good"):
    """A request of `sub` (asked by `actor`) whose ONT came back at the desk in
    `condition`, ended and settled by `closing` (not closed). Returns it and the
    settlement."""
    ont = Equipment.objects.get(subscription=sub)
    closure = request(sub, actor, return_method="dropoff")
    services.closure_check_in(
        closure_id=closure.pk, conditions={ont.pk: condition}, via="dropoff", actor=closing
    )
    services.closures_sweep(today=closure.end_date)
    settlement = services.closure_settle(closure_id=closure.pk, actor=closing)
    closure.refresh_from_db()
    assert closure.status == "settled"
    return closure, settlement
