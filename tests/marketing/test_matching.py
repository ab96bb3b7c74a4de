"""Segment rules evaluated with numpy agree with a plain Python check, user by user."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind
from recsys.marketing.errors import ModelRequiredError
from recsys.marketing.matching import evaluate
from recsys.marketing.rules import parse_rule
from tests.marketing.conftest import EventSpec, InteractionSpec, UserSpec, make_data, make_model
from tests.marketing.strategies import World, rule_trees, worlds

CUTOFFS = (1, 5, 20)
LEVELS = ("none", "low", "medium", "high")
ATTENDED = (int(InteractionKind.TICKET), int(InteractionKind.CHECK_IN))
NOT_POSITIVE = (int(InteractionKind.DISMISS), int(InteractionKind.IMPRESSION))
LABELS = {"Concert": "0.50.4.0.0"}


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


class Brute:
    """The rules' documented meaning, one user and one interaction at a time."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.events = {e.event_id: e for e in world.events}
        # Interactions up to "now" of users in the table; in the future they have not happened yet.
        self.past = [i for i in world.interactions if i.days_ago >= 0]
        self.ambiguous: set[str] = set()

    def type_of(self, event_id: str) -> str | None:
        event = self.events.get(event_id)
        return None if event is None else event.type_id

    def mask(self, rule: dict[str, Any]) -> dict[str, bool]:
        if "likely_interested" in rule:
            return self.likely(rule["likely_interested"])
        return {u.user_id: self.holds(rule, u) for u in self.world.users}

    def holds(self, rule: dict[str, Any], user: UserSpec) -> bool:
        ((key, body),) = rule.items()
        mine = [i for i in self.past if i.user_id == user.user_id]
        if key == "all":
            return all(self.holds(r, user) for r in body)
        if key == "any":
            return any(self.holds(r, user) for r in body)
        if key == "not":
            return not self.holds(body, user)
        if key == "likely_interested":
            return self.likely(body)[user.user_id]
        if key == "age_band":
            return user.age_band in body
        if key == "municipality":
            town = (user.municipality or "").strip().casefold()
            return bool(town) and town in {n.strip().casefold() for n in body}
        if key == "near":
            if user.lat is None or user.lon is None:
                return False
            return haversine(user.lat, user.lon, body["lat"], body["lon"]) <= body["radius_km"]
        if key == "uitpas":
            return user.uitpas == body
        if key == "interested_in":
            days = body["days"]
            hits = [
                i
                for i in mine
                if i.kind not in NOT_POSITIVE
                and self.type_of(i.event_id) in body["types"]
                and (days is None or i.days_ago <= days)
            ]
            return len(hits) >= body["min_interactions"]
        if key == "never_attended":
            return not any(i.kind in ATTENDED and self.type_of(i.event_id) in body["types"] for i in mine)
        if key == "activity":
            count = sum(1 for i in mine if i.kind != InteractionKind.IMPRESSION and i.days_ago <= body["days"])
            level = sum(1 for c in CUTOFFS if count >= c)
            return LEVELS[level] in body["levels"]
        if key == "recency":
            ages = [i.days_ago for i in mine if i.kind != InteractionKind.IMPRESSION]
            if not ages:
                return False
            if "within_days" in body:
                return min(ages) <= body["within_days"]
            return min(ages) > body["older_than_days"]
        raise AssertionError(key)

    def likely(self, body: dict[str, Any]) -> dict[str, bool]:
        world = self.world
        field = "type" if "type" in body else "theme"
        term = body[field]

        def matches(e: EventSpec) -> bool:
            value = e.type_id if field == "type" else e.theme_id
            return value == term and e.event_id in world.known_events

        def is_open(e: EventSpec) -> bool:
            end = e.end_days if e.end_days is not None else e.start_days
            return e.status == "Available" and ((e.start_days or 0) > 0 or (end or 0) > 0)

        chosen = [e for e in world.events if matches(e) and is_open(e)] or [e for e in world.events if matches(e)]
        if not chosen:
            raise LookupError("no scorable event")
        n = len(chosen)
        scores = {
            u: Fraction(
                sum(sum(a * b for a, b in zip(vec, world.event_vectors[e.event_id], strict=True)) for e in chosen), n
            )
            for u, vec in world.user_vectors.items()
            if u in {x.user_id for x in world.users}
        }
        out = {u.user_id: False for u in world.users}
        if not scores:
            return out
        ordered = sorted(scores.values())
        threshold = ordered[math.ceil((1.0 - body["top_share"]) * (len(ordered) - 1))]
        for user, score in scores.items():
            out[user] = score >= threshold
            if abs(score - threshold) < Fraction(1, 1000):
                self.ambiguous.add(user)  # float32 may round a tie or near-tie either way
        return out


