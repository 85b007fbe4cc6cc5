"""Shortcuts for the closing tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ispcare.closures import services


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
