"""Pushes over the channel layer, after commit: the database is the truth, the socket only
tells open pages that something new is there.

Groups: `conv.<id>` (both sides of a conversation), `agents` (the queue of every agent
console), `ticket.<id>` (a ticket page in the portal or the staff console).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ispcare.common.effects import on_commit

log = logging.getLogger(__name__)

AGENTS = "agents"


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a layer that is down must not fail the request: pages reload history
        log.exception("channel layer push to %s failed", group)


def push(group: str, event_type: str, **payload: Any) -> None:
    """Send `{"type": event_type, **payload}` to `group` once the transaction commits."""
    on_commit(_send, group, {"type": event_type, **payload})
