"""Open the configured candidate cache: Redis when a URL is given, else the embedded in-memory default."""

from __future__ import annotations

import os
from typing import Final

from recsys.cache.keys import DEFAULT_PREFIX
from recsys.cache.memory import MemoryCache
from recsys.cache.protocol import CandidateCache

#: Environment variable naming the Redis server (``redis://host:port/db``).
REDIS_URL_ENV: Final = "REDIS_URL"
#: Environment variable naming the key prefix.
PREFIX_ENV: Final = "RECSYS_CACHE_PREFIX"


def redis_url_from_env() -> str | None:
    """``$REDIS_URL`` when set and not blank, else ``None``."""
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    return url or None


def prefix_from_env() -> str:
    """``$RECSYS_CACHE_PREFIX`` when set and not blank, else ``recsys``."""
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX


def open_cache(redis_url: str | None, prefix: str = DEFAULT_PREFIX, *, socket_timeout: float = 1.0) -> CandidateCache:
    """Open a candidate cache.

    Parameters
    ----------
    redis_url : str or None
        ``redis://host:port/db`` for :class:`~recsys.cache.redis_cache.RedisCache`;
        ``None`` for a new, empty :class:`~recsys.cache.memory.MemoryCache`
        (the embedded default: it lives as long as this process).
    prefix : str
        Key prefix (Redis only; :func:`recsys.cache.keys.check_prefix`).
    socket_timeout : float
        Seconds a Redis command may take before it fails with ``CacheError``.

    Returns
    -------
    CandidateCache

    Raises
    ------
    InvalidFieldError
        For a malformed prefix.
    CacheError
        When the URL cannot be parsed (nothing is contacted yet: a down Redis
        shows on the first call, as ``CacheError``).

    """
    if redis_url is None:
        return MemoryCache()
    # Imported here: the embedded default must not need the redis package loaded.
    from recsys.cache.redis_cache import RedisCache

    return RedisCache(redis_url, prefix=prefix, socket_timeout=socket_timeout)
