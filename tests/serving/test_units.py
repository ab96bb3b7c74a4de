"""The small parts on their own: key store and CLI, token buckets, circuit breaker, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsys.cache.protocol import CacheError
from recsys.cli.main import app as cli
from recsys.domain.errors import InvalidFieldError, StoreError
from serving.keys import KeyStore, Scope, hash_key, normalize_origin
from serving.live import PendingDeletions
from serving.ratelimit import RateLimiter
from serving.resilience import BreakerState, CircuitBreaker, GuardedCache
from serving.settings import RateLimit, Settings


def test_keys_are_stored_hashed_and_bound_to_origins(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    secret, entry = store.create(Scope.PUBLIC, name="widget", origins=["https://Agenda.example/path"])
    assert secret.startswith("rk_") and entry.origins == ("https://agenda.example",)
    text = (tmp_path / "keys.json").read_text()
    assert secret not in text and hash_key(secret) in text
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    found = KeyStore(tmp_path / "keys.json").lookup(secret)
    assert found is not None and found.scope is Scope.PUBLIC
    assert found.allows_origin("https://agenda.example") and not found.allows_origin("https://evil.example")
    assert not found.allows_origin(None)
    assert store.lookup("rk_wrong") is None
    with pytest.raises(InvalidFieldError):
        store.create(Scope.SERVER, origins=["https://agenda.example"])
    with pytest.raises(InvalidFieldError):
        normalize_origin("agenda.example")
    assert store.revoke(entry.key_id) and store.lookup(secret) is None


def test_keys_cli_prints_the_key_once(tmp_path: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["--data-dir", str(tmp_path), "keys", "create", "--scope", "server", "--name", "cms"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("rk_")
    listed = runner.invoke(cli, ["--data-dir", str(tmp_path), "keys", "list"])
    assert listed.exit_code == 0 and "cms" in listed.output and secret not in listed.output
    stored = json.loads((tmp_path / "api-keys.json").read_text())["keys"]
    assert stored[0]["sha256"] == hash_key(secret)
    bad = runner.invoke(cli, ["--data-dir", str(tmp_path), "keys", "create", "--scope", "root"])
    assert bad.exit_code == 2


def test_token_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limit = RateLimit(2.0, 3.0)
    assert [limiter.take("k", limit) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("k", limit)
    assert wait == pytest.approx(0.5) and RateLimiter.retry_after(wait) == 1
    now[0] = 0.5
    assert limiter.take("k", limit) == 0.0
    assert limiter.take("other", limit) == 0.0
    assert limiter.take("k", RateLimit(0.0, 0.0)) == 0.0  # off


def test_circuit_breaker_opens_and_recovers() -> None:
    now = [0.0]
    changes: list[BreakerState] = []
    breaker = CircuitBreaker(1.0, clock=lambda: now[0], on_change=changes.append)
    breaker.failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    now[0] = 1.5
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and changes == [BreakerState.OPEN, BreakerState.CLOSED]


def test_guarded_cache_turns_failures_into_cache_errors() -> None:
    class Flaky:
        def ping(self) -> bool:
            raise ConnectionError("refused")

    errors: list[str] = []
    guarded = GuardedCache(Flaky(), cooldown_s=60.0, on_error=errors.append)  # type: ignore[arg-type]
    with pytest.raises(CacheError):
        guarded.call("ping", guarded.backend.ping)
    with pytest.raises(CacheError, match="circuit open"):
        guarded.call("ping", guarded.backend.ping)
    assert errors == ["ping"] and not guarded.available


def test_settings_from_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "RECSYS_DATA_DIR": str(tmp_path),
            "REDIS_URL": "redis://localhost:6379/0",
            "RECSYS_RATE_PUBLIC": "5/10",
            "RECSYS_CORS_ORIGINS": "https://a.example, https://b.example/",
            "RECSYS_BENCH_ROUTES": "yes",
            "RECSYS_NOW": "2026-01-15T12:00:00+00:00",
        }
    )
    assert settings.data_dir == tmp_path and settings.redis_url == "redis://localhost:6379/0"
    assert settings.rate_public == RateLimit(5.0, 10.0)
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.bench_routes and settings.now is not None
    assert settings.keys_path == tmp_path / "api-keys.json"
    assert Settings.from_env({}).redis_url is None
    with pytest.raises(InvalidFieldError, match="RECSYS_MAX_BATCH"):
        Settings.from_env({"RECSYS_MAX_BATCH": "many"})
    with pytest.raises(InvalidFieldError, match="RECSYS_AUTH"):
        Settings.from_env({"RECSYS_AUTH": "maybe"})
    assert Settings.from_env({"RECSYS_RANKING_THREADS": "3"}).ranking_threads == 3
    with pytest.raises(InvalidFieldError, match="RECSYS_RANKING_THREADS"):
        Settings.from_env({"RECSYS_RANKING_THREADS": "two"})
    with pytest.raises(InvalidFieldError, match="ranking_threads"):
        Settings.from_env({"RECSYS_RANKING_THREADS": "0"})


def test_pending_deletions_survive_a_restart_and_leave_no_file_when_done(tmp_path: Path) -> None:
    path = tmp_path / "pending-cache-deletions.json"
    waiting = PendingDeletions(path)
    waiting.add("u1")
    waiting.add("u:2")
    waiting.add("u1")
    assert json.loads(path.read_text()) == ["u1", "u:2"]
    restarted = PendingDeletions(path)
    assert restarted.users() == ["u1", "u:2"] and "u:2" in restarted
    restarted.discard("u1")
    assert PendingDeletions(path).users() == ["u:2"]
    restarted.discard("u:2")
    assert not path.exists() and len(PendingDeletions(path)) == 0
    in_memory = PendingDeletions()
    in_memory.add("u3")
    assert "u3" in in_memory and not list(tmp_path.glob("*.tmp"))


def test_pending_deletions_file_is_private_and_a_broken_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pending-cache-deletions.json"
    PendingDeletions(path).add("u1")
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text('{"u1": true}')
    with pytest.raises(StoreError, match="pending-cache-deletions.json: expected a JSON list"):
        PendingDeletions(path)
    path.write_text("[unfinished")
    with pytest.raises(StoreError, match="cannot read the pending cache deletions"):
        PendingDeletions(path)
