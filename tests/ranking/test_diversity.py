from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from recsys.ranking.diversity import ORGANIZER_WEIGHT, TYPE_WEIGHT, mmr_order, normalise
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import apply_rules
from tests.ranking.helpers import NOW, card, scored


def test_normalise() -> None:
    assert normalise([2.0, 4.0, 3.0]) == [0.0, 1.0, 0.5]
    assert normalise([5.0, 5.0]) == [1.0, 1.0]
    assert normalise([]) == []
    assert normalise([1.0, -math.inf, math.inf, math.nan, 3.0]) == [0.0, 0.0, 1.0, 0.0, 1.0]


def naive_mmr(rel: list[float], types: list[str | None], orgs: list[str | None], lam: float, k: int) -> list[int]:
    """Plain O(k·n) MMR, the reference the lazy version must match exactly."""
    rel = normalise(rel)
    picked: list[int] = []
    while len(picked) < min(k, len(rel)):
        best, best_value = -1, -math.inf
        for i in range(len(rel)):
            if i in picked:
                continue
            sim = max(
                (
                    (TYPE_WEIGHT if types[i] is not None and types[i] == types[j] else 0.0)
                    + (ORGANIZER_WEIGHT if orgs[i] is not None and orgs[i] == orgs[j] else 0.0)
                    for j in picked
                ),
                default=0.0,
            )
            value = (1 - lam) * rel[i] - lam * sim
            if value > best_value:
                best, best_value = i, value
        picked.append(best)
    return picked


def test_diversity_zero_keeps_relevance_order_exactly() -> None:
    rel = [0.9, 0.8, 0.8, 0.5, 0.1]
    assert mmr_order(rel, ["a"] * 5, ["o"] * 5, 0.0, 5) == [0, 1, 2, 3, 4]
    assert mmr_order([0.1, 0.9, 0.5], [None] * 3, [None] * 3, 0.0, 2) == [1, 2]


def test_diversity_one_spreads_disciplines() -> None:
    types = ["concert", "concert", "concert", "theatre", "dance", "film"]
    orgs = ["o1", "o2", "o3", "o4", "o5", "o6"]
    order = mmr_order([1.0, 0.95, 0.9, 0.3, 0.2, 0.1], types, orgs, 1.0, 4)
    assert order == [0, 3, 4, 5]


def test_organisers_spread_too() -> None:
    order = mmr_order([1.0, 0.9, 0.8], ["t", "t", "t"], ["big", "big", "small"], 0.8, 3)
    assert order == [0, 2, 1]


def test_unknown_type_and_organiser_never_match() -> None:
    assert mmr_order([1.0, 0.9, 0.8], [None, None, "x"], [None, None, None], 1.0, 3) == [0, 1, 2]


def test_small_k_and_empty() -> None:
    assert mmr_order([], [], [], 0.5, 3) == []
    assert mmr_order([0.2, 0.4], ["a", "b"], ["o", "o"], 0.5, 0) == []
    assert mmr_order([0.2, 0.4], ["a", "b"], ["o", "o"], 0.5, 1) == [1]


@given(
    st.lists(
        st.tuples(
            st.floats(0, 1, allow_nan=False),
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["x", "y", None]),
        ),
        max_size=25,
    ),
    st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.7, 1.0]),
    st.integers(0, 30),
)
def test_lazy_mmr_matches_plain_mmr(rows: list[tuple[float, str | None, str | None]], lam: float, k: int) -> None:
    rel, types, orgs = (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [])
    assert mmr_order(rel, types, orgs, lam, k) == naive_mmr(rel, types, orgs, lam, k)


def test_rules_with_diversity_one_spread_disciplines() -> None:
    concerts = [card(f"c{i}", type_id="0.50.4.0.0") for i in range(6)]
    others = [card("t", type_id="0.55.0.0.0"), card("d", type_id="0.54.0.0.0"), card("f", type_id="0.50.6.0.0")]
    items = [scored(c, 1.0 - i * 0.01) for i, c in enumerate(concerts)] + [
        scored(o, 0.5 - i * 0.01) for i, o in enumerate(others)
    ]
    plain = apply_rules(items, RecommendationRequest(n=4, diversity=0.0, exploration=0.0), NOW)
    assert [r.card.event_id for r in plain] == ["c0", "c1", "c2", "c3"]
    spread = apply_rules(items, RecommendationRequest(n=4, diversity=1.0, exploration=0.0), NOW)
    assert [r.card.event_id for r in spread] == ["c0", "t", "d", "f"]
    assert len({r.card.type_id for r in spread}) == 4


def test_rules_with_diversity_zero_keep_the_score_order_with_ties_in_input_order() -> None:
    items = [scored(card(f"e{i}", organizer_id="same"), s) for i, s in enumerate([0.3, 0.9, 0.3, 0.5, 0.9])]
    result = apply_rules(items, RecommendationRequest(n=5, diversity=0.0, exploration=0.0), NOW)
    assert [r.card.event_id for r in result] == ["e1", "e4", "e3", "e0", "e2"]


def test_every_diversity_weight_returns_a_permutation_prefix() -> None:
    types = ["a", "b", "a", "c", "b", "a"]
    for lam, k in itertools.product([0.0, 0.25, 0.5, 1.0], range(7)):
        order = mmr_order([0.6, 0.5, 0.4, 0.3, 0.2, 0.1], types, ["o"] * 6, lam, k)
        assert len(order) == k and len(set(order)) == k
