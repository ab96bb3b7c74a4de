"""Experiments in the serving path: arms served by the recommendation endpoints, exposures, outcomes, results."""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from recsys.marketing.assignment import assign
from recsys.marketing.experiments import Experiments
from serving.experiments import ExperimentTracker
from tests.serving.conftest import key
from tests.serving.world import World

EXPERIMENT: dict[str, Any] = {
    "id": "diversity-test",
    "description": "diversity 0 vs 1",
    "status": "running",
    "arms": [
        {"name": "control", "weight": 1, "settings": {"diversity": 0.0}},
        {"name": "diverse", "weight": 1, "settings": {"diversity": 1.0}},
    ],
}
ARMS = ["control", "diverse"]


def start(api: TestClient, marketer: str, doc: dict[str, Any] = EXPERIMENT) -> None:
    created = api.post("/v1/experiments", json=doc, headers=key(marketer))
    assert created.status_code == 201, created.text


def known_users(api: TestClient, count: int = 40) -> list[str]:
    model = api.app.state.serving.engine.base  # type: ignore[attr-defined]
    sizes = model.seen_.indptr[1:] - model.seen_.indptr[:-1]
    order = sorted(range(len(sizes)), key=lambda i: -int(sizes[i]))
    return [model.users_.id_of(i) for i in order[:count]]


def user_in(api: TestClient, arm: str, experiment: str = "diversity-test") -> str:
    """A known user whom the hash puts in ``arm``."""
    return next(u for u in known_users(api) if ARMS[assign(experiment, u, [1.0, 1.0])] == arm)


