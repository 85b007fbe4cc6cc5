from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer


class LinkStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")
    FLAGGED = "flagged", _("Needs checking by finance")


class PaymentLink(models.Model):
    """An online payment a customer started from the portal (Midtrans Snap transaction or
    Xendit invoice) for the balance of the invoices listed."""

    gateway = models.CharField(max_length=16)
    order_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    invoice_ids = models.JSONField(default=list)
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=16, choices=LinkStatus.choices, default=LinkStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="link"
    )
    flag_reason = models.CharField(max_length=200, blank=True)
    # What the gateway last said about it (Midtrans transaction_status, Xendit status), the
    # gateway's transaction id once paid, and when it changed.
    gateway_status = models.CharField(max_length=32, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return self.order_id


class GatewayEvent(models.Model):
    """Every notification a gateway sent, verified or not, and what became of it. The
    dedup key makes the same notification, delivered twice, one row."""

    gateway = models.CharField(max_length=16)
    dedup_key = models.CharField(max_length=200)
    order_id = models.CharField(max_length=64, db_index=True)
    event_status = models.CharField(max_length=32, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "dedup_key"], name="uniq_gateway_event")
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.order_id} {self.event_status}"
