"""The marketer endpoints through the real HTTP stack: segments, audiences, experiments and their access rules."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from recsys.marketing.assignment import assign
from tests.serving.conftest import key
from tests.serving.world import NOW, World

SEGMENT = {
    "name": "iedereen",
    "description": "every user",
    "rules": [{"not": {"uitpas": True}}, {"uitpas": True}],
    "match": "any",
}
EXPERIMENT = {
    "id": "diversity-test",
    "description": "diversity 0 vs 0.3",
    "status": "running",
    "arms": [
        {"name": "control", "weight": 1, "settings": {"diversity": 0.0}},
        {"name": "diverse", "weight": 1, "settings": {"diversity": 0.3}},
    ],
}


def an_event(api: TestClient, world: World, marketer: str) -> str:
    """An event the model can score (one with interactions)."""
    state = api.app.state.serving  # type: ignore[attr-defined]
    table = state.workspace.interactions.export()
    counts: dict[str, int] = {}
    for event_id in table.column("event_id").to_pylist():
        counts[event_id] = counts.get(event_id, 0) + 1
    return max(counts, key=lambda e: counts[e])


def test_segment_create_list_size_preview(api: TestClient, marketer: str) -> None:
    created = api.post("/v1/segments", json=SEGMENT, headers=key(marketer))
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    again = api.post("/v1/segments", json=SEGMENT, headers=key(marketer))
    assert again.status_code == 200 and again.json()["version"] == 1
    changed = api.post("/v1/segments", json={**SEGMENT, "description": "all"}, headers=key(marketer))
    assert changed.status_code == 201 and changed.json()["version"] == 2
    listed = api.get("/v1/segments", headers=key(marketer)).json()["segments"]
    assert [s["name"] for s in listed] == ["iedereen"]
    shown = api.get("/v1/segments/iedereen", params={"version": 1}, headers=key(marketer)).json()
    assert shown["description"] == "every user" and shown["versions"] == [1, 2]
    size = api.get("/v1/segments/iedereen/size", headers=key(marketer)).json()
    assert size["method"] == "exact" and size["estimate"] == size["population"] == 300
    sampled = api.get("/v1/segments/iedereen/size", params={"sample": 100}, headers=key(marketer)).json()
    assert sampled["method"] == "sample" and sampled["low"] <= sampled["estimate"] <= sampled["high"]
    preview = api.get("/v1/segments/iedereen/preview", params={"sample": 20, "n": 5}, headers=key(marketer))
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["sampled"] > 0 and body["disciplines"] and 0.0 <= body["small_organizer_share"] <= 1.0
    missing = api.get("/v1/segments/nope", headers=key(marketer))
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_bad_segment_is_422_naming_the_field_path(api: TestClient, marketer: str) -> None:
    bad = {"name": "x", "rules": [{"age_band": ["18-25"]}, {"activity": {"levels": ["extreme"]}}]}
    response = api.post("/v1/segments", json=bad, headers=key(marketer))
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"].startswith("rules[1]") and "activity" in problem["field"]
    assert response.headers["content-type"].startswith("application/problem+json")


def test_audience_counts_and_id_rules(
    api: TestClient, world: World, marketer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/v1/segments", json=SEGMENT, headers=key(marketer))
    event_id = an_event(api, world, marketer)
    url = f"/v1/events/{event_id}/audience"
    counted = api.get(url, params={"segment": "iedereen", "top_share": 0.5}, headers=key(marketer))
    assert counted.status_code == 200, counted.text
    body = counted.json()
    assert body["size"] > 0 and body["user_ids"] is None
    assert sum(r["count"] for r in body["by_region"]) == body["size"]
    assert body["by_segment"] == [{"key": "iedereen", "count": body["size"], "share": 1.0}]
    refused = api.get(url, params={"ids": True}, headers=key(marketer))
    assert refused.status_code == 403 and refused.json()["field"] == "ids"
    assert "admin" in refused.json()["detail"]
    small = api.get(url, params={"ids": True, "limit": 10}, headers=key(world.keys["admin"]))
    assert small.status_code == 403
    assert "privacy minimum" in small.json()["detail"] and "50" in small.json()["detail"]
    allowed = api.get(url, params={"ids": True, "top_share": 1.0}, headers=key(world.keys["admin"]))
    assert allowed.status_code == 200, allowed.text
    assert len(allowed.json()["user_ids"]) == allowed.json()["size"] >= 50
    monkeypatch.setenv("RECSYS_MIN_AUDIENCE", "100000")
    raised = api.get(url, params={"ids": True, "top_share": 1.0}, headers=key(world.keys["admin"]))
    assert raised.status_code == 403 and "100000" in raised.json()["detail"]
    unknown = api.get("/v1/events/no-such-event/audience", headers=key(marketer))
    assert unknown.status_code == 404


def test_experiment_logging_and_results(api: TestClient, world: World, marketer: str) -> None:
    created = api.post("/v1/experiments", json=EXPERIMENT, headers=key(marketer))
    assert created.status_code == 201, created.text
    assert [e["id"] for e in api.get("/v1/experiments", headers=key(marketer)).json()["experiments"]] == [
        "diversity-test"
    ]
    assert api.get("/v1/experiments/diversity-test", headers=key(marketer)).json()["status"] == "running"
    users = [f"u{i}" for i in range(200)]
    exposures = [{"user_id": u, "event_ids": ["e1", "e2"], "time": NOW.isoformat()} for u in users]
    server = key(world.keys["server"])
    logged = api.post("/v1/experiments/diversity-test/exposures", json={"exposures": exposures}, headers=server)
    assert logged.status_code == 200, logged.text
    arms = logged.json()["arms"]
    assert arms == [["control", "diverse"][assign("diversity-test", u, [1.0, 1.0])] for u in users]
    outcomes = [{"user_id": u, "event_id": "e1", "kind": "click", "time": NOW.isoformat()} for u in users[::3]]
    done = api.post("/v1/experiments/diversity-test/outcomes", json={"outcomes": outcomes}, headers=server)
    assert done.status_code == 200 and done.json()["logged"] == len(outcomes)
    wrong = api.post(
        "/v1/experiments/diversity-test/outcomes",
        json={"outcomes": [{"user_id": "u1", "event_id": "e1", "kind": "purchase"}]},
        headers=server,
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "outcomes[0].kind"
    not_marketer = api.post(
        "/v1/experiments/diversity-test/exposures", json={"exposures": exposures}, headers=key(marketer)
    )
    assert not_marketer.status_code == 403
    results = api.get("/v1/experiments/diversity-test/results", headers=key(marketer))
    assert results.status_code == 200, results.text
    per_arm = {a["name"]: a for a in results.json()["arms"]}
    assigned = dict(zip(users, arms, strict=True))
    for name in ("control", "diverse"):
        members = [u for u in users if assigned[u] == name]
        clickers = [u for u in users[::3] if assigned[u] == name]
        arm = per_arm[name]
        assert arm["users"] == len(members) > 50  # the hash splits 200 users about evenly
        assert arm["clicks"] == len(clickers) and arm["ctr"]["successes"] == len(clickers)
        assert arm["ctr"]["value"] == pytest.approx(len(clickers) / len(members))
        for metric in ("ctr", "conversion", "dismiss_rate"):
            rate = arm[metric]
            assert 0.0 <= rate["low"] <= rate["value"] <= rate["high"] <= 1.0, (name, metric)
        assert arm["conversion"]["successes"] == 0  # only clicks were logged
    [ctr] = [c for c in results.json()["comparisons"] if c["metric"] == "ctr"]
    assert ctr["test"]["low"] <= ctr["test"]["difference"] <= ctr["test"]["high"]


def _paths(event_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", "/v1/segments", SEGMENT),
        ("GET", "/v1/segments", None),
        ("GET", "/v1/segments/iedereen", None),
        ("GET", "/v1/segments/iedereen/size", None),
        ("GET", "/v1/segments/iedereen/preview", None),
        ("GET", f"/v1/events/{event_id}/audience", None),
        ("POST", "/v1/experiments", EXPERIMENT),
        ("GET", "/v1/experiments", None),
        ("GET", "/v1/experiments/diversity-test", None),
        ("GET", "/v1/experiments/diversity-test/results", None),
        ("POST", "/v1/experiments/diversity-test/exposures", {"exposures": [{"user_id": "u", "event_ids": ["e"]}]}),
        (
            "POST",
            "/v1/experiments/diversity-test/outcomes",
            {"outcomes": [{"user_id": "u", "event_id": "e", "kind": "click"}]},
        ),
    ]


def test_public_keys_are_refused_everywhere(api: TestClient, world: World, marketer: str) -> None:
    for method, path, body in _paths("e1"):
        response = api.request(method, path, json=body, headers=key(world.keys["public_any"]))
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get("/v1/segments").status_code == 401


def test_a_marketer_key_reads_no_recommendations_and_writes_no_interactions(
    api: TestClient, world: World, marketer: str
) -> None:
    event_id = an_event(api, world, marketer)
    batch = {"interactions": [{"id": "m-1", "user_id": "u1", "event_id": event_id, "kind": "click"}]}
    for method, path, body in [
        ("GET", "/v1/users/u1/recommendations", None),
        ("POST", "/v1/recommendations", {"viewed": [event_id]}),
        ("GET", f"/v1/events/{event_id}/similar", None),
        ("GET", "/v1/popular", None),
        ("POST", "/v1/interactions", batch),
        ("POST", "/v1/experiments/diversity-test/exposures", {"exposures": [{"user_id": "u", "event_ids": ["e"]}]}),
        ("GET", "/v1/experiments/diversity-test/assignment?user_id=u1", None),
    ]:
        response = api.request(method, path, json=body, headers=key(marketer))
        assert response.status_code == 403, (method, path, response.text)
        assert "marketer" in response.json()["detail"]


def test_a_server_key_is_refused_on_the_marketer_routes(api: TestClient, world: World, marketer: str) -> None:
    server = key(world.keys["server"])
    api.post("/v1/experiments", json=EXPERIMENT, headers=key(marketer))
    for method, path, body in _paths("e1"):
        response = api.request(method, path, json=body, headers=server)
        if path.endswith(("/exposures", "/outcomes")):
            assert response.status_code == 200, (method, path, response.text)  # the back end's routes
        else:
            assert response.status_code == 403, (method, path, response.text)
            assert "marketer or admin" in response.json()["detail"]
    assert api.get("/v1/experiments/diversity-test/assignment", params={"user_id": "u1"}, headers=server).is_success
    admin = key(world.keys["admin"])
    assert api.get("/v1/segments", headers=admin).status_code == 200  # admin keys may use everything


def test_every_parameter_is_documented(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        if not (path.startswith(("/v1/segments", "/v1/experiments")) or path.endswith("/audience")):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "key":
                    continue
                assert parameter.get("description"), (path, parameter["name"])


def test_dashboard_sign_in_takes_a_marketer_key_and_refuses_the_rest(
    api: TestClient, marketer: str, world: World
) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    good = api.post(
        "/dashboard/login", content=f"key={marketer}&next=/dashboard/segments", headers=form, follow_redirects=False
    )
    assert good.status_code == 303 and good.headers["location"] == "/dashboard/segments"
    assert marketer in good.headers["set-cookie"] and "httponly" in good.headers["set-cookie"].lower()
    public = api.post("/dashboard/login", content=f"key={world.keys['public']}", headers=form)
    assert public.status_code == 401 and "marketer or admin" in public.text
    stuffed = api.post("/dashboard/login", content="&".join(f"f{i}=x" for i in range(20)), headers=form)
    assert stuffed.status_code == 401 and "sign-in form" in stuffed.text
