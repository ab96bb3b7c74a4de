"""Prometheus metrics of one app (own registry, so several apps in one process do not collide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Latency buckets around the targets of a recommendation call (milliseconds to a second).
_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Metrics:
    """The counters and histograms the server exports at ``/metrics``."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "recsys_http_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "recsys_http_request_seconds", "Request latency by route", ["route"], buckets=_BUCKETS, registry=r
        )
        self.cache_errors = Counter(
            "recsys_cache_errors", "Cache calls that failed or timed out, by operation", ["operation"], registry=r
        )
        self.fallback_answers = Counter(
            "recsys_fallback_answers", "Responses answered from the in-process fallback snapshot", registry=r
        )
        self.answer_sources = Counter(
            "recsys_answer_sources", "Recommendation responses by main source", ["source"], registry=r
        )
        self.item_sources = Counter("recsys_item_sources", "Recommended items by source", ["source"], registry=r)
        self.interactions = Counter(
            "recsys_interactions", "Interactions received, by outcome (written, duplicate)", ["outcome"], registry=r
        )
        self.breaker_open = Gauge("recsys_cache_breaker_open", "1 while the cache circuit breaker is open", registry=r)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
