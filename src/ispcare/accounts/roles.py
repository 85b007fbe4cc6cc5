"""Roles and what each may do: the one permission table, checked by views and the API.

Capabilities are named `<area>.<verb>`. A view or endpoint names the capability it needs;
the test matrix walks every role over every capability-guarded route.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGISTRATION = "registration", _("Registration team")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    TECHNICIAN = "technician", _("Technician")
    NOC = "noc", _("Network operations (NOC)")
    FINANCE = "finance", _("Finance")
    CLOSING = "closing", _("Closing team")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")
    CUSTOMER = "customer", _("Customer")


STAFF_ROLES = frozenset(r for r in Role if r is not Role.CUSTOMER)
R = Role

CAPABILITIES: dict[str, frozenset[Role]] = {
    # Registration queue: see applications, check coverage, approve or reject.
    "registrations.review": frozenset({R.REGISTRATION, R.MANAGER, R.ADMIN}),
    # Read customer records and their event history.
    "customers.view": frozenset(STAFF_ROLES),
    # Plan installations: pick a date and a technician.
    "workorders.schedule": frozenset({R.REGISTRATION, R.NOC, R.MANAGER, R.ADMIN}),
    # See every work order.
    "workorders.view": frozenset({R.REGISTRATION, R.TECHNICIAN, R.NOC, R.MANAGER, R.ADMIN}),
    # Do field work: the phone queue, completing a job with equipment and payment.
    "workorders.field": frozenset({R.TECHNICIAN, R.MANAGER, R.ADMIN}),
    # Move a subscription to another plan (billing prorates the period).
    "subscriptions.change_plan": frozenset({R.CUSTOMER_SERVICE, R.MANAGER, R.ADMIN}),
    # Read invoices and payments.
    "billing.view": frozenset({R.FINANCE, R.CUSTOMER_SERVICE, R.CLOSING, R.MANAGER, R.ADMIN}),
    # Record a payment (cash at the counter, bank transfer).
    "billing.record_payment": frozenset({R.FINANCE, R.MANAGER, R.ADMIN}),
    # Credit notes and corrections, plan price changes.
    "billing.adjust": frozenset({R.FINANCE, R.MANAGER, R.ADMIN}),
    # Void an invoice (with a reason): managers only.
    "billing.void": frozenset({R.MANAGER, R.ADMIN}),
    # Reports: unpaid list, aging, daily cash, ledger exports; billing runs.
    "billing.reports": frozenset({R.FINANCE, R.MANAGER, R.ADMIN}),
    # Equipment register.
    "equipment.view": frozenset({R.TECHNICIAN, R.NOC, R.CLOSING, R.MANAGER, R.ADMIN}),
    # The outbox: what was sent to whom, what failed and why; bulk-send progress.
    "notifications.view": frozenset(
        {R.REGISTRATION, R.CUSTOMER_SERVICE, R.NOC, R.FINANCE, R.MANAGER, R.ADMIN}
    ),
    # Send a failed message again; pause, resume or cancel a bulk send.
    "notifications.manage": frozenset({R.CUSTOMER_SERVICE, R.NOC, R.MANAGER, R.ADMIN}),
    # Announce to many customers at once (maintenance, outages, news).
    "notifications.bulk": frozenset({R.CUSTOMER_SERVICE, R.NOC, R.MANAGER, R.ADMIN}),
    # Edit the texts of notices.
    "notifications.templates": frozenset({R.ADMIN}),
    # The network: pending changes, CoA answers, routers, sessions.
    "network.view": frozenset({R.NOC, R.CUSTOMER_SERVICE, R.TECHNICIAN, R.MANAGER, R.ADMIN}),
    # Retry a pending network change now.
    "network.manage": frozenset({R.NOC, R.MANAGER, R.ADMIN}),
    # Helpdesk: read tickets (every staff member: technicians and NOC work faults too).
    "helpdesk.view": frozenset(STAFF_ROLES),
    # Answer live chat: the agent console, claim and transfer conversations.
    "helpdesk.chat": frozenset({R.CUSTOMER_SERVICE, R.MANAGER, R.ADMIN}),
    # Work tickets: open them from a call, post updates and ETAs, move their status.
    "helpdesk.work": frozenset({R.CUSTOMER_SERVICE, R.NOC, R.TECHNICIAN, R.MANAGER, R.ADMIN}),
    # Assign tickets (one or many) and send a technician on a repair visit.
    "helpdesk.assign": frozenset({R.CUSTOMER_SERVICE, R.NOC, R.MANAGER, R.ADMIN}),
    # Supervise: the SLA breach list, escalations, canned replies.
    "helpdesk.supervise": frozenset({R.MANAGER, R.ADMIN}),
    # Closing: the termination queue, pickups and drop-offs, settlement, win-back offers.
    "closures.view": frozenset({R.CLOSING, R.CUSTOMER_SERVICE, R.FINANCE, R.MANAGER, R.ADMIN}),
    "closures.work": frozenset({R.CLOSING, R.MANAGER, R.ADMIN}),
    # Check in returned equipment (the closing desk, and technicians on a pickup).
    "closures.check_in": frozenset({R.CLOSING, R.TECHNICIAN, R.MANAGER, R.ADMIN}),
    # Pay out a deposit refund.
    "closures.refund": frozenset({R.FINANCE, R.CLOSING, R.MANAGER, R.ADMIN}),
    # Write off what a closing customer still owes (with a reason): managers only.
    "closures.write_off": frozenset({R.MANAGER, R.ADMIN}),
    # Personal data: the anonymisation log; export a customer's data for them.
    "privacy.view": frozenset({R.MANAGER, R.ADMIN}),
    # API tokens and staff accounts.
    "accounts.manage": frozenset({R.ADMIN}),
}


def has_capability(user, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in CAPABILITIES[capability]


def capabilities_of(role: str) -> set[str]:
    return {cap for cap, roles in CAPABILITIES.items() if role in roles}
