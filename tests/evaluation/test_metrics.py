from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, ndcg_score

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.metrics import (
    evaluate_lists,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    parse_metric,
    precision_at_k,
    recall_at_k,
)

# One list, ranks 1..5: hits at ranks 2 and 4; three relevant items in all (one never ranked).
HITS = np.array([[False, True, False, True, False]])
N_REL = np.array([3])


def test_precision_and_recall_by_hand() -> None:
    assert precision_at_k(HITS, N_REL, 2)[0] == pytest.approx(1 / 2)
    assert precision_at_k(HITS, N_REL, 5)[0] == pytest.approx(2 / 5)
    assert recall_at_k(HITS, N_REL, 2)[0] == pytest.approx(1 / 3)
    assert recall_at_k(HITS, N_REL, 5)[0] == pytest.approx(2 / 3)


def test_ndcg_by_hand() -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(HITS, N_REL, 5)[0] == pytest.approx(dcg / idcg)
    # At k=2 the ideal list holds two hits.
    assert ndcg_at_k(HITS, N_REL, 2)[0] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_map_and_mrr_by_hand() -> None:
    assert map_at_k(HITS, N_REL, 5)[0] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert map_at_k(HITS, N_REL, 2)[0] == pytest.approx((1 / 2) / 2)
    assert mrr_at_k(HITS, N_REL, 5)[0] == pytest.approx(1 / 2)
    assert mrr_at_k(HITS, N_REL, 1)[0] == 0.0


def test_short_lists_count_missing_places_as_misses_and_no_relevant_scores_zero() -> None:
    hits = np.array([[True], [False]])
    n_rel = np.array([1, 0])
    assert precision_at_k(hits, n_rel, 4).tolist() == [0.25, 0.0]
    assert recall_at_k(hits, n_rel, 4).tolist() == [1.0, 0.0]
    assert ndcg_at_k(hits, n_rel, 4).tolist() == [1.0, 0.0]
    assert map_at_k(hits, n_rel, 4).tolist() == [1.0, 0.0]


def test_evaluate_lists_on_ids() -> None:
    result = evaluate_lists([["a", "b", "c"], ["x", "y"]], [{"b", "z"}, {"x"}], ["recall@2", "mrr@3", "precision@1"])
    assert result == pytest.approx({"recall@2": (0.5 + 1.0) / 2, "mrr@3": (0.5 + 1.0) / 2, "precision@1": 0.5})


def test_bad_specs_are_refused() -> None:
    assert parse_metric("ndcg@10") == ("ndcg", 10)
    for bad in ("ndcg", "ndcg@0", "ndcg@x", "hitrate@10"):
        with pytest.raises(InvalidFieldError):
            parse_metric(bad)
    with pytest.raises(InvalidFieldError):
        precision_at_k(HITS, N_REL, 0)


@settings(max_examples=60, deadline=None)
@given(
    relevance=st.lists(st.booleans(), min_size=2, max_size=30).filter(any),
    seed=st.integers(0, 2**31 - 1),
    k=st.integers(1, 40),
)
def test_ndcg_and_average_precision_agree_with_sklearn(relevance: list[bool], seed: int, k: int) -> None:
    y_true = np.asarray(relevance, dtype=float)
    # Distinct scores: sklearn averages over ties, the ranked-list definition has none.
    y_score = np.random.default_rng(seed).permutation(len(y_true)).astype(float)
    order = np.argsort(-y_score)
    hits = y_true[order][None, :] > 0
    n_rel = np.array([int(y_true.sum())])
    assert ndcg_at_k(hits, n_rel, k)[0] == pytest.approx(ndcg_score(y_true[None, :], y_score[None, :], k=k))
    # AP over the whole ranking (k >= n) is sklearn's average precision.
    assert map_at_k(hits, n_rel, len(y_true))[0] == pytest.approx(average_precision_score(y_true, y_score))
