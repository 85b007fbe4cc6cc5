"""FreeRADIUS groups: one per plan (its rate limit) and the isolir group."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from .models import RadGroupReply
from .routers import radius_alias


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
    groups not named are left alone. Returns the number of rows written."""
    specs = [*groups, isolir_group()]
    db = radius_alias()
    rows = [
        RadGroupReply(groupname=g.name, attribute=attribute, op=":=", value=value)
        for g in specs
        for attribute, value in g.reply.items()
    ]
    with transaction.atomic(using=db):
        RadGroupReply.objects.using(db).filter(groupname__in=[g.name for g in specs]).delete()
        RadGroupReply.objects.using(db).bulk_create(rows)
    return len(rows)
