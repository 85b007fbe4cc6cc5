"""GET /health/: is the database, the job queue and the channel layer reachable, and how
long is the notification outbox (messages waiting for a mail server or WhatsApp)?"""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY


def _check(fn) -> dict:
    started = time.perf_counter()
    try:
        detail = fn()
        return {
            "ok": True,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            **(detail or {}),
        }
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _queue() -> dict:
    return {"backend": type(HUEY).__name__, "pending": HUEY.pending_count()}


def _outbox() -> dict:
    from ispcare.notifications.outbox import backlog

    return backlog()


def _channels() -> dict:
    layer = get_channel_layer()
    name = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(name, {"type": "health.ping"})
    message = async_to_sync(layer.receive)(name)
    if message.get("type") != "health.ping":
        raise RuntimeError("channel layer returned another message")
    return {"backend": type(layer).__name__}


@never_cache
@require_GET
def health(request):
    checks = {
        "database": _check(_database),
        "queue": _check(_queue),
        "channel_layer": _check(_channels),
        "outbox": _check(_outbox),
    }
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
