"""What both gateways share: the checkout a gateway hands back, a notification read into
plain fields, the errors, and one HTTP client with short timeouts."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ispcare.common.errors import DomainError

log = logging.getLogger(__name__)
GATEWAYS = ("midtrans", "xendit")
# The customer waits on the page while we ask the gateway: keep it short.
TIMEOUT = httpx.Timeout(8.0, connect=3.0)

# What a notification means for the link (the gateway's own status words are kept too).
PAID, PENDING, FAILED, EXPIRED, IGNORED = "paid", "pending", "failed", "expired", "ignored"


class GatewayDown(DomainError):
    """The gateway did not answer, or answered with a server error: nothing was made."""

    status = 503
    code = "gateway.unavailable"


class GatewayRefused(DomainError):
    """The gateway answered with a client error (bad key, bad request)."""

    status = 502
    code = "gateway.refused"


class BadNotification(DomainError):
    """A notification body without the fields every notification carries."""

    status = 400
    code = "invalid_payload"


@dataclass(frozen=True)
class Checkout:
    """Where the customer pays: the gateway's id for it and the page to send them to."""

    external_id: str
    url: str
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Notice:
    """One gateway notification (or status answer), read."""

    gateway: str
    order_id: str
    dedup_key: str
    status: str  # the gateway's word (settlement, PAID, ...)
    meaning: str  # PAID, PENDING, FAILED, EXPIRED or IGNORED
    amount: Decimal | None
    currency: str
    transaction_id: str
    payment_type: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


def enabled() -> list[str]:
    """Gateways switched on in settings (PAYMENT_GATEWAYS), in that order."""
    return [g.strip() for g in settings.PAYMENT_GATEWAYS if g.strip() in GATEWAYS]


def module(name: str) -> ModuleType:
    from . import midtrans, xendit

    return {"midtrans": midtrans, "xendit": xendit}[name]


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def post_json(url: str, *, auth: tuple[str, str], body: dict, gateway: str) -> tuple[int, Any]:
    """POST JSON; GatewayDown on a network error, a timeout or a 5xx answer."""
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            response = client.post(
                url, json=body, auth=auth, headers={"Accept": "application/json"}
            )
    except httpx.HTTPError as exc:
        raise GatewayDown(_gateway_down_message(gateway)) from exc
    return _answer(response, gateway)


def get_json(url: str, *, auth: tuple[str, str], gateway: str) -> tuple[int, Any]:
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            response = client.get(url, auth=auth, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise GatewayDown(_gateway_down_message(gateway)) from exc
    return _answer(response, gateway)


def _answer(response: httpx.Response, gateway: str) -> tuple[int, Any]:
    if response.status_code >= 500:
        raise GatewayDown(_gateway_down_message(gateway))
    try:
        data = response.json()
    except ValueError:
        data = None
    return response.status_code, data


def _gateway_down_message(gateway: str):
    return _(
        "The payment service (%(gateway)s) is not answering right now. Nothing was charged. "
        "Please try again in a few minutes, or pay by bank transfer."
    ) % {"gateway": gateway.title()}


def refused(gateway: str, status: int, detail: Any) -> GatewayRefused:
    """The gateway said no (its words go to the log, not to the customer)."""
    log.error("%s refused the request: HTTP %s %s", gateway, status, str(detail)[:500])
    return GatewayRefused(
        _(
            "The payment service (%(gateway)s) did not accept the request. Nothing was charged. "
            "Please pay by bank transfer, or call us."
        )
        % {"gateway": gateway.title()}
    )
