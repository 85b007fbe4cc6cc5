"""The helpdesk's vocabularies: ticket types, priorities, statuses, where things came from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    FAULT = "fault", _("Fault")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    WAITING_TEAM = "waiting_team", _("Waiting for the team")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses in which the team still owes the customer something (SLA clocks run).
OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.WAITING_TEAM,
)


class Source(models.TextChoices):
    CHAT = "chat", _("Live chat")
    PORTAL = "portal", _("Customer portal")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    API = "api", _("API")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
    CLOSED = "closed", _("Closed")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Live chat")
    VISIT = "visit", _("In person")


class UpdateKind(models.TextChoices):
    REPLY = "reply", _("Reply")  # public: the customer sees it and is notified
    NOTE = "note", _("Internal note")  # staff only
    STATUS = "status", _("Status change")  # written by the system on a transition
    ETA = "eta", _("Restoration estimate")  # public, faults
    CUSTOMER = "customer", _("Customer reply")
