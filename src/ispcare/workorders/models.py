"""Technician jobs of every kind; installations first."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.models import TimeStamped
from ispcare.customers.models import Customer, Subscription

from .choices import WorkOrderKind, WorkOrderStatus


class WorkOrder(TimeStamped):
    kind = models.CharField(_("type"), max_length=16, choices=WorkOrderKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="work_orders")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="work_orders"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.SCHEDULED,
    )
    scheduled_date = models.DateField(_("date"))
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("technician"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # What the technician goes for (a repair visit's fault, as the helpdesk described it).
    problem = models.TextField(_("problem"), blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["scheduled_date", "id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["technician", "scheduled_date", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "kind"],
                condition=Q(status="scheduled"),
                name="uniq_open_work_order_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer.number} {self.scheduled_date}"
