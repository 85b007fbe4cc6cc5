"""Huey tasks: thin wrappers over billing's services."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import online


@db_task(retries=5, retry_delay=30)
def gateway_event_apply_task(event_id: int) -> str:
    """Apply one stored gateway notification (a payment, a link status, or a flag)."""
    return online.gateway_event_apply(event_id=event_id)
