"""Faults: what the ticket shows of the network, the on-site visit, and the seam where the
maintenance issue will attach incidents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import Conflict, NotFound
from ispcare.network import selectors as network
from ispcare.workorders import services as workorders

from . import broadcast, notices
from .choices import AuthorKind, TicketKind, TicketStatus, UpdateKind
from .models import Ticket, TicketUpdate


@dataclass(frozen=True)
class FaultContext:
    node: Any  # network.Node or None
    connection: network.Connection | None
    incident: Any  # maintenance's Incident once that issue lands; None until then


def incident_for(node_id: int | None) -> Any:
    """The ongoing incident on `node_id` (or a node above it), for linking a new fault.

    The seam for the maintenance issue: it will return maintenance.Incident rows here and
    ticket_create will link them; until then there are no incidents."""
    return None


def fault_context(ticket: Ticket) -> FaultContext:
    sub = ticket.subscription
    connection = network.connection_of(sub.pppoe_username, history=5) if sub else None
    return FaultContext(
        node=ticket.node, connection=connection, incident=incident_for(ticket.node_id)
    )


def _fault_locked(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "subscription")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.kind != TicketKind.FAULT:
        raise NotFound(_("No such fault."), code="fault.not_found")
    return ticket


def fault_escalate(
    *, ticket_id: int, actor: Any, technician_id: int, date: dt.date, problem: str = ""
) -> Ticket:
    """Remote help failed: send a technician. Creates (or moves) the repair work order on
    the technician's queue, links it, waits on the team, tells the customer the day."""
    from .tickets import _perform

    with transaction.atomic():
        ticket = _fault_locked(ticket_id)
        if not ticket.is_open:
            raise Conflict(_("This ticket is no longer open."), code="ticket.not_open")
        if ticket.subscription_id is None:
            raise Conflict(
                _("This fault has no subscription to visit."), code="fault.no_subscription"
            )
        order = workorders.repair_schedule(
            subscription_id=ticket.subscription_id,
            technician_id=technician_id,
            date=date,
            problem=problem or f"{ticket.number}: {ticket.subject}",
            actor=actor,
        )
        ticket.work_order = order
        ticket.save(update_fields=["work_order", "updated_at"])
        if ticket.status != TicketStatus.WAITING_TEAM:
            _perform(ticket, "wait_team", actor=actor, body="", public=False)
        tech = order.technician.get_full_name() or order.technician.get_username()
        update = TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.REPLY,
            public=True,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=str(
                _("A technician (%(tech)s) will visit on %(date)s.")
                % {"tech": tech, "date": date.strftime("%d-%m-%Y")}
            ),
        )
        notices.ticket_notify(
            ticket=ticket,
            template="ticket_visit",
            key=f"ticket:{ticket.pk}:visit:{order.pk}:{date.isoformat()}",
            extra={"visit": {"date": date, "technician": tech}},
        )
        broadcast.push(
            broadcast.ticket_group(ticket.pk),
            "ticket.update",
            ticket=ticket.pk,
            update=update.pk,
            public=True,
        )
    return ticket


def fault_visit_complete(*, ticket_id: int, actor: Any, result: str, fixed: bool) -> Ticket:
    """The technician reports the visit: the work order is completed with the result, the
    customer sees it, and a fixed fault is resolved (else it goes back to the team)."""
    from .tickets import ticket_transition

    with transaction.atomic():
        ticket = _fault_locked(ticket_id)
        if ticket.work_order_id is None:
            raise Conflict(_("No visit is scheduled for this fault."), code="fault.no_visit")
        workorders.repair_complete(work_order_id=ticket.work_order_id, result=result, actor=actor)
        update = TicketUpdate.objects.create(
            ticket=ticket,
            kind=UpdateKind.REPLY,
            public=True,
            author=actor,
            author_kind=AuthorKind.AGENT,
            body=str(_("Technician visit: %(result)s") % {"result": result.strip()}),
        )
        broadcast.push(
            broadcast.ticket_group(ticket.pk),
            "ticket.update",
            ticket=ticket.pk,
            update=update.pk,
            public=True,
        )
        if fixed:
            return ticket_transition(
                ticket_id=ticket.pk, action="resolve", actor=actor, note=result.strip()
            )
        if ticket.status == TicketStatus.WAITING_TEAM:
            ticket_transition(ticket_id=ticket.pk, action="resume", actor=actor)
    ticket.refresh_from_db()
    return ticket
