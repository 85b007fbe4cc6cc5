"""Reads: what is pending on the network, and sessions from radacct.

Session reads go through the (username, acctstarttime) and open-session indexes, so they
stay fast with millions of radacct rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .choices import AccessState, ApplyStatus, CoaStatus
from .models import AccessBackendState, CoaRequest, RadAcct
from .routers import radius_alias

SESSION_FIELDS = (
    "radacctid",
    "acctsessionid",
    "acctstarttime",
    "acctupdatetime",
    "acctstoptime",
    "acctsessiontime",
    "acctinputoctets",
    "acctoutputoctets",
    "framedipaddress",
    "nasipaddress",
    "callingstationid",
    "acctterminatecause",
)


def pending_changes() -> QuerySet[AccessBackendState]:
    return (
        AccessBackendState.objects.filter(status=ApplyStatus.PENDING)
        .select_related("access")
        .order_by("pending_since", "id")
    )


def pending_counts() -> dict[str, int]:
    return dict(
        AccessBackendState.objects.filter(status=ApplyStatus.PENDING)
        .values_list("backend")
        .annotate(n=Count("id"))
        .order_by()
    )


def coa_recent(limit: int = 50) -> QuerySet[CoaRequest]:
    return CoaRequest.objects.select_related("nas__node")[:limit]


def coa_problems() -> int:
    return CoaRequest.objects.filter(
        Q(status__in=[CoaStatus.FAILED, CoaStatus.STALE])
        | Q(status=CoaStatus.PENDING, attempts__gt=0)
    ).count()


def _sessions(username: str) -> QuerySet[RadAcct]:
    return RadAcct.objects.using(radius_alias()).filter(username=username)


def session_open(username: str) -> dict | None:
    """The subscriber's open session (online now), if any."""
    return (
        _sessions(username)
        .filter(acctstoptime__isnull=True)
        .order_by("-acctstarttime")
        .values(*SESSION_FIELDS)
        .first()
    )


def session_history(
    username: str, *, limit: int = 20, before: dt.datetime | None = None
) -> list[dict]:
    rows = _sessions(username)
    if before:
        rows = rows.filter(acctstarttime__lt=before)
    return list(rows.order_by("-acctstarttime").values(*SESSION_FIELDS)[:limit])


@dataclass(frozen=True)
class Usage:
    download: int  # bytes to the subscriber (the NAS's output octets)
    upload: int
    sessions: int

    @property
    def total(self) -> int:
        return self.download + self.upload


def usage_since(username: str, since: dt.datetime) -> Usage:
    agg = (
        _sessions(username)
        .filter(acctstarttime__gte=since)
        .aggregate(down=Sum("acctoutputoctets"), up=Sum("acctinputoctets"), n=Count("radacctid"))
    )
    return Usage(download=agg["down"] or 0, upload=agg["up"] or 0, sessions=agg["n"])


def month_start() -> dt.datetime:
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def open_session_by_ip(ip: str) -> dict | None:
    """Who is online with this address (the isolir page finds the subscriber this way)."""
    return (
        RadAcct.objects.using(radius_alias())
        .filter(framedipaddress=ip, acctstoptime__isnull=True)
        .order_by("-acctstarttime")
        .values("username", "acctsessionid", "nasipaddress")
        .first()
    )


@dataclass(frozen=True)
class Connection:
    """What a subscriber's page shows of the network: online now, this month, applied?"""

    session: dict | None
    usage: Usage
    history: list[dict]
    pending: list[AccessBackendState]


def connection_of(username: str, *, history: int = 10) -> Connection:
    return Connection(
        session=session_open(username),
        usage=usage_since(username, month_start()),
        history=session_history(username, limit=history) if history else [],
        pending=list(
            AccessBackendState.objects.filter(
                access__username=username, status=ApplyStatus.PENDING
            ).select_related("access")
        ),
    )


def subtree(node_id: int) -> set[int]:
    """The node and every node below it (POP > router > OLT/AP: a few levels, one query each)."""
    from .models import Node

    found, level = {node_id}, {node_id}
    while level:
        level = set(Node.objects.filter(parent_id__in=level).values_list("id", flat=True)) - found
        found |= level
    return found


@dataclass
class TreeNode:
    node: object
    children: list
    subscribers: int = 0  # hanging on this node or below it
    online: int | None = None  # open sessions on this router (routers only)


def topology() -> list[TreeNode]:
    """The node tree with subscribers per subtree and online sessions per router: three
    queries whatever the size of the network."""
    from .models import Node, SubscriberAccess

    nodes = list(Node.objects.select_related("nas").order_by("name"))
    # Subscribers the network serves (not disabled), by the node they hang on.
    direct = dict(
        SubscriberAccess.objects.filter(node__isnull=False)
        .exclude(state=AccessState.DISABLED)
        .values_list("node_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    online = dict(
        RadAcct.objects.using(radius_alias())
        .filter(acctstoptime__isnull=True)
        .values_list("nasipaddress")
        .annotate(n=Count("radacctid"))
        .order_by()
    )
    items = {n.pk: TreeNode(n, []) for n in nodes}
    roots = []
    for n in nodes:
        item = items[n.pk]
        nas = getattr(n, "nas", None)
        if nas is not None:
            item.online = online.get(nas.address, 0)
        (items[n.parent_id].children if n.parent_id in items else roots).append(item)

    def total(item: TreeNode) -> int:
        item.subscribers = direct.get(item.node.pk, 0) + sum(total(c) for c in item.children)
        return item.subscribers

    for root in roots:
        total(root)
    return roots
