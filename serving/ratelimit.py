"""Per-key token buckets, in process (one server process serves a data folder)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from serving.settings import RateLimit


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by API key id.

    Parameters
    ----------
    clock : callable
        Monotonic seconds (tests pass a fake clock).

    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, limit: RateLimit) -> float:
        """Take one token; return 0 when allowed, else the seconds until a token is available."""
        if limit.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(limit.burst, now)
            bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.updated) * limit.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / limit.rate

    @staticmethod
    def retry_after(wait_s: float) -> int:
        """The ``Retry-After`` header value (whole seconds, at least 1)."""
        return max(1, math.ceil(wait_s))
