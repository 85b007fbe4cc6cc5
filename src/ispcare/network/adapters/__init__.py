"""Where access is enforced: FreeRADIUS's tables, or a MikroTik router's own API."""

from __future__ import annotations

from .base import AccessBackend, BackendError


def backend_for(name: str) -> AccessBackend:
    from ..choices import Backend

    if name == Backend.FREERADIUS:
        from .freeradius import FreeRadiusBackend

        return FreeRadiusBackend()
    if name == Backend.MIKROTIK:
        from .mikrotik import MikrotikBackend

        return MikrotikBackend()
    raise ValueError(f"unknown network backend {name!r}")


__all__ = ["AccessBackend", "BackendError", "backend_for"]
