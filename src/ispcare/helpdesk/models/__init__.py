"""Helpdesk models: conversations (live chat) and tickets (follow-up, complaints, faults)."""

from .conversations import CannedReply, ChatMessage, Conversation
from .tickets import ComplaintRecord, CustomerContact, SavedView, Ticket, TicketUpdate

__all__ = [
    "CannedReply",
    "ChatMessage",
    "ComplaintRecord",
    "Conversation",
    "CustomerContact",
    "SavedView",
    "Ticket",
    "TicketUpdate",
]
