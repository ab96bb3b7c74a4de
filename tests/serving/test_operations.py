"""Admin model versions, health, readiness, metrics, OpenAPI, and answering from the fallback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from recsys.cache.protocol import CacheError
from tests.serving.conftest import headers
from tests.serving.test_feedback import logged_ids, post_interactions
from tests.serving.test_recommendations import known_users, recommend
from tests.serving.world import FAST_CONFIG, NOW, ORIGIN, World
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


class BrokenCache:
    """A cache backend whose every call fails."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise CacheError("backend down (test)")

        return fail


def test_a_broken_cache_gives_fallback_answers_not_errors(client: TestClient, world: World) -> None:
    state = client.app.state.serving  # type: ignore[attr-defined]
    user, leaving = known_users(client)[:2]
    recommend(client, world, user, n=5)
    backend = state.cache.backend
    # The user who asks to be forgotten during the outage has a cached list and a recent history.
    seen = recommend(client, world, leaving, n=5)["items"][0]["event_id"]
    viewed = post_interactions(client, world, [{"id": "gone-1", "user_id": leaving, "event_id": seen, "kind": "view"}])
    assert viewed.status_code == 200, viewed.text
    version = backend.active_version()
    assert backend.user_candidates(version, leaving) is not None and backend.recent(leaving)

    state.cache.backend = BrokenCache()
    try:
        answer = recommend(client, world, user, n=5)
        assert answer["source"].endswith("+fallback") and answer["items"]
        assert answer["cache_version"] is None
        similar = client.get(f"/v1/events/{answer['items'][0]['event_id']}/similar", headers=headers(world))
        assert similar.status_code == 200 and similar.json()["source"] == "similar+fallback"
        popular = client.get("/v1/popular", params={"region": "BE-VAN"}, headers=headers(world)).json()
        assert popular["source"] in ("regional-popular+fallback", "popular+fallback")
        visitor = client.post(
            "/v1/recommendations",
            json={"viewed": [answer["items"][0]["event_id"]], "n": 5},
            headers=headers(world, "public", Origin=ORIGIN),
        )
        assert visitor.status_code == 200, visitor.text
        assert visitor.json()["source"].endswith("+fallback") and visitor.json()["items"]
        put = client.put("/v1/events/down-event-1", json=_event_body(), headers=headers(world))
        assert put.status_code == 200, put.text
        assert put.json() == {"event_id": "down-event-1", "written": True, "recommendable": True}
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
        # Forgetting a user works too: the log and the record now, the cache's copy when it is back.
        deleted = client.delete(f"/v1/users/{leaving}", headers=headers(world))
        assert deleted.status_code == 202, deleted.text
        assert deleted.json()["cache"] == "pending" and deleted.json()["interactions_deleted"] > 0
        assert not logged_ids(world, leaving) and leaving in state.forgotten
        assert leaving in state.pending_deletions
        stranger = recommend(client, world, leaving, n=5)
        assert not any(i["source"] == "personal" for i in stranger["items"])
        assert client.get("/ready").status_code == 200
    finally:
        state.cache.backend = backend
    state.cache.breaker._opened_at = 0.0  # skip the cool-down
    recovered = recommend(client, world, user, n=5)
    assert not recovered["source"].endswith("+fallback")
    # The recovery deletes what the cache held of the forgotten user and pushes what waited (in a background thread).
    assert state.wait_for_recovery(10.0)
    assert leaving not in state.pending_deletions
    assert all(backend.user_candidates(v, leaving) is None for v in backend.versions())
    assert backend.recent(leaving) == []
    # And what changed while it was down is served from the cache now.
    assert any(card.event_id == "down-event-1" for card in backend.live_cards())
    again = client.delete(f"/v1/users/{leaving}", headers=headers(world))
    assert again.status_code == 200 and again.json()["cache"] == "deleted"


def _event_body() -> dict[str, Any]:
    """A new one-date event in the API's schema."""
    start = NOW + dt.timedelta(days=30, hours=8)
    return {
        "name": {"nl": "Voorstelling tijdens de storing"},
        "type_id": "0.50.4.0.0",
        "dates": [{"start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()}],
        "location": {"id": "down-venue-1", "name": "Zaal", "municipality": "Gent", "postcode": "9000"},
        "price_eur": 10.0,
    }


def test_history_after_a_deletion_the_cache_missed_survives_that_deletion(client: TestClient, world: World) -> None:
    state = client.app.state.serving  # type: ignore[attr-defined]
    user = known_users(client)[3]
    old, new = (i["event_id"] for i in recommend(client, world, user, n=2)["items"])
    backend = state.cache.backend
    first = post_interactions(client, world, [{"id": "old-1", "user_id": user, "event_id": old, "kind": "view"}])
    assert first.status_code == 200, first.text
    state.cache.backend = BrokenCache()
    try:
        assert client.delete(f"/v1/users/{user}", headers=headers(world)).status_code == 202
    finally:
        state.cache.backend = backend
    state.cache.breaker._opened_at = 0.0  # the cache is back; the recovery has not run yet
    # Posted now, it must not land in the old history the pending deletion is about to remove.
    posted = post_interactions(client, world, [{"id": "new-1", "user_id": user, "event_id": new, "kind": "view"}])
    assert posted.status_code == 200, posted.text
    recommend(client, world, user, n=5)  # notices the cache is back: the recovery runs
    assert state.wait_for_recovery(10.0)
    assert user not in state.pending_deletions and not state.pending.of(user)
    assert [(e.event_id, e.kind) for e in backend.recent(user)] == [(new, "view")]
    assert logged_ids(world, user) == {"new-1"}
