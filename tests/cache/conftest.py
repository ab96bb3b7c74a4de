"""Cache backends for the contract suite: the embedded one, and real Redis when REDIS_URL is set.

Without a Redis the Redis cases skip, or fail under ``$RECSYS_REQUIRE_REDIS`` (see :mod:`tests.redis_env`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from recsys.cache.memory import MemoryCache
from recsys.cache.protocol import CandidateCache
from tests.redis_env import require_redis_url

BACKENDS = ["memory", "redis"]


def redis_url_or_skip() -> str:
    """``$REDIS_URL`` when a Redis answers there; else skip (fail under ``$RECSYS_REQUIRE_REDIS``)."""
    return require_redis_url()


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def prefix_keys(url: str, prefix: str) -> list[bytes]:
    """Every key under ``prefix`` (read with a plain client, not through the cache)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return sorted(client.scan_iter(match=f"{prefix}:*", count=1000))
    finally:
        client.close()


def drop_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.unlink(*keys[start : start + 1000])
    finally:
        client.close()


@pytest.fixture
def redis_url() -> str:
    return redis_url_or_skip()


@pytest.fixture(params=BACKENDS)
def cache(request: pytest.FixtureRequest) -> Iterator[CandidateCache]:
    """A fresh, empty cache of each backend (Redis under a unique prefix, removed afterwards)."""
    if request.param == "memory":
        yield MemoryCache()
        return
    from recsys.cache.redis_cache import RedisCache

    url = redis_url_or_skip()
    prefix = unique_prefix()
    backend = RedisCache(url, prefix=prefix, socket_timeout=5.0)
    try:
        yield backend
    finally:
        backend.close()
        drop_prefix(url, prefix)
