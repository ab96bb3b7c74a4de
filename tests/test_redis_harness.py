"""The test command starts a real Redis server; check it answers before any cache test relies on it."""

from __future__ import annotations

from tests.redis_env import require_redis_url


def test_redis_from_the_test_command_round_trips_a_value() -> None:
    url = require_redis_url()
    import redis

    client = redis.Redis.from_url(url)
    client.set("recsys:test:harness", "ok", ex=10)
    assert client.get("recsys:test:harness") == b"ok"
