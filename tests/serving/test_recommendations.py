"""Reading recommendations through the HTTP stack, against the embedded cache and real Redis."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from recsys.cache.cards import EventCard
from recsys.ranking.times import to_us
from tests.serving.conftest import headers
from tests.serving.world import NOW, ORIGIN, World

ITEM_FIELDS = {
    "event_id",
    "title",
    "url",
    "image_url",
    "start",
    "end",
    "venue",
    "municipality",
    "distance_km",
    "price_eur",
    "free",
    "types",
    "organizer",
    "explanation",
    "reasons",
    "score",
    "source",
}


def known_users(client: TestClient, count: int = 20) -> list[str]:
    model = client.app.state.serving.engine.base  # type: ignore[attr-defined]
    sizes = model.seen_.indptr[1:] - model.seen_.indptr[:-1]
    order = sorted(range(len(sizes)), key=lambda i: -int(sizes[i]))
    return [model.users_.id_of(i) for i in order[:count]]


def recommend(client: TestClient, world: World, user_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/users/{user_id}/recommendations", params=params, headers=headers(world))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_known_user_gets_a_personal_list(client: TestClient, world: World) -> None:
    user = known_users(client)[0]
    response = client.get(
        f"/v1/users/{user}/recommendations",
        params={"n": 7, "lang": "en"},
        headers=headers(world, **{"X-Request-ID": "abc-1"}),
    )
    assert response.status_code == 200
    body = response.json()
    assert response.headers["x-request-id"] == "abc-1" and body["request_id"] == "abc-1"
    assert body["source"] == "personal"
    assert body["model_version"] == client.app.state.serving.engine.version  # type: ignore[attr-defined]
    assert body["cache_version"]
    assert 1 <= len(body["items"]) <= 7
    for item in body["items"]:
        assert set(item) == ITEM_FIELDS
        assert item["explanation"]
    assert any(item["source"] == "personal" for item in body["items"])
    ids = [item["event_id"] for item in body["items"]]
    assert len(set(ids)) == len(ids)


def test_a_stranger_gets_popular_events(client: TestClient, world: World) -> None:
    body = recommend(client, world, "nobody-knows-me", n=5)
    assert body["source"] in ("regional-popular", "popular")
    assert len(body["items"]) == 5
    assert {i["source"] for i in body["items"]} <= {"regional-popular", "popular"}


def test_filters_hold_for_every_item(client: TestClient, world: World) -> None:
    user = known_users(client)[1]
    free = recommend(client, world, user, n=10, free="true")["items"]
    assert free and all(i["free"] is True for i in free)
    cheap = recommend(client, world, user, n=10, max_price=10)["items"]
    assert cheap and all(i["price_eur"] is not None and i["price_eur"] <= 10 for i in cheap)
    near = recommend(client, world, user, n=10, lat=51.05, lon=3.72, radius_km=25)["items"]
    assert near and all(i["distance_km"] is not None and i["distance_km"] <= 25 for i in near)
    ghent = recommend(client, world, user, n=10, municipality="Gent")["items"]
    assert ghent and all(i["municipality"] == "Gent" for i in ghent)
    some_type = next(t["id"] for i in recommend(client, world, user, n=20)["items"] for t in i["types"])
    typed = recommend(client, world, user, n=10, types=some_type)["items"]
    assert typed and all(i["types"][0]["id"] == some_type for i in typed)
    untyped = recommend(client, world, user, n=20, exclude_types=some_type)["items"]
    assert untyped and all(not i["types"] or i["types"][0]["id"] != some_type for i in untyped)
    start, end = NOW + dt.timedelta(days=7), NOW + dt.timedelta(days=14)
    window = recommend(client, world, user, n=10, date_from=start.isoformat(), date_to=end.isoformat())["items"]
    assert window
    for item in window:
        assert item["start"] is None or dt.datetime.fromisoformat(item["start"]) <= end
        assert item["end"] is None or dt.datetime.fromisoformat(item["end"]) >= start
    # The rest are judged on each item's stored card (what the rules read).
    state = client.app.state.serving  # type: ignore[attr-defined]
    version = state.active_version()

    def cards_of(n: int = 10, **params: Any) -> list[EventCard]:
        items = recommend(client, world, user, n=n, **params)["items"]
        found = state.cards(version, [i["event_id"] for i in items])
        assert items and len(found) == len(items), params
        return [found[i["event_id"]] for i in items]

    broad = cards_of(n=50)
    assert any(c.min_age is not None and c.min_age > 4 for c in broad)  # the age filter has work to do
    for card in cards_of(age=4):
        assert (card.min_age is None or card.min_age <= 4) and (card.max_age is None or card.max_age >= 4), card
    theme = Counter(c.theme_id for c in broad if c.theme_id is not None).most_common(1)[0][0]
    assert all(c.theme_id == theme for c in cards_of(themes=theme))
    assert all(c.theme_id != theme for c in cards_of(n=20, exclude_themes=theme))
    assert all(c.accessible for c in cards_of(accessible="true"))
    assert all(c.uitpas for c in cards_of(uitpas="true"))
    quiet = recommend(client, world, user, n=5, explain="false", lang="fr")["items"]
    assert quiet and all(i["explanation"] is None for i in quiet)


def test_only_open_future_events_appear(client: TestClient, world: World) -> None:
    catalogue = client.app.state.serving.workspace.catalogue  # type: ignore[attr-defined]
    now_us = to_us(NOW)
    for user in known_users(client, 15):
        for item in recommend(client, world, user, n=20)["items"]:
            event = catalogue.get_event(item["event_id"])
            assert event is not None and event.is_recommendable(NOW), item["event_id"]
            if item["end"] is not None:  # permanent offers have no end
                assert to_us(dt.datetime.fromisoformat(item["end"])) >= now_us


def test_a_visitor_gets_events_like_what_they_viewed(client: TestClient, world: World) -> None:
    seed = recommend(client, world, known_users(client)[0], n=3)["items"]
    viewed = [item["event_id"] for item in seed]
    response = client.post(
        "/v1/recommendations",
        json={"viewed": viewed, "n": 8, "lang": "en"},
        headers=headers(world, "public", Origin=ORIGIN),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert body["items"] and not set(viewed) & {i["event_id"] for i in body["items"]}
    assert body["source"] in ("similar", "personal")
    assert any("because-viewed" in i["reasons"] for i in body["items"])


def test_similar_and_popular(client: TestClient, world: World) -> None:
    event_id = recommend(client, world, known_users(client)[0], n=1)["items"][0]["event_id"]
    similar = client.get(f"/v1/events/{event_id}/similar", params={"n": 5}, headers=headers(world))
    assert similar.status_code == 200, similar.text
    body = similar.json()
    assert body["source"] == "similar" and body["items"]
    assert event_id not in {i["event_id"] for i in body["items"]}
    popular = client.get("/v1/popular", params={"n": 5, "region": "BE-VOV"}, headers=headers(world))
    assert popular.status_code == 200
    assert popular.json()["source"] == "regional-popular"
    overall = client.get("/v1/popular", params={"n": 5}, headers=headers(world)).json()
    assert overall["source"] == "popular" and len(overall["items"]) == 5
