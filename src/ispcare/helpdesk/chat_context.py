"""What the agent sees beside a conversation: who the customer is, their plan and state,
whether they are online, what they owe and which tickets are open. Reads only."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ispcare.billing.selectors import invoices_open
from ispcare.network.selectors import connection_of

from .choices import OPEN_STATUSES
from .models import Conversation, Ticket

log = logging.getLogger(__name__)


@dataclass
class Line:
    """One subscription: plan, lifecycle state, online now, the last session."""

    subscription: Any
    online: bool | None  # None: the RADIUS accounting could not be read
    session: dict | None  # the open session, else the last one


@dataclass
class CustomerContext:
    customer: Any
    lines: list[Line] = field(default_factory=list)
    invoices: list[Any] = field(default_factory=list)
    owed: int = 0
    tickets: list[Ticket] = field(default_factory=list)


def _line(sub: Any) -> Line:
    try:
        conn = connection_of(sub.pppoe_username, history=1)
    except Exception:  # the accounting database being down must not break the console
        log.warning("connection_of(%s) failed", sub.pppoe_username, exc_info=True)
        return Line(subscription=sub, online=None, session=None)
    last = conn.session or (conn.history[0] if conn.history else None)
    return Line(subscription=sub, online=conn.session is not None, session=last)


def customer_context(conv: Conversation) -> CustomerContext | None:
    """The panel's data for a customer's conversation; None for a visitor."""
    customer = conv.customer
    if customer is None:
        return None
    subs = customer.subscriptions.select_related("plan").order_by("-id")[:5]
    invoices = list(invoices_open(customer_id=customer.pk)[:10])
    return CustomerContext(
        customer=customer,
        lines=[_line(s) for s in subs],
        invoices=invoices,
        owed=sum(i.balance for i in invoices),
        tickets=list(
            Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES).order_by(
                "-created_at"
            )[:10]
        ),
    )


def visitor_tickets(conv: Conversation) -> list[Ticket]:
    """A visitor has no record; tickets opened from their conversations are what we know."""
    if not conv.visitor_phone:
        return []
    return list(
        Ticket.objects.filter(contact_phone=conv.visitor_phone, status__in=OPEN_STATUSES)[:10]
    )
