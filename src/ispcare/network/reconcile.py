"""Compare what FreeRADIUS's tables hold with what ISPcare wants, and repair the drift.

Runs periodically (jobs.network_reconcile). Someone editing radcheck by hand, a restored
backup of the RADIUS database, a change applied while the tables were being rebuilt: the
subscriber is marked pending again and the normal apply path writes the desired rows.
Reads both sides in chunks by username (the RADIUS tables may live in another database,
so no join), never one query per subscriber.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from . import radius_cache
from .adapters import BackendError
from .choices import AccessState, ApplyStatus, Backend
from .groups import GroupSpec, groups_sync
from .models import AccessBackendState, RadCheck, RadUserGroup, SubscriberAccess
from .routers import radius_alias

CHUNK = 5000
log = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    checked: int = 0
    drifted: int = 0
    groups: int = 0
    nas: int = 0


def _expected(row: dict) -> tuple[frozenset, frozenset]:
    if row["state"] == AccessState.DISABLED:
        return frozenset({("Auth-Type", ":=", "Reject")}), frozenset()
    group = (
        settings.NETWORK["isolir_group"] if row["state"] == AccessState.ISOLATED else row["profile"]
    )
    return frozenset({("Cleartext-Password", ":=", row["password"])}), frozenset({group})


def _actual(usernames: list[str]) -> dict[str, tuple[frozenset, frozenset]]:
    db = radius_alias()
    checks: dict[str, set] = {u: set() for u in usernames}
    groups: dict[str, set] = {u: set() for u in usernames}
    for u, attribute, op, value in (
        RadCheck.objects.using(db)
        .filter(username__in=usernames)
        .values_list("username", "attribute", "op", "value")
    ):
        checks[u].add((attribute, op, value))
    for u, group in (
        RadUserGroup.objects.using(db)
        .filter(username__in=usernames)
        .values_list("username", "groupname")
    ):
        groups[u].add(group)
    return {u: (frozenset(checks[u]), frozenset(groups[u])) for u in usernames}


def reconcile(*, groups: list[GroupSpec]) -> ReconcileResult:
    from .services import nas_sync

    result = ReconcileResult(nas=nas_sync())
    try:
        result.groups = groups_sync(groups=groups)
        # Redis lost its data (restarted without persistence): every value again.
        radius_cache.fill_if_empty()
    except BackendError as exc:  # Redis unreachable: the group change waits for next run
        log.warning("FreeRADIUS groups not synchronised: %s", exc)
    if Backend.FREERADIUS not in settings.NETWORK["backends"]:
        return result
    applied = (
        SubscriberAccess.objects.filter(
            backends__backend=Backend.FREERADIUS, backends__status=ApplyStatus.APPLIED
        )
        .order_by("id")
        .values("id", "username", "password", "profile", "state")
    )
    last_id = 0
    now = timezone.now()
    while True:
        chunk = list(applied.filter(id__gt=last_id)[:CHUNK])
        if not chunk:
            break
        last_id = chunk[-1]["id"]
        actual = _actual([r["username"] for r in chunk])
        drifted = [r["id"] for r in chunk if actual[r["username"]] != _expected(r)]
        result.checked += len(chunk)
        if drifted:
            result.drifted += AccessBackendState.objects.filter(
                access_id__in=drifted, backend=Backend.FREERADIUS
            ).update(
                status=ApplyStatus.PENDING,
                pending_since=now,
                next_attempt_at=now,
                attempts=0,
                last_error="drift: FreeRADIUS's rows differed from the desired access",
            )
    return result
