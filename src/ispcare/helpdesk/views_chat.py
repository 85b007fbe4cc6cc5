"""The chat on the customer's side: the widget's panel (public site and portal), the visitor's
start form, the history (JSON or HTML), image upload, the offline message, images.

A visitor is known by the `chat_visitor_key` kept in their Django session; a customer by
their login. The views are public (a visitor has no account) and find only the caller's
own conversation: any other id answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from ispcare.accounts.decorators import customer_required
from ispcare.accounts.roles import has_capability
from ispcare.common.errors import Conflict, DomainError, RateLimited, ValidationFailed
from ispcare.common.ratelimit import rate_limit_hit

from . import chat, sla
from .choices import AuthorKind
from .models import ChatMessage, Conversation

SESSION_KEY = "chat_visitor_key"


def _public(view):
    view.public = True
    return view


def _who(request) -> tuple[str, object]:
    """('customer', customer) | ('visitor', key or '') | ('staff', None)."""
    user = request.user
    if user.is_authenticated:
        customer = getattr(user, "customer", None) if user.is_customer else None
        return ("customer", customer) if customer is not None else ("staff", None)
    return "visitor", request.session.get(SESSION_KEY, "")


def _own(request, *, create: bool = False) -> Conversation | None:
    kind, who = _who(request)
    if kind == "customer":
        if create:
            return chat.conversation_open_for_customer(customer_id=who.pk)
        return chat.open_conversation_of(customer_id=who.pk)
    if kind == "visitor" and who:
        return chat.open_conversation_of(visitor_key=who)
    return None


def _author(request) -> tuple[str, object]:
    if _who(request)[0] == "customer":
        return AuthorKind.CUSTOMER, request.user
    return AuthorKind.VISITOR, None


def _panel(request, *, status: int = 200, **extra):
    return render(
        request, "helpdesk/chat/panel.html", _panel_context(request, **extra), status=status
    )


def _panel_context(request, **extra) -> dict:
    kind, _w = _who(request)
    conv = _own(request)
    now = timezone.now()
    is_open = sla.is_open_now(now)
    if kind == "staff":
        mode = "staff"
    elif kind == "visitor" and conv is None:
        mode = "identify"
    elif not is_open:
        mode = "offline"
    else:
        mode = "chat"
    context = {
        "mode": extra.pop("mode", mode),
        "conversation": conv,
        "messages": chat.history(conv) if conv else [],
        "is_open": is_open,
        "next_opening": sla.next_opening(now),
        "max_chars": settings.HELPDESK_CHAT_MESSAGE_MAX_CHARS,
        **extra,
    }
    return context


@_public
@require_GET
def panel(request):
    return _panel(request)


@_public
@require_POST
def start(request):
    """A visitor gives name and mobile number (rate limited per address); a customer
    resumes or starts their conversation."""
    kind, _w = _who(request)
    if kind == "staff":
        raise Http404
    if kind == "customer":
        _own(request, create=True)
        return _panel(request)
    try:
        rate_limit_hit(request, "chat_start")
        conv = chat.conversation_start_visitor(
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
            language=get_language() or "id",
        )
    except RateLimited as exc:
        return _panel(request, status=429, mode="identify", error=exc.message, form=request.POST)
    except ValidationFailed as exc:
        return _panel(request, status=422, mode="identify", errors=exc.fields, form=request.POST)
    request.session[SESSION_KEY] = conv.visitor_key
    return _panel(request)


@_public
@require_GET
def history(request):
    """The stored messages of the caller's open conversation: JSON, or `?format=html`."""
    conv = _own(request)
    if conv is None:
        raise Http404
    messages = chat.history(conv)
    if request.GET.get("format") == "html":
        return render(request, "helpdesk/chat/messages.html", {"messages": messages})
    conv = Conversation.objects.select_related("customer", "claimed_by").get(pk=conv.pk)
    return JsonResponse({"conversation": chat.conversation_dict(conv), "messages": messages})


def _error_json(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def upload_response(request, conversation_id: int, author_kind: str, author) -> JsonResponse:
    """Shared with the console: one image (and optional caption) into a conversation."""
    try:
        rate_limit_hit(request, "chat_upload")
        if "image" not in request.FILES:
            raise ValidationFailed(_("Check the image."), fields={"image": [_("Choose an image.")]})
        msg = chat.message_post(
            conversation_id=conversation_id,
            author_kind=author_kind,
            author=author,
            body=request.POST.get("body", ""),
            image=request.FILES["image"],
        )
    except DomainError as exc:
        return _error_json(exc)
    return JsonResponse({"message": chat.message_dict(msg)}, status=201)


@_public
@require_POST
def upload(request):
    conv = _own(request)
    if conv is None:
        raise Http404
    kind, author = _author(request)
    return upload_response(request, conv.pk, kind, author)


@_public
@require_POST
def offline(request):
    """Outside business hours: the message becomes a ticket (a question from chat)."""
    kind, _w = _who(request)
    if kind == "staff":
        raise Http404
    conv = _own(request, create=kind == "customer")
    if conv is None:
        raise Http404
    author_kind, author = _author(request)
    try:
        ticket = chat.conversation_leave_message(
            conversation_id=conv.pk,
            body=request.POST.get("body", ""),
            author_kind=author_kind,
            author=author,
        )
    except Conflict:
        return _panel(request, status=409)
    except ValidationFailed as exc:
        return _panel(request, status=422, errors=exc.fields, form=request.POST)
    return _panel(request, mode="left", ticket=ticket)


@_public
@require_GET
def image(request, pk: int):
    """An image sent in chat, to the two sides of its conversation only."""
    msg = get_object_or_404(ChatMessage.objects.select_related("conversation"), pk=pk)
    conv = msg.conversation
    user = request.user
    if not msg.attachment:
        raise Http404
    if user.is_authenticated and not user.is_customer:
        allowed = chat.agent_may_see(user, conv) or has_capability(user, "helpdesk.view")
    elif user.is_authenticated:
        allowed = conv.customer_id is not None and conv.customer.user_id == user.pk
    else:
        key = request.session.get(SESSION_KEY, "")
        allowed = bool(key) and conv.visitor_key == key and conv.customer_id is None
    if not allowed:
        raise Http404
    response = FileResponse(msg.attachment.open("rb"), content_type=msg.attachment_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@customer_required
def portal(request):
    """The chat as a page in the customer portal."""
    _own(request, create=True)
    return render(request, "helpdesk/chat/portal.html", _panel_context(request))
