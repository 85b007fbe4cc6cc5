"""API plumbing shared by every router: one error shape, with a code, in the user's language.

Every error the API answers, whatever raised it, is

    {"code": "...", "message": "...", "fields": {"field": ["...", ...]}}

`code` is stable (clients branch on it); `message` and the field messages follow the
request's language (LocaleMiddleware reads Accept-Language before the API runs); `fields`
names request fields: body keys for bodies ("serials.0" inside a list), query names for
queries, and "__all__" for the request as a whole.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import DomainError

logger = logging.getLogger("ispcare.api")
request_logger = logging.getLogger("django.request")


class ErrorOut(Schema):
    """Every error response."""

    code: str = Field(
        description=(
            "Stable machine-readable code: unauthenticated, forbidden, not_found, "
            "validation_error, rate_limited, conflict, duplicate, or a service code such as "
            "application.already_reviewed, application.out_of_coverage, "
            "installation.not_pending, work_order.not_open, invoice.not_open."
        ),
        examples=["validation_error"],
    )
    message: str = Field(description="For people, in the request's language.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Messages per request field; "__all__" for the request as a whole.',
    )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation documents: `response={200: X, **errors(401, 403)}`."""
    return dict.fromkeys(statuses, ErrorOut)


# Errors of every token-protected operation: bad JSON, no/invalid token, no capability.
AUTH_ERRORS = (400, 401, 403)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[Any]] | None = None,
) -> HttpResponse:
    body = {
        "code": code,
        "message": str(message),
        "fields": {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()},
    }
    return api.create_response(request, body, status=status)


# Messages for pydantic's error types. These are Django's own strings, so Django's catalogue
# translates them; they are looked up through `_django` rather than `_` so that makemessages
# leaves them out of ours (they would be duplicates there).
_django = gettext
_REQUIRED = "This field is required."
_INVALID = "Enter a valid value."
_PYDANTIC_MESSAGES = {
    "missing": _REQUIRED,
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "float_parsing": "Enter a number.",
    "float_type": "Enter a number.",
    "date_parsing": "Enter a valid date.",
    "date_type": "Enter a valid date.",
    "date_from_datetime_parsing": "Enter a valid date.",
    "date_from_datetime_inexact": "Enter a valid date.",
    "datetime_parsing": "Enter a valid date/time.",
    "datetime_type": "Enter a valid date/time.",
    "list_type": "Enter a list of values.",
    "enum": "Select a valid choice. That choice is not one of the available choices.",
    "literal_error": "Select a valid choice. That choice is not one of the available choices.",
    "json_invalid": "Enter a valid JSON.",
    "model_type": "Enter a valid JSON.",
    "model_attributes_type": "Enter a valid JSON.",
    "dict_type": "Enter a valid JSON.",
}
_LIMIT_MESSAGES = {
    "greater_than_equal": ("ge", "Ensure this value is greater than or equal to %(limit_value)s."),
    "less_than_equal": ("le", "Ensure this value is less than or equal to %(limit_value)s."),
}


def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    if kind in _LIMIT_MESSAGES:
        key, template = _LIMIT_MESSAGES[kind]
        return _django(template) % {"limit_value": (err.get("ctx") or {}).get(key)}
    return _django(_PYDANTIC_MESSAGES.get(kind, _INVALID))


def validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    """ninja/pydantic errors → {field: [message]}.

    Locations are (source, ...): ("query", "limit"), ("path", "invoice_id") or, for a body,
    ("body", <parameter name>, "serials", 0) → "serials.0". The messages are translated.
    """
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        loc = loc[2:] if loc[:1] == ["body"] else loc[1:]
        message = _pydantic_message(err)
        bucket = fields.setdefault(".".join(loc) or "__all__", [])
        if message not in bucket:
            bucket.append(message)
    return fields


@contextmanager
def field_names(**renames: str) -> Iterator[None]:
    """Name the fields of a service's DomainError as the endpoint's request does.

    A service speaks of its own arguments (e.g. `technician`); the API client sent
    `technician_id`. Use: `with field_names(technician="technician_id"): service(...)`.
    """
    try:
        yield
    except DomainError as exc:
        exc.fields = {renames.get(k, k): v for k, v in exc.fields.items()}
        raise


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every error `api` answers the one JSON shape."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return error_response(
            api,
            request,
            422,
            "validation_error",
            _("Check the fields."),
            validation_fields(exc.errors),
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return error_response(api, request, 422, "validation_error", _("Check the fields."), fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = error_response(
            api, request, 401, "unauthenticated", _("A valid API token is required.")
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(AuthorizationError)
    def forbidden(request, exc):
        return error_response(api, request, 403, "forbidden", _("This token may not do that."))

    @api.exception_handler(DjangoPermissionDenied)
    def django_forbidden(request, exc):
        return error_response(api, request, 403, "forbidden", _("This token may not do that."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        status = exc.status_code
        if status == 400:  # ninja: the body is not JSON
            return error_response(api, request, 400, "bad_request", _django("Enter a valid JSON."))
        if status == 429:  # ninja's own throttles, should anyone add one
            return error_response(api, request, 429, "rate_limited", str(exc))
        return error_response(api, request, status, "error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        # Logged like Django logs an unhandled exception, so error reporting still sees it.
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        return error_response(
            api, request, 500, "server_error", _("Server error. The error has been logged.")
        )


class ISPcareAPI(NinjaAPI):
    """NinjaAPI whose every answer under its prefix is JSON, errors included: unknown paths
    (404), methods a path does not take (405) and the API root, besides what the exception
    handlers above cover."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_error_handlers(self)

    def _get_urls(self):
        urls = [self._json_errors(p) for p in super()._get_urls()]
        urls.append(re_path(r"^.*$", csrf_exempt(self._unknown_path)))
        return urls

    def _unknown_path(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return error_response(self, request, 404, "not_found", _("Not found."))

    def _json_errors(self, pattern):
        view = getattr(pattern, "callback", None)
        if not isinstance(pattern, URLPattern) or inspect.iscoroutinefunction(view):
            return pattern

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                return self._unknown_path(request)
            if isinstance(response, HttpResponseNotAllowed):
                json = error_response(
                    self, request, 405, "method_not_allowed", _("Method not allowed.")
                )
                json["Allow"] = response["Allow"]
                return json
            return response

        return URLPattern(pattern.pattern, wrapper, pattern.default_args, pattern.name)
