"""``./dev.sh test`` requires Redis: without one the Redis tests fail instead of skipping."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cache.conftest import redis_url_or_skip
from tests.conftest import PROJECT_ROOT
from tests.redis_env import REQUIRE_REDIS, require_redis_server, require_redis_url

#: What each place that needs a Redis calls (the cache and serving fixtures share the first).
REDIS_URL_CHECKS: list[Callable[[], str]] = [redis_url_or_skip, require_redis_url]


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("check", REDIS_URL_CHECKS)
def test_without_redis_url_the_redis_tests_skip_unless_required(
    check: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv(REQUIRE_REDIS, raising=False)
    with pytest.raises(pytest.skip.Exception, match="REDIS_URL not set"):
        check()
    monkeypatch.setenv(REQUIRE_REDIS, "1")
    with pytest.raises(pytest.fail.Exception, match=f"REDIS_URL not set.*{REQUIRE_REDIS} is set"):
        check()


@pytest.mark.parametrize("check", REDIS_URL_CHECKS)
def test_a_redis_that_does_not_answer_fails_when_required(
    check: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv(REQUIRE_REDIS, "1")
    with pytest.raises(pytest.fail.Exception, match=f"no Redis answers at {re.escape(url)}"):
        check()
    monkeypatch.setenv(REQUIRE_REDIS, "0")
    with pytest.raises(pytest.skip.Exception, match="no Redis answers"):
        check()


def test_without_redis_server_the_tests_that_start_one_skip_unless_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(REQUIRE_REDIS, raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        require_redis_server()
    monkeypatch.setenv(REQUIRE_REDIS, "1")
    with pytest.raises(pytest.fail.Exception, match=f"redis-server is not installed.*{REQUIRE_REDIS} is set"):
        require_redis_server()


def test_the_test_command_requires_redis() -> None:
    script = (PROJECT_ROOT / "dev.sh").read_text(encoding="utf-8")
    body = script[script.index("run_tests() {") :]
    body = body[: body.index("\n}\n")]
    assert f"export {REQUIRE_REDIS}=1" in body
    # Exported before pytest runs, after the script that starts Redis.
    assert body.index("ensure-redis.sh") < body.index(f"export {REQUIRE_REDIS}=1") < body.index("pytest")
