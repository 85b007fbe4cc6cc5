"""Lifecycle transitions for many subscriptions at once (billing isolates thousands on
the same morning): the same transition table as `subscription_transition`, done with a
few set-based statements instead of one transaction per subscription."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ispcare.common.bulk import rows_insert
from ispcare.network.bulk import access_state_set_many

from .choices import EventKind, IsolationCause
from .events import actor_label
from .lifecycle import MACHINE, access_state
from .models import Event, Subscription

CHUNK = 5_000


def subscriptions_isolate_overdue(
    *, subscription_ids: list[int], reason: str, actor: Any
) -> list[int]:
    """Isolate those of `subscription_ids` still in a state "isolate" leaves from, with
    cause "overdue"; returns the ids isolated. The network is told in the same
    transaction (access rows pending, applied after commit)."""
    transition = MACHINE.transitions["isolate"]
    assert not transition.guards, "a guarded transition needs the per-row path"
    done: list[int] = []
    label = actor_label(actor)
    with transaction.atomic():
        for i in range(0, len(subscription_ids), CHUNK):
            chunk = subscription_ids[i : i + CHUNK]
            now = timezone.now()
            rows = list(
                Subscription.objects.select_for_update()
                .filter(pk__in=chunk, state__in=transition.sources)
                .values_list("pk", "customer_id", "state", "pppoe_username")
            )
            if not rows:
                continue
            ids = [r[0] for r in rows]
            Subscription.objects.filter(pk__in=ids).update(
                state=transition.target,
                state_changed_at=now,
                state_reason=reason[:200],
                isolation_cause=IsolationCause.OVERDUE,
                updated_at=now,
            )
            after = access_state(transition.target).value
            rows_insert(
                Event,
                [
                    {
                        "customer_id": customer_id,
                        "subscription_id": pk,
                        "kind": EventKind.STATE_CHANGED,
                        "actor_label": label,
                        "reason": reason,
                        "from_state": state,
                        "to_state": transition.target,
                        "data": {
                            "action": "isolate",
                            "access": after,
                            "cause": IsolationCause.OVERDUE,
                        },
                        "created_at": now,
                    }
                    for pk, customer_id, state, _username in rows
                ],
            )
            changed = [u for _pk, _c, state, u in rows if access_state(state).value != after]
            access_state_set_many(usernames=changed, state=access_state(transition.target))
            done += ids
    return done
