"""The helpdesk API's request and response shapes (helpdesk/api.py uses them).

No request carries a status: tickets move through action endpoints only."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from ninja import Field, Schema

from .choices import (
    AuthorKind,
    ContactChannel,
    ConversationStatus,
    Priority,
    Source,
    TicketKind,
    TicketStatus,
    UpdateKind,
)
from .tickets import BODY_MAX, SUBJECT_MAX


class TicketAction(StrEnum):
    """The lifecycle actions (helpdesk.lifecycle.MACHINE)."""

    OPEN = "open"
    WAIT_CUSTOMER = "wait_customer"
    WAIT_TEAM = "wait_team"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


# --- tickets: in ----------------------------------------------------------------------------


class TicketFilter(Schema):
    status: TicketStatus | None = None
    kind: TicketKind | None = None
    priority: Priority | None = None
    assignee: int | None = Field(None, ge=0, description="Staff user id; 0: nobody.")
    customer: int | None = Field(None, ge=1, description="Customer id.")
    q: str = Field(
        "",
        max_length=100,
        description="Ticket number, subject, contact name or phone, customer number or name.",
    )
    after: str = Field(
        "", max_length=200, description="The `next_after` of the previous page (keyset)."
    )
    limit: int = Field(50, ge=1, le=100)


class ComplaintIn(Schema):
    """The complete record a complaint must have (all required)."""

    what_happened: str = Field(max_length=5000)
    since: dt.datetime = Field(description="Since when; not in the future.")
    location: str = Field(max_length=300)
    impact: str = Field(max_length=2000)
    contact: str = Field(max_length=200, description="How to reach the customer.")


class TicketIn(Schema):
    kind: TicketKind
    subject: str = Field(max_length=SUBJECT_MAX)
    description: str = Field("", max_length=BODY_MAX)
    priority: Priority = Priority.NORMAL
    source: Literal["phone", "email", "api"] = Field(
        "api", description="Where the request came from (portal and chat open their own)."
    )
    customer_id: int | None = Field(None, description="The customer, if there is one.")
    subscription_id: int | None = Field(
        None, description="The customer's subscription; needed for a fault when they have more."
    )
    contact_name: str = Field("", max_length=150)
    contact_phone: str = Field("", description="Required without a customer.")
    complaint: ComplaintIn | None = Field(None, description="Required for a complaint.")
    assignee_id: int | None = Field(None, description="A staff member who works tickets.")


class ReplyIn(Schema):
    body: str = Field("", max_length=BODY_MAX, description="Required unless `eta` is given.")
    public: bool = Field(
        True, description="true: a reply the customer sees and is told of; false: a note."
    )
    eta: dt.datetime | None = Field(
        None, description="Faults: a new restoration estimate (future; always public)."
    )


class ActionIn(Schema):
    note: str = Field(
        "", max_length=BODY_MAX, description="Shown to the customer with a resolution."
    )


class AssignIn(Schema):
    ticket_ids: list[int] = Field(min_length=1, max_length=500)
    assignee_id: int | None = Field(description="A staff member who works tickets; null: nobody.")


class ContactIn(Schema):
    channel: ContactChannel
    summary: str = Field(max_length=5000, description="What the customer was told.")
    contacted_at: dt.datetime | None = Field(None, description="Default: now.")


class SolutionIn(Schema):
    solution: str = Field(max_length=BODY_MAX)
    action_taken: str = Field(max_length=BODY_MAX)


class MessageIn(Schema):
    body: str = Field(description="Plain text.")
    side: Literal["agent", "customer"] = Field(
        "agent",
        description=(
            "agent: the token's user answers (they must have claimed the conversation); "
            "customer: the customer or visitor of the conversation wrote it (e.g. a "
            "WhatsApp message an integration brings in)."
        ),
    )


class MessageFilter(Schema):
    after: int = Field(0, ge=0, description="Messages after this id (oldest first).")
    limit: int = Field(50, ge=1, le=100)


# --- out ------------------------------------------------------------------------------------


class TicketOut(Schema):
    id: int
    number: str
    kind: TicketKind
    priority: Priority
    status: TicketStatus = Field(description="Changed only by the action endpoints.")
    subject: str
    source: Source
    customer_id: int | None
    customer_number: str
    subscription_id: int | None
    contact_name: str
    contact_phone: str
    assignee_id: int | None
    conversation_id: int | None
    work_order_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    breached_at: dt.datetime | None
    reopen_until: dt.datetime | None
    eta: dt.datetime | None = Field(description="Faults: the latest restoration estimate.")


class TicketListOut(Schema):
    items: list[TicketOut]
    next_after: str | None = Field(description="Pass as `after` for the next page; null: end.")


class UpdateOut(Schema):
    id: int
    kind: UpdateKind
    public: bool = Field(description="false: an internal note the customer never sees.")
    author_kind: AuthorKind
    author_id: int | None
    body: str
    eta: dt.datetime | None
    from_status: str
    to_status: str
    created_at: dt.datetime


class ComplaintOut(Schema):
    what_happened: str
    since: dt.datetime
    location: str
    impact: str
    contact: str
    investigation: str
    solution: str
    action_taken: str
    solution_recorded_at: dt.datetime | None


class ContactOut(Schema):
    id: int
    channel: ContactChannel
    contacted_at: dt.datetime
    by_id: int
    summary: str


class TicketDetailOut(TicketOut):
    description: str
    updates: list[UpdateOut] = Field(description="Oldest first; notes included.")
    complaint: ComplaintOut | None
    contacts: list[ContactOut]


class AssignOut(Schema):
    assigned: int = Field(description="Tickets assigned (closed ones are left alone).")


class MessageOut(Schema):
    id: int
    conversation_id: int
    author_kind: AuthorKind
    author_id: int | None
    body: str
    attachment_type: str = Field(description="An image's type, or empty.")
    created_at: dt.datetime


class MessageListOut(Schema):
    conversation_id: int
    status: ConversationStatus
    items: list[MessageOut]
    next_after: int | None = Field(description="Pass as `after` for more; null: up to date.")
