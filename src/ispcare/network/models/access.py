"""Desired vs applied access: what each subscriber should get, and what each backend has.

A change writes the desired row (version + 1) and marks every enabled backend pending in
the same transaction; workers apply it and record the version they applied. Pending rows
are the staff's "not yet on the network" list; a backend that is down only delays them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import AccessState, ApplyStatus, Backend, CoaKind, CoaStatus
from .topology import Nas


class SubscriberAccess(models.Model):
    username = models.CharField(_("PPPoE username"), max_length=64, unique=True)
    password = models.CharField(max_length=128)
    profile = models.CharField(_("profile"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=AccessState.choices)
    nas = models.ForeignKey(
        Nas, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscribers"
    )
    node = models.ForeignKey(
        "network.Node", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("subscriber access")
        verbose_name_plural = _("subscriber access")

    def __str__(self) -> str:
        return f"{self.username}: {self.state}"


class AccessBackendState(models.Model):
    access = models.ForeignKey(SubscriberAccess, on_delete=models.CASCADE, related_name="backends")
    backend = models.CharField(max_length=16, choices=Backend.choices)
    status = models.CharField(
        max_length=16, choices=ApplyStatus.choices, default=ApplyStatus.PENDING
    )
    applied_version = models.PositiveIntegerField(default=0)
    applied_state = models.CharField(max_length=16, blank=True)
    pending_since = models.DateTimeField(_("pending since"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["access", "backend"], name="access_backend_unique")
        ]
        indexes = [
            models.Index(
                fields=["backend", "next_attempt_at"],
                name="access_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.access_id}@{self.backend}: {self.status}"


class CoaRequest(models.Model):
    """A CoA or Disconnect-Request for one open session, and what the NAS answered."""

    username = models.CharField(max_length=64, db_index=True)
    nas = models.ForeignKey(Nas, null=True, on_delete=models.SET_NULL, related_name="+")
    nas_address = models.GenericIPAddressField()
    session_id = models.CharField(max_length=128)
    unique_id = models.CharField(max_length=128, blank=True)
    framed_ip = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=CoaKind.choices)
    state = models.CharField(max_length=16, choices=AccessState.choices)
    attributes = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=CoaStatus.choices, default=CoaStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="coa_pending_due", condition=Q(status="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.username} {self.status}"
