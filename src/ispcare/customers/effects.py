"""Effects of a subscription state change, inside its transaction (their own work is
enqueued to run after the commit)."""

from __future__ import annotations

import logging

from ispcare.network.services import access_set

from .choices import SubscriptionState
from .lifecycle import access_spec, access_state
from .models import Subscription

log = logging.getLogger(__name__)


def state_changed(*, subscription: Subscription, before: str) -> None:
    after = subscription.state
    if access_state(before) != access_state(after):
        log.info(
            "access of %s: %s -> %s",
            subscription.pppoe_username,
            access_state(before).value,
            access_state(after).value,
        )
        access_set(spec=access_spec(subscription))
    if after == SubscriptionState.ACTIVE:
        _notify_active(subscription.pk, subscription.state_changed_at.isoformat())


def _notify_active(subscription_id: int, stamp: str) -> None:
    from .notices import customer_notify, plan_context

    sub = Subscription.objects.select_related("customer", "plan").get(pk=subscription_id)
    customer_notify(
        customer=sub.customer,
        template="service_active",
        context={"plan": plan_context(sub.plan)},
        key=f"subscription:{sub.pk}:active:{stamp}",
    )
