"""FreeRADIUS SQL: the subscriber's rows in radcheck / radusergroup.

active    Cleartext-Password, member of the plan's group (its radgroupreply rows: rate limit)
isolated  Cleartext-Password, member of the isolir group (address list, low rate, pool)
disabled  Auth-Type := Reject (the next Access-Request is rejected)

Each call rewrites the subscriber's rows in one transaction, so it is idempotent and the
very next Access-Request sees either the old or the new state, never a mix. With the
Redis read path on (network.radius_cache, decision 0014) the subscriber's value there is
forgotten before the transaction (FreeRADIUS then reads the tables) and recomputed from
the committed rows after it; if Redis cannot be reached the rows are not touched and the
change stays pending (BackendError), so Redis never holds an older state than the tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, transaction

from .. import radius_cache
from ..models import RadCheck, RadGroupReply, RadReply, RadUserGroup
from ..routers import radius_alias
from ..specs import AccessSpec, AccessState
from .base import BackendError


def group_for(spec: AccessSpec) -> str:
    if spec.state == AccessState.ISOLATED:
        return settings.NETWORK["isolir_group"]
    return spec.profile


class FreeRadiusBackend:
    name = "freeradius"

    def _write(self, spec: AccessSpec) -> None:
        db = radius_alias()
        try:
            radius_cache.forget([spec.username])
            with transaction.atomic(using=db):
                if spec.state == AccessState.DISABLED:
                    checks = [
                        RadCheck(
                            username=spec.username, attribute="Auth-Type", op=":=", value="Reject"
                        )
                    ]
                    groups: list[RadUserGroup] = []
                else:
                    group = group_for(spec)
                    # An empty group would let the subscriber in with no limits at all.
                    if not RadGroupReply.objects.using(db).filter(groupname=group).exists():
                        raise BackendError(
                            f"FreeRADIUS group {group!r} has no reply attributes "
                            "(plan or isolir group not synchronised)"
                        )
                    checks = [
                        RadCheck(
                            username=spec.username,
                            attribute="Cleartext-Password",
                            op=":=",
                            value=spec.password,
                        )
                    ]
                    groups = [RadUserGroup(username=spec.username, groupname=group, priority=1)]
                RadCheck.objects.using(db).filter(username=spec.username).delete()
                RadUserGroup.objects.using(db).filter(username=spec.username).delete()
                RadCheck.objects.using(db).bulk_create(checks)
                RadUserGroup.objects.using(db).bulk_create(groups)
            radius_cache.refresh([spec.username])
        except DatabaseError as exc:
            raise BackendError(f"RADIUS database: {type(exc).__name__}: {exc}".strip()) from exc

    def provision(self, spec: AccessSpec) -> None:
        self._write(spec)

    def isolate(self, spec: AccessSpec) -> None:
        self._write(spec)

    def restore(self, spec: AccessSpec) -> None:
        self._write(spec)

    def disable(self, spec: AccessSpec) -> None:
        self._write(spec)

    def deprovision(self, username: str) -> None:
        db = radius_alias()
        try:
            radius_cache.forget([username])  # and never refreshed: no rows, SQL says reject
            with transaction.atomic(using=db):
                for model in (RadCheck, RadReply, RadUserGroup):
                    model.objects.using(db).filter(username=username).delete()
        except DatabaseError as exc:
            raise BackendError(f"RADIUS database: {exc}") from exc
