"""Properties of the whole rules pipeline on random cards and requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from recsys.cache.cards import EventCard, Occurrence
from recsys.ranking.dates import DateWindow
from recsys.ranking.eligibility import is_eligible
from recsys.ranking.explain import REASONS
from recsys.ranking.filters import passes_filters
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import RankedItem, ScoredCard, apply_rules
from recsys.ranking.times import to_us
from tests.ranking.helpers import HOUR_US, NOW, NOW_US

# Mostly open, so that lists are not empty; closed ones often enough to be tested.
STATUSES = st.sampled_from(["Available"] * 6 + ["Unavailable", "TemporarilyUnavailable"])
BOOKINGS = st.sampled_from(["Available"] * 6 + ["Unavailable"])
TYPES = ["0.50.4.0.0", "0.55.0.0.0", "0.54.0.0.0", "0.0.0.0.0"]
THEMES = ["1.8.1.0.0", "1.8.2.0.0"]
PLACES = [("Gent", "9000", 51.05, 3.72), ("Antwerpen", "2000", 51.22, 4.40), ("Brugge", "8000", 51.21, 3.22)]


@st.composite
def occurrences(draw: st.DrawFn) -> Occurrence:
    start = NOW_US + draw(st.integers(-5 * 24, 30 * 24)) * HOUR_US
    return Occurrence(start, start + draw(st.integers(0, 72)) * HOUR_US, draw(STATUSES), draw(BOOKINGS))


@st.composite
def cards(draw: st.DrawFn, event_id: str) -> EventCard:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["occurrences"] = tuple(sorted(draw(st.lists(occurrences(), max_size=3)), key=lambda o: o.start_us))
        fields["calendar_type"] = draw(st.sampled_from(["single", "multiple"]))
    else:
        fields["calendar_type"] = draw(st.sampled_from(["periodic", "permanent"]))
        begin = draw(st.none() | st.integers(-60, 30))
        length = draw(st.none() | st.integers(-5, 90))
        fields["available_from_us"] = None if begin is None else NOW_US + begin * 24 * HOUR_US
        if length is not None:
            fields["available_to_us"] = NOW_US + ((begin or 0) + length) * 24 * HOUR_US
    place = draw(st.none() | st.sampled_from(PLACES))
    if place is not None:
        fields.update(municipality=place[0], postcode=place[1])
        if draw(st.booleans()):
            fields.update(lat=place[2] + draw(st.floats(-0.1, 0.1)), lon=place[3] + draw(st.floats(-0.1, 0.1)))
    low = draw(st.none() | st.integers(0, 18))
    return EventCard(
        event_id=event_id,
        name={"nl": f"Titel {event_id}", "en": f"Title {event_id}"},
        status=draw(STATUSES),
        booking=draw(BOOKINGS),
        production_id=draw(st.none() | st.sampled_from(["p0", "p1", "p2"])),
        organizer_id=draw(st.none() | st.sampled_from(["o0", "o1", "o2", "o3"])),
        small_organizer=draw(st.booleans()),
        type_id=draw(st.none() | st.sampled_from(TYPES)),
        theme_id=draw(st.none() | st.sampled_from(THEMES)),
        accessible=draw(st.booleans()),
        uitpas=draw(st.booleans()),
        price_eur=draw(st.none() | st.sampled_from([0.0, 5.0, 12.5, 30.0])),
        min_age=low,
        max_age=draw(st.none() | st.integers(low or 0, 99)),
        **fields,
    )


FILTERS = ["place", "radius", "municipality", "dates", "max_price", "free", "age", "types", "themes", "flags"]


@st.composite
def requests(draw: st.DrawFn) -> RecommendationRequest:
    fields: dict[str, Any] = {
        "n": draw(st.integers(1, 15)),
        "lang": draw(st.sampled_from(["nl", "fr", "en"])),
        "diversity": draw(st.sampled_from([0.0, 0.3, 1.0])),
        "exploration": draw(st.sampled_from([0.0, 0.1, 0.5])),
        "explain": draw(st.booleans()),
    }
    # A few filters at a time: all of them together would leave nothing to rank.
    active = draw(st.sets(st.sampled_from(FILTERS), max_size=3))
    if active & {"place", "radius"}:
        fields.update(lat=51.05, lon=3.72)
        if "radius" in active:
            fields["radius_km"] = draw(st.sampled_from([5.0, 60.0, 300.0]))
    if "municipality" in active:
        fields["municipality"] = draw(st.sampled_from(["gent", "2000", "Kortrijk"]))
    if "dates" in active:
        start = draw(st.integers(-2, 20))
        fields["date_from"] = NOW + dt.timedelta(days=start)
        fields["date_to"] = NOW + dt.timedelta(days=start + draw(st.integers(0, 10)))
    if "max_price" in active:
        fields["max_price"] = draw(st.sampled_from([0.0, 10.0, 50.0]))
    fields["free"] = "free" in active
    if "age" in active:
        fields["age"] = draw(st.integers(0, 40))
    if "types" in active:
        fields["include_types"] = frozenset(draw(st.sets(st.sampled_from(TYPES), min_size=1, max_size=2)))
        fields["exclude_types"] = frozenset(draw(st.sets(st.sampled_from(TYPES), max_size=1))) - fields["include_types"]
    if "themes" in active:
        fields["exclude_themes"] = frozenset(draw(st.sets(st.sampled_from(THEMES), min_size=1, max_size=1)))
    if "flags" in active:
        fields["accessible"] = draw(st.booleans())
        fields["uitpas"] = not fields["accessible"] or draw(st.booleans())
    return RecommendationRequest(**fields)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[ScoredCard], RecommendationRequest, frozenset[str], int]:
    pool = [draw(cards(f"e{i}")) for i in range(draw(st.integers(0, 30)))]
    items: list[ScoredCard] = []
    if pool:
        for _ in range(draw(st.integers(0, 50))):
            event = draw(st.sampled_from(pool))
            items.append(
                ScoredCard(
                    event,
                    draw(st.floats(-10, 10, allow_nan=False) | st.just(float("nan"))),
                    draw(st.sampled_from(["personal", "similar", "regional-popular", "popular", "fresh"])),
                    because_of=draw(st.none() | st.just("h1")),
                    because_of_title=draw(st.none() | st.just({"nl": "Gezien", "fr": "Vu", "en": "Seen"})),
                )
            )
    excluded = (
        frozenset(draw(st.sets(st.sampled_from([c.event_id for c in pool]), max_size=3))) if pool else frozenset()
    )
    return items, draw(requests()), excluded, draw(st.integers(0, 2**32))


def check(
    result: list[RankedItem], items: list[ScoredCard], request: RecommendationRequest, excluded: frozenset[str]
) -> None:
    assert len(result) <= request.n
    event_ids = [r.card.event_id for r in result]
    assert len(set(event_ids)) == len(event_ids)
    productions = [r.card.production_id for r in result if r.card.production_id is not None]
    assert len(set(productions)) == len(productions)
    assert not excluded & set(event_ids)
    window = DateWindow.between(request.date_from, request.date_to)
    for r in result:
        assert is_eligible(r.card, NOW)
        assert passes_filters(r.card, request, NOW)
        assert set(r.reasons) <= set(REASONS)
        assert (r.explanation is None) is (not request.explain)
        if r.occurrence is not None:
            assert r.occurrence in r.card.occurrences and r.occurrence.is_open
            assert r.occurrence.end_us >= to_us(NOW)
            assert window.overlaps(r.occurrence.start_us, r.occurrence.end_us)
    # Nothing that fits is lost: the list is full unless fewer distinct productions qualify.
    fitting = {
        i.card.event_id: i.card
        for i in items
        if i.card.event_id not in excluded and is_eligible(i.card, NOW) and passes_filters(i.card, request, NOW)
    }
    groups = {c.production_id or f"own:{c.event_id}" for c in fitting.values()}
    assert len(result) == min(request.n, len(groups))


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_rules_properties(scenario: tuple[list[ScoredCard], RecommendationRequest, frozenset[str], int]) -> None:
    items, request, excluded, seed = scenario
    result = apply_rules(items, request, NOW, exclude=excluded, seed=seed)
    check(result, items, request, excluded)
    assert result == apply_rules(items, request, NOW, exclude=excluded, seed=seed)


@settings(max_examples=50, deadline=None)
@given(scenarios())
def test_exploration_stays_within_the_share(
    scenario: tuple[list[ScoredCard], RecommendationRequest, frozenset[str], int],
) -> None:
    items, request, excluded, seed = scenario
    result = apply_rules(items, request, NOW, exclude=excluded, seed=seed)
    assert sum("exploration" in r.reasons for r in result) <= request.exploration * request.n + 1e-9
