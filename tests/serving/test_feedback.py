"""Writes that change the next answer: interactions, new and changed events, deleted users."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from recsys.domain.events import Event
from recsys.stores.segment_log import SegmentLog
from serving.app import create_app
from serving.settings import Settings
from tests.serving.conftest import headers
from tests.serving.test_recommendations import known_users, recommend
from tests.serving.world import NOW, ORIGIN, World


def post_interactions(client: TestClient, world: World, items: list[dict[str, Any]], scope: str = "server") -> Any:
    return client.post("/v1/interactions", json={"interactions": items}, headers=headers(world, scope))


def logged_ids(world: World, user_id: str | None = None) -> set[str]:
    log = SegmentLog(world.path / "interactions")
    try:
        table = log.export(["interaction_id", "user_id"])
    finally:
        log.close()
    rows = zip(table.column("interaction_id").to_pylist(), table.column("user_id").to_pylist(), strict=True)
    return {i for i, u in rows if user_id is None or u == user_id}


def test_a_view_changes_the_next_answer(client: TestClient, world: World) -> None:
    user = known_users(client)[2]
    before = recommend(client, world, user, n=10)
    top = before["items"][0]["event_id"]
    stamp = (NOW - dt.timedelta(minutes=1)).isoformat()
    response = post_interactions(
        client, world, [{"id": "fb-1", "user_id": user, "event_id": top, "kind": "view", "timestamp": stamp}]
    )
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 1
    after = recommend(client, world, user, n=10)
    ids = [i["event_id"] for i in after["items"]]
    assert top not in ids  # seen: dropped at once
    assert ids != [i["event_id"] for i in before["items"]]
    assert any(i["source"] == "similar" and "because-viewed" in i["reasons"] for i in after["items"])
    assert "fb-1" in logged_ids(world, user)


def test_a_view_folds_into_the_users_vector(client: TestClient, world: World) -> None:
    # diversity=0: the list follows the scores alone (exploration has no API knob; it only reorders).
    user = known_users(client)[2]
    before = recommend(client, world, user, n=20, diversity=0)
    viewed = before["items"][0]["event_id"]
    stamp = (NOW - dt.timedelta(minutes=1)).isoformat()
    response = post_interactions(
        client, world, [{"id": "fold-1", "user_id": user, "event_id": viewed, "kind": "view", "timestamp": stamp}]
    )
    assert response.status_code == 200, response.text
    after = recommend(client, world, user, n=20, diversity=0)
    scores_before = {i["event_id"]: i["score"] for i in before["items"] if i["source"] == "personal"}
    scores_after = {i["event_id"]: i["score"] for i in after["items"] if i["source"] == "personal"}
    shared = sorted(scores_before.keys() & scores_after.keys())
    assert len(shared) >= 3, (scores_before, scores_after)
    # Response scores are relevance ranks within the request, so one item may keep its place; most move.
    moved = [e for e in shared if scores_before[e] != scores_after[e]]
    assert len(moved) > len(shared) / 2, [(scores_before[e], scores_after[e]) for e in shared]
    # The change comes from the folded-in vector: the model's base score of every one of those items moved.
    engine = client.app.state.serving.engine  # type: ignore[attr-defined]
    plain = engine.scores(user, {}, shared, [])["base"]
    folded = engine.scores(user, engine.history_weights([(viewed, "view")]), shared, [])["base"]
    assert np.all(plain != folded)


def test_interactions_are_idempotent_and_durable(client: TestClient, world: World) -> None:
    user = known_users(client)[3]
    batch = [
        {"id": f"idem-{i}", "user_id": user, "event_id": f"syn-11-event-{i:06d}", "kind": "click"} for i in range(5)
    ]
    first = post_interactions(client, world, batch).json()
    second = post_interactions(client, world, batch).json()
    assert (first["written"], first["duplicates"]) == (5, 0)
    assert (second["written"], second["duplicates"]) == (0, 5)
    assert {f"idem-{i}" for i in range(5)} <= logged_ids(world, user)


def test_a_public_key_posts_only_anonymous_impressions_and_clicks(client: TestClient, world: World) -> None:
    good = [{"id": "w-1", "user_id": "anon:abc", "event_id": "syn-11-event-000001", "kind": "click"}]
    response = client.post(
        "/v1/interactions", json={"interactions": good}, headers=headers(world, "public", Origin=ORIGIN)
    )
    assert response.status_code == 200, response.text
    for bad in (
        {**good[0], "id": "w-2", "kind": "ticket"},
        {**good[0], "id": "w-3", "user_id": "real-user"},
    ):
        refused = client.post(
            "/v1/interactions", json={"interactions": [bad]}, headers=headers(world, "public", Origin=ORIGIN)
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


def _new_date(client: TestClient, event_id: str, start: dt.datetime) -> dict[str, Any]:
    """An extra date of an existing production (the classic cold start: one show, many dates)."""
    event = client.app.state.serving.workspace.catalogue.get_event(event_id)  # type: ignore[attr-defined]
    assert event is not None
    place = event.location
    return {
        "name": {"nl": event.name.get("nl") + " (extra voorstelling)", "en": event.name.get("en") + " (extra show)"},
        "type_id": event.type_id,
        "dates": [{"start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()}],
        "location": {"id": "fresh-venue-1", "name": "Nieuwe zaal", "municipality": "Gent", "postcode": "9000"}
        if place is None
        else {"id": place.id},
        "organizer": None if event.organizer is None else {"id": event.organizer.id},
        "production_id": event.production_id,
        "price_eur": 12.0,
    }


def test_a_new_event_is_recommended_within_a_second(client: TestClient, world: World) -> None:
    user = known_users(client)[0]
    template = recommend(client, world, user, n=1, lang="nl")["items"][0]
    start = NOW + dt.timedelta(days=40, hours=3)
    body = {k: v for k, v in _new_date(client, template["event_id"], start).items() if v is not None}
    window = {
        "date_from": (start - dt.timedelta(hours=1)).isoformat(),
        "date_to": (start + dt.timedelta(hours=3)).isoformat(),
        "types": body["type_id"],
    }
    began = time.perf_counter()
    put = client.put("/v1/events/fresh-event-1", json=body, headers=headers(world))
    assert put.status_code == 200, put.text
    assert put.json() == {"event_id": "fresh-event-1", "written": True, "recommendable": True}
    items = recommend(client, world, user, n=10, **window)["items"]
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0
    fresh = [i for i in items if i["event_id"] == "fresh-event-1"]
    assert fresh and fresh[0]["source"] == "fresh" and "fresh" in fresh[0]["reasons"]
    # Cancelled: gone from every list at once.
    cancelled = client.put("/v1/events/fresh-event-1", json={**body, "status": "Unavailable"}, headers=headers(world))
    assert cancelled.status_code == 200 and cancelled.json()["recommendable"] is False
    assert "fresh-event-1" not in {i["event_id"] for i in recommend(client, world, user, n=10, **window)["items"]}


def _event_document(event: Event, **change: Any) -> dict[str, Any]:
    """The PUT body that rewrites a stored event as it is, with ``change`` on top."""
    calendar = event.calendar
    document = {
        "name": dict(event.name.texts),
        "type_id": event.type_id,
        "dates": [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in calendar.sub_events] or None,
        **(
            {"period": {"start": calendar.start.isoformat(), "end": calendar.end.isoformat()}}
            if not calendar.sub_events and calendar.start and calendar.end
            else {}
        ),
        **({"permanent": True} if not calendar.sub_events and not calendar.start else {}),
        **change,
    }
    return {k: v for k, v in document.items() if v is not None}


def test_cancelled_and_sold_out_events_leave_every_list(client: TestClient, world: World) -> None:
    user = known_users(client)[1]
    items = recommend(client, world, user, n=10)["items"]
    catalogue = client.app.state.serving.workspace.catalogue  # type: ignore[attr-defined]
    changed = []
    for item, change in zip(items[:2], ({"status": "Unavailable"}, {"booking": "Unavailable"}), strict=False):
        event = catalogue.get_event(item["event_id"])
        assert event is not None
        response = client.put(f"/v1/events/{event.id}", json=_event_document(event, **change), headers=headers(world))
        assert response.status_code == 200, response.text
        changed.append(event.id)
    assert changed
    for other in known_users(client, 10):
        ids = {i["event_id"] for i in recommend(client, world, other, n=20)["items"]}
        assert not ids & set(changed)


def test_a_cancelled_popular_event_leaves_the_popular_list_at_once(client: TestClient, world: World) -> None:
    def popular() -> list[str]:
        response = client.get("/v1/popular", params={"n": 10}, headers=headers(world))
        assert response.status_code == 200, response.text
        return [item["event_id"] for item in response.json()["items"]]

    # The first answers keep the popular lists' scored items; a change of a live card must renew them.
    before = popular()
    assert popular() == before and before
    catalogue = client.app.state.serving.workspace.catalogue  # type: ignore[attr-defined]
    event = catalogue.get_event(before[0])
    assert event is not None
    response = client.put(
        f"/v1/events/{event.id}", json=_event_document(event, status="Unavailable"), headers=headers(world)
    )
    assert response.status_code == 200, response.text
    after = popular()
    assert event.id not in after and len(after) == len(before)


def test_a_later_clock_over_the_same_version_returns_only_eligible_events(client: TestClient, world: World) -> None:
    state = client.app.state.serving  # type: ignore[attr-defined]
    catalogue = state.workspace.catalogue
    users = known_users(client, 12)
    published = recommend(client, world, users[0], n=5)["cache_version"]
    shown_at_now = {i["event_id"] for u in users for i in recommend(client, world, u, n=20)["items"]}
    for days in (1, 4):
        later = NOW + dt.timedelta(days=days)
        # The lists were published at NOW; some of what they hold has ended by ``later`` (so the check bites).
        assert any(not catalogue.get_event(e).is_recommendable(later) for e in shown_at_now), days
        # Time passes in the running server: same process, same published version, a later clock.
        state.settings = state.settings.with_overrides(now=later)
        if days == 1:
            # And two events still on the lists are cancelled and sold out at that clock.
            current = recommend(client, world, users[0], n=10)["items"]
            for item, change in zip(current[:2], ({"status": "Unavailable"}, {"booking": "Unavailable"}), strict=True):
                event = catalogue.get_event(item["event_id"])
                put = client.put(
                    f"/v1/events/{event.id}", json=_event_document(event, **change), headers=headers(world)
                )
                assert put.status_code == 200 and put.json()["recommendable"] is False, put.text
        for user in users:
            answer = recommend(client, world, user, n=20)
            assert answer["cache_version"] == published and answer["items"]
            for item in answer["items"]:
                event = catalogue.get_event(item["event_id"])
                assert event is not None and event.is_recommendable(later), (days, item["event_id"])
                assert item["end"] is None or dt.datetime.fromisoformat(item["end"]) >= later, (days, item)


def test_json_ld_import(client: TestClient, world: World) -> None:
    start = NOW + dt.timedelta(days=20)
    document = {
        "@id": "https://io.uitdatabank.be/event/jsonld-event-1",
        "@type": "Event",
        "mainLanguage": "nl",
        "name": {"nl": "Jazz in de kelder"},
        "calendarType": "single",
        "startDate": start.isoformat(),
        "endDate": (start + dt.timedelta(hours=2)).isoformat(),
        "terms": [{"id": "0.50.4.0.0", "domain": "eventtype", "label": "Concert"}],
        "location": {
            "@id": "https://io.uitdatabank.be/place/jsonld-place-1",
            "name": {"nl": "De Kelder"},
            "address": {
                "nl": {
                    "addressLocality": "Gent",
                    "postalCode": "9000",
                    "streetAddress": "Kelderstraat 1",
                    "addressCountry": "BE",
                }
            },
            "geo": {"latitude": 51.05, "longitude": 3.72},
        },
    }
    response = client.post("/v1/events/import", json=[document], headers=headers(world))
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1
    similar = client.get("/v1/events/jsonld-event-1/similar", params={"n": 3}, headers=headers(world))
    assert similar.status_code == 200
    # Recommendable at once: a list filtered to its window and type holds it, as a fresh event.
    window = {
        "date_from": (start - dt.timedelta(hours=1)).isoformat(),
        "date_to": (start + dt.timedelta(hours=3)).isoformat(),
        "types": "0.50.4.0.0",
    }
    items = recommend(client, world, known_users(client)[0], n=10, **window)["items"]
    imported = [i for i in items if i["event_id"] == "jsonld-event-1"]
    assert imported and imported[0]["source"] == "fresh", [i["event_id"] for i in items]
    assert imported[0]["title"] == "Jazz in de kelder" and imported[0]["municipality"] == "Gent"
    bad = client.post("/v1/events/import", json=[{**document, "calendarType": "nonsense"}], headers=headers(world))
    assert bad.status_code == 422
    assert bad.json()["field"].startswith("[0]")


def test_deleting_a_user_forgets_them(world: World, make_settings: Callable[..., Settings]) -> None:
    with TestClient(create_app(make_settings())) as client:
        state = client.app.state.serving  # type: ignore[attr-defined]
        user = known_users(client)[4]
        answer = recommend(client, world, user, n=5)
        assert answer["source"] == "personal"
        viewed = answer["items"][0]["event_id"]
        posted = post_interactions(
            client, world, [{"id": "del-1", "user_id": user, "event_id": viewed, "kind": "view"}]
        )
        assert posted.status_code == 200, posted.text
        backend = state.cache.backend
        listed, recent = backend.user_view(answer["cache_version"], user)
        assert listed is not None and recent  # what the deletion must remove is there
        assert logged_ids(world, user)

        response = client.delete(f"/v1/users/{user}", headers=headers(world))
        assert response.status_code == 200, response.text
        assert response.json()["interactions_deleted"] > 0
        assert not logged_ids(world, user)
        assert all(backend.user_candidates(version, user) is None for version in backend.versions())
        assert backend.recent(user) == []
        assert recommend(client, world, user, n=5)["source"] != "personal"
        again = client.delete(f"/v1/users/{user}", headers=headers(world))
        assert again.status_code == 200 and again.json()["interactions_deleted"] == 0
        # There is deliberately no way to list (or read) users.
        for path in ("/v1/users", "/v1/users/", f"/v1/users/{user}"):
            listing = client.get(path, headers=headers(world, "admin"))
            assert listing.status_code in (404, 405), (path, listing.status_code)

    # A new server over the same data folder: the artefact still holds the user's vector, the
    # forgotten-users file keeps them unknown, and the republished cache has no list for them.
    with TestClient(create_app(make_settings())) as fresh:
        state = fresh.app.state.serving  # type: ignore[attr-defined]
        assert state.engine.base.users_.get(user) is not None
        assert user in state.forgotten
        answer = recommend(fresh, world, user, n=5)
        assert answer["source"] != "personal" and answer["items"]
        assert not any(i["source"] == "personal" for i in answer["items"])
        assert state.cache.backend.user_candidates(answer["cache_version"], user) is None
