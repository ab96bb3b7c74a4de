from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from recsys.ranking.exploration import MIN_POOL, POOL_DEPTH, exploration_count, exploration_seed, explore
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import apply_rules
from tests.ranking.helpers import NOW, card, scored

TYPES = ["concert", "theatre", "dance", "film", "expo"]


def run(seed: int, share: float = 0.2, length: int = 10, total: int = 60) -> tuple[list[int], frozenset[int]]:
    relevance = [1.0 - i / total for i in range(total)]
    types = ["concert" if i < 20 else TYPES[i % 5] for i in range(total)]
    return explore(
        list(range(length)), list(range(length, total)), relevance=relevance, types=types, share=share, seed=seed
    )


def test_count_is_floor_of_share() -> None:
    assert exploration_count(10, 0.1) == 1
    assert exploration_count(10, 0.3) == 3
    assert exploration_count(5, 0.1) == 0
    assert exploration_count(9, 0.5) == 4
    assert exploration_count(10, 0.0) == 0


def test_same_seed_same_list_and_seeds_differ() -> None:
    assert run(7) == run(7)
    assert len({tuple(run(seed)[0]) for seed in range(20)}) > 1


@given(st.integers(0, 2**63 - 1), st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3, 0.5]), st.integers(1, 30))
def test_share_position_and_pool_bounds(seed: int, share: float, length: int) -> None:
    order, explored = run(seed, share, length)
    assert len(order) == length and len(set(order)) == length
    assert len(explored) <= share * length + 1e-9
    assert explored == set(order) - set(range(length))
    depth = max(POOL_DEPTH * length, MIN_POOL)
    assert all(length <= i < length + depth for i in explored)
    # Exploration items sit in the lower half; the kept items keep their order.
    for position, index in enumerate(order):
        if index in explored:
            assert position >= (length + 1) // 2
    kept = [i for i in order if i not in explored]
    assert kept == list(range(len(kept)))


def test_prefers_a_new_discipline() -> None:
    relevance = [1.0] * 12
    types = ["concert"] * 10 + ["concert", "dance"]
    for seed in range(20):
        _, explored = explore(list(range(10)), [10, 11], relevance=relevance, types=types, share=0.1, seed=seed)
        assert explored == {11}


def test_nothing_to_explore_without_pool() -> None:
    assert explore([0, 1, 2], [], relevance=[1, 1, 1], types=[None] * 3, share=0.5, seed=1) == ([0, 1, 2], frozenset())


def test_seed_is_stable_per_user_and_day() -> None:
    day = dt.date(2026, 11, 18)
    assert exploration_seed("u1", day) == exploration_seed("u1", day)
    assert exploration_seed("u1", day) != exploration_seed("u1", day + dt.timedelta(days=1))
    assert exploration_seed("u1", day) != exploration_seed("u2", day)
    assert 0 <= exploration_seed("u1", day) < 2**63
    # Pinned so that a change of the derivation (which would reshuffle every visitor's list) is noticed.
    assert exploration_seed("u1", day) == 1191311916940202795


def test_rules_mark_exploration_items_and_explain_them() -> None:
    concerts = [
        scored(card(f"c{i}", type_id="0.50.4.0.0", type_label={"nl": "Concert"}), 1 - i / 100) for i in range(12)
    ]
    dance = scored(card("dance", type_id="0.54.0.0.0", type_label={"nl": "Dansvoorstelling", "en": "Dance"}), 0.5)
    request = RecommendationRequest(n=10, exploration=0.1, diversity=0.0, lang="nl")
    for seed in range(5):
        result = apply_rules([*concerts, dance], request, NOW, seed=seed)
        explored = [r for r in result if "exploration" in r.reasons]
        assert [r.card.event_id for r in explored] == ["dance"]
        assert explored[0].explanation is not None
        assert explored[0].explanation.startswith("Iets nieuws voor jou: Dansvoorstelling")
        assert result == apply_rules([*concerts, dance], request, NOW, seed=seed)
