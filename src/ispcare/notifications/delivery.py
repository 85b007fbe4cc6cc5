"""Deliver one queued notification; called by the worker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Channel, Notification, Status

log = logging.getLogger(__name__)


def notification_deliver(*, notification_id: int) -> bool:
    """Send it; on failure keep it queued with the error so it is retried and visible."""
    failure: Exception | None = None
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status != Status.QUEUED:
            return False
        row.attempts += 1
        try:
            if row.channel == Channel.EMAIL:
                send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to])
        except Exception as exc:  # any transport failure: keep it for the retry
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["attempts", "last_error"])
            log.warning("notification %s not delivered: %s", row.pk, row.last_error)
            failure = exc  # raised after the commit, or the error would roll back with it
        else:
            row.status, row.sent_at, row.last_error = Status.SENT, timezone.now(), ""
            row.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    if failure is not None:
        raise failure
    return True
