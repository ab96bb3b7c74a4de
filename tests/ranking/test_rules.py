from __future__ import annotations

import math

import pytest

from recsys.domain.geo import haversine_km
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import RankedItem, ScoredCard, apply_rules
from tests.ranking.helpers import ANTWERPEN, DAY_US, GENT, NOW, NOW_US, card, occ, scored

PLAIN = RecommendationRequest(n=10, diversity=0.0, exploration=0.0)


def ids(result: list[RankedItem]) -> list[str]:
    return [r.card.event_id for r in result]


def test_closed_events_never_appear() -> None:
    items = [
        scored(card("open"), 0.1),
        scored(card("ended", occurrences=(occ(NOW_US - 2 * DAY_US),)), 1.0),
        scored(card("cancelled", status="Unavailable"), 1.0),
        scored(card("postponed", status="TemporarilyUnavailable"), 1.0),
        scored(card("sold-out", booking="Unavailable"), 1.0),
        scored(card("dates-sold-out", occurrences=(occ(NOW_US + DAY_US, booking="Unavailable"),)), 1.0),
        scored(
            card(
                "window-closed",
                occurrences=(),
                calendar_type="periodic",
                available_from_us=NOW_US - 60 * DAY_US,
                available_to_us=NOW_US - DAY_US,
            ),
            1.0,
        ),
        scored(
            card(
                "window-empty",
                occurrences=(),
                calendar_type="periodic",
                available_from_us=NOW_US + 9 * DAY_US,
                available_to_us=NOW_US + 2 * DAY_US,
            ),
            1.0,
        ),
        scored(card("no-dates", occurrences=()), 1.0),
    ]
    assert ids(apply_rules(items, PLAIN, NOW)) == ["open"]


def test_periodic_offer_running_now_appears_without_a_date() -> None:
    expo = card(
        "expo",
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US - 30 * DAY_US,
        available_to_us=NOW_US + 30 * DAY_US,
        type_id="0.0.0.0.0",
    )
    [item] = apply_rules([scored(expo)], PLAIN, NOW)
    assert item.card.event_id == "expo" and item.occurrence is None
    assert "on-now" in item.reasons
    assert item.explanation == "Nu te zien · Aanbevolen voor jou"


def test_duplicates_across_sources_keep_the_best_score() -> None:
    event = card("e")
    result = apply_rules(
        [scored(event, 0.2, "popular"), scored(event, 0.9, "similar", because_of="h"), scored(event, 0.9, "fresh")],
        PLAIN,
        NOW,
    )
    assert len(result) == 1
    assert (result[0].score, result[0].source, result[0].reasons[0]) == (0.9, "similar", "because-viewed")


def test_excluded_ids_never_appear() -> None:
    items = [scored(card(f"e{i}"), 1 - i / 10) for i in range(5)]
    assert ids(apply_rules(items, PLAIN, NOW, exclude=["e0", "e3"])) == ["e1", "e2", "e4"]
    assert ids(apply_rules(items, PLAIN, NOW, exclude={"e1"})) == ["e0", "e2", "e3", "e4"]


def test_at_most_n() -> None:
    items = [scored(card(f"e{i}"), 1 - i / 100) for i in range(30)]
    assert len(apply_rules(items, RecommendationRequest(n=7), NOW)) == 7
    assert apply_rules([], RecommendationRequest(), NOW) == []


def test_distance_from_origin_when_the_request_has_no_location() -> None:
    far = card("far", lat=ANTWERPEN[0], lon=ANTWERPEN[1])
    nowhere = card("nowhere", lat=None, lon=None)
    result = apply_rules([scored(far, 1.0), scored(nowhere, 0.5)], PLAIN, NOW, origin=GENT)
    assert result[0].distance_km == pytest.approx(float(haversine_km(*GENT, *ANTWERPEN)))
    assert result[1].distance_km is None
    assert [r.distance_km for r in apply_rules([scored(far)], PLAIN, NOW)] == [None]


def test_request_location_beats_origin_and_radius_filters() -> None:
    near, far = card("near"), card("far", lat=ANTWERPEN[0], lon=ANTWERPEN[1])
    nowhere = card("nowhere", lat=None, lon=None)
    request = RecommendationRequest(lat=GENT[0], lon=GENT[1], radius_km=10, diversity=0.0, exploration=0.0)
    result = apply_rules([scored(far, 1.0), scored(near, 0.5), scored(nowhere, 0.9)], request, NOW, origin=ANTWERPEN)
    assert ids(result) == ["near"]
    assert result[0].distance_km == pytest.approx(0.0, abs=1e-9)


def test_nan_scores_rank_last() -> None:
    result = apply_rules([scored(card("nan"), math.nan), scored(card("low"), -5.0)], PLAIN, NOW)
    assert ids(result) == ["low", "nan"]
    assert math.isnan(result[1].score)


def test_same_arguments_same_list() -> None:
    items = [
        scored(card(f"e{i}", type_id=f"t{i % 4}", organizer_id=f"o{i % 3}"), (i * 37 % 11) / 11) for i in range(60)
    ]
    request = RecommendationRequest(n=20, diversity=0.5, exploration=0.2)
    first = apply_rules(items, request, NOW, seed=42)
    assert first == apply_rules(items, request, NOW, seed=42)
    assert len(first) == 20
    assert sum("exploration" in r.reasons for r in first) == 4


def test_scored_card_is_what_the_serving_side_builds() -> None:
    item = ScoredCard(card(), 0.5, "regional-popular")
    assert item.because_of is None and item.because_of_title is None
    [result] = apply_rules([item], PLAIN, NOW)
    assert result.explanation == "Populair in de buurt · Morgen"
