"""Base models shared by every app."""

from __future__ import annotations

from django.conf import settings
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


class PersonalDataErasure(models.Model):
    """One subject's personal data anonymised (UU PDP, decision 0019): who it was (by the
    number that financial records keep), the pseudonym that replaced them, which columns
    of which tables changed and how many rows, when, and by whom (the job or a person).
    One row per subject: it is also what makes the anonymisation run only once."""

    subject = models.CharField(_("subject"), max_length=32, default="customer")
    subject_id = models.PositiveBigIntegerField()
    label = models.CharField(_("number"), max_length=64)
    pseudonym = models.CharField(_("pseudonym"), max_length=32)
    # {section: {table: {"columns": [...], "rows": n}}}
    fields = models.JSONField(_("what was anonymised"), default=dict, blank=True)
    erased_at = models.DateTimeField(_("anonymised at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("personal data erasure")
        verbose_name_plural = _("personal data erasures")
        indexes = [models.Index(fields=["-erased_at", "-id"], name="erasure_newest")]
        constraints = [
            models.UniqueConstraint(fields=["subject", "subject_id"], name="uniq_erasure_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.label} -> {self.pseudonym}"

    @property
    def row_total(self) -> int:
        return sum(t.get("rows", 0) for tables in self.fields.values() for t in tables.values())
