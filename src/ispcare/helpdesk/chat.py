"""Live chat services: the only code that writes conversations and chat messages.

Each function is one transaction, keyword-only. A message is stored first; the push over
the channel layer (`broadcast.push`) runs after commit, so what a socket shows is always
in the table a reload reads.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, NotFound, ValidationFailed
from ispcare.common.phone import normalize_phone
from ispcare.customers.models import Customer

from . import broadcast, sla
from .choices import AuthorKind, ConversationStatus, Source, TicketKind
from .models import ChatMessage, Conversation, Ticket

CLOSED = ConversationStatus.CLOSED
WAITING = ConversationStatus.WAITING
ACTIVE = ConversationStatus.ACTIVE
NAME_MAX = 150

# Images only, known by their first bytes (billing/proofs.py also takes PDFs and no GIF,
# and names its field "proof", so it does not fit as it is).
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
)


# --- reading helpers the views and consumers share -----------------------------------


def message_dict(message: ChatMessage) -> dict[str, Any]:
    """A message as the sockets and the JSON history send it (body is plain text: the
    page inserts it as text, never as HTML)."""
    author = ""
    if message.author_kind == AuthorKind.AGENT and message.author_id:
        author = message.author.first_name or message.author.username
    elif message.author_kind in (AuthorKind.CUSTOMER, AuthorKind.VISITOR):
        author = message.conversation.display_name
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author_kind": message.author_kind,
        "author": author,
        "body": message.body,
        "image": reverse("helpdesk_chat:image", args=[message.pk]) if message.attachment else "",
        "created_at": message.created_at.isoformat(),
        "time": timezone.localtime(message.created_at, sla.WIB).strftime("%H:%M"),
    }


def history(conversation: Conversation, *, limit: int = 200) -> list[dict[str, Any]]:
    rows = conversation.messages.select_related("author", "conversation__customer").order_by("-id")[
        :limit
    ]
    return [message_dict(m) for m in reversed(list(rows))]


def conversation_dict(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.pk,
        "name": conv.display_name,
        "customer": conv.customer.number if conv.customer_id else "",
        "status": conv.status,
        "language": conv.language,
        "claimed_by": conv.claimed_by_id,
        "claimed_by_name": (conv.claimed_by.first_name or conv.claimed_by.username)
        if conv.claimed_by_id
        else "",
        "waiting_since": conv.waiting_since.isoformat() if conv.waiting_since else None,
        "customer_read": conv.customer_read_id,
        "agent_read": conv.agent_read_id,
    }


def agent_may_see(user: Any, conv: Conversation) -> bool:
    """Agents see the queue and their own conversations; supervisors see every one."""
    if not has_capability(user, "helpdesk.chat"):
        return False
    if has_capability(user, "helpdesk.supervise"):
        return True
    return conv.status == WAITING or conv.claimed_by_id == user.pk


def open_conversation_of(*, customer_id: int | None = None, visitor_key: str = ""):
    rows = Conversation.objects.exclude(status=CLOSED).order_by("-id")
    if customer_id:
        return rows.filter(customer_id=customer_id).first()
    if visitor_key:
        return rows.filter(visitor_key=visitor_key, customer__isnull=True).first()
    return None


def image_check(upload: Any) -> tuple[str, str]:
    """(extension, content type) of an image upload, judged by its bytes; else refused."""

    def refuse(message):
        raise ValidationFailed(_("Check the image."), fields={"image": [message]})

    if not isinstance(upload, UploadedFile) or not upload.size:
        refuse(_("Choose an image."))
    limit = int(settings.HELPDESK_CHAT_IMAGE_MAX_BYTES)
    if upload.size > limit:
        refuse(_("The image is too large (at most %(mb)s MB).") % {"mb": round(limit / 2**20, 1)})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, ext, ctype in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return ext, ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    refuse(_("Only a photo (JPEG, PNG, WebP or GIF) can be sent."))
    raise AssertionError  # unreachable: refuse raises


# --- writers -------------------------------------------------------------------------


def _locked(
    conversation_id: int, *, as_customer: int | None = None, as_visitor: str = ""
) -> Conversation:
    """The conversation, locked. `as_customer` / `as_visitor`: the caller writes as that
    customer or visitor, and anyone else's conversation is not found (the socket's
    ownership check, made in the same query as the lock)."""
    rows = Conversation.objects.select_for_update(of=("self",)).select_related(
        "customer", "claimed_by"
    )
    if as_customer is not None:
        rows = rows.filter(customer_id=as_customer)
    elif as_visitor:
        rows = rows.filter(visitor_key=as_visitor, customer__isnull=True)
    conv = rows.filter(pk=conversation_id).first()
    if conv is None:
        raise NotFound(_("No such conversation."), code="chat.not_found")
    return conv


def _push_state(conv: Conversation) -> None:
    data = conversation_dict(conv)
    broadcast.push(broadcast.conversation_group(conv.pk), "chat.conversation", conversation=data)
    broadcast.push(broadcast.AGENTS, "chat.conversation", conversation=data)


def _system(conv: Conversation, text: Any) -> ChatMessage:
    with override(conv.language):
        body = str(text)
    msg = ChatMessage.objects.create(conversation=conv, author_kind=AuthorKind.SYSTEM, body=body)
    broadcast.push(broadcast.conversation_group(conv.pk), "chat.message", message=message_dict(msg))
    return msg


def conversation_open_for_customer(*, customer_id: int) -> Conversation:
    """The customer's open conversation, or a new one (one open per customer). A new one is
    in the queue only from its first message."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(_("No such customer."), code="customer.not_found")
        conv = open_conversation_of(customer_id=customer.pk)
        if conv is None:
            conv = Conversation.objects.create(customer=customer, language=customer.language)
    return conv


