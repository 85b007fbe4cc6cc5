from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INSTALLATION = "installation", _("Installation (initial payment)")
    DEPOSIT = "deposit", _("Subscription deposit")
    MONTHLY = "monthly", _("Monthly subscription")
    FINAL = "final", _("Final invoice")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    QRIS = "qris", _("QRIS")
