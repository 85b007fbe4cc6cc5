from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer, Subscription

from ..choices import AdjustmentKind


class Adjustment(models.Model):
    """A credit (negative: compensation, a correction in the customer's favour, the unused
    part of a plan) or a charge (positive) that waits for the customer's next invoice,
    where it becomes a line. `invoice` is set when it is applied; voiding that invoice
    releases it again."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="adjustments")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=16, choices=AdjustmentKind.choices)
    amount = models.IntegerField(_("amount (Rp)"))
    description = models.CharField(_("description"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["customer"], name="adjustment_pending", condition=Q(invoice__isnull=True)
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount}"
