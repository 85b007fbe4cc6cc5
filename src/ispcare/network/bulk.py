"""`access_set` for many subscribers whose state alone changes (billing's isolation run):
set-based updates of the desired rows and their backends' pending marks, then one batch
apply after commit instead of one task per subscriber."""

from __future__ import annotations

from django.db.models import Case, F, Q, Value, When
from django.db.transaction import on_commit
from django.utils import timezone

from .choices import AccessState, ApplyStatus
from .models import AccessBackendState, SubscriberAccess
from .services import enabled_backends

CHUNK = 5_000


def access_state_set_many(*, usernames: list[str], state: AccessState) -> int:
    """Desire `state` for every username that has an access row (each version + 1); mark
    every enabled backend pending. Returns how many changed."""
    state = AccessState(state)
    changed = 0
    for i in range(0, len(usernames), CHUNK):
        chunk = usernames[i : i + CHUNK]
        now = timezone.now()
        ids = list(
            SubscriberAccess.objects.select_for_update()
            .filter(username__in=chunk)
            .exclude(state=state.value)
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        SubscriberAccess.objects.filter(pk__in=ids).update(
            state=state.value, version=F("version") + 1, changed_at=now
        )
        for backend in enabled_backends():
            rows = AccessBackendState.objects.filter(access_id__in=ids, backend=backend)
            rows.update(
                status=ApplyStatus.PENDING,
                # Already pending: it keeps waiting since its first change.
                pending_since=Case(
                    When(
                        Q(status=ApplyStatus.PENDING) & Q(pending_since__isnull=False),
                        then=F("pending_since"),
                    ),
                    default=Value(now),
                ),
                next_attempt_at=now,
                attempts=0,
            )
            have = set(rows.values_list("access_id", flat=True))
            AccessBackendState.objects.bulk_create(
                [
                    AccessBackendState(
                        access_id=pk, backend=backend, pending_since=now, next_attempt_at=now
                    )
                    for pk in ids
                    if pk not in have
                ]
            )
        changed += len(ids)
    if changed:
        from .tasks import access_apply_due_task

        on_commit(access_apply_due_task)
    return changed
