"""Liveness, readiness and Prometheus metrics (no API key: for the platform, not for callers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from recsys.cache.protocol import CacheError
from serving.deps import StateDep
from serving.metrics import CONTENT_TYPE_LATEST
from serving.render import json_response
from serving.resilience import BreakerState

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness")
def health() -> Response:
    """200 while the process serves HTTP."""
    return json_response({"status": "ok"})


@router.get("/ready", summary="Readiness", responses={503: {"description": "Not ready: see `checks`"}})
def ready(state: StateDep) -> Response:
    """200 when a model is loaded and the cache, or else the in-process fallback, can answer."""
    breaker = state.cache.breaker.state
    cache_ok = breaker is not BreakerState.OPEN
    if cache_ok:
        try:
            cache_ok = bool(state.cache.call("ping", state.cache.backend.ping))
        except CacheError:
            cache_ok = False
    fallback_ok = not state.snapshot.empty
    checks = {
        "model": state.engine.version if state.has_engine else None,
        "cache": "ok" if cache_ok else "unavailable",
        "fallback": "ok" if fallback_ok else "empty",
        "breaker": breaker.value,
    }
    is_ready = state.has_engine and (cache_ok or fallback_ok)
    return json_response({"status": "ready" if is_ready else "not ready", "checks": checks}, 200 if is_ready else 503)


@router.get("/metrics", summary="Prometheus metrics")
def metrics(state: StateDep) -> Response:
    """Request counts and latency per route, cache errors, fallback answers, sources (text format)."""
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