def likely_leaves(tree: dict[str, Any]) -> list[dict[str, Any]]:
    ((key, body),) = tree.items()
    if key in ("all", "any"):
        return [leaf for child in body for leaf in likely_leaves(child)]
    if key == "not":
        return likely_leaves(body)
    return [body] if key == "likely_interested" else []


@settings(max_examples=300, deadline=None)
@given(worlds(), rule_trees(max_leaves=6))
def test_rules_match_a_brute_force_check(world: World, tree: dict[str, Any]) -> None:
    data = make_data(world.users, world.events, world.interactions)
    got = evaluate(parse_rule(tree), data)
    brute = Brute(world)
    expected = [brute.holds(tree, u) for u in world.users]
    assert got.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(worlds(), rule_trees(max_leaves=5, likely=True))
def test_model_rules_match_a_brute_force_check(world: World, tree: dict[str, Any]) -> None:
    data = make_data(world.users, world.events, world.interactions)
    model = make_model(data, world.user_vectors, world.event_vectors, known_events=world.known_events)
    brute = Brute(world)
    try:
        for leaf in likely_leaves(tree):
            brute.likely(leaf)  # every leaf is evaluated, even where all/any could stop early
    except LookupError:
        with pytest.raises(InvalidFieldError, match="knows no event"):
            evaluate(parse_rule(tree), data, model)
        return
    expected = [brute.holds(tree, u) for u in world.users]
    got = evaluate(parse_rule(tree), data, model).tolist()
    mismatched = {u.user_id for u, a, b in zip(world.users, got, expected, strict=True) if a != b}
    assert mismatched <= brute.ambiguous


def test_a_model_rule_without_a_model_asks_for_one() -> None:
    data = make_data([UserSpec("u1")], [EventSpec("e1")])
    with pytest.raises(ModelRequiredError, match="trained model"):
        evaluate(parse_rule({"likely_interested": {"type": "Concert"}}), data)


def test_likely_interested_takes_the_top_share_of_known_users() -> None:
    users = [UserSpec(f"u{i}") for i in range(10)]
    data = make_data(users, [EventSpec("concert", type_id="0.50.4.0.0"), EventSpec("play", type_id="0.55.0.0.0")])
    vectors = {f"u{i}": [float(i), 0.0] for i in range(9)}  # u9 unknown to the model
    model = make_model(data, vectors, {"concert": [1.0, 0.0], "play": [0.0, 1.0]})
    mask = evaluate(parse_rule({"likely_interested": {"type": "Concert", "top_share": 0.25}}), data, model)
    assert [str(u) for u in data.users.ids[mask]] == ["u6", "u7", "u8"]


def test_interactions_after_as_of_and_of_unknown_users_are_ignored() -> None:
    users = [UserSpec("u1"), UserSpec("u2")]
    events = [EventSpec("e1", type_id="0.55.0.0.0")]
    ticket = int(InteractionKind.TICKET)
    interactions = [
        InteractionSpec("u1", "e1", ticket, days_ago=-2),  # tomorrow's ticket: not yet bought
        InteractionSpec("u2", "e1", ticket, days_ago=3),
        InteractionSpec("nobody", "e1", ticket, days_ago=3),
    ]
    data = make_data(users, events, interactions)
    never = evaluate(parse_rule({"never_attended": {"types": ["Theatervoorstelling"]}}), data)
    assert never.tolist() == [True, False]
    assert len(data.interactions) == 1


def test_a_sample_evaluates_the_same_rules_on_its_users() -> None:
    users = [UserSpec(f"u{i}", age_band="18-25" if i % 2 else "66+") for i in range(20)]
    interactions = [InteractionSpec(f"u{i}", "e1", 0, days_ago=float(i)) for i in range(20)]
    data = make_data(users, [EventSpec("e1")], interactions)
    rule = parse_rule({"all": [{"age_band": ["18-25"]}, {"recency": {"within_days": 10}}]})
    full = evaluate(rule, data)
    rows = np.array([1, 2, 3, 5, 11, 12], dtype=np.int64)
    assert evaluate(rule, data.subset(rows)).tolist() == full[rows].tolist()
