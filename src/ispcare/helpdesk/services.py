"""The helpdesk's service layer, for other apps, the API and the demo: what each name does
lives in the module it comes from (chat, tickets, complaints, faults, saved_views,
sla_jobs)."""

from .chat import (
    conversation_claim,
    conversation_close,
    conversation_leave_message,
    conversation_mark_read,
    conversation_open_for_customer,
    conversation_start_visitor,
    conversation_to_ticket,
    conversation_transfer,
    message_post,
)
from .complaints import complaint_investigate, complaint_solution, contact_record
from .faults import fault_escalate, fault_visit_complete
from .saved_views import saved_view_delete, saved_view_save
from .sla_jobs import sla_sweep
from .tickets import (
    ticket_assign,
    ticket_create,
    ticket_customer_reply,
    ticket_reply,
    ticket_set_priority,
    ticket_transition,
)

__all__ = [
    "complaint_investigate",
    "complaint_solution",
    "contact_record",
    "conversation_claim",
    "conversation_close",
    "conversation_leave_message",
    "conversation_mark_read",
    "conversation_open_for_customer",
    "conversation_start_visitor",
    "conversation_to_ticket",
    "conversation_transfer",
    "fault_escalate",
    "fault_visit_complete",
    "message_post",
    "saved_view_delete",
    "saved_view_save",
    "sla_sweep",
    "ticket_assign",
    "ticket_create",
    "ticket_customer_reply",
    "ticket_reply",
    "ticket_set_priority",
    "ticket_transition",
]
