"""Fixtures of the serving tests: one trained world per session, a private copy per test, both cache backends."""

from __future__ import annotations

import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette nudges towards httpx2; the TestClient over httpx is what FastAPI documents.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from serving.app import create_app
from serving.keys import KeyStore, Scope
from serving.settings import RateLimit, Settings
from tests.redis_env import require_redis_url
from tests.serving.world import NOW, World, build_world

UNLIMITED = RateLimit(0.0, 0.0)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("serving") / "data")


@pytest.fixture
def world(world_template: World, tmp_path: Path) -> World:
    """A private copy of the trained world (tests write interactions, events and artefacts)."""
    target = tmp_path / "data"
    shutil.copytree(world_template.path, target)
    return World(target, dict(world_template.keys))


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str]]:
    """``(redis_url or None, key prefix)``; the Redis case skips (fails under ``$RECSYS_REQUIRE_REDIS``) without one."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    if request.param == "memory":
        yield None, prefix
        return
    url = require_redis_url()
    yield url, prefix
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def make_settings(world: World, backend: tuple[str | None, str]) -> Callable[..., Settings]:
    url, prefix = backend

    def make(**changes: Any) -> Settings:
        base = Settings(
            data_dir=world.path,
            redis_url=url,
            cache_prefix=prefix,
            now=NOW,
            rate_public=UNLIMITED,
            rate_server=UNLIMITED,
            rate_admin=UNLIMITED,
            breaker_cooldown_s=0.2,
        )
        return base.with_overrides(**changes)

    return make


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings())) as test_client:
        yield test_client


def headers(world: World, scope: str = "server", **extra: str) -> dict[str, str]:
    """Request headers with the world's key of ``scope``."""
    return {"X-API-Key": world.keys[scope], **extra}


@pytest.fixture
def marketer(world: World) -> str:
    """A marketer key in the world's key file."""
    secret, _ = KeyStore(world.path / "api-keys.json").create(Scope.MARKETER, name="marketing team")
    return secret


@pytest.fixture
def api(world: World, marketer: str) -> Iterator[TestClient]:
    """A client of the world's server (embedded cache, no rate limits) once the marketer key exists."""
    settings = Settings(
        data_dir=world.path, now=NOW, rate_public=UNLIMITED, rate_server=UNLIMITED, rate_admin=UNLIMITED
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def key(value: str) -> dict[str, str]:
    """Request headers with the API key ``value``."""
    return {"X-API-Key": value}
