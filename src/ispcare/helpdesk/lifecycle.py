"""The ticket lifecycle: one transition table; `tickets.ticket_transition` performs it.

new/waiting_*        --open-->          open              (an agent takes it up)
new/open/waiting_team --wait_customer--> waiting_customer (we asked the customer)
new/open/waiting_customer --wait_team--> waiting_team     (a technician, another team)
waiting_*            --resume-->        open              (the awaited answer came)
new/open/waiting_*   --resolve-->       resolved          (complaints: solution recorded)
resolved             --reopen-->        open              (customer reply within N days)
resolved             --close-->         closed            (complaints: customer told)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ispcare.common.statemachine import Machine, Transition

from .choices import TicketKind
from .choices import TicketStatus as T
from .models import Ticket

_WORKING = frozenset({T.NEW, T.OPEN, T.WAITING_CUSTOMER, T.WAITING_TEAM})


def _complaint(ticket: Ticket):
    if ticket.kind != TicketKind.COMPLAINT:
        return None
    return getattr(ticket, "complaint", None)


def _solution_recorded(ticket: Ticket) -> str | None:
    record = _complaint(ticket)
    if record is not None and not (record.solution.strip() and record.action_taken.strip()):
        return str(_("Record the solution and the action taken before resolving a complaint."))
    return None


def _customer_told(ticket: Ticket) -> str | None:
    record = _complaint(ticket)
    if record is None:
        return None
    told = ticket.contacts.all()
    if record.solution_recorded_at:
        told = told.filter(contacted_at__gte=record.solution_recorded_at)
    if not told.exists():
        return str(
            _(
                "The customer has not been told the solution and the action taken yet: "
                "record the contact first."
            )
        )
    return None


MACHINE = Machine(
    "ticket",
    [
        Transition(
            "open", frozenset({T.NEW, T.WAITING_CUSTOMER, T.WAITING_TEAM}), T.OPEN, _("Open")
        ),
        Transition(
            "wait_customer",
            frozenset({T.NEW, T.OPEN, T.WAITING_TEAM}),
            T.WAITING_CUSTOMER,
            _("Wait for the customer"),
        ),
        Transition(
            "wait_team",
            frozenset({T.NEW, T.OPEN, T.WAITING_CUSTOMER}),
            T.WAITING_TEAM,
            _("Wait for the team"),
        ),
        Transition("resume", frozenset({T.WAITING_CUSTOMER, T.WAITING_TEAM}), T.OPEN, _("Resume")),
        Transition("resolve", _WORKING, T.RESOLVED, _("Resolve"), (_solution_recorded,)),
        Transition("reopen", frozenset({T.RESOLVED}), T.OPEN, _("Reopen")),
        Transition("close", frozenset({T.RESOLVED}), T.CLOSED, _("Close"), (_customer_told,)),
    ],
)
