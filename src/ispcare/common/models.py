"""Base models shared by every app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Sequence(models.Model):
    """A named counter for gap-free numbers (customer numbers, invoice numbers).

    `sequence_next` locks the row in the caller's transaction, so two concurrent
    approvals can never take the same value and a rolled-back one leaves no gap.
    """

    name = models.CharField(max_length=64, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
