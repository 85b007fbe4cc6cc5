"""Tickets: what a chat or a call could not solve at once, followed up until it is closed.

The SLA clocks are columns (due times, breach times) so the breach list and the sweep are
indexed queries, not loops; the latest restoration estimate of a fault is denormalised
here (`eta`) so the portal and the lists read it without joining the updates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ispcare.common.models import TimeStamped
from ispcare.customers.models import Customer, Subscription

from ..choices import (
    AuthorKind,
    ContactChannel,
    Priority,
    Source,
    TicketKind,
    TicketStatus,
    UpdateKind,
)
from .conversations import Conversation

_OPEN = Q(status__in=["new", "open", "waiting_customer", "waiting_team"])


class Ticket(TimeStamped):
    number = models.CharField(_("ticket number"), max_length=24, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=TicketKind.choices)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("customer"),
    )
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("subscription"),
    )
    # The subscriber's place in the network when the fault was reported.
    node = models.ForeignKey(
        "network.Node",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("network node"),
    )
    # A visitor without a customer record (offline message on the public site).
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("conversation"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets_assigned",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SLA (business hours, see sla.py).
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    # The first breach of either target: the breach list is one index range.
    breached_at = models.DateTimeField(_("SLA breached"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The team owes the next step since (set when the customer speaks, cleared when an
    # agent answers): drives the follow-up reminders.
    awaiting_team_since = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # A customer reply before this reopens a resolved ticket.
    reopen_until = models.DateTimeField(null=True, blank=True)
    # Faults: the latest restoration estimate the customer was given.
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("visit"),
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="tkt_status_upd"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="tkt_assignee"),
            models.Index(fields=["kind", "status", "-updated_at"], name="tkt_kind"),
            models.Index(fields=["customer", "-created_at"], name="tkt_customer"),
            # The staff list's priority and source filters (migration 0002).
            models.Index(fields=["priority", "status", "-updated_at"], name="tkt_priority"),
            models.Index(fields=["source", "status", "-updated_at"], name="tkt_source"),
            models.Index(fields=["-updated_at", "-id"], name="tkt_updated"),
            models.Index(
                fields=["first_response_due"],
                condition=_OPEN
                & Q(first_responded_at__isnull=True, response_breached_at__isnull=True),
                name="tkt_response_due",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=_OPEN & Q(resolution_breached_at__isnull=True),
                name="tkt_resolution_due",
            ),
            models.Index(fields=["-breached_at"], condition=_OPEN, name="tkt_breached"),
            models.Index(fields=["awaiting_team_since"], condition=_OPEN, name="tkt_awaiting_team"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketUpdate(models.Model):
    """One line of a ticket's story: a reply the customer sees, or a note they never see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=16, choices=UpdateKind.choices)
    public = models.BooleanField(_("visible to the customer"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_kind = models.CharField(max_length=16, choices=AuthorKind.choices)
    body = models.TextField(_("message"), blank=True)
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ticket update")
        verbose_name_plural = _("ticket updates")
        indexes = [models.Index(fields=["ticket", "id"], name="tktupd_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.kind}"


class ComplaintRecord(models.Model):
    """The complete record a complaint must have before it can be saved, and what the
    investigation found and did."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="complaint"
    )
    what_happened = models.TextField(_("what happened"))
    since = models.DateTimeField(_("since when"))
    location = models.CharField(_("where"), max_length=300)
    impact = models.TextField(_("impact on the customer"))
    contact = models.CharField(_("how to reach the customer"), max_length=200)
    investigation = models.TextField(_("investigation notes"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    solution_recorded_at = models.DateTimeField(null=True, blank=True)
    solution_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("complaint record")
        verbose_name_plural = _("complaint records")

    def __str__(self) -> str:
        return f"complaint {self.ticket_id}"


class CustomerContact(models.Model):
    """Proof that the customer was told: by which channel, when, by whom, what."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    contacted_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    summary = models.TextField(_("what the customer was told"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contacted_at", "id"]
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.channel}"


class SavedView(models.Model):
    """A staff member's named filter of the ticket list (the query string as it was)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_views"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filter"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="uniq_saved_view_name")
        ]

    def __str__(self) -> str:
        return self.name
