"""Per-second send limits shared by every worker (through the cache: Redis in production)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache


class Pacer:
    """At most `per_second` calls of `wait()` return in any one second, across workers.

    A fixed one-second window counted in the cache: cheap (one INCR per message) and
    good enough for provider limits stated per second. `per_second <= 0` means no limit.
    """

    def __init__(
        self,
        key: str,
        per_second: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.key = key
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep

    def wait(self) -> None:
        if self.per_second <= 0:
            return
        while True:
            now = self.clock()
            second = int(now)
            cache_key = f"pace:{self.key}:{second}"
            cache.add(cache_key, 0, timeout=5)
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add and incr
                cache.set(cache_key, 1, timeout=5)
                count = 1
            if count <= self.per_second:
                return
            self.sleep(second + 1 - now)
