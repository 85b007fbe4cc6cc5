"""Fixed-window rate limits per client address, kept in the shared cache.

The cache is the database (or Redis) so every web process counts together. Limits are
named in settings.RATE_LIMITS as (requests, seconds).
"""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .errors import RateLimited


def client_ip(request: HttpRequest) -> str:
    # Only trust X-Forwarded-For behind our own proxy (set TRUST_X_FORWARDED_FOR there).
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limit_hit(request: HttpRequest, name: str, *, key: str | None = None) -> None:
    """Count one request against limit `name`; raise RateLimited once it is exceeded."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    limit, window = settings.RATE_LIMITS[name]
    bucket = int(time.time() // window)
    cache_key = f"rl:{name}:{key or client_ip(request)}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        raise RateLimited(_("Too many attempts. Please wait a few minutes and try again."))


def rate_limited(name: str, methods: tuple[str, ...] = ("POST",)):
    """View decorator: apply limit `name` to the given methods; answer 429 when exceeded."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                try:
                    rate_limit_hit(request, name)
                except RateLimited as exc:
                    return HttpResponse(
                        str(exc.message), status=429, content_type="text/plain; charset=utf-8"
                    )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
