"""Event audiences: item -> user scoring, eligibility, counts, and the privacy minimum for id lists."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError, UnknownEntityError
from recsys.domain.interactions import InteractionKind
from recsys.marketing.audience import event_audience, resolve_events
from recsys.marketing.errors import AudienceTooSmallError
from tests.marketing.conftest import EventSpec, InteractionSpec, UserSpec, make_data, make_model

N = 200


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    users = [UserSpec(f"u{i:03d}", postcode="9000" if i % 4 else "8000", consent=i % 10 != 0) for i in range(N)]
    events = [
        EventSpec("show-a", production_id="prod", organizer_id="hall"),
        EventSpec("show-b", production_id="prod", organizer_id="cc"),
        EventSpec("expo", type_id="0.0.0.0.0", production_id=None),
        EventSpec("cold", production_id=None),
    ]
    ticket = int(InteractionKind.TICKET)
    interactions = [InteractionSpec("u199", "show-a", ticket, days_ago=2)]
    data = make_data(users, events, interactions)
    rng = np.random.default_rng(0)
    vectors = {f"u{i:03d}": [float(i), float(rng.integers(0, 5))] for i in range(N - 20)}  # the last 20 are unknown
    vectors["u199"] = [1000.0, 0.0]
    items = {"show-a": [1.0, 0.0], "show-b": [0.0, 1.0], "expo": [1.0, 1.0], "cold": [0.0, 0.0]}
    model = make_model(data, vectors, items, known_events={"show-a", "show-b", "expo"}, name="als")
    return data, model, vectors


def brute_audience(data, model, vectors, events, share):  # type: ignore[no-untyped-def]
    """Eligible: consent, known to the model, no ticket for these events; then the top share by best score."""
    scores = {}
    for i, user in enumerate(data.users.ids):
        if user not in vectors or not data.users.consent[i] or user == "u199":
            continue
        scores[user] = max(
            float(np.dot(vectors[user], model.item_factors[model.event_rows[list(data.events.ids).index(e)]]))
            for e in events
        )
    ordered = sorted(scores.values())
    threshold = ordered[int(np.ceil((1 - share) * (len(ordered) - 1)))]
    return {u for u, s in scores.items() if s >= threshold}, len(scores)


def test_the_audience_is_the_top_share_of_eligible_users(world) -> None:  # type: ignore[no-untyped-def]
    data, model, vectors = world
    result = event_audience(data, model, ["show-a"], top_share=0.25, include_ids=True, min_audience=10)
    expected, eligible = brute_audience(data, model, vectors, ["show-a"], 0.25)
    assert result.eligible == eligible
    assert set(result.user_ids or []) == expected and result.size == len(expected)
    assert "u199" not in (result.user_ids or [])  # already has a ticket
    scores = [vectors[u][0] for u in result.user_ids or []]
    assert scores == sorted(scores, reverse=True)  # best first
    assert sum(r.count for r in result.by_region) == result.size
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["size"] == result.size
    assert {r.key for r in result.by_region} <= {"east", "west"}


def test_a_production_scores_the_best_of_its_events(world) -> None:  # type: ignore[no-untyped-def]
    data, model, vectors = world
    events, production = resolve_events(data, "show-a", production=True)
    assert (events, production) == (["show-a", "show-b"], "prod")
    assert resolve_events(data, "prod") == (["show-a", "show-b"], "prod")
    assert resolve_events(data, "show-a") == (["show-a"], None)
    result = event_audience(data, model, events, production_id=production, top_share=0.5, include_ids=True)
    expected, _ = brute_audience(data, model, vectors, events, 0.5)
    assert set(result.user_ids or []) == expected
    with pytest.raises(UnknownEntityError):
        resolve_events(data, "nothing")


def test_ids_are_refused_below_the_minimum_and_counts_still_given(world) -> None:  # type: ignore[no-untyped-def]
    data, model, _ = world
    counts = event_audience(data, model, ["expo"], top_share=0.5, limit=20)
    assert counts.size == 20 and counts.user_ids is None
    with pytest.raises(AudienceTooSmallError, match="at least 50") as caught:
        event_audience(data, model, ["expo"], top_share=0.5, limit=20, include_ids=True)
    assert (caught.value.size, caught.value.minimum) == (20, 50)
    with pytest.raises(AudienceTooSmallError, match="at least 100"):
        event_audience(data, model, ["expo"], top_share=0.3, include_ids=True, min_audience=100)
    listed = event_audience(data, model, ["expo"], top_share=0.5, include_ids=True)
    assert listed.size >= 50 and len(listed.user_ids or []) == listed.size
    with pytest.raises(InvalidFieldError, match="min_audience"):
        event_audience(data, model, ["expo"], min_audience=0)


def test_within_a_segment_and_counts_per_segment(world) -> None:  # type: ignore[no-untyped-def]
    data, model, _ = world
    east = data.users.region == 0
    whole = event_audience(data, model, ["show-a"], top_share=0.3)
    inside = event_audience(
        data,
        model,
        ["show-a"],
        top_share=0.3,
        within=east,
        within_name="east",
        segments={"east": east, "all": np.ones(N, bool)},
    )
    assert inside.size == int((east & _members(data, model, whole.threshold)).sum())
    assert inside.segment == "east" and inside.segment_members == int((east & _eligible(data, model)).sum())
    assert {r.key: r.count for r in inside.by_segment} == {"east": inside.size, "all": inside.size}
    assert inside.to_dict()["by_region"] == [{"key": "east", "count": inside.size, "share": 1.0}]


def _eligible(data, model):  # type: ignore[no-untyped-def]
    eligible = data.users.consent & (model.user_rows >= 0)
    eligible[data.users.ids == "u199"] = False  # has a ticket for show-a
    return eligible


def _members(data, model, threshold):  # type: ignore[no-untyped-def]
    scores = model.max_user_scores(model.item_factors[[model.event_rows[0]]], data)
    return _eligible(data, model) & (scores >= threshold)


def test_events_the_model_cannot_score_are_refused_with_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    data, model, _ = world
    with pytest.raises(InvalidFieldError, match="ALS cannot rank"):
        event_audience(data, model, ["cold"])
    with pytest.raises(UnknownEntityError):
        event_audience(data, model, ["nope"])
    with pytest.raises(InvalidFieldError, match="top_share"):
        event_audience(data, model, ["expo"], top_share=0)
