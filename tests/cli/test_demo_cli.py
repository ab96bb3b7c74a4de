"""``recsys demo`` with the server start stubbed: a season, a model, demo keys and the demo site switched on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import training.config
from recsys.cli.main import app
from serving.keys import KeyStore, Scope
from tests.serving.world import FAST_CONFIG

runner = CliRunner()
PORT = 8123
ORIGINS = (f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[FastAPI, dict[str, Any]]]:
    """Each ``uvicorn.run`` the command makes (the app and its options), instead of serving."""
    calls: list[tuple[FastAPI, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda served, **options: calls.append((served, options)))
    # The shipped config trains every model at full size (minutes); the serving tests' small one takes seconds.
    monkeypatch.setattr(training.config, "load_config", lambda path=None: training.config.parse_config(FAST_CONFIG))
    for name in ("RECSYS_KEYS_FILE", "RECSYS_DEMO_KEY", "RECSYS_DEMO_PAGE", "RECSYS_NOW"):
        monkeypatch.delenv(name, raising=False)
    return calls


def demo(data_dir: Path, *args: str) -> tuple[str, dict[str, str]]:
    """Run ``recsys demo`` and return its output and the keys it printed, by scope."""
    result = runner.invoke(app, ["--data-dir", str(data_dir), "demo", "--port", str(PORT), *args])
    assert result.exit_code == 0, result.output
    keys = dict(re.findall(r"^  (public|server|admin) +(\S+)$", result.output, flags=re.MULTILINE))
    return result.output, keys


def test_demo_builds_a_world_creates_demo_keys_and_serves_the_demo_site(
    tmp_path: Path, started: list[tuple[FastAPI, dict[str, Any]]]
) -> None:
    output, keys = demo(tmp_path, "--users", "50")
    assert "Training the default config" in output and "active" in output
    assert set(keys) == {"public", "server", "admin"}
    # Where to go, and a curl line with the server key, are printed before the server starts.
    flat = " ".join(output.split())
    assert f"on http://127.0.0.1:{PORT} (API docs: /docs" in flat
    assert f"curl -H 'X-API-Key: {keys['server']}' 'http://127.0.0.1:{PORT}/v1/users/" in flat

    # The keys are stored (hashed) with their scopes; only the public one is bound, to the demo's own origins.
    store = KeyStore(tmp_path / "api-keys.json")
    found = {scope: store.lookup(secret) for scope, secret in keys.items()}
    assert {scope: entry.scope for scope, entry in found.items() if entry} == {
        "public": Scope.PUBLIC,
        "server": Scope.SERVER,
        "admin": Scope.ADMIN,
    }
    assert found["public"] is not None and set(found["public"].origins) == set(ORIGINS)
    assert all(entry is not None and entry.origins == () for scope, entry in found.items() if scope != "public")

    # One server, on the demo's port, with the demo site switched on and the public key in its pages.
    assert len(started) == 1
    served, options = started[0]
    assert options["host"] == "127.0.0.1" and options["port"] == PORT and options["workers"] == 1
    settings = served.state.settings
    assert settings.demo_page and settings.demo_key == keys["public"] and settings.redis_url is None
    with TestClient(served) as client:
        home = client.get("/")
        assert home.status_code == 200 and f'data-key="{keys["public"]}"' in home.text
        popular = client.get(
            "/v1/popular", params={"n": 3}, headers={"X-API-Key": keys["public"], "Origin": ORIGINS[1]}
        )
        assert popular.status_code == 200, popular.text
        assert len(popular.json()["items"]) == 3

    # Again: the season and model are reused, and the previous demo keys give way to new ones.
    again, new_keys = demo(tmp_path)
    assert "Reusing the season and the model" in again and "Training" not in again
    assert len(started) == 2 and started[1][0].state.settings.demo_key == new_keys["public"]
    store = KeyStore(tmp_path / "api-keys.json")
    assert all(store.lookup(secret) is None for secret in keys.values())
    assert sorted(entry.name for entry in store.entries()) == ["demo admin", "demo public", "demo server"]


@pytest.mark.parametrize(
    ("args", "host", "port"), [([], "127.0.0.1", 8000), (["--host", "0.0.0.0", "--port", "9001"], "0.0.0.0", 9001)]
)
def test_serve_passes_host_and_port_to_uvicorn(
    tmp_path: Path, started: list[tuple[FastAPI, dict[str, Any]]], args: list[str], host: str, port: int
) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "serve", *args])
    assert result.exit_code == 0, result.output
    assert f"on http://{host}:{port} " in " ".join(result.output.split())
    assert len(started) == 1
    served, options = started[0]
    assert (options["host"], options["port"], options["workers"]) == (host, port, 1)
    assert served.state.settings.data_dir == tmp_path and not served.state.settings.demo_page
