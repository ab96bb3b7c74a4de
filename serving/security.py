"""Who may call: API key authentication, scopes, the origin binding of public keys, rate limits and CORS.

A key travels in the ``X-API-Key`` header (never in the URL: URLs end up in
logs and ``Referer`` headers). A public key bound to origins is accepted only
from a page of one of them: the browser's ``Origin`` header must match, and
CORS lets exactly those origins read the answers. Each key has a token
bucket (its own rate, else its scope's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Final

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from recsys.domain.errors import InvalidFieldError
from serving.errors import AuthenticationError, ForbiddenError, RateLimitedError
from serving.keys import ApiKey, KeyStore, Scope, normalize_origin
from serving.ratelimit import RateLimiter
from serving.settings import RateLimit, Settings
from serving.state import ServingState

API_KEY_HEADER: Final = "X-API-Key"

_api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key (`recsys keys create --scope public|server|admin|marketer`).",
)

#: The key used when authentication is switched off (RECSYS_AUTH=0, local experiments only).
OPEN_ACCESS: Final = ApiKey(key_id="open", name="authentication off", scope=Scope.ADMIN)


async def get_state(request: Request) -> ServingState:
    """The running server's state (set by the lifespan)."""
    state: ServingState = request.app.state.serving
    return state


def _limit_of(key: ApiKey, settings: Settings) -> RateLimit:
    if key.rate:
        return RateLimit.parse(key.rate, "rate")
    return {
        Scope.PUBLIC: settings.rate_public,
        Scope.SERVER: settings.rate_server,
        Scope.ADMIN: settings.rate_admin,
        Scope.MARKETER: settings.rate_admin,
    }[key.scope]


def authenticate(request: Request, state: ServingState, presented: str | None) -> ApiKey:
    """Check the presented key, its origin binding and its rate limit.

    Raises
    ------
    AuthenticationError
        No key, or an unknown one.
    ForbiddenError
        A public key used from an origin it is not bound to.
    RateLimitedError
        The key's bucket is empty.

    """
    if not state.settings.auth:
        return OPEN_ACCESS
    if not presented:
        raise AuthenticationError(f"an API key is required in the {API_KEY_HEADER} header")
    key = state.keys.lookup(presented)
    if key is None:
        raise AuthenticationError("unknown API key")
    origin = request.headers.get("origin")
    if origin is None and request.headers.get("sec-fetch-site") == "same-origin":
        # Browsers omit Origin on same-origin GETs; Sec-Fetch-Site is set by the browser and no page can forge it.
        origin = f"{request.url.scheme}://{request.url.netloc}"
    if key.scope is Scope.PUBLIC and not key.allows_origin(origin):
        raise ForbiddenError(
            "this public key is bound to other origins; a browser on one of them sends the Origin header"
        )
    request.state.api_key = key
    wait = state.limiter.take(key.key_id, _limit_of(key, state.settings))
    if wait > 0:
        raise RateLimitedError(RateLimiter.retry_after(wait))
    return key


def require(scope: Scope) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that authenticates and demands at least ``scope``."""

    async def dependency(
        request: Request,
        state: Annotated[ServingState, Depends(get_state)],
        presented: Annotated[str | None, Security(_api_key_header)],
    ) -> ApiKey:
        key = authenticate(request, state, presented)
        if key.scope < scope:
            raise ForbiddenError(f"this endpoint needs a {scope.label} key; this one is {key.scope.label}")
        return key

    dependency.__name__ = f"require_{scope.label}"
    return dependency


class KeyBoundCORS(CORSMiddleware):
    """CORS that allows the configured origins plus every origin a public key is bound to (read live)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, keys: Callable[[], KeyStore | None]) -> None:
        super().__init__(
            app,
            allow_origins=(),
            allow_methods=("GET", "POST", "PUT", "DELETE", "OPTIONS"),
            allow_headers=(API_KEY_HEADER, "Content-Type", "X-Request-ID"),
            expose_headers=("X-Request-ID", "Retry-After"),
            max_age=600,
        )
        self._fixed = frozenset(settings.cors_origins)
        self._keys = keys

    def is_allowed_origin(self, origin: str) -> bool:
        """True for a configured origin or one a public key is bound to."""
        try:
            normalized = normalize_origin(origin)
        except InvalidFieldError:
            return False
        if normalized in self._fixed:
            return True
        store = self._keys()
        return store is not None and normalized in store.origins()
