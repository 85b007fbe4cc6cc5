from __future__ import annotations

from django.db.models import QuerySet

from .models import Channel, Notification


def inbox_for(*, user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_id, channel=Channel.INAPP)


def unread_count(*, user_id: int) -> int:
    return inbox_for(user_id=user_id).filter(read_at__isnull=True).count()
