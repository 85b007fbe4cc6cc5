"""Event rows: the audit trail every customer-facing change leaves."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from .models import Application, Customer, Event, Subscription


def actor_label(actor: Any) -> str:
    """`actor` is a user, or a string naming a job or the applicant."""
    if actor is None:
        return gettext("system")
    if isinstance(actor, str):
        return actor
    role = actor.get_role_display() if getattr(actor, "role", "") else ""
    name = actor.get_full_name() or actor.get_username()
    return f"{name} ({role})" if role else name


def event_record(
    *,
    kind: str,
    actor: Any,
    customer: Customer | None = None,
    application: Application | None = None,
    subscription: Subscription | None = None,
    reason: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        customer=customer,
        application=application,
        subscription=subscription,
        kind=kind,
        actor=actor if hasattr(actor, "pk") else None,
        actor_label=actor_label(actor),
        reason=reason,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
