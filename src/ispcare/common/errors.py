"""Errors with codes: raised by services, turned into messages by views and API errors.

A service raises `DomainError` (or a subclass) when a request cannot be carried out; the
transaction rolls back, so nothing is half-written. `code` is stable and documented in
the API; `message` is shown to people and is translatable; `fields` maps a field name to
its messages for form-level errors.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, list[Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class Conflict(DomainError):
    """The record is not in a state that allows the action (stale page, double submit)."""

    status = 409
    code = "conflict"


class Duplicate(Conflict):
    code = "duplicate"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
