from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer, Subscription

from ..choices import RefundMethod


class Refund(models.Model):
    """Money paid back to a customer at closing: what is left of their deposit
    (`from_deposit`, held outside the ledger) and their unused credit (`from_credit`, which
    the ledger shows as a debit that brings their credit back to zero)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="refunds")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    from_deposit = models.PositiveIntegerField(_("from the deposit (Rp)"), default=0)
    from_credit = models.PositiveIntegerField(_("from credit (Rp)"), default=0)
    method = models.CharField(_("method"), max_length=16, choices=RefundMethod.choices)
    reference = models.CharField(_("transfer / receipt number"), max_length=64)
    paid_at = models.DateTimeField(_("paid"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("from_deposit") + models.F("from_credit"))
                & Q(amount__gt=0),
                name="refund_parts_add_up",
            ),
            models.UniqueConstraint(fields=["method", "reference"], name="uniq_refund_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"
