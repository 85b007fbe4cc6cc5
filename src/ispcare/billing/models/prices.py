from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Plan


class PlanPrice(models.Model):
    """A plan's monthly price from a period's first day on. A price change is a new row
    for the next period: issued invoices keep the price they were issued with."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="prices")
    monthly_price = models.PositiveIntegerField(_("monthly price (Rp)"))
    effective_from = models.DateField(_("from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "effective_from"], name="uniq_plan_price_from")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.monthly_price} from {self.effective_from}"