def conversation_start_visitor(*, name: str, phone: str, language: str = "id") -> Conversation:
    """A visitor on the public site says who they are; the returned conversation's
    visitor_key is what their session keeps to find it again."""
    errors: dict[str, list] = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("At most %(n)d characters.") % {"n": NAME_MAX}]
    try:
        phone = normalize_phone(phone)
    except DjangoValidationError as exc:
        errors["phone"] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Check your name and number."), fields=errors)
    with transaction.atomic():
        return Conversation.objects.create(
            visitor_name=name,
            visitor_phone=phone,
            visitor_key=secrets.token_urlsafe(32),
            language="en" if language == "en" else "id",
        )


def message_post(
    *,
    conversation_id: int,
    author_kind: str,
    author: Any = None,
    body: str = "",
    image: Any = None,
    as_customer: int | None = None,
    as_visitor: str = "",
) -> ChatMessage:
    """Store a message (plain text and/or one image), then push it to both sides; a
    customer's first message puts the conversation in the queue. `as_customer` /
    `as_visitor`: only into that customer's or visitor's own conversation."""
    body = str(body or "").strip()
    limit = settings.HELPDESK_CHAT_MESSAGE_MAX_CHARS
    errors: dict[str, list] = {}
    if not body and image is None:
        errors["body"] = [_("Write a message.")]
    elif len(body) > limit:
        errors["body"] = [_("At most %(n)d characters.") % {"n": limit}]
    if errors:
        raise ValidationFailed(_("Check the message."), fields=errors)
    ext, ctype = image_check(image) if image is not None else ("", "")
    with transaction.atomic():
        conv = _locked(conversation_id, as_customer=as_customer, as_visitor=as_visitor)
        if conv.status == CLOSED:
            raise Conflict(_("This conversation is closed."), code="chat.closed")
        if author_kind == AuthorKind.AGENT and conv.claimed_by_id != getattr(author, "pk", None):
            raise Conflict(_("Claim the conversation before answering."), code="chat.not_claimed")
        now = timezone.now()
        msg = ChatMessage(
            conversation=conv, author_kind=author_kind, author=author, body=body, created_at=now
        )
        if image is not None:
            image.name = secrets.token_hex(16) + ext
            msg.attachment = image
            msg.attachment_type = ctype
        msg.save()
        conv.last_message_at = now
        fields = ["last_message_at"]
        if author_kind == AuthorKind.AGENT:
            conv.agent_read_id = msg.pk
            fields.append("agent_read_id")
        else:
            conv.customer_read_id = msg.pk
            fields.append("customer_read_id")
            if conv.status == WAITING and conv.waiting_since is None:
                conv.waiting_since = now
                fields.append("waiting_since")
        conv.save(update_fields=fields)
        data = message_dict(msg)
        broadcast.push(broadcast.conversation_group(conv.pk), "chat.message", message=data)
        # The queue of every console: the text only while nobody has the conversation.
        broadcast.push(
            broadcast.AGENTS,
            "chat.queue",
            conversation=conv.pk,
            status=conv.status,
            message=data if conv.status == WAITING else None,
        )
    return msg


