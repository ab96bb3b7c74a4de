from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.evaluation.evaluate import evaluate_scorer, sample_users, top_k
from recsys.evaluation.split import temporal_split
from tests.evaluation.test_split import ARRAYS, CUTOFF, EVENTS


def test_full_ranking_with_seen_pairs_left_out_and_the_cold_slice() -> None:
    split = temporal_split(ARRAYS, EVENTS, CUTOFF)
    table = {"u1": [5.0, 1.0], "u2": [1.0, 5.0]}  # columns e2, e3

    def scorer(users: np.ndarray) -> np.ndarray:
        return np.asarray([table[str(u)] for u in users], dtype=np.float32)

    result = evaluate_scorer(split, scorer, ["ndcg@10", "recall@1", "mrr@10"])
    # u1: e2 is seen, so e3 (relevant) ranks first. u2: e2 (relevant) ranks second.
    assert result.metrics["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert result.metrics["recall@1"] == pytest.approx(0.5)
    assert result.metrics["mrr@10"] == pytest.approx(0.75)
    assert result.n_users == 2
    assert result.n_cold_users == 1 and result.cold["ndcg@10"] == pytest.approx(1.0)
    assert result.as_dict()["cold/users"] == 1


def test_top_k_breaks_ties_by_index_and_handles_short_rows() -> None:
    scores = np.array([[1.0, 3.0, 3.0, 0.0]], dtype=np.float32)
    assert top_k(scores, 3).tolist() == [[1, 2, 0]]
    assert top_k(scores, 10).tolist() == [[1, 2, 0, 3]]


def test_user_sample_is_seeded() -> None:
    split = temporal_split(ARRAYS, EVENTS, CUTOFF)
    assert sample_users(split, None, 0).tolist() == [0, 1]
    assert sample_users(split, 1, 3).tolist() == sample_users(split, 1, 3).tolist()
