from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer, Plan, Subscription

from ..choices import InvoiceKind, InvoiceStatus, LineKind


class Invoice(models.Model):
    """What a customer owes for one thing: installation, deposit, a month of service, or
    the final stretch at closing. Its lines are fixed at issue; amounts in whole rupiah."""

    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(_("type"), max_length=16, choices=InvoiceKind.choices)
    description = models.CharField(_("description"), max_length=200)
    # The service period billed (monthly and final): [period_start, period_end).
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    subtotal = models.IntegerField(_("subtotal (Rp)"), default=0)
    tax = models.PositiveIntegerField(_("tax (Rp)"), default=0)
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    amount_paid = models.PositiveIntegerField(_("paid (Rp)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    due_date = models.DateField(_("due date"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    run = models.ForeignKey(
        "billing.BillingRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["run"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_paid__lte=models.F("amount")), name="invoice_not_overpaid"
            ),
            # One installation and one deposit invoice per subscription.
            models.UniqueConstraint(
                fields=["subscription", "kind"],
                condition=Q(kind__in=["installation", "deposit"]),
                name="uniq_onboarding_invoice",
            ),
            # A period is billed once: the monthly run may run twice, or after a restart.
            models.UniqueConstraint(
                fields=["subscription", "period_end"],
                condition=Q(kind__in=["monthly", "final"]) & ~Q(status="void"),
                name="uniq_period_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> int:
        return self.amount - self.amount_paid

    @property
    def is_open(self) -> bool:
        return self.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.IntegerField(_("amount (Rp)"))  # credits are negative
    taxable = models.BooleanField(default=True)
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    adjustment = models.ForeignKey(
        "billing.Adjustment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"
