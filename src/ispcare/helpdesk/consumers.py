"""WebSocket consumers: the customer's or visitor's chat, the agent console, a ticket page.

Frames are JSON. Client to server: `{"action": "message"|"typing"|"read"|"open"|"leave"|
"ping", ...}`; server to client: `{"event": ...}` (see docs in the report and
`_frame_*` below). Who may see what is checked on connect, and again with every
message and read mark (by the service, in the query that locks the conversation) and every
agent frame: another customer's conversation or ticket closes the socket with code 4404,
before any data. Incoming messages go through `chat.message_post` (stored, then pushed after commit).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async as _db_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from ispcare.accounts.roles import has_capability
from ispcare.common.errors import DomainError, NotFound

from . import broadcast, chat
from .choices import AuthorKind
from .models import Conversation, Ticket

# The sockets' database work runs in this pool, not in Django's one shared sync thread:
# a message's transaction and its push (which waits on the event loop for the channel
# layer) no longer queue every other socket's work behind them (bench/chat.py: p99 from
# about 225 to about 65 ms at 1,000 sockets). Each thread keeps its own connection; a
# frame's own work stays sequential (a consumer handles one frame at a time).
DB_THREADS = 4
DB_POOL = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="ws-db")


def database_sync_to_async(func):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # SQLite has one writer at a time anyway, and its shared in-memory test database
        # answers "table is locked" to a second thread instead of waiting.
        return _db_sync(func)
    return _db_sync(func, thread_sensitive=False, executor=DB_POOL)


NOT_FOUND = 4404  # another's conversation or ticket, or none: closed without data
FORBIDDEN = 4403  # not the kind of user this socket is for


class TokenBucket:
    """Per-connection flood limit: `burst` messages at once, refilled at `rate` per second."""

    def __init__(self, burst: float, rate: float) -> None:
        self.burst, self.rate = float(burst), float(rate)
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _bucket() -> TokenBucket:
    return TokenBucket(settings.HELPDESK_CHAT_BURST, settings.HELPDESK_CHAT_REFILL_PER_SECOND)


def _error(code: str, message: str = "", fields: dict | None = None) -> dict:
    return {"event": "error", "code": code, "message": message, "fields": fields or {}}


class _Base(AsyncJsonWebsocketConsumer):
    groups_joined: set[str]

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    owner: dict = {}  # the customer's or visitor's side: whose conversation (see _find_own)

    async def _post(self, conversation_id: int, author_kind: str, author: Any, body: Any):
        """Through the service (stored, then pushed); the flood limit first. On the
        customer's side the service re-checks whose conversation it is, in the query that
        locks it: another's answers NotFound and the socket closes with 4404."""
        if not self.bucket.take():
            await self.send_json(_error("rate_limited", "Too many messages; wait a moment."))
            return
        try:
            await database_sync_to_async(chat.message_post)(
                conversation_id=conversation_id,
                author_kind=author_kind,
                author=author,
                body=str(body or ""),
                **self.owner,
            )
        except NotFound:
            await self.close(code=NOT_FOUND)
        except DomainError as exc:
            d = exc.as_dict()
            await self.send_json(_error(d["code"], d["message"], d["fields"]))

    async def _typing(self, conversation_id: int, who: str) -> None:
        # Only over the layer, never stored; a separate small allowance keeps it cheap.
        if self.typing_bucket.take():
            await self.channel_layer.group_send(
                broadcast.conversation_group(conversation_id),
                {
                    "type": "chat.typing",
                    "conversation": conversation_id,
                    "who": who,
                    "sender": self.channel_name,
                },
            )

    # Layer events shared by both chat sides.
    async def chat_message(self, event: dict) -> None:
        await self.send_json({"event": "message", "message": event["message"]})

    async def chat_typing(self, event: dict) -> None:
        if event.get("sender") != self.channel_name:
            await self.send_json(
                {"event": "typing", "conversation": event["conversation"], "who": event["who"]}
            )

    async def chat_read(self, event: dict) -> None:
        await self.send_json(
            {
                "event": "read",
                "conversation": event["conversation"],
                "side": event["side"],
                "message": event["message"],
            }
        )


# --- the customer's or visitor's side ------------------------------------------------


