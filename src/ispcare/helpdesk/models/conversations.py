"""Live chat: a conversation per customer (or visitor) session and its stored messages.

The table is the history: a message is written before it is pushed over the channel
layer, so a reload or a reconnect reads the same thing the socket showed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer

from ..choices import AuthorKind, ConversationStatus


class Conversation(models.Model):
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="conversations"
    )
    # Visitors on the public site: who they say they are, and the secret their browser
    # keeps (in the session) to find the conversation again.
    visitor_name = models.CharField(_("name"), max_length=150, blank=True)
    visitor_phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    visitor_key = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(max_length=8, default="id")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConversationStatus.choices,
        default=ConversationStatus.WAITING,
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversations_claimed",
        verbose_name=_("agent"),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Read state: the last message id each side has seen.
    customer_read_id = models.BigIntegerField(default=0)
    agent_read_id = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["status", "waiting_since"], name="conv_queue"),
            models.Index(fields=["claimed_by", "status"], name="conv_agent"),
            models.Index(fields=["customer", "status"], name="conv_customer"),
        ]

    def __str__(self) -> str:
        who = self.customer.number if self.customer_id else self.visitor_name
        return f"#{self.pk} {who}"

    @property
    def display_name(self) -> str:
        if self.customer_id:
            return self.customer.full_name
        return self.visitor_name


def _attachment_path(instance: ChatMessage, filename: str) -> str:
    return f"chat/{instance.conversation_id}/{filename}"


class ChatMessage(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(max_length=16, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Plain text, always rendered escaped; never HTML.
    body = models.TextField(blank=True)
    attachment = models.FileField(upload_to=_attachment_path, blank=True)
    attachment_type = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["conversation", "id"], name="chatmsg_conv")]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.pk}"


class CannedReply(models.Model):
    """A ready answer agents insert with a shortcut; one text per language."""

    shortcut = models.SlugField(_("shortcut"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=100)
    text_id = models.TextField(_("text (Indonesian)"))
    text_en = models.TextField(_("text (English)"))

    class Meta:
        ordering = ["shortcut"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.shortcut

    def text_for(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_id
