"""The one place where errors become HTTP responses: RFC 9457 problem details (``application/problem+json``).

Library errors (``recsys.domain.errors``) carry what went wrong; this module
decides the status. An :class:`~recsys.domain.errors.InvalidFieldError`
becomes a 422 naming the field, an unknown id a 404, an unusable store a 503;
nothing the library raises on purpose turns into a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from recsys.artifacts import ArtifactError
from recsys.cache.protocol import CacheError, UnknownVersionError
from recsys.domain.errors import InvalidFieldError, RecordError, RecsysError, StoreError, UnknownEntityError
from recsys.marketing.errors import NotFoundError as MarketingNotFoundError

PROBLEM_JSON: Final = "application/problem+json"
#: Problem types are documented under this base (the ``type`` member of every problem).
PROBLEM_BASE: Final = "https://github.com/uit-recsys/uit-recsys/blob/main/docs/api.md#"

_log = logging.getLogger("serving.errors")


class ServingError(RecsysError):
    """An error the API raises itself, with its status.

    Parameters
    ----------
    status : int
        HTTP status.
    detail : str
        What happened, for people.
    slug : str
        The problem type (appended to :data:`PROBLEM_BASE`).
    headers : mapping, optional
        Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    field : str, optional
        The request field at fault.

    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.headers = dict(headers or {})
        self.field = field


class AuthenticationError(ServingError):
    """No key, or an unknown key (401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, slug="unauthenticated", headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'})


class ForbiddenError(ServingError):
    """A known key that may not do this, or is used from another origin (403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail, slug="forbidden")


class RateLimitedError(ServingError):
    """Too many requests for this key (429)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            429,
            f"rate limit of this API key exceeded; retry after {retry_after_s} s",
            slug="rate-limited",
            headers={"Retry-After": str(retry_after_s)},
        )


class NotReadyError(ServingError):
    """The server has no model loaded yet (503)."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, detail, slug="not-ready", headers={"Retry-After": "5"})


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A problem-details response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or HTTPStatus(status).phrase.lower().replace(" ", "-")),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    body.update(extra or {})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def _request_id(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return str(value) if value else None


def _respond(request: Request, status: int, detail: str, **kwargs: Any) -> Response:
    return problem(status, detail, instance=request.url.path, request_id=_request_id(request), **kwargs)


def status_of(exc: RecsysError) -> tuple[int, str]:
    """HTTP status and problem slug of a library error."""
    if isinstance(exc, ServingError):
        return exc.status, exc.slug
    if isinstance(exc, InvalidFieldError | RecordError):
        return 422, "invalid-field"
    if isinstance(exc, UnknownEntityError | UnknownVersionError | MarketingNotFoundError):
        return 404, "not-found"
    if isinstance(exc, ArtifactError):
        return 409, "artefact-refused"
    if isinstance(exc, StoreError | CacheError):
        return 503, "store-unavailable"
    return 400, "bad-request"


def _field_of(location: Sequence[Any]) -> str:
    # ("query", "n") -> "n"; ("body", "interactions", 3, "kind") -> "interactions[3].kind"
    parts = [p for p in location if p not in ("query", "path", "body", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


async def _on_library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RecsysError)
    status, slug = status_of(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, ServingError):
        headers = exc.headers
        if exc.field:
            extra["field"] = exc.field
        detail = exc.detail
    elif isinstance(exc, InvalidFieldError):
        extra["field"] = exc.field
        detail = f"{exc.field}: {exc.problem}"
    elif isinstance(exc, RecordError):
        extra["field"] = exc.field
        detail = exc.describe()
    else:
        detail = str(exc)
    if status == 503:
        headers.setdefault("Retry-After", "1")
    return _respond(request, status, detail, slug=slug, headers=headers, extra=extra)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_of(e.get("loc", ())), "problem": str(e.get("msg", "invalid")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "problem": "invalid request"}
    return _respond(
        request,
        422,
        f"{first['field']}: {first['problem']}",
        slug="invalid-field",
        extra={"field": first["field"], "errors": errors},
    )


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _respond(request, exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    _log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500, "internal error; the request id identifies it in the server log", slug="internal")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (the only place errors become responses)."""
    app.add_exception_handler(RecsysError, _on_library_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)


#: Error responses documented on every route of the API (OpenAPI).
PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "URI of the problem type"},
        "title": {"type": "string", "description": "The HTTP status phrase"},
        "status": {"type": "integer", "description": "The HTTP status"},
        "detail": {"type": "string", "description": "What went wrong, for people"},
        "instance": {"type": "string", "description": "The request path"},
        "request_id": {"type": "string", "description": "Id of the request (also in X-Request-ID)"},
        "field": {"type": "string", "description": "The request field at fault (422)"},
    },
    "required": ["type", "title", "status", "detail"],
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    descriptions = {
        401: "No API key, or an unknown one (send it in X-API-Key)",
        403: "The key's scope does not allow this, or it is used from an origin it is not bound to",
        404: "Unknown user, event or version",
        409: "The artefact version is refused (broken or missing), or the person's experiment arm runs "
        "a model this server does not",
        413: "Request body too large",
        422: "A parameter or body field is invalid; `field` names it",
        429: "Rate limit of this key exceeded; see Retry-After",
        503: "A store is unavailable or no model is loaded; retry later",
    }
    return {
        status: {"description": descriptions[status], "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status in statuses
    }
