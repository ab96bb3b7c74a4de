"""The threads recommendation requests rank in: as few as the interpreter can use.

Ranking a request is CPU-bound Python, and Python runs one thread at a
time (the GIL). Handing every request its own thread, as FastAPI does for
plain ``def`` routes (up to 40), does not rank faster: the threads take the
interpreter from each other between requests, and those hand-overs cost
CPU. Under 8 concurrent personal requests that was 2.7 ms of server CPU per
request against 2.0 ms one at a time (``docs/benchmarks.md``).

So the recommendation routes are ``async`` and hand their work to
:func:`ranking`, which runs it on at most ``Settings.ranking_threads``
threads (default 1); the waiting requests queue in the event loop, which
costs nothing. The rest of the API (writes, admin) keeps the default pool.
A cache call that hangs holds a ranking thread for at most the cache
timeout; the circuit breaker then answers from the fallback at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.responses import Response

#: Runs a route's work on a ranking thread: ``await run(work)``.
RankingRunner = Callable[[Callable[[], Response]], Awaitable[Response]]


def ranking_limiter(threads: int) -> anyio.CapacityLimiter:
    """The limiter of the ranking threads (create it in the app's lifespan, inside the event loop)."""
    return anyio.CapacityLimiter(threads)


async def ranking(request: Request) -> RankingRunner:
    """A function that runs ``work()`` on one of the ranking threads and returns its response."""
    limiter: anyio.CapacityLimiter = request.app.state.ranking_limiter

    async def run(work: Callable[[], Response]) -> Response:
        return await anyio.to_thread.run_sync(work, limiter=limiter)

    return run


RankingDep = Annotated[RankingRunner, Depends(ranking)]
