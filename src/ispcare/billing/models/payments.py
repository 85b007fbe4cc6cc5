from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ispcare.customers.models import Customer

from ..choices import PaymentMethod


class Payment(models.Model):
    """Money received from a customer. It is spread over the open invoices, oldest first
    (`Allocation`); what is left over (`unallocated`) is the customer's credit, taken by
    the next invoices."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    # The invoice the cashier took it for (it is paid first), if any.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    unallocated = models.PositiveIntegerField(_("credit left (Rp)"), default=0)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("receipt / reference number"), max_length=64)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Proof of a bank transfer (image or PDF), served only as a download to staff.
    proof = models.FileField(_("proof of transfer"), upload_to="payment-proofs/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["customer", "received_at"]),
            models.Index(fields=["received_at"]),
            models.Index(
                fields=["customer"], name="payment_with_credit", condition=Q(unallocated__gt=0)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__lte=F("amount")), name="payment_unallocated_le_amount"
            ),
            models.UniqueConstraint(fields=["method", "reference"], name="uniq_payment_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class Allocation(models.Model):
    """The part of a payment that settled (part of) an invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.PositiveIntegerField(_("amount (Rp)"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.invoice_id}: {self.amount}"
