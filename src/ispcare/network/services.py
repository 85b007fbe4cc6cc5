"""Desired access in, applied access out.

`access_set` is called by the layer above (customers) inside its own transaction
whenever what a subscriber may do on the network changes; it records the desire and,
after commit, a worker applies it on every enabled backend (`access_apply`). Nothing here
blocks a staff action: a backend that is down leaves the change pending, retried and
visible on the staff page.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ispcare.common.effects import on_commit

from . import radius_cache
from .adapters import BackendError, backend_for
from .adapters.base import apply
from .choices import ApplyStatus, Backend
from .models import AccessBackendState, Nas, Node, RadNas, SubscriberAccess
from .routers import radius_alias
from .specs import AccessSpec, AccessState

log = logging.getLogger(__name__)


def enabled_backends() -> list[str]:
    return [b for b in settings.NETWORK["backends"] if b in Backend.values]


def backoff(attempts: int) -> dt.timedelta:
    conf = settings.NETWORK
    seconds = min(conf["retry_base_seconds"] * 2 ** max(attempts - 1, 0), conf["retry_max_seconds"])
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _nas_for(address: str) -> Nas | None:
    return Nas.objects.filter(address=address).first() if address else None


@transaction.atomic
def access_set(*, spec: AccessSpec) -> SubscriberAccess:
    """Record what `spec.username` should get; mark every backend pending if it changed."""
    nas = _nas_for(spec.nas)
    access = SubscriberAccess.objects.select_for_update().filter(username=spec.username).first()
    desired = {
        "password": spec.password,
        "profile": spec.profile,
        "state": AccessState(spec.state).value,
        "nas_id": nas.pk if nas else None,
    }
    node_id = spec.node if spec.node and Node.objects.filter(pk=spec.node).exists() else None
    if access is None:
        access = SubscriberAccess.objects.create(username=spec.username, node_id=node_id, **desired)
    elif access.node_id != node_id and all(getattr(access, k) == v for k, v in desired.items()):
        # Only where it hangs changed: nothing for the backends to do.
        access.node_id = node_id
        access.save(update_fields=["node", "changed_at"])
        return access
    elif any(getattr(access, k) != v for k, v in desired.items()):
        access.node_id = node_id
        for k, v in desired.items():
            setattr(access, k, v)
        access.version += 1
        access.save()
    else:
        return access  # nothing new for the network
    now = timezone.now()
    for backend in enabled_backends():
        row, created = AccessBackendState.objects.get_or_create(
            access=access,
            backend=backend,
            defaults={"pending_since": now, "next_attempt_at": now},
        )
        if not created:
            if row.status != ApplyStatus.PENDING or row.pending_since is None:
                row.pending_since = now  # already pending: it waits since the first change
            row.status = ApplyStatus.PENDING
            row.next_attempt_at, row.attempts = now, 0
            row.save(update_fields=["status", "pending_since", "next_attempt_at", "attempts"])
    from .tasks import access_apply_task

    on_commit(access_apply_task, access.username)
    return access


def spec_of(access: SubscriberAccess) -> AccessSpec:
    return AccessSpec(
        username=access.username,
        password=access.password,
        profile=access.profile,
        state=AccessState(access.state),
        nas=access.nas.address if access.nas_id else "",
    )


def access_apply(*, username: str, backend: str) -> bool:
    """Apply the desired access of `username` on `backend`; True when it is applied.

    The backend call runs outside any lock on our rows (a slow router must not hold up
    staff); the outcome is recorded only if the desire has not changed meanwhile."""
    access = SubscriberAccess.objects.select_related("nas").filter(username=username).first()
    if access is None:
        return False
    row = AccessBackendState.objects.filter(access=access, backend=backend).first()
    if row is None or (row.status == ApplyStatus.APPLIED and row.applied_version == access.version):
        return True
    version, spec, before = access.version, spec_of(access), row.applied_state
    try:
        apply(backend_for(backend), spec)
    except BackendError as exc:
        _failed(row.pk, version, str(exc))
        return False
    with transaction.atomic():
        row = AccessBackendState.objects.select_for_update().get(pk=row.pk)
        current = SubscriberAccess.objects.get(pk=access.pk).version
        row.applied_version, row.applied_state = version, spec.state
        row.applied_at, row.last_error = timezone.now(), ""
        if current == version:
            row.status, row.attempts, row.next_attempt_at = ApplyStatus.APPLIED, 0, None
        row.save()
        if backend == Backend.FREERADIUS and before and before != spec.state:
            from .coa import coa_for_sessions

            coa_for_sessions(access=access, spec=spec)
    return True


def _failed(row_id: int, version: int, error: str) -> None:
    with transaction.atomic():
        row = AccessBackendState.objects.select_for_update().get(pk=row_id)
        row.attempts += 1
        row.last_error = error[:2000]
        row.next_attempt_at = timezone.now() + backoff(row.attempts)
        row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    log.warning("network access not applied (v%s): %s", version, error)


def access_apply_due(*, backend: str, batch: int = 500, budget_seconds: float = 50.0) -> int:
    """Retry what is pending and due on `backend` (the minute sweep), batch after batch
    until none is due or the time is up (after an outage thousands may be waiting).
    Returns how many were applied."""
    import time

    deadline = time.monotonic() + budget_seconds
    applied = 0
    while time.monotonic() < deadline:
        usernames = list(
            AccessBackendState.objects.filter(
                backend=backend, status=ApplyStatus.PENDING, next_attempt_at__lte=timezone.now()
            )
            .order_by("next_attempt_at")
            .values_list("access__username", flat=True)[:batch]
        )
        if not usernames:
            break
        applied += sum(access_apply(username=u, backend=backend) for u in usernames)
    return applied


def nas_sync() -> int:
    """FreeRADIUS's client list (`nas` table) from ISPcare's NAS records."""
    db = radius_alias()
    rows = [
        RadNas(
            nasname=n.address,
            shortname=n.node.name[:32],
            type=n.vendor,
            secret=n.secret,
            description=f"ispcare:{n.pk}",
        )
        for n in Nas.objects.select_related("node")
    ]
    with transaction.atomic(using=db):
        RadNas.objects.using(db).filter(description__startswith="ispcare:").delete()
        RadNas.objects.using(db).bulk_create(rows)
    return len(rows)


def access_import(*, specs: list[AccessSpec], chunk: int = 10_000) -> int:
    """Bring many subscribers onto the network at once (an ISP moving to ISPcare, or a
    rebuilt RADIUS database): desired rows, backend states and FreeRADIUS's rows written
    in bulk (COPY on PostgreSQL), already applied. Subscribers already known are skipped.
    Returns how many were imported."""
    from ispcare.common.bulk import rows_insert

    from .adapters.freeradius import group_for
    from .models import RadCheck, RadUserGroup

    known = set(SubscriberAccess.objects.values_list("username", flat=True))
    fresh = [s for s in specs if s.username not in known]
    now = timezone.now()
    db = radius_alias()
    for start in range(0, len(fresh), chunk):
        part = fresh[start : start + chunk]
        with transaction.atomic():
            rows_insert(
                SubscriberAccess,
                [
                    {
                        "username": s.username,
                        "password": s.password,
                        "profile": s.profile,
                        "state": AccessState(s.state).value,
                        "node_id": s.node,
                        "version": 1,
                    }
                    for s in part
                ],
            )
            ids = dict(
                SubscriberAccess.objects.filter(
                    username__in=[s.username for s in part]
                ).values_list("username", "id")
            )
            rows_insert(
                AccessBackendState,
                [
                    {
                        "access_id": ids[s.username],
                        "backend": Backend.FREERADIUS,
                        "status": ApplyStatus.APPLIED,
                        "applied_version": 1,
                        "applied_state": AccessState(s.state).value,
                        "applied_at": now,
                    }
                    for s in part
                ],
            )
        names = [s.username for s in part]
        radius_cache.forget(names)  # a value left from an earlier database must not answer
        with transaction.atomic(using=db):
            checks, groups = [], []
            for s in part:
                if s.state == AccessState.DISABLED:
                    checks.append(
                        {
                            "username": s.username,
                            "attribute": "Auth-Type",
                            "op": ":=",
                            "value": "Reject",
                        }
                    )
                    continue
                checks.append(
                    {
                        "username": s.username,
                        "attribute": "Cleartext-Password",
                        "op": ":=",
                        "value": s.password,
                    }
                )
                groups.append({"username": s.username, "groupname": group_for(s), "priority": 1})
            rows_insert(RadCheck, checks)
            rows_insert(RadUserGroup, groups)
        radius_cache.refresh(names)
    return len(fresh)


@transaction.atomic
def nas_save(*, node: Node, data: dict) -> Nas:
    """Create or change the router's NAS record, then FreeRADIUS's client list."""
    nas = Nas.objects.filter(node=node).first() or Nas(node=node)
    for field, value in data.items():
        setattr(nas, field, value)
    nas.full_clean()
    nas.save()
    on_commit(nas_sync)  # FreeRADIUS reads its client list at start: restart it after
    return nas
