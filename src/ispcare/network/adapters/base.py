"""The one interface every access backend offers."""

from __future__ import annotations

from typing import Protocol

from ..specs import AccessSpec, AccessState


class BackendError(Exception):
    """The backend could not apply a change now (down, refused, misconfigured): the change
    stays pending, is retried with backoff, and the message is shown to staff."""


class AccessBackend(Protocol):
    name: str

    def provision(self, spec: AccessSpec) -> None:
        """Make the subscriber known with the access of `spec.state` (idempotent)."""

    def isolate(self, spec: AccessSpec) -> None: ...

    def restore(self, spec: AccessSpec) -> None: ...

    def disable(self, spec: AccessSpec) -> None: ...

    def deprovision(self, username: str) -> None: ...


def apply(backend: AccessBackend, spec: AccessSpec) -> None:
    """Bring the backend to `spec`: the verb follows from the desired state."""
    if spec.state == AccessState.ACTIVE:
        backend.restore(spec)
    elif spec.state == AccessState.ISOLATED:
        backend.isolate(spec)
    else:
        backend.disable(spec)