def recommend(api: TestClient, world: World, user: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/v1/users/{user}/recommendations", params=params, headers=key(world.keys["public_any"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def click(api: TestClient, world: World, user: str, event_id: str, interaction_id: str, kind: str = "click") -> None:
    batch = {"interactions": [{"id": interaction_id, "user_id": user, "event_id": event_id, "kind": kind}]}
    response = api.post("/v1/interactions", json=batch, headers=key(world.keys["server"]))
    assert response.status_code == 200, response.text


def test_served_list_is_an_exposure_and_a_click_on_it_counts_for_the_arm(
    api: TestClient, world: World, marketer: str
) -> None:
    start(api, marketer)
    user, other = user_in(api, "diverse"), user_in(api, "control")
    body = recommend(api, world, user, experiment="diversity-test", n=5)
    assert body["experiment"] == "diversity-test" and body["arm"] == "diverse"
    shown = [item["event_id"] for item in body["items"]]
    assert len(shown) == 5
    assert recommend(api, world, other, experiment="diversity-test", n=5)["arm"] == "control"

    log = Experiments(world.path).read_log("diversity-test")
    rows = log.exposures.to_dicts()
    assert [(r["user_id"], r["arm"], r["placement"]) for r in rows] == [
        (user, "diverse", "for-you"),
        (other, "control", "for-you"),
    ]
    assert rows[0]["event_ids"] == shown

    click(api, world, user, shown[0], "i-1")
    click(api, world, user, shown[0], "i-1")  # a retry stores nothing new and records nothing twice
    click(api, world, user, "not-shown-event", "i-2")  # not shown to them in the experiment
    click(api, world, user, shown[1], "i-3", kind="ticket")
    # A restart forgets what the tracker saw; the log still knows i-1, so only i-4 of the retried batch counts.
    api.app.state.serving.experiment_tracker = ExperimentTracker(world.path)  # type: ignore[attr-defined]
    batch = {
        "interactions": [
            {"id": "i-1", "user_id": user, "event_id": shown[0], "kind": "click"},
            {"id": "i-4", "user_id": user, "event_id": shown[2], "kind": "bookmark"},
        ]
    }
    retried = api.post("/v1/interactions", json=batch, headers=key(world.keys["server"]))
    assert retried.status_code == 200 and retried.json()["duplicates"] == 1
    outcomes = Experiments(world.path).read_log("diversity-test").outcomes.to_dicts()
    assert [(o["user_id"], o["event_id"], o["kind"], o["arm"]) for o in outcomes] == [
        (user, shown[0], "click", "diverse"),
        (user, shown[1], "ticket", "diverse"),
        (user, shown[2], "bookmark", "diverse"),
    ]

    results = api.get("/v1/experiments/diversity-test/results", headers=key(marketer)).json()
    arms = {a["name"]: a for a in results["arms"]}
    assert arms["diverse"]["users"] == 1 and arms["control"]["users"] == 1
    assert arms["diverse"]["clicks"] == 1 and arms["control"]["clicks"] == 0
    assert arms["diverse"]["ctr"]["successes"] == 1 and arms["diverse"]["conversion"]["successes"] == 1
    assert arms["control"]["ctr"]["successes"] == 0


def test_the_arm_settings_replace_the_requests(api: TestClient, world: World, marketer: str) -> None:
    start(api, marketer)
    user = user_in(api, "diverse")
    inside = recommend(api, world, user, experiment="diversity-test", diversity=0.0, n=10)
    as_the_arm = recommend(api, world, user, diversity=1.0, n=10)
    plain = recommend(api, world, user, diversity=0.0, n=10)
    ids = [[item["event_id"] for item in b["items"]] for b in (inside, as_the_arm, plain)]
    assert ids[0] == ids[1]  # served with the arm's diversity 1.0, not the 0.0 asked for
    assert ids[0] != ids[2]
    assert as_the_arm["experiment"] is None and as_the_arm["arm"] is None


def test_visitors_similar_and_popular_take_part_with_an_id(api: TestClient, world: World, marketer: str) -> None:
    start(api, marketer)
    public = key(world.keys["public_any"])
    visitor = "anon:0123456789abcdef"
    answer = api.post(
        "/v1/recommendations", json={"visitor_id": visitor, "experiment": "diversity-test", "n": 4}, headers=public
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["arm"] == ARMS[assign("diversity-test", visitor, [1.0, 1.0])]
    # Without consent there is no visitor id: served as usual, outside the experiment.
    nobody = api.post("/v1/recommendations", json={"experiment": "diversity-test", "n": 4}, headers=public)
    assert nobody.status_code == 200 and nobody.json()["arm"] is None
    popular = api.get("/v1/popular", params={"experiment": "diversity-test", "user_id": visitor}, headers=public)
    assert popular.status_code == 200 and popular.json()["arm"] == answer.json()["arm"]
    event_id = popular.json()["items"][0]["event_id"]
    similar = api.get(
        f"/v1/events/{event_id}/similar", params={"experiment": "diversity-test", "user_id": visitor}, headers=public
    )
    assert similar.status_code == 200 and similar.json()["arm"] == answer.json()["arm"]
    rows = Experiments(world.path).read_log("diversity-test").exposures.to_dicts()
    assert [(r["user_id"], r["placement"]) for r in rows] == [
        (visitor, "for-you"),
        (visitor, "popular"),
        (visitor, "similar"),
    ]


def test_unknown_stopped_and_absent_experiments(api: TestClient, world: World, marketer: str) -> None:
    user = known_users(api)[0]
    public = key(world.keys["public_any"])
    unknown = api.get(f"/v1/users/{user}/recommendations", params={"experiment": "nope"}, headers=public)
    assert unknown.status_code == 422 and unknown.json()["field"] == "experiment"
    assert "nope" in unknown.json()["detail"]
    bad = api.get(f"/v1/users/{user}/recommendations", params={"experiment": "Not An Id"}, headers=public)
    assert bad.status_code == 422 and bad.json()["field"] == "experiment"
    start(api, marketer, {**EXPERIMENT, "status": "stopped"})
    stopped = recommend(api, world, user, experiment="diversity-test")
    assert stopped["items"] and stopped["experiment"] is None and stopped["arm"] is None
    assert Experiments(world.path).read_log("diversity-test").exposures.is_empty()


def test_without_an_experiment_nothing_of_the_experiments_is_touched(api: TestClient, world: World) -> None:
    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the experiment tracker was used ({name})")

    api.app.state.serving.experiment_tracker = Untouchable()  # type: ignore[attr-defined]
    body = recommend(api, world, known_users(api)[0])
    assert body["items"] and body["experiment"] is None and body["arm"] is None


def test_an_arm_on_another_model_is_refused_here_and_assignment_says_where(
    api: TestClient, world: World, marketer: str
) -> None:
    doc = {
        **EXPERIMENT,
        "id": "model-test",
        "arms": [
            {"name": "control", "weight": 1, "model": "default"},
            {"name": "diverse", "weight": 1, "model": "challenger", "settings": {"diversity": 0.5}},
        ],
    }
    start(api, marketer, doc)
    here, elsewhere = user_in(api, "control", "model-test"), user_in(api, "diverse", "model-test")
    assert recommend(api, world, here, experiment="model-test")["arm"] == "control"
    refused = api.get(
        f"/v1/users/{elsewhere}/recommendations",
        params={"experiment": "model-test"},
        headers=key(world.keys["public_any"]),
    )
    assert refused.status_code == 409 and refused.json()["field"] == "experiment"
    assert "challenger" in refused.json()["detail"]

    server = key(world.keys["server"])
    url = "/v1/experiments/model-test/assignment"
    answer = api.get(url, params={"user_id": elsewhere}, headers=server)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "experiment": "model-test",
        "status": "running",
        "user_id": elsewhere,
        "arm": "diverse",
        "model": "challenger",
        "settings": {"diversity": 0.5},
        "served_here": False,
    }
    assert api.get(url, params={"user_id": here}, headers=server).json()["served_here"] is True
    assert api.get(url, params={"user_id": here}, headers=key(marketer)).status_code == 403
    assert api.get(url, params={"user_id": here}, headers=key(world.keys["public_any"])).status_code == 403
    assert api.get("/v1/experiments/none/assignment", params={"user_id": here}, headers=server).status_code == 404


def test_the_experiment_parameter_is_documented(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    for path in ("/v1/users/{user_id}/recommendations", "/v1/events/{event_id}/similar", "/v1/popular"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["experiment"]["description"].startswith("Id of an A/B/n experiment")
        if "user_id" in parameters and parameters["user_id"]["in"] == "query":
            assert "experiment" in parameters["user_id"]["description"]
    body = schema["components"]["schemas"]["VisitorBody"]["properties"]
    assert "experiment" in body and body["experiment"]["description"]
    response = schema["components"]["schemas"]["Recommendations"]["properties"]
    assert {"experiment", "arm"} <= set(response)
