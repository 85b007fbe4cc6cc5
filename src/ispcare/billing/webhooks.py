"""Payment gateways' notifications: POST /webhooks/payments/midtrans/ and .../xendit/.

Verified first (Midtrans: signature_key = SHA512(order_id + status_code + gross_amount +
server key), compared in constant time; Xendit: the x-callback-token header), stored once
per dedup key, answered 200 at once; the payment itself is applied by a task after commit.
A notification that fails verification answers 403 and is not stored: its dedup key could
otherwise take the place of the real notification's. Malformed bodies answer 400 with a code.
"""

from __future__ import annotations

import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ispcare.common.errors import DomainError, RateLimited
from ispcare.common.ratelimit import client_ip, rate_limit_hit

from . import online
from .gateways import midtrans, xendit

log = logging.getLogger(__name__)
MAX_BODY = 256_000


def _error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": fields or {}}, status=status)


def _body(request) -> tuple[object, JsonResponse | None]:
    raw = request.body[: MAX_BODY + 1]
    if len(raw) > MAX_BODY:
        return None, _error(413, "too_large", "Body too large.")
    try:
        return json.loads(raw), None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, _error(400, "invalid_json", "Body is not JSON.")


def _limited(request) -> JsonResponse | None:
    try:
        rate_limit_hit(request, "webhook")
    except RateLimited as exc:
        return _error(429, exc.code, str(exc.message))
    return None


def _read(module, payload):
    """(notice, None) or (None, a 400 answer naming the missing fields)."""
    try:
        return module.notice(payload), None
    except DomainError as exc:
        data = exc.as_dict()
        return None, _error(400, exc.code, data["message"], data["fields"])


def _store(notice) -> JsonResponse:
    event, new = online.gateway_notice_receive(notice=notice)
    return JsonResponse({"ok": True, "event": event.pk, "duplicate": not new})


@csrf_exempt  # signed by Midtrans instead (signature_key)
@require_POST
def midtrans_notification(request):
    if (limited := _limited(request)) is not None:
        return limited
    payload, error = _body(request)
    if error is not None:
        return error
    notice, error = _read(midtrans, payload)
    if error is not None:
        return error
    if not midtrans.signature_valid(payload):
        log.warning(
            "Midtrans notification with a bad signature from %s (order %s)",
            client_ip(request),
            str(payload.get("order_id", ""))[:64],
        )
        return _error(403, "bad_signature", "signature_key does not match.")
    return _store(notice)


@csrf_exempt  # authenticated by the x-callback-token header instead
@require_POST
def xendit_callback(request):
    if (limited := _limited(request)) is not None:
        return limited
    if not xendit.token_valid(request.headers.get("x-callback-token", "")):
        log.warning("Xendit callback with a wrong token from %s", client_ip(request))
        return _error(403, "bad_token", "x-callback-token does not match.")
    payload, error = _body(request)
    if error is not None:
        return error
    notice, error = _read(xendit, payload)
    if error is not None:
        return error
    return _store(notice)


midtrans_notification.public = True  # authenticated by signature, not by login
xendit_callback.public = True
