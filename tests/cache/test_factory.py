"""open_cache picks the backend: embedded memory without a URL, Redis with one."""

from __future__ import annotations

import pytest

from recsys.cache.factory import open_cache, prefix_from_env, redis_url_from_env
from recsys.cache.memory import MemoryCache
from recsys.cache.protocol import CandidateCache
from recsys.domain.errors import InvalidFieldError


def test_without_a_url_the_cache_is_embedded() -> None:
    cache = open_cache(None)
    assert isinstance(cache, MemoryCache) and isinstance(cache, CandidateCache)
    assert open_cache(None) is not cache  # each call: a new, empty cache


def test_with_a_url_the_cache_is_redis(redis_url: str) -> None:
    from recsys.cache.redis_cache import RedisCache

    cache = open_cache(redis_url, "test-factory", socket_timeout=0.5)
    assert isinstance(cache, RedisCache) and isinstance(cache, CandidateCache)
    assert cache.keys.prefix == "test-factory" and cache.ping()
    cache.close()


def test_a_bad_prefix_is_refused() -> None:
    with pytest.raises(InvalidFieldError):
        open_cache("redis://127.0.0.1:6379/0", "a:b")


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RECSYS_CACHE_PREFIX", raising=False)
    assert redis_url_from_env() is None and prefix_from_env() == "recsys"
    monkeypatch.setenv("REDIS_URL", "  ")
    assert redis_url_from_env() is None
    monkeypatch.setenv("REDIS_URL", "redis://h:1/2")
    monkeypatch.setenv("RECSYS_CACHE_PREFIX", "site-a")
    assert redis_url_from_env() == "redis://h:1/2" and prefix_from_env() == "site-a"