def _find_own(scope: dict, conversation_id: int | None) -> tuple[Conversation | None, str]:
    """The conversation this socket may join, and the author kind it writes as."""
    user = scope.get("user")
    session = scope.get("session")
    if user is not None and user.is_authenticated:
        if not user.is_customer or not user.is_active:
            return None, ""
        customer = getattr(user, "customer", None)
        if customer is None:
            return None, ""
        if conversation_id is None:
            return chat.conversation_open_for_customer(customer_id=customer.pk), AuthorKind.CUSTOMER
        conv = Conversation.objects.filter(pk=conversation_id, customer=customer).first()
        return conv, AuthorKind.CUSTOMER
    key = session.get("chat_visitor_key", "") if session is not None else ""
    if not key:
        return None, ""
    rows = Conversation.objects.filter(visitor_key=key, customer__isnull=True)
    if conversation_id is None:
        return chat.open_conversation_of(visitor_key=key), AuthorKind.VISITOR
    return rows.filter(pk=conversation_id).first(), AuthorKind.VISITOR


def _history_frame(conv: Conversation) -> dict:
    conv = Conversation.objects.select_related("customer", "claimed_by").get(pk=conv.pk)
    return {
        "event": "history",
        "conversation": chat.conversation_dict(conv),
        "messages": chat.history(conv),
    }


class ChatConsumer(_Base):
    """`ws/chat/` (own open conversation) or `ws/chat/<id>/` (must be one's own)."""

    async def connect(self) -> None:
        self.groups_joined = set()
        self.bucket, self.typing_bucket = _bucket(), TokenBucket(5, 1)
        wanted = self.scope["url_route"]["kwargs"].get("conversation_id")
        conv, self.author_kind = await database_sync_to_async(_find_own)(
            self.scope, int(wanted) if wanted else None
        )
        if conv is None:
            await self._refuse(NOT_FOUND)
            return
        self.conversation_id = conv.pk
        self.author = self.scope["user"] if self.author_kind == AuthorKind.CUSTOMER else None
        self.owner = (
            {"as_customer": conv.customer_id}
            if self.author_kind == AuthorKind.CUSTOMER
            else {"as_visitor": conv.visitor_key}
        )
        await self._join(broadcast.conversation_group(conv.pk))
        await self.accept()
        await self.send_json(await database_sync_to_async(_history_frame)(conv))

    async def receive_json(self, content: Any, **kwargs) -> None:
        # Messages and read marks are checked by their service (owner); typing touches no
        # record and the conversation's owner never changes while it is open.
        action = content.get("action") if isinstance(content, dict) else None
        if action == "message":
            await self._post(
                self.conversation_id, self.author_kind, self.author, content.get("body")
            )
        elif action == "typing":
            await self._typing(self.conversation_id, "customer")
        elif action == "read" and str(content.get("message", "")).isdigit():
            try:
                await database_sync_to_async(chat.conversation_mark_read)(
                    conversation_id=self.conversation_id,
                    side="customer",
                    message_id=int(content["message"]),
                    **self.owner,
                )
            except NotFound:
                await self.close(code=NOT_FOUND)
        elif action == "ping":
            await self.send_json({"event": "pong"})
        else:
            await self.send_json(_error("unknown_action"))

    async def chat_conversation(self, event: dict) -> None:
        conv = dict(event["conversation"])
        conv.pop("claimed_by", None)  # the customer sees the agent's first name only
        await self.send_json({"event": "conversation", "conversation": conv})


# --- the agent console ---------------------------------------------------------------


def _visible(user: Any, conversation_id: Any) -> Conversation | None:
    if not str(conversation_id or "").isdigit():
        return None
    conv = (
        Conversation.objects.select_related("customer", "claimed_by")
        .filter(pk=int(conversation_id))
        .first()
    )
    return conv if conv is not None and chat.agent_may_see(user, conv) else None


def _mine(user: Any) -> list[int]:
    return list(
        Conversation.objects.filter(claimed_by=user, status=chat.ACTIVE).values_list(
            "id", flat=True
        )
    )


