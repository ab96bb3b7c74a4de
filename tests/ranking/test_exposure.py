from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys.ranking.exposure import EXPOSURE_BOOST, boost
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import apply_rules
from tests.ranking.helpers import NOW, card, scored


def test_boost_formula() -> None:
    assert boost(0.5, False) == 0.5
    assert boost(0.5, True) == pytest.approx(0.5 * (1 + EXPOSURE_BOOST))
    assert boost(0.0, True) == 0.0
    assert boost(0.5, True, 0.0) == 0.5
    with pytest.raises(ValueError, match=">= 0"):
        boost(0.5, True, -0.1)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 0.5))
def test_boost_is_bounded(small: float, other: float, weight: float) -> None:
    # A small organiser's event overtakes another only when the gap is below weight (in normalised relevance).
    if boost(small, True, weight) > other:
        assert other - small < weight + 1e-12
    assert small <= boost(small, True, weight) <= small + weight + 1e-12


def test_small_organiser_reaches_the_list_when_close() -> None:
    big = [scored(card(f"big{i}", organizer_id="big"), 1.0 - i * 0.01) for i in range(5)]
    small = scored(card("small", organizer_id="tiny", small_organizer=True), 0.955)
    bottom = scored(card("bottom"), 0.0)  # anchors the normalisation at 0
    request = RecommendationRequest(n=5, diversity=0.0, exploration=0.0)
    without = apply_rules([*big, small, bottom], request, NOW, exposure_boost=0.0)
    assert "small" not in [r.card.event_id for r in without]
    with_boost = apply_rules([*big, small, bottom], request, NOW)
    ids = [r.card.event_id for r in with_boost]
    assert "small" in ids
    assert "small-organizer" in with_boost[ids.index("small")].reasons


def test_boost_does_not_override_a_clearly_better_event() -> None:
    top = scored(card("top"), 1.0)
    small = scored(card("small", small_organizer=True), 0.5)
    bottom = scored(card("bottom"), 0.0)
    result = apply_rules([top, small, bottom], RecommendationRequest(n=3, diversity=0.0, exploration=0.0), NOW)
    assert [r.card.event_id for r in result] == ["top", "small", "bottom"]


def test_negative_exposure_is_refused() -> None:
    with pytest.raises(ValueError, match="exposure_boost"):
        apply_rules([], RecommendationRequest(), NOW, exposure_boost=-1.0)
