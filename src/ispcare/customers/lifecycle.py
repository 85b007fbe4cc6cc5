"""The subscription lifecycle: one transition table, one function that performs it.

    pending_installation --complete_installation--> awaiting_deposit   (isolated)
    awaiting_deposit     --activate-->              active             (deposit recorded)
    active               --isolate-->               isolated           (e.g. overdue)
    isolated             --restore-->               active             (deposit recorded)
    pending_installation --cancel-->                cancelled
    awaiting_deposit/active/isolated --end-->       ended              (terminated on request)
    awaiting_deposit/active/isolated/ended --close--> closed

`ended` and `closed` both disable access; `closed_at` is when the service stopped (the
first of the two), which is what billing prorates the last period to.

The network access state is derived from the lifecycle state in `access_state` only.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.common.statemachine import Machine, Transition
from ispcare.network.specs import AccessSpec, AccessState

from .choices import EventKind, IsolationCause
from .choices import SubscriptionState as S
from .events import event_record
from .models import Subscription


def _needs_deposit(sub: Subscription) -> str | None:
    if sub.deposit_paid_at is None:
        return str(_("The deposit has not been paid yet."))
    return None


def _needs_equipment(sub: Subscription) -> str | None:
    if not sub.equipment.exists():
        return str(_("Record the installed equipment first."))
    return None


MACHINE = Machine(
    "subscription",
    [
        Transition(
            "complete_installation",
            frozenset({S.PENDING_INSTALLATION}),
            S.AWAITING_DEPOSIT,
            _("Complete installation"),
            (_needs_equipment,),
        ),
        Transition(
            "activate", frozenset({S.AWAITING_DEPOSIT}), S.ACTIVE, _("Activate"), (_needs_deposit,)
        ),
        Transition("isolate", frozenset({S.ACTIVE}), S.ISOLATED, _("Isolate")),
        Transition("restore", frozenset({S.ISOLATED}), S.ACTIVE, _("Restore"), (_needs_deposit,)),
        Transition("cancel", frozenset({S.PENDING_INSTALLATION}), S.CANCELLED, _("Cancel")),
        Transition(
            "end", frozenset({S.AWAITING_DEPOSIT, S.ACTIVE, S.ISOLATED}), S.ENDED, _("End service")
        ),
        Transition(
            "close",
            frozenset({S.AWAITING_DEPOSIT, S.ACTIVE, S.ISOLATED, S.ENDED}),
            S.CLOSED,
            _("Close"),
        ),
    ],
)

_ACCESS = {
    S.ACTIVE: AccessState.ACTIVE,
    S.AWAITING_DEPOSIT: AccessState.ISOLATED,
    S.ISOLATED: AccessState.ISOLATED,
}


def access_state(state: str) -> AccessState:
    """What the network should allow for a subscription in `state`."""
    return _ACCESS.get(state, AccessState.DISABLED)


def access_spec(sub: Subscription) -> AccessSpec:
    router = sub.node.router() if sub.node_id else None
    nas = getattr(router, "nas", None) if router else None
    return AccessSpec(
        username=sub.pppoe_username,
        password=sub.pppoe_password,
        profile=sub.plan.radius_profile,
        state=access_state(sub.state),
        nas=nas.address if nas else "",
        node=sub.node_id,
    )


def subscription_transition(
    *,
    subscription_id: int,
    action: str,
    actor: Any,
    reason: str = "",
    data: dict | None = None,
    cause: str = IsolationCause.STAFF,
) -> Subscription:
    """Perform `action`: lock, check table and guards, save, write the event, enqueue effects.

    `cause` is kept while the subscription is isolated (billing passes "overdue")."""
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .select_related("customer", "plan")
            .get(pk=subscription_id)
        )
        transition = MACHINE.check(sub, action, sub.state)
        before, now = sub.state, timezone.now()
        sub.state, sub.state_changed_at, sub.state_reason = transition.target, now, reason[:200]
        sub.isolation_cause = cause if transition.target == S.ISOLATED else ""
        fields = ["state", "state_changed_at", "state_reason", "isolation_cause", "updated_at"]
        if transition.target in (S.ENDED, S.CLOSED) and sub.closed_at is None:
            sub.closed_at = now
            fields.append("closed_at")
        if transition.target == S.AWAITING_DEPOSIT:
            sub.installed_at = now
            fields.append("installed_at")
        if transition.target == S.ACTIVE and sub.activated_at is None:
            sub.activated_at = now
            fields.append("activated_at")
        sub.save(update_fields=fields)
        extra = {"cause": sub.isolation_cause} if sub.isolation_cause else {}
        event_record(
            customer=sub.customer,
            subscription=sub,
            kind=EventKind.STATE_CHANGED,
            actor=actor,
            reason=reason,
            from_state=before,
            to_state=sub.state,
            data={
                "action": action,
                "access": access_state(sub.state).value,
                **extra,
                **(data or {}),
            },
        )
        from .effects import state_changed

        state_changed(subscription=sub, before=before)
    return sub
