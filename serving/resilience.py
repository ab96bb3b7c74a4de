"""Degradation: a cache wrapper with a circuit breaker, so a dead or slow Redis never becomes a 5xx.

Every call goes through :meth:`GuardedCache.call`. A call that raises
counts as a failure and *opens* the breaker: for ``cooldown_s`` every call fails at once with
:class:`~recsys.cache.protocol.CacheError` (no waiting on a dead socket), and
the pipeline answers from the in-process fallback snapshot. After the
cool-down one call is let through (*half-open*); when it succeeds the breaker
closes, so Redis coming back is picked up without a restart.

The backend's own socket timeout bounds how long one call can block (the
Redis backend is opened with ``RECSYS_CACHE_TIMEOUT``): a slower call fails
and counts. A call that was merely slow but answered is not held against
the backend: on a busy machine a scheduling hiccup would otherwise send
everyone to the fallback for a whole cool-down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Final, TypeVar

from recsys.cache.protocol import CacheError, CandidateCache, UnknownVersionError

_T = TypeVar("_T")
_log = logging.getLogger("serving.resilience")

#: Errors of a backend that mean "unavailable" (a well-behaved backend raises CacheError only).
_FAILURES: Final = (CacheError, OSError, TimeoutError, ConnectionError)


class BreakerState(StrEnum):
    """Where the circuit breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Opens on a failure, lets one trial through after ``cooldown_s``, closes on a success.

    Parameters
    ----------
    cooldown_s : float
        Seconds to leave the backend alone after a failure.
    clock : callable
        Monotonic seconds.
    on_change : callable, optional
        Called with the new state whenever it changes.

    """

    def __init__(
        self,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        """The current state (open turns half-open once the cool-down is over)."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.cooldown_s:
                return BreakerState.HALF_OPEN
            return self._state

    def allow(self) -> bool:
        """Whether a call may go to the backend now (at most one trial while half-open)."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._trial_running or self._clock() - self._opened_at < self.cooldown_s:
                return False
            self._trial_running = True
            return True

    def success(self) -> None:
        """Record a call that worked."""
        changed = False
        with self._lock:
            self._trial_running = False
            if self._state is not BreakerState.CLOSED:
                self._state, changed = BreakerState.CLOSED, True
        if changed:
            self._notify(BreakerState.CLOSED)

    def failure(self) -> None:
        """Record a call that failed or was too slow."""
        changed = False
        with self._lock:
            self._trial_running = False
            self._opened_at = self._clock()
            if self._state is not BreakerState.OPEN:
                self._state, changed = BreakerState.OPEN, True
        if changed:
            self._notify(BreakerState.OPEN)

    def _notify(self, state: BreakerState) -> None:
        if self._on_change is not None:
            self._on_change(state)


class GuardedCache:
    """A :class:`~recsys.cache.protocol.CandidateCache` behind a circuit breaker.

    Parameters
    ----------
    cache : CandidateCache
        The backend (opened with its own socket timeout).
    cooldown_s : float
        Breaker cool-down.
    on_error : callable, optional
        ``on_error(operation)`` for every failed call (metrics).
    on_change : callable, optional
        Called with the breaker's new state.

    """

    def __init__(
        self,
        cache: CandidateCache,
        *,
        cooldown_s: float,
        on_error: Callable[[str], None] | None = None,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        self.backend = cache
        self.breaker = CircuitBreaker(cooldown_s, on_change=on_change)
        self._on_error = on_error

    @property
    def available(self) -> bool:
        """False while the breaker is open (calls would fail at once)."""
        return self.breaker.state is not BreakerState.OPEN

    def call(self, operation: str, fn: Callable[[], _T]) -> _T:
        """Run ``fn`` against the backend under the breaker.

        Raises
        ------
        CacheError
            When the breaker is open or the call failed (the original error is chained).
        UnknownVersionError
            Passed through: the backend answered, the version is just not held.

        """
        if not self.breaker.allow():
            raise CacheError(f"cache unavailable (circuit open); {operation} not attempted")
        try:
            result = fn()
        except UnknownVersionError:
            self.breaker.success()
            raise
        except _FAILURES as exc:
            self._failed(operation)
            if isinstance(exc, CacheError):
                raise
            raise CacheError(f"cache {operation} failed: {exc}") from exc
        self.breaker.success()
        return result

    def _failed(self, operation: str) -> None:
        if self._on_error is not None:
            self._on_error(operation)
        self.breaker.failure()
