"""Per-second send limits shared by every worker (through the cache: Redis in production)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache


class Pacer:
    """At most `per_second` sends in any one second, across workers.

    A fixed one-second window counted in the cache (Redis in production). Workers
    reserve slots a handful at a time, so the cache sees one INCR per `chunk` sends, not
    one per message: cheap even on the database cache. `per_second <= 0`: no limit.
    """

    def __init__(
        self,
        key: str,
        per_second: int,
        *,
        chunk: int = 10,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.key = key
        self.per_second = per_second
        self.chunk = max(1, min(chunk, per_second)) if per_second > 0 else 0
        self.clock = clock
        self.sleep = sleep
        self._second = -1
        self._left = 0  # slots reserved in self._second and not used yet

    def wait(self) -> None:
        if self.per_second <= 0:
            return
        while True:
            now = self.clock()
            second = int(now)
            if second == self._second and self._left > 0:
                self._left -= 1
                return
            granted = self._reserve(second)
            if granted > 0:
                self._second, self._left = second, granted - 1
                return
            self.sleep(second + 1 - now)

    def _reserve(self, second: int) -> int:
        """Take up to `chunk` slots of `second`; how many were free."""
        cache_key = f"pace:{self.key}:{second}"
        cache.add(cache_key, 0, timeout=5)
        try:
            after = cache.incr(cache_key, self.chunk)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, self.chunk, timeout=5)
            after = self.chunk
        before = after - self.chunk
        return max(0, min(self.chunk, self.per_second - before))
