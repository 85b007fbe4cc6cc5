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
# Unpaid invoices of these kinds isolate the service once overdue past the grace period
# (an unpaid deposit keeps the service isolated by the lifecycle itself).
DUNNING_KINDS = (InvoiceKind.MONTHLY,)


class LineKind(models.TextChoices):
    SERVICE = "service", _("Subscription")
    INSTALLATION = "installation", _("Installation")
    DEPOSIT = "deposit", _("Deposit")
    ADJUSTMENT = "adjustment", _("Credit or charge")


class AdjustmentKind(models.TextChoices):
    COMPENSATION = "compensation", _("Compensation")
    CORRECTION = "correction", _("Correction")
    PLAN_CHANGE = "plan_change", _("Plan change")
    EQUIPMENT = "equipment", _("Equipment damaged or not returned")
    RETENTION = "retention", _("Loyalty offer")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    QRIS = "qris", _("QRIS")
    MIDTRANS = "midtrans", _("Online (Midtrans)")
    XENDIT = "xendit", _("Online (Xendit)")
    # Not money received: the closing applies the customer's deposit to what they owe,
    # and a manager may write off the rest.
    DEPOSIT = "deposit", _("Deposit applied")
    WRITE_OFF = "write_off", _("Written off")


# Methods staff record by hand; the gateways record theirs from verified notifications.
MANUAL_METHODS = (PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER, PaymentMethod.QRIS)
# Settlements that move no money: left out of cash reports.
NON_CASH_METHODS = (PaymentMethod.DEPOSIT, PaymentMethod.WRITE_OFF)


class RefundMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


class Reminder(models.IntegerChoices):
    """How far an invoice's reminders have gone; each stage is sent once, in order."""

    NONE = 0, _("None yet")
    ISSUED = 1, _("New invoice")
    BEFORE_DUE = 2, _("Before the due date")
    DUE = 3, _("On the due date")
    OVERDUE = 4, _("Overdue")


class RunKind(models.TextChoices):
    INVOICES = "invoices", _("Monthly invoices")
    REMINDERS = "reminders", _("Reminders")
    ISOLATION = "isolation", _("Isolation of the overdue")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
