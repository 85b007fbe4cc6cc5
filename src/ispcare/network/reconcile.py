"""Compare what FreeRADIUS's tables (and the MikroTik routers) hold with what ISPcare
wants, and repair the drift.

Runs periodically (jobs.network_reconcile). Someone editing radcheck or a router's PPP
secrets by hand, a restored backup of the RADIUS database, a router reset, a change
applied while the tables were being rebuilt: the subscriber is marked pending again and
the normal apply path writes the desired state. Reads both sides in chunks by username
(the RADIUS tables may live in another database, so no join), never one query per
subscriber; a router is read with two listings (its secrets, its isolir list).
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
from .models import AccessBackendState, Nas, RadCheck, RadUserGroup, SubscriberAccess
from .routers import radius_alias

CHUNK = 5000
log = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    checked: int = 0
    drifted: int = 0
    groups: int = 0
    nas: int = 0
    routers_unreachable: int = 0


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
    backends = settings.NETWORK["backends"]
    if Backend.FREERADIUS in backends:
        _reconcile_freeradius(result)
    if Backend.MIKROTIK in backends:
        _reconcile_routers(result)
    return result


def _applied(backend: str):
    return (
        SubscriberAccess.objects.filter(
            backends__backend=backend, backends__status=ApplyStatus.APPLIED
        )
        .order_by("id")
        .values("id", "username", "password", "profile", "state")
    )


def _chunks(rows):
    """`rows` (values with an id, ordered by it) CHUNK at a time, by keyset."""
    last_id = 0
    while chunk := list(rows.filter(id__gt=last_id)[:CHUNK]):
        last_id = chunk[-1]["id"]
        yield chunk


def _mark_drifted(result: ReconcileResult, ids: list[int], backend: str, why: str) -> None:
    if not ids:
        return
    now = timezone.now()
    result.drifted += AccessBackendState.objects.filter(access_id__in=ids, backend=backend).update(
        status=ApplyStatus.PENDING,
        pending_since=now,
        next_attempt_at=now,
        attempts=0,
        last_error=f"drift: {why}",
    )


def _reconcile_freeradius(result: ReconcileResult) -> None:
    for chunk in _chunks(_applied(Backend.FREERADIUS)):
        actual = _actual([r["username"] for r in chunk])
        result.checked += len(chunk)
        _mark_drifted(
            result,
            [r["id"] for r in chunk if actual[r["username"]] != _expected(r)],
            Backend.FREERADIUS,
            "FreeRADIUS's rows differed from the desired access",
        )


def _router_expected(row: dict) -> tuple[str, bool, str]:
    isolated = row["state"] == AccessState.ISOLATED
    profile = settings.NETWORK["isolir_group"] if isolated else row["profile"]
    return profile, row["state"] == AccessState.DISABLED, row["password"]


def _router_drifted(row: dict, on_router: tuple | None) -> bool:
    if on_router is None or on_router[:3] != _router_expected(row):
        return True
    return on_router[3] and row["state"] != AccessState.ISOLATED


def _reconcile_routers(result: ReconcileResult) -> None:
    """Each router with an API user: its PPP secrets against the applied subscribers on
    it. A missing secret, another profile, password or enabled flag, or a subscriber who
    is not isolated but still on the isolir list is drift. (An isolated one is listed only
    while online, so being off the list proves nothing.) A router that cannot be reached is
    logged and counted; its subscribers are checked at the next run."""
    from .adapters.mikrotik import MikrotikBackend

    backend = MikrotikBackend()
    for nas in Nas.objects.exclude(api_username="").order_by("id"):
        try:
            held = backend.holdings(nas)
        except BackendError as exc:
            log.warning("router %s not reconciled: %s", nas.address, exc)
            result.routers_unreachable += 1
            continue
        for chunk in _chunks(_applied(Backend.MIKROTIK).filter(nas=nas)):
            result.checked += len(chunk)
            drifted = [r["id"] for r in chunk if _router_drifted(r, held.get(r["username"]))]
            _mark_drifted(
                result,
                drifted,
                Backend.MIKROTIK,
                f"router {nas.address} held another PPP secret than the desired access",
            )
