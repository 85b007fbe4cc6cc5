from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import RunKind, RunStatus


class BillingRun(models.Model):
    """One run of a periodic billing job: when, for which period, how many, what failed."""

    kind = models.CharField(_("job"), max_length=16, choices=RunKind.choices)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    counts = models.JSONField(default=dict, blank=True)
    errors = models.TextField(_("errors"), blank=True)
    triggered_by = models.CharField(_("started by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "period_end"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"
