"""Write notifications; delivery happens in a Huey task after the business change commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from ispcare.common.effects import on_commit

from .models import Channel, Notification


@dataclass(frozen=True)
class Message:
    """A message to one person. `channels` in order of preference; each gets a row."""

    template: str
    context: dict[str, Any]
    language: str = "id"
    email: str = ""
    user_id: int | None = None
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.INAPP)
    idempotency_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Plain-text parts: rendered without HTML autoescaping (an O'Brien stays O'Brien)."""
    with translation.override(language):
        parts = [
            get_template(f"notifications/{template}_{part}.txt")
            .template.render(Context(context, autoescape=False))
            .strip()
            for part in ("subject", "body")
        ]
    return parts[0], parts[1]


def message_send(*, message: Message) -> list[Notification]:
    """Queue `message` on each of its channels; a repeated idempotency key sends nothing new."""
    subject, body = _render(message.template, message.context, message.language)
    rows = []
    for channel in message.channels:
        to = message.email if channel == Channel.EMAIL else ""
        if channel == Channel.EMAIL and not to:
            continue
        if channel == Channel.INAPP and not message.user_id:
            continue
        key = f"{message.idempotency_key}:{channel}" if message.idempotency_key else None
        try:
            with transaction.atomic():
                row = Notification.objects.create(
                    user_id=message.user_id,
                    channel=channel,
                    to=to,
                    template_key=message.template,
                    language=message.language,
                    subject=subject[:200],
                    body=body,
                    idempotency_key=key,
                    status="sent" if channel == Channel.INAPP else "queued",
                )
        except IntegrityError:
            continue  # already queued under this key
        rows.append(row)
        if channel == Channel.EMAIL:
            from .tasks import notification_deliver

            on_commit(notification_deliver, row.pk)
    return rows


def inbox_mark_read(*, user_id: int, ids: list[int]) -> int:
    """Mark the user's in-app notifications `ids` read (the ones a page has shown them)."""
    return Notification.objects.filter(
        user_id=user_id, channel=Channel.INAPP, pk__in=ids, read_at__isnull=True
    ).update(read_at=timezone.now())
