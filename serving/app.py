"""The app factory: ``create_app(settings)`` builds a FastAPI app; its lifespan opens and closes everything.

Nothing happens at import time. The lifespan opens the workspace (the server
is the interaction log's one writer while it runs), loads the active
artefact, opens the cache (Redis when ``REDIS_URL`` is set, else embedded),
publishes candidates into it when it holds none (always for the embedded
cache, which starts empty), takes the fallback snapshot, and re-adds the
live events to the models; on shutdown it closes the stores.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from recsys.artifacts import ArtifactError
from recsys.cache.factory import open_cache
from recsys.cache.protocol import CacheError, CandidateCache
from recsys.stores.workspace import Workspace
from serving.dashboard import router as dashboard
from serving.engine import Engine, limit_blas_threads
from serving.errors import install_error_handlers
from serving.event_schema import EventIn
from serving.keys import KeyStore
from serving.metrics import Metrics
from serving.middleware import BodyLimit, RequestContext
from serving.pipeline import Pipeline
from serving.publishing import publisher_for
from serving.routers import admin, bench, events, health, interactions, marketing, recommendations, users
from serving.security import KeyBoundCORS
from serving.settings import Settings
from serving.site import router as site_router
from serving.state import ServingState
from serving.workers import ranking_limiter

_log = logging.getLogger("serving.app")

DESCRIPTION = """Personalised recommendations of cultural events (UiTdatabank style).

Authenticate with an API key in the `X-API-Key` header. Scopes: **public** (widgets: read
recommendations, similar and popular events; post impressions and clicks of anonymous visitors;
bound to the origins of the sites that embed it), **server** (write interactions and events,
delete users), **admin** (model versions, and everything else) and, beside these, **marketer**
(only segments, audiences, experiments and the dashboard). Errors are RFC 9457 problem details
(`application/problem+json`); a 422 names the offending `field`.
"""


def _start(app: FastAPI, settings: Settings) -> ServingState:
    """Open stores, models and cache (blocking work, run in a worker thread)."""
    limit_blas_threads()
    workspace = Workspace(settings.data_dir)
    try:
        try:
            engine: Engine | None = Engine.load(workspace, settings.model)
        except ArtifactError as exc:
            _log.warning("serving without a model: %s", exc)
            engine = None
        cache: CandidateCache = open_cache(
            settings.redis_url, settings.cache_prefix, socket_timeout=settings.cache_timeout_s
        )
        publish = publisher_for(workspace, cache, settings.now)
        state = ServingState(settings, workspace, cache, engine, publish=publish, metrics=app.state.metrics)
        _warm_up(state)
        return state
    except BaseException:
        workspace.close()
        raise


def _warm_up(state: ServingState) -> None:
    """Publish when needed, take the fallback snapshot, give the models the live events."""
    if not state.has_engine:
        return
    try:
        active = state.cache.call("active_version", state.cache.backend.active_version)
        live = state.cache.call("live_cards", state.cache.backend.live_cards)
    except CacheError as exc:
        _log.warning("cache unavailable at start-up (%s); answering from the fallback until it is back", exc)
        return
    state.live.replace(live)
    state.finish_pending_deletions()  # users deleted while the cache was down, before a restart
    if active is None or state.settings.redis_url is None or state.settings.publish_on_start:
        state.publish_now()
    else:
        state.refresh_snapshot(active)
    if live:
        state.swap_engine(state.engine)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    extra = EventIn.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(extra.pop("$defs", {}))
    components["EventIn"] = extra
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app.

    Parameters
    ----------
    settings : Settings, optional
        Default: :meth:`Settings.from_env`.

    Returns
    -------
    FastAPI
        Serve it with one worker (uvicorn): the interaction log has one writer.

    """
    chosen = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await anyio.to_thread.run_sync(_start, app, chosen)
        app.state.serving = state
        app.state.pipeline = Pipeline(state)
        app.state.ranking_limiter = ranking_limiter(chosen.ranking_threads)
        try:
            yield
        finally:
            state.close()
            close = getattr(state.cache.backend, "close", None)
            if callable(close):
                close()
            state.workspace.close()

    app = FastAPI(
        title="uit-recsys",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = chosen
    app.state.metrics = Metrics()
    install_error_handlers(app)
    for router in (
        recommendations.router,
        interactions.router,
        events.router,
        users.router,
        admin.router,
        marketing.router,
        dashboard.router,
        health.router,
    ):
        app.include_router(router)
    if chosen.bench_routes:
        app.include_router(bench.router)
    # The widget script and its beacon; the demo site's pages answer only with demo_page (serving/site).
    app.include_router(site_router.router)
    if chosen.demo_page:
        from serving.pages import router as pages_router

        # The first server-rendered demo page, kept beside the demo site (which now owns "/").
        app.include_router(pages_router, prefix="/plain")

    def keys() -> KeyStore | None:
        state = getattr(app.state, "serving", None)
        return state.keys if state is not None else None

    # Added innermost first: request context (ids, metrics) wraps CORS, which wraps the body limit.
    app.add_middleware(BodyLimit, max_bytes=chosen.max_body_bytes)
    app.add_middleware(KeyBoundCORS, settings=chosen, keys=keys)
    app.add_middleware(RequestContext, metrics=lambda: app.state.metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
