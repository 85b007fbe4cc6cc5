"""The outbox's vocabularies: channels, row statuses, bulk-send states, failure codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")
    INAPP = "inapp", _("Portal")


# Channels a worker delivers; in-app rows are "delivered" by being written.
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP)


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD = "held", _("Paused")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A worker may pick these up (SENDING only once its lease has run out: a crashed worker).
DUE_STATUSES = (Status.QUEUED, Status.SENDING)
DONE_STATUSES = (Status.SENT, Status.DELIVERED, Status.READ)


class Failure(models.TextChoices):
    """Why a row did not (yet) go out; permanent ones are never retried."""

    NO_ADDRESS = "no_address", _("No address for this channel")
    INVALID_ADDRESS = "invalid_address", _("Invalid address")
    REJECTED = "rejected", _("Rejected by the provider")
    BOUNCED = "bounced", _("Bounced")
    OUTSIDE_WINDOW = "outside_window", _("Outside WhatsApp's 24-hour window")
    NOT_CONFIGURED = "not_configured", _("Channel not configured")
    TEMPLATE = "template", _("Template problem")
    GAVE_UP = "gave_up", _("Too many failed attempts")
    TEMPORARY = "temporary", _("Temporary failure, will retry")
    RATE_LIMITED = "rate_limited", _("Rate limited, will retry")


class BulkStatus(models.TextChoices):
    RUNNING = "running", _("Sending")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
