"""Gap-free numbering under concurrency."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Sequence


def sequence_next(*, name: str) -> int:
    """Return the next value of sequence `name`; must run inside the caller's transaction.

    The UPDATE takes a row lock on PostgreSQL (and the database write lock on SQLite),
    held until the caller commits, so concurrent callers are serialised on this row.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside a transaction")
    updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Sequence.objects.create(name=name, value=0)
        except IntegrityError:
            pass  # another transaction created it first; its row is now ours to lock
        Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.values_list("value", flat=True).get(name=name)
