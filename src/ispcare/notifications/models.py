"""The notification seam: every message to a person is a row first, delivered after commit.

Deliberately small (email and in-app); the notifications issue grows it into the full
outbox (WhatsApp, retries with backoff, bulk sends, receipts) behind the same
`message_send` call.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    INAPP = "inapp", _("Portal")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254, blank=True)
    template_key = models.CharField(_("template"), max_length=64)
    language = models.CharField(max_length=8, default="id")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "channel", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.channel}:{self.to or self.user_id} {self.template_key}"
