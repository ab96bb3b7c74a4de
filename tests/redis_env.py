"""Where the tests find Redis, and what happens when there is none.

Without Redis the tests that need one are skipped with the reason, unless
``RECSYS_REQUIRE_REDIS`` is set (``./dev.sh test`` sets it): then they fail,
so a green run means they ran against a real server.
"""

from __future__ import annotations

import os
import shutil
from typing import Final, NoReturn

import pytest

REQUIRE_REDIS: Final = "RECSYS_REQUIRE_REDIS"
NO_REDIS_URL: Final = "REDIS_URL not set: run through ./dev.sh test (it starts redis-server) or export REDIS_URL"


def redis_unavailable(reason: str) -> NoReturn:
    """Skip for ``reason``, or fail when ``$RECSYS_REQUIRE_REDIS`` says the Redis tests must run."""
    if os.environ.get(REQUIRE_REDIS, "") not in ("", "0"):
        pytest.fail(f"{reason} ({REQUIRE_REDIS} is set: the Redis tests must run)", pytrace=False)
    pytest.skip(reason)


def require_redis_url() -> str:
    """``$REDIS_URL`` once a Redis answers there, else :func:`redis_unavailable`."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        redis_unavailable(NO_REDIS_URL)
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        redis_unavailable(f"no Redis answers at {url}: {exc}")
    finally:
        client.close()
    return url


def require_redis_server() -> str:
    """The ``redis-server`` executable (tests that start their own), else :func:`redis_unavailable`."""
    binary = shutil.which("redis-server")
    if binary is None:
        redis_unavailable("redis-server is not installed (./dev.sh test installs it)")
    return binary
