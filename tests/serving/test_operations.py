"""Admin model versions, health, readiness, metrics, OpenAPI, and answering from the fallback."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from recsys.cache.protocol import CacheError
from tests.serving.conftest import headers
from tests.serving.test_feedback import logged_ids, post_interactions
from tests.serving.test_recommendations import known_users, recommend
from tests.serving.world import FAST_CONFIG, World
from training.config import parse_config
from training.job import train


def test_admin_activates_and_rolls_back(client: TestClient, world: World) -> None:
    admin = headers(world, "admin")
    state = client.app.state.serving  # type: ignore[attr-defined]
    first = state.engine.version
    listed = client.get("/v1/admin/models", headers=admin).json()
    assert listed["serving"] == first and [v["version"] for v in listed["versions"]] == [first]
    assert listed["cache_active"] and listed["cache_versions"][0]["info"]["artifact_version"] == first

    # A second version, trained while the server runs (the trainer only reads the log).
    second = _train_again(state)
    activated = client.post(f"/v1/admin/models/default/activate/{second}", headers=admin)
    assert activated.status_code == 200, activated.text
    body = activated.json()
    assert body["model_version"] == second and body["cache_version"].startswith(second)
    user = known_users(client)[0]
    answer = recommend(client, world, user, n=3)
    assert answer["model_version"] == second and answer["cache_version"] == body["cache_version"]

    back = client.post("/v1/admin/models/default/rollback", headers=admin)
    assert back.status_code == 200, back.text
    assert back.json()["model_version"] == first
    assert recommend(client, world, user, n=3)["model_version"] == first
    versions = client.get("/v1/admin/models", headers=admin).json()["versions"]
    assert {v["version"]: v["active"] for v in versions} == {first: True, second: False}


def _train_again(state: Any) -> str:
    config = parse_config({**FAST_CONFIG, "seed": 8, "promote": False})
    return str(train(state.workspace, config).artifact.version)


def test_health_ready_metrics(client: TestClient, world: World) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["cache"] == "ok"
    recommend(client, world, known_users(client)[0], n=3)
    text = client.get("/metrics").text
    assert 'recsys_http_requests_total{method="GET",route="/v1/users/{user_id}/recommendations",status="200"}' in text
    assert "recsys_http_request_seconds_bucket" in text
    assert 'recsys_answer_sources_total{source="personal"}' in text


def test_openapi_describes_every_parameter(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description") and not parameter.get("schema", {}).get("description"):
                    missing.append(f"{method.upper()} {path} {parameter['name']}")
            assert operation.get("summary") or operation.get("description"), f"{method} {path}"
    for name, schema in spec["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError"):
            continue
        for prop, value in schema.get("properties", {}).items():
            if not value.get("description") and "$ref" not in value:
                missing.append(f"schema {name}.{prop}")
    assert not missing, missing
    recommendations = spec["paths"]["/v1/users/{user_id}/recommendations"]["get"]
    n = next(p for p in recommendations["parameters"] if p["name"] == "n")
    assert n["schema"]["minimum"] == 1 and n["schema"]["maximum"] == 100
    assert {"401", "403", "422", "429"} <= set(recommendations["responses"])
    assert spec["components"]["securitySchemes"]


def test_a_broken_cache_gives_fallback_answers_not_errors(client: TestClient, world: World) -> None:
    state = client.app.state.serving  # type: ignore[attr-defined]
    user = known_users(client)[0]
    recommend(client, world, user, n=5)
    backend = state.cache.backend

    class Broken:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise CacheError("backend down (test)")

            return fail

    state.cache.backend = Broken()
    try:
        answer = recommend(client, world, user, n=5)
        assert answer["source"].endswith("+fallback") and answer["items"]
        assert answer["cache_version"] is None
        similar = client.get(f"/v1/events/{answer['items'][0]['event_id']}/similar", headers=headers(world))
        assert similar.status_code == 200 and similar.json()["source"] == "similar+fallback"
        popular = client.get("/v1/popular", params={"region": "BE-VAN"}, headers=headers(world)).json()
        assert popular["source"] in ("regional-popular+fallback", "popular+fallback")
        written = post_interactions(
            client,
            world,
            [{"id": "down-1", "user_id": user, "event_id": answer["items"][0]["event_id"], "kind": "click"}],
        )
        assert written.status_code == 200
        assert "down-1" in logged_ids(world, user)
        # Seen while the cache was down: still dropped, from the in-process copy.
        assert answer["items"][0]["event_id"] not in {
            i["event_id"] for i in recommend(client, world, user, n=5)["items"]
        }
        assert client.get("/ready").status_code == 200
    finally:
        state.cache.backend = backend
    state.cache.breaker._opened_at = 0.0  # skip the cool-down
    recovered = recommend(client, world, user, n=5)
    assert not recovered["source"].endswith("+fallback")
