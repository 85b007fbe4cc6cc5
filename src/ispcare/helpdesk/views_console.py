"""The agent console (/staff/helpdesk/chat/): the queue, my conversations, one conversation
with the customer's context, claim / transfer / close / convert to ticket, images.

Text messages, typing and read state go over the socket (`ws/agent/`); these views are
the page, the lists it refreshes, and the actions that change a conversation's state.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from ispcare.accounts.decorators import capability_required
from ispcare.accounts.roles import CAPABILITIES, has_capability
from ispcare.common.errors import DomainError

from . import chat
from .chat_context import customer_context, visitor_tickets
from .choices import AuthorKind, Priority, TicketKind
from .complaints import RECORD_FIELDS
from .models import CannedReply, Conversation
from .views_chat import upload_response

CAP = "helpdesk.chat"
# Words the console's script shows, in the page's language.
CONSOLE_TEXTS = {
    "waiting": _("waiting %(n)s min"),
    "claimed": _("with %(name)s"),
    "offline": _("Connection lost, reconnecting…"),
    "online": _("Live"),
    "waiting_status": _("Waiting"),
    "active_status": _("With an agent"),
    "closed_status": _("Closed"),
    "ticket": _("Ticket %(n)s opened."),
    "rate_limited": _("Too many messages at once; wait a moment."),
    "image": _("Image"),
}


def _conversation(request, pk: int) -> Conversation:
    conv = Conversation.objects.select_related("customer", "claimed_by").filter(pk=pk).first()
    if conv is None or not chat.agent_may_see(request.user, conv):
        raise Http404
    return conv


def _agents():
    roles = CAPABILITIES[CAP]
    return get_user_model().objects.filter(is_active=True, role__in=roles).order_by("first_name")


@capability_required(CAP)
@require_GET
def console(request):
    canned = [
        {"shortcut": c.shortcut, "title": c.title, "id": c.text_id, "en": c.text_en}
        for c in CannedReply.objects.all()
    ]
    return render(
        request,
        "helpdesk/chat/console.html",
        {
            "canned": canned,
            "me": request.user,
            "max_chars": settings.HELPDESK_CHAT_MESSAGE_MAX_CHARS,
            "texts": {k: str(v) for k, v in CONSOLE_TEXTS.items()},
        },
    )


def _row(conv: Conversation, now) -> dict:
    data = chat.conversation_dict(conv)
    last = conv.messages.order_by("-id").values("id", "body", "author_kind").first()
    data["preview"] = (last["body"] if last else "")[:80]
    data["unread"] = bool(
        last and last["id"] > conv.agent_read_id and last["author_kind"] != AuthorKind.AGENT
    )
    data["waiting_seconds"] = (
        int((now - conv.waiting_since).total_seconds()) if conv.waiting_since else 0
    )
    return data


@capability_required(CAP)
@require_GET
def queue(request):
    """Waiting conversations, longest waiting first; mine (and all active for supervisors)."""
    now = timezone.now()
    base = Conversation.objects.select_related("customer", "claimed_by")
    waiting = base.filter(status=chat.WAITING, waiting_since__isnull=False).order_by(
        "waiting_since", "id"
    )[:100]
    mine = base.filter(status=chat.ACTIVE, claimed_by=request.user).order_by("-last_message_at")
    others = []
    if has_capability(request.user, "helpdesk.supervise"):
        others = base.filter(status=chat.ACTIVE).exclude(claimed_by=request.user)[:100]
    return JsonResponse(
        {
            "now": now.isoformat(),
            "waiting": [_row(c, now) for c in waiting],
            "mine": [_row(c, now) for c in mine],
            "others": [_row(c, now) for c in others],
        }
    )


@capability_required(CAP)
@require_GET
def conversation(request, pk: int):
    """The conversation's stored messages as JSON (the socket's `open` sends the same)."""
    conv = _conversation(request, pk)
    return JsonResponse(
        {"conversation": chat.conversation_dict(conv), "messages": chat.history(conv)}
    )


@capability_required(CAP)
@require_GET
def conversation_context(request, pk: int):
    """The side panel: the customer's record, and the transfer and convert forms."""
    conv = _conversation(request, pk)
    return render(
        request,
        "helpdesk/chat/context.html",
        {
            "conv": conv,
            "ctx": customer_context(conv),
            "visitor_tickets": visitor_tickets(conv),
            "agents": _agents().exclude(pk=conv.claimed_by_id or 0),
            "kinds": TicketKind.choices,
            "priorities": Priority.choices,
            "complaint_fields": list(RECORD_FIELDS),
            "mine": conv.claimed_by_id == request.user.pk,
        },
    )


def _act(func, **kwargs) -> JsonResponse:
    try:
        result = func(**kwargs)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return result


def _conversation_action(request, pk: int, service, **kwargs) -> JsonResponse:
    """Claim, transfer or close: the service's answer is the conversation's new state."""
    conv = _conversation(request, pk)
    return _act(
        lambda: JsonResponse(
            {
                "conversation": chat.conversation_dict(
                    service(conversation_id=conv.pk, actor=request.user, **kwargs)
                )
            }
        )
    )


@capability_required(CAP)
@require_POST
def conversation_claim(request, pk: int):
    return _conversation_action(request, pk, chat.conversation_claim)


@capability_required(CAP)
@require_POST
def conversation_transfer(request, pk: int):
    return _conversation_action(
        request, pk, chat.conversation_transfer, to_user_id=request.POST.get("agent")
    )


@capability_required(CAP)
@require_POST
def conversation_close(request, pk: int):
    return _conversation_action(request, pk, chat.conversation_close)


@capability_required(CAP)
@require_POST
def conversation_ticket(request, pk: int):
    """Convert to ticket: type, priority, subject (and the complaint record for a complaint)."""
    conv = _conversation(request, pk)
    post = request.POST
    complaint = None
    if post.get("kind") == TicketKind.COMPLAINT:
        complaint = {name: post.get(name, "") for name in (*RECORD_FIELDS, "since")}

    def run():
        ticket = chat.conversation_to_ticket(
            conversation_id=conv.pk,
            actor=request.user,
            kind=post.get("kind", ""),
            subject=post.get("subject", ""),
            priority=post.get("priority", Priority.NORMAL),
            description=post.get("description", ""),
            complaint=complaint,
        )
        return JsonResponse(
            {
                "ticket": ticket.pk,
                "number": ticket.number,
                "url": reverse("helpdesk:ticket_detail", args=[ticket.pk]),
            },
            status=201,
        )

    return _act(run)


@capability_required(CAP)
@require_POST
def conversation_upload(request, pk: int):
    conv = _conversation(request, pk)
    return upload_response(request, conv.pk, AuthorKind.AGENT, request.user)
