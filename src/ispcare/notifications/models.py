"""The outbox: every message to a person is a row, written with the change that caused it.

A worker claims due rows, delivers them on their channel and records the outcome; the
rows are also the staff's view of what was said to whom, and why something did not go out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import BulkStatus, Channel, Failure, Status


class BulkSend(models.Model):
    """One announcement to many people; its rows carry `bulk`. Paused rows are HELD."""

    title = models.CharField(_("title"), max_length=200)
    template_key = models.CharField(_("template"), max_length=64)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BulkStatus.choices, default=BulkStatus.RUNNING
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bulk send")
        verbose_name_plural = _("bulk sends")

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    # The portal account that sees it (in-app) and that staff can trace it to.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_name = models.CharField(_("recipient"), max_length=150, blank=True)
    # The caller's own reference ("customer:42"); opaque here, shown to staff.
    recipient_ref = models.CharField(max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254, blank=True)
    template_key = models.CharField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=8, default="id")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # WhatsApp notices go out as an approved template with these body parameters.
    wa_template = models.CharField(max_length=128, blank=True)
    wa_params = models.JSONField(default=list, blank=True)
    # A document sent along by email ("kind:id", notifications.documents).
    attachment = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    bulk = models.ForeignKey(
        BulkSend, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a worker may (re)try it; for SENDING rows, when the worker's lease runs out.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    failure = models.CharField(_("failure"), max_length=24, choices=Failure.choices, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Why this channel was used ("WhatsApp: number not valid, sent by email instead").
    note = models.CharField(_("note"), max_length=300, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        # Few indexes on purpose: a bulk send inserts 100,000 rows at once.
        indexes = [
            models.Index(fields=["user", "read_at"]),  # the portal inbox and its unread count
            models.Index(fields=["bulk", "status"]),  # bulk progress
            models.Index(fields=["status", "id"]),  # the staff outbox by status, newest first
            # The worker's claim query: due rows of one channel, oldest first.
            models.Index(
                fields=["channel", "next_attempt_at"],
                name="notification_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(
                fields=["provider_id"],
                name="notification_provider_id",
                condition=~Q(provider_id=""),
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.channel}:{self.to or self.user_id} {self.template_key}"


class TemplateOverride(models.Model):
    """A template as staff edited it; without one the shipped default is used."""

    key = models.CharField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="template_override_unique")
        ]
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self) -> str:
        return f"{self.key}.{self.language}"


class WhatsAppContact(models.Model):
    """When a number last wrote to us: free text may be sent for 24 hours after."""

    wa_id = models.CharField(max_length=20, primary_key=True)
    last_inbound_at = models.DateTimeField()

    class Meta:
        verbose_name = _("WhatsApp contact")
        verbose_name_plural = _("WhatsApp contacts")

    def __str__(self) -> str:
        return self.wa_id
