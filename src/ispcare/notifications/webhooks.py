"""WhatsApp Business webhooks: Meta's subscription check (GET) and events (POST).

POST bodies must carry X-Hub-Signature-256 made with the app secret; a forged or
unsigned request is refused with 403 before anything is read into the database.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ispcare.common.errors import DomainError, RateLimited
from ispcare.common.ratelimit import rate_limit_hit

from .receipts import signature_valid, whatsapp_webhook_apply

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


@csrf_exempt  # signed by Meta instead (X-Hub-Signature-256)
@require_http_methods(["GET", "POST"])
def whatsapp(request):
    try:
        rate_limit_hit(request, "webhook")
    except RateLimited as exc:
        return _error(429, exc.code, str(exc.message))
    conf = settings.WHATSAPP
    if request.method == "GET":
        ok = (
            request.GET.get("hub.mode") == "subscribe"
            and conf["verify_token"]
            and constant_time_compare(request.GET.get("hub.verify_token", ""), conf["verify_token"])
        )
        if not ok:
            return _error(403, "verify_token_mismatch", "Verify token does not match.")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    raw = request.body[: MAX_BODY + 1]
    if len(raw) > MAX_BODY:
        return _error(413, "too_large", "Body too large.")
    if not signature_valid(raw, request.headers.get("X-Hub-Signature-256", ""), conf["app_secret"]):
        log.warning(
            "WhatsApp webhook with a bad signature from %s", request.META.get("REMOTE_ADDR")
        )
        return _error(403, "bad_signature", "X-Hub-Signature-256 does not match.")
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "invalid_json", "Body is not JSON.")
    try:
        counts = whatsapp_webhook_apply(payload=payload)
    except DomainError as exc:
        return _error(400, exc.code, str(exc.message))
    return JsonResponse({"ok": True, **counts})


whatsapp.public = True  # authenticated by signature, not by login