def conversation_claim(*, conversation_id: int, actor: Any) -> Conversation:
    """An agent takes a waiting conversation; a second agent gets a Conflict."""
    if not has_capability(actor, "helpdesk.chat"):
        raise Conflict(_("You do not answer chats."), code="chat.not_agent")
    with transaction.atomic():
        conv = _locked(conversation_id)
        if conv.claimed_by_id == actor.pk and conv.status == ACTIVE:
            return conv
        if conv.status != WAITING or conv.claimed_by_id:
            raise Conflict(
                _("Another agent has already taken this conversation."),
                code="chat.already_claimed",
            )
        conv.status = ACTIVE
        conv.claimed_by = actor
        conv.claimed_at = timezone.now()
        conv.save(update_fields=["status", "claimed_by", "claimed_at"])
        _system(conv, _("%(name)s is helping you now.") % {"name": _agent_name(actor)})
        _push_state(conv)
    return conv


def _agent_name(user: Any) -> str:
    return user.first_name or user.username


def _may_act(conv: Conversation, actor: Any) -> None:
    if conv.claimed_by_id != actor.pk and not has_capability(actor, "helpdesk.supervise"):
        raise Conflict(_("This conversation is another agent's."), code="chat.not_yours")


def conversation_transfer(*, conversation_id: int, actor: Any, to_user_id: Any) -> Conversation:
    """Hand a conversation to another agent (who answers chats)."""
    target = None
    if str(to_user_id or "").isdigit():
        target = get_user_model().objects.filter(pk=int(to_user_id), is_active=True).first()
    if target is None or not has_capability(target, "helpdesk.chat"):
        raise ValidationFailed(
            _("Choose an agent."), fields={"agent": [_("Choose an agent who answers chats.")]}
        )
    with transaction.atomic():
        conv = _locked(conversation_id)
        if conv.status == CLOSED:
            raise Conflict(_("This conversation is closed."), code="chat.closed")
        if conv.claimed_by_id:
            _may_act(conv, actor)
        if conv.claimed_by_id == target.pk:
            raise ValidationFailed(
                _("Choose an agent."), fields={"agent": [_("This agent has it already.")]}
            )
        conv.claimed_by = target
        conv.claimed_at = timezone.now()
        conv.status = ACTIVE
        conv.save(update_fields=["claimed_by", "claimed_at", "status"])
        _system(conv, _("%(name)s is helping you now.") % {"name": _agent_name(target)})
        _push_state(conv)
    return conv


