"""Huey tasks: thin wrappers over the network services."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import coa, services


@db_task()
def access_apply_task(username: str) -> dict:
    """Apply one subscriber's desired access on every enabled backend."""
    return {
        backend: services.access_apply(username=username, backend=backend)
        for backend in services.enabled_backends()
    }


@db_task()
def coa_send_task(coa_id: int) -> str:
    return coa.coa_send(coa_id=coa_id)


@db_task()
def access_apply_due_task() -> int:
    """Apply everything pending now (after a bulk change), on every enabled backend."""
    return sum(services.access_apply_due(backend=b) for b in services.enabled_backends())
