from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for verification")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SubscriptionState(models.TextChoices):
    PENDING_INSTALLATION = "pending_installation", _("Waiting for installation")
    AWAITING_DEPOSIT = "awaiting_deposit", _("Installed, isolated until the deposit is paid")
    ACTIVE = "active", _("Active")
    ISOLATED = "isolated", _("Isolated")
    # Terminated on request: access disabled from the end date, the closing (equipment,
    # settlement) still going on.
    ENDED = "ended", _("Service ended, closing in progress")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


TERMINAL_STATES = frozenset({SubscriptionState.CANCELLED, SubscriptionState.CLOSED})


class IsolationCause(models.TextChoices):
    """Why an active subscription was isolated: only billing's own isolation is lifted by
    a payment; staff isolation (abuse, a fault) is lifted by staff."""

    OVERDUE = "overdue", _("Unpaid invoice past its due date")
    STAFF = "staff", _("Isolated by staff")


class EquipmentKind(models.TextChoices):
    MODEM = "modem", _("Modem")
    ONT = "ont", _("ONT")
    ROUTER = "router", _("Wi-Fi router")
    OTHER = "other", _("Other")


class EquipmentStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    INSTALLED = "installed", _("Installed at a customer")
    RETURNED = "returned", _("Returned")
    DAMAGED = "damaged", _("Returned damaged")
    MISSING = "missing", _("Not returned (missing)")


class EquipmentCondition(models.TextChoices):
    """How a device came back from a customer at closing."""

    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")


class EventKind(models.TextChoices):
    APPLICATION_SUBMITTED = "application_submitted", _("Application submitted")
    APPLICATION_APPROVED = "application_approved", _("Application approved")
    APPLICATION_REJECTED = "application_rejected", _("Application rejected")
    CUSTOMER_CREATED = "customer_created", _("Customer number issued")
    WELCOME_SENT = "welcome_sent", _("Welcome information sent")
    STATE_CHANGED = "state_changed", _("Service state changed")
    INSTALLATION_SCHEDULED = "installation_scheduled", _("Installation scheduled")
    INSTALLATION_COMPLETED = "installation_completed", _("Installation completed")
    REPAIR_SCHEDULED = "repair_scheduled", _("Repair visit scheduled")
    REPAIR_COMPLETED = "repair_completed", _("Repair visit completed")
    EQUIPMENT_INSTALLED = "equipment_installed", _("Equipment installed")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    INVOICE_VOIDED = "invoice_voided", _("Invoice voided")
    PORTAL_PASSWORD_SET = "portal_password_set", _("Portal password set")
    PREFERENCES_CHANGED = "preferences_changed", _("Message preferences changed")
    NODE_CHANGED = "node_changed", _("Network node changed")
    PLAN_CHANGED = "plan_changed", _("Plan changed")
    CREDIT_ADDED = "credit_added", _("Credit or charge added")
    REMINDER_SENT = "reminder_sent", _("Payment reminder sent")
    CLOSURE_REQUESTED = "closure_requested", _("Termination requested")
    CLOSURE_CANCELLED = "closure_cancelled", _("Termination request cancelled")
    CLOSURE_PROCESSED = "closure_processed", _("Termination request processed")
    PICKUP_SCHEDULED = "pickup_scheduled", _("Equipment pickup scheduled")
    EQUIPMENT_RETURNED = "equipment_returned", _("Equipment checked in")
    SETTLEMENT_ISSUED = "settlement_issued", _("Settlement statement issued")
    REFUND_PAID = "refund_paid", _("Deposit refund paid")
    BALANCE_WRITTEN_OFF = "balance_written_off", _("Balance written off")
    RETENTION_OFFERED = "retention_offered", _("Retention offer made")
    RETENTION_ACCEPTED = "retention_accepted", _("Retention offer accepted")
    RETENTION_DECLINED = "retention_declined", _("Retention offer declined")
    DATA_EXPORTED = "data_exported", _("Personal data downloaded")
    DATA_ANONYMISED = "data_anonymised", _("Personal data anonymised")
