"""FreeRADIUS groups: one per plan (its rate limit) and the isolir group."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from . import radius_cache
from .models import RadGroupReply
from .routers import radius_alias

# The reply attributes FreeRADIUS's fast path passes on (deploy/freeradius/sites-enabled/
# default copies exactly these from the one authorize query to the reply, decision 0012).
# A group attribute outside this list would silently not reach the router: refused here.
REPLY_ATTRIBUTES = frozenset(
    {
        "Mikrotik-Rate-Limit",
        "Mikrotik-Address-List",
        "Mikrotik-Group",
        "Framed-Pool",
        "Framed-IP-Address",
        "Framed-IP-Netmask",
        "Session-Timeout",
        "Idle-Timeout",
        "Acct-Interim-Interval",
    }
)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    reply: dict[str, str] = field(default_factory=dict)  # attribute -> value, op ":="


def isolir_group() -> GroupSpec:
    conf = settings.NETWORK
    reply = {
        "Mikrotik-Rate-Limit": conf["isolir_rate_limit"],
        "Mikrotik-Address-List": conf["isolir_address_list"],
    }
    if conf["isolir_pool"]:
        reply["Framed-Pool"] = conf["isolir_pool"]
    return GroupSpec(conf["isolir_group"], reply)


def groups_sync(*, groups: list[GroupSpec]) -> int:
    """Make radgroupreply hold exactly these groups' attributes (plus the isolir group);
    groups not named are left alone. Returns the number of rows written.

    A group whose attributes change: its members' Redis values (network.radius_cache)
    are forgotten before and recomputed after the commit; Redis unreachable raises
    BackendError before any row is touched."""
    specs = [*groups, isolir_group()]
    unknown = {a for g in specs for a in g.reply} - REPLY_ATTRIBUTES
    if unknown:
        raise ValueError(
            f"reply attributes {sorted(unknown)} are not passed on by deploy/freeradius: "
            "add them to sites-enabled/default and network.groups.REPLY_ATTRIBUTES"
        )
    db = radius_alias()
    rows = [
        RadGroupReply(groupname=g.name, attribute=attribute, op=":=", value=value)
        for g in specs
        for attribute, value in g.reply.items()
    ]
    names = [g.name for g in specs]
    before: dict[str, set] = {name: set() for name in names}
    for group, attribute, op, value in (
        RadGroupReply.objects.using(db)
        .filter(groupname__in=names)
        .values_list("groupname", "attribute", "op", "value")
    ):
        before[group].add((attribute, op, value))
    changed = [
        g.name for g in specs if before[g.name] != {(a, ":=", v) for a, v in g.reply.items()}
    ]
    if not changed:
        return len(rows)  # nothing to rewrite (the reconcile job calls this every run)
    members = radius_cache.group_members(changed) if radius_cache.enabled() else []
    radius_cache.forget(members)
    with transaction.atomic(using=db):
        RadGroupReply.objects.using(db).filter(groupname__in=changed).delete()
        RadGroupReply.objects.using(db).bulk_create([r for r in rows if r.groupname in changed])
    if radius_cache.enabled():
        # Also whoever joined meanwhile (their own refresh may have read the old rows).
        members = sorted(set(members) | set(radius_cache.group_members(changed)))
    radius_cache.refresh(members)
    return len(rows)