def conversation_mark_read(
    *,
    conversation_id: int,
    side: str,
    message_id: int,
    as_customer: int | None = None,
    as_visitor: str = "",
) -> Conversation:
    """Remember the last message one side has seen (the other side shows ticks)."""
    field = "agent_read_id" if side == "agent" else "customer_read_id"
    with transaction.atomic():
        conv = _locked(conversation_id, as_customer=as_customer, as_visitor=as_visitor)
        last = (
            conv.messages.filter(pk__lte=int(message_id))
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        if last and last > getattr(conv, field):
            setattr(conv, field, last)
            conv.save(update_fields=[field])
            broadcast.push(
                broadcast.conversation_group(conv.pk),
                "chat.read",
                conversation=conv.pk,
                side=side,
                message=last,
            )
    return conv


def conversation_close(*, conversation_id: int, actor: Any = None) -> Conversation:
    """Close the conversation (the agent who has it, a supervisor, or its customer or
    visitor, passed as actor=None or the customer user)."""
    with transaction.atomic():
        conv = _locked(conversation_id)
        if conv.status == CLOSED:
            return conv
        staff = actor is not None and not getattr(actor, "is_customer", False)
        if staff and conv.claimed_by_id:
            _may_act(conv, actor)
        conv.status = CLOSED
        conv.closed_at = timezone.now()
        conv.save(update_fields=["status", "closed_at"])
        _system(conv, _("The conversation is closed. Thank you!"))
        _push_state(conv)
    return conv


def _transcript(conv: Conversation) -> str:
    lines = []
    for m in conv.messages.select_related("author").order_by("-id")[:50][::-1]:
        who = _agent_name(m.author) if m.author_kind == AuthorKind.AGENT and m.author else ""
        who = who or (conv.display_name if m.author_kind != AuthorKind.SYSTEM else "-")
        text = m.body or ("[" + str(_("image")) + "]")
        lines.append(f"{timezone.localtime(m.created_at, sla.WIB):%H:%M} {who}: {text}")
    return "\n".join(lines)[-9000:]


def conversation_to_ticket(
    *,
    conversation_id: int,
    actor: Any,
    kind: str,
    subject: str,
    priority: str,
    description: str = "",
    complaint: dict[str, Any] | None = None,
    subscription_id: int | None = None,
) -> Ticket:
    """Record what the chat could not solve as a ticket linked to the conversation; the
    customer reads its number in the chat."""
    from .tickets import ticket_create

    with transaction.atomic():
        conv = _locked(conversation_id)
        ticket = ticket_create(
            kind=kind,
            subject=subject,
            source=Source.CHAT,
            actor=actor,
            description=(description or "").strip() or _transcript(conv),
            priority=priority,
            customer_id=conv.customer_id,
            subscription_id=subscription_id,
            contact_name="" if conv.customer_id else conv.visitor_name,
            contact_phone="" if conv.customer_id else conv.visitor_phone,
            conversation_id=conv.pk,
            complaint=complaint,
        )
        _system(
            conv,
            _("Ticket %(number)s has been opened for you; we will follow it up.")
            % {"number": ticket.number},
        )
    return ticket


def conversation_leave_message(
    *, conversation_id: int, body: str, author_kind: str, author: Any = None
) -> Ticket:
    """Outside business hours: the message is kept and becomes a ticket (a question from
    chat) that the team answers when they are back; the conversation closes."""
    from .tickets import ticket_create

    if sla.is_open_now(timezone.now()):
        raise Conflict(_("Our agents are online: chat with them now."), code="chat.open")
    with transaction.atomic():
        msg = message_post(
            conversation_id=conversation_id, author_kind=author_kind, author=author, body=body
        )
        conv = _locked(conversation_id)
        ticket = ticket_create(
            kind=TicketKind.QUESTION,
            subject=msg.body.splitlines()[0][:80],
            source=Source.CHAT,
            actor=author,
            description=msg.body,
            customer_id=conv.customer_id,
            contact_name="" if conv.customer_id else conv.visitor_name,
            contact_phone="" if conv.customer_id else conv.visitor_phone,
            conversation_id=conv.pk,
        )
        _system(
            conv,
            _(
                "Thank you. Your message is recorded as ticket %(number)s; we answer when we are back."
            )
            % {"number": ticket.number},
        )
        conv.status = CLOSED
        conv.closed_at = timezone.now()
        conv.save(update_fields=["status", "closed_at"])
        _push_state(conv)
    return ticket
