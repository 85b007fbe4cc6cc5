"""Invoices and payments (installation and deposit now; monthly billing builds on these)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer, Subscription

from .choices import InvoiceKind, InvoiceStatus, PaymentMethod


class Invoice(models.Model):
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(_("type"), max_length=16, choices=InvoiceKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    amount_paid = models.PositiveIntegerField(_("paid (Rp)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    due_date = models.DateField(_("due date"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "due_date"]),
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
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> int:
        return self.amount - self.amount_paid


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("receipt / reference number"), max_length=64)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.UniqueConstraint(fields=["method", "reference"], name="uniq_payment_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"
