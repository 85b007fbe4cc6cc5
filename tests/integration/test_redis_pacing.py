"""The send pacer on real Redis: two workers sharing one WhatsApp number's limit.

In production the cache is Redis (REDIS_URL), so every worker process counts against the
same per-second window. Here two Pacer instances (two workers) share a key on the local
Redis server; between them they never get more than the limit in one second.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from ispcare.notifications import pacing
from tests.conftest import require

REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis_up() -> tuple[bool, str]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True, ""
    except redis.RedisError as exc:
        return False, f"Redis not reachable at {REDIS_URL}: {exc}"


@pytest.fixture
def redis_cache(monkeypatch):
    ok, reason = _redis_up()
    require(ok, reason)
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # parallel test processes never share a counter
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    ):
        cache = caches["default"]
        monkeypatch.setattr(pacing, "cache", cache)
        yield cache


def test_two_workers_share_one_limit(redis_cache):
    """Sends per second stay at or under the limit; slots a worker reserved and did not
    use (at most chunk - 1 per worker and second) are lost, never over-spent."""
    now = [1_700_000_000.5]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    key = f"whatsapp:{uuid.uuid4().hex[:6]}"
    workers = [pacing.Pacer(key, 10, chunk=3, clock=lambda: now[0], sleep=sleep) for _ in "ab"]
    sent_in: dict[int, int] = {}
    for _ in range(20):  # interleaved, as two worker processes would be
        for worker in workers:
            worker.wait()
            sent_in[int(now[0])] = sent_in.get(int(now[0]), 0) + 1
    assert sum(sent_in.values()) == 40
    assert max(sent_in.values()) <= 10  # never over the limit, across both workers
    assert min(list(sent_in.values())[:-1]) >= 10 - 2 * (3 - 1)  # little is wasted
    assert redis_cache.get(f"pace:{key}:1700000000") >= 10  # the window lives in Redis
