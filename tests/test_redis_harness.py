"""The test command starts a real Redis server; check it answers before any cache test relies on it."""

from __future__ import annotations

import os

import pytest


def test_redis_from_the_test_command_round_trips_a_value() -> None:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set: run the suite through ./dev.sh test, which starts redis-server")
    import redis

    client = redis.Redis.from_url(url)
    client.set("recsys:test:harness", "ok", ex=10)
    assert client.get("recsys:test:harness") == b"ok"
