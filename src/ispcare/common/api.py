"""API plumbing shared by every router: one error shape, with a code, in the user's language.

{"code": "...", "message": "...", "fields": {"field": ["...", ...]}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import DomainError


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


def error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    fields: dict | None = None,
):
    body = {"code": code, "message": str(message), "fields": fields or {}}
    return api.create_response(request, body, status=status)


def _validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    """Pydantic locations like ("body", "payload", "amount") → {"amount": [msg]}."""
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "__all__", []).append(
            str(err.get("msg", _("Invalid value.")))
        )
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        out = exc.as_dict()
        return error(api, request, exc.status, out["code"], out["message"], out["fields"])

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return error(
            api,
            request,
            422,
            "validation_error",
            _("Check the fields."),
            _validation_fields(exc.errors),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error(api, request, 401, "unauthenticated", _("A valid API token is required."))

    @api.exception_handler(AuthorizationError)
    def forbidden(request, exc):
        return error(api, request, 403, "forbidden", _("This token may not do that."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return error(api, request, exc.status_code, "error", str(exc))
