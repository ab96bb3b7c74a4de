"""Hit rate and Microsoft Recommenders' MAP, by hand and against the existing definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recsys.evaluation.metrics import evaluate_lists, hit_rate_at_k, map_at_k, ms_map_at_k, parse_metric

# Hits at ranks 2 and 4 of 5; three relevant items in all.
HITS = np.array([[False, True, False, True, False], [False, False, False, False, False]])
N_REL = np.array([3, 2])


def test_hit_rate_by_hand() -> None:
    assert hit_rate_at_k(HITS, N_REL, 1).tolist() == [0.0, 0.0]
    assert hit_rate_at_k(HITS, N_REL, 2).tolist() == [1.0, 0.0]
    assert hit_rate_at_k(HITS, N_REL, 10).tolist() == [1.0, 0.0]


def test_ms_map_divides_by_all_relevant_items() -> None:
    # Precision at the hits: 1/2 and 2/4; Microsoft Recommenders divides by |relevant| = 3.
    assert ms_map_at_k(HITS, N_REL, 5)[0] == pytest.approx((1 / 2 + 2 / 4) / 3)
    # At k = 2 only the first hit counts; ours divides by min(2, 3) = 2, theirs by 3.
    assert ms_map_at_k(HITS, N_REL, 2)[0] == pytest.approx((1 / 2) / 3)
    assert map_at_k(HITS, N_REL, 2)[0] == pytest.approx((1 / 2) / 2)
    assert ms_map_at_k(HITS, N_REL, 5)[1] == 0.0


def test_the_new_names_parse_and_evaluate() -> None:
    assert parse_metric("hit_rate@10") == ("hit_rate", 10)
    assert parse_metric("ms_map@10") == ("ms_map", 10)
    result = evaluate_lists([["a", "b"], ["c"]], [{"b"}, {"x"}], ["hit_rate@2", "ms_map@2"])
    assert result == pytest.approx({"hit_rate@2": 0.5, "ms_map@2": 0.25})


@settings(max_examples=50, deadline=None)
@given(hits=st.lists(st.booleans(), min_size=1, max_size=20), extra=st.integers(0, 10), k=st.integers(1, 25))
def test_ms_map_equals_map_up_to_k_relevant_and_is_never_larger(hits: list[bool], extra: int, k: int) -> None:
    row = np.asarray([hits])
    n_rel = np.asarray([sum(hits) + extra])
    ours, theirs = map_at_k(row, n_rel, k)[0], ms_map_at_k(row, n_rel, k)[0]
    assert theirs <= ours + 1e-12
    if n_rel[0] <= k:
        assert theirs == pytest.approx(ours)
