"""Huey tasks: thin wrappers over the outbox."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import outbox


@db_task()
def outbox_drain(channel: str) -> dict:
    """Deliver what is due on `channel`; a long queue (a bulk send) continues in a new task."""
    result = outbox.drain(channel)
    if result.more:
        outbox_drain(channel)
    return result.__dict__
