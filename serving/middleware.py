"""Plain ASGI middleware (cheaper than Starlette's ``BaseHTTPMiddleware`` on the hot path).

:class:`RequestContext` gives every request an id (``X-Request-ID``, taken
from the caller when it sends a sane one), and records its route, status and
latency in the metrics. :class:`BodyLimit` answers 413 to a body larger than
the limit before any handler reads it.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import problem
from serving.metrics import Metrics

REQUEST_ID_HEADER: Final = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
# Request ids: a random prefix per process and a counter (uuid4 reads the OS's random source each time).
_ID_PREFIX: Final = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


class RequestContext:
    """Request ids, and per-route request counts and latency."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == REQUEST_ID_HEADER.encode()), "")
        request_id = given if _SANE_ID.match(given) else f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics = self.metrics()
            if metrics is not None:
                route = scope.get("route")
                path = getattr(route, "path", None) or "unmatched"
                metrics.requests.labels(path, scope["method"], str(status)).inc()
                metrics.latency.labels(path).observe(time.perf_counter() - started)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 problem details."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read up to the limit, then hand the buffered body on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}]), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id")
        response = problem(
            413,
            f"the request body is larger than {self.max_bytes} bytes",
            slug="body-too-large",
            instance=scope.get("path"),
            request_id=request_id,
        )
        await response(scope, _replay([]), send)


def _replay(messages: list[Message]) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return {"type": "http.disconnect"}

    return receive