class AgentConsumer(_Base):
    """`ws/agent/`: the queue (group `agents`) and the conversations the agent opens."""

    async def connect(self) -> None:
        self.groups_joined = set()
        self.bucket, self.typing_bucket = _bucket(), TokenBucket(10, 2)
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not has_capability(user, "helpdesk.chat"):
            await self._refuse(FORBIDDEN)
            return
        self.user = user
        await self._join(broadcast.AGENTS)
        for pk in await database_sync_to_async(_mine)(user):
            await self._join(broadcast.conversation_group(pk))
        await self.accept()
        await self.send_json({"event": "hello", "user": user.pk})

    async def receive_json(self, content: Any, **kwargs) -> None:
        if not isinstance(content, dict):
            await self.send_json(_error("unknown_action"))
            return
        action = content.get("action")
        if action == "ping":
            await self.send_json({"event": "pong"})
            return
        conv = await database_sync_to_async(_visible)(self.user, content.get("conversation"))
        if conv is None:
            await self.send_json(_error("not_found"))
            return
        if action == "open":
            await self._join(broadcast.conversation_group(conv.pk))
            await self.send_json(await database_sync_to_async(_history_frame)(conv))
        elif action == "leave":
            group = broadcast.conversation_group(conv.pk)
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)
        elif action == "message":
            await self._post(conv.pk, AuthorKind.AGENT, self.user, content.get("body"))
        elif action == "typing":
            await self._typing(conv.pk, "agent")
        elif action == "read" and str(content.get("message", "")).isdigit():
            await database_sync_to_async(chat.conversation_mark_read)(
                conversation_id=conv.pk, side="agent", message_id=int(content["message"])
            )
        else:
            await self.send_json(_error("unknown_action"))

    async def chat_queue(self, event: dict) -> None:
        await self.send_json(
            {
                "event": "queue",
                "conversation": event["conversation"],
                "status": event["status"],
                "message": event.get("message"),
            }
        )

    async def chat_conversation(self, event: dict) -> None:
        conv = event["conversation"]
        group = broadcast.conversation_group(conv["id"])
        if conv.get("claimed_by") == self.user.pk and group not in self.groups_joined:
            await self._join(group)  # a transfer to me: follow it at once
        await self.send_json({"event": "conversation", "conversation": conv})

    async def ticket_changed(self, event: dict) -> None:
        pass  # the ticket list has its own page; the chat console ignores these


# --- a ticket page -------------------------------------------------------------------


def _ticket_access(user: Any, ticket_id: int) -> str:
    """'customer' or 'staff' when this user may follow the ticket, else ''."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    if user.is_customer:
        ok = Ticket.objects.filter(pk=ticket_id, customer__user=user).exists()
        return "customer" if ok else ""
    if has_capability(user, "helpdesk.view"):
        return "staff" if Ticket.objects.filter(pk=ticket_id).exists() else ""
    return ""


class TicketConsumer(_Base):
    """`ws/tickets/<id>/`: a ticket page learns of new updates and status changes; a
    customer only of public ones (internal notes never reach them)."""

    async def connect(self) -> None:
        self.groups_joined = set()
        self.ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        self.side = await database_sync_to_async(_ticket_access)(
            self.scope.get("user"), self.ticket_id
        )
        if not self.side:
            await self._refuse(NOT_FOUND)
            return
        await self._join(broadcast.ticket_group(self.ticket_id))
        await self.accept()

    async def _allowed(self) -> bool:
        side = await database_sync_to_async(_ticket_access)(self.scope.get("user"), self.ticket_id)
        if side != self.side:
            await self.close(code=NOT_FOUND)
            return False
        return True

    async def receive_json(self, content: Any, **kwargs) -> None:
        if await self._allowed():
            await self.send_json({"event": "pong"})

    async def ticket_update(self, event: dict) -> None:
        public = bool(event.get("public"))
        if self.side == "customer" and not public:
            return
        if await self._allowed():
            await self.send_json(
                {
                    "event": "ticket.update",
                    "ticket": event.get("ticket"),
                    "update": event.get("update"),
                    "public": public,
                }
            )

    async def ticket_changed(self, event: dict) -> None:
        if await self._allowed():
            await self.send_json({"event": "ticket.changed", "ticket": event.get("ticket")})
