"""evaluate_ranking on hand-made hold-outs, and against scikit-learn's NDCG."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.holdout import Holdout, build_holdout
from recsys.evaluation.ranking import ItemSide, evaluate_ranking, ranked_lists, training_users_per_candidate
from tests.evaluation.test_protocols import log

# Train: a has x, b has x and y. Test: a gets y (relevant) and z (relevant, cold), b gets w (cold).
ARRAYS = log(["a", "b", "b", "a", "a", "b", "c"], ["x", "x", "y", "y", "z", "w", "y"], [1, 1, 1, 5, 5, 5, 5])
TRAIN = ARRAYS.timestamps_us < ARRAYS.timestamps_us.max()


def holdout() -> Holdout:
    return build_holdout("manual", ARRAYS, TRAIN, ~TRAIN, np.ones(len(ARRAYS), dtype=bool))


def table_scorer(table: dict[str, list[float]]):  # type: ignore[no-untyped-def]
    def score(users: np.ndarray) -> np.ndarray:
        return np.asarray([table[str(u)] for u in users], dtype=np.float32)

    return score


def test_build_holdout_by_hand() -> None:
    task = holdout()
    assert list(task.candidate_ids) == ["w", "x", "y", "z"]
    assert task.cold_candidates.tolist() == [True, False, False, True]
    assert list(task.user_ids) == ["a", "b"]  # c has no training history
    assert task.n_cold_users == 1
    assert task.relevant.toarray().tolist() == [[0, 0, 1, 1], [1, 0, 0, 0]]
    assert task.seen.toarray().tolist() == [[0, 1, 0, 0], [0, 1, 1, 0]]
    assert task.summary()["relevant_pairs"] == 3


def test_metrics_by_hand_with_seen_items_left_out_and_unrankable_items_never_hits() -> None:
    task = holdout()
    # a: x is seen (left out), then y, w; z cannot be ranked. b: x, y seen; w is ranked first.
    scorer = table_scorer({"a": [1.0, 9.0, 5.0, -np.inf], "b": [3.0, 9.0, 8.0, 1.0]})
    report = evaluate_ranking(task, scorer, k=2, curve_ks=[1])
    # a's list: y (hit), w (miss); 2 relevant. b's list: w (hit), z (miss); 1 relevant.
    assert report.metrics["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert report.metrics["recall@2"] == pytest.approx((1 / 2 + 1) / 2)
    assert report.metrics["hit_rate@1"] == pytest.approx(1.0)
    ndcg_a = 1 / (1 + 1 / math.log2(3))
    assert report.metrics["ndcg@2"] == pytest.approx((ndcg_a + 1.0) / 2)
    assert report.metrics["map@2"] == pytest.approx((1 / 2 + 1) / 2)
    assert report.metrics["ms_map@2"] == pytest.approx((1 / 2 + 1) / 2)
    # Lists: a {y, w}, b {w, z}: three of four candidates shown.
    assert report.metrics["coverage@2"] == pytest.approx(3 / 4)
    assert report.n_users == 2
    # Cold candidates w, z: a ranks w (miss; z unrankable), b ranks w (hit).
    assert report.n_cold_users == 2
    assert report.cold["recall@2"] == pytest.approx((0 + 1) / 2)
    assert set(report.segments) == {"activity"}


def test_novelty_and_serendipity_use_the_training_popularity() -> None:
    task = holdout()
    counts, n_users = training_users_per_candidate(task)
    assert counts.tolist() == [0, 2, 1, 0] and n_users == 2
    scorer = table_scorer({"a": [0.0, 0.0, 5.0, 1.0], "b": [3.0, 0.0, 0.0, 1.0]})
    report = evaluate_ranking(task, scorer, k=1, curve_ks=[])
    # a gets y (p = 1/2: 1 bit), b gets w (untouched: p = 1/2 as if one user had it: 1 bit).
    assert report.metrics["novelty@1"] == pytest.approx(1.0)
    # Popularity's list: a -> y (x is seen), b -> w (ties broken by index). Both hits are expected ones.
    assert report.metrics["serendipity@1"] == pytest.approx(0.0)


def test_item_side_and_user_segments_are_used() -> None:
    task = holdout()
    side = ItemSide(labels=sp.csr_matrix(np.eye(4)), groups=np.array([0, 0, 1, 1]))
    scorer = table_scorer({"a": [2.0, 0.0, 5.0, 1.0], "b": [3.0, 0.0, 0.0, 1.0]})
    report = evaluate_ranking(
        task, scorer, k=2, item_side=side, user_segments={"age_band": np.array(["18-25", None], dtype=object)}
    )
    assert report.metrics["diversity@2"] == pytest.approx(1.0)
    # Places: a {y, w}, b {w, z}: group 0 (w) gets 2, group 1 (y, z) gets 2.
    assert report.metrics["exposure_gini@2"] == pytest.approx(0.0)
    assert set(report.segments["age_band"]) == {"18-25", "unknown"}
    with pytest.raises(InvalidFieldError):
        evaluate_ranking(task, scorer, k=2, item_side=ItemSide(groups=np.array([0])))
    with pytest.raises(InvalidFieldError):
        evaluate_ranking(task, scorer, k=0)
    with pytest.raises(InvalidFieldError):
        evaluate_ranking(task, table_scorer({"a": [1.0], "b": [1.0]}), k=2)


def test_ranked_lists_mark_unrankable_places() -> None:
    scores = np.array([[1.0, -np.inf, 3.0]], dtype=np.float32)
    assert ranked_lists(scores, 4).tolist() == [[2, 0, -1, -1]]


def test_ndcg_agrees_with_scikit_learn_on_random_rankings() -> None:
    rng = np.random.default_rng(0)
    n_users, n_items = 30, 25
    users, items = [], []
    for u in range(n_users):
        for i in rng.choice(n_items, size=int(rng.integers(1, 8)), replace=False):
            users.append(f"u{u:02d}")
            items.append(f"i{i:02d}")
    # One training row per user on an item nobody has in the test, so nothing relevant is seen.
    users += [f"u{u:02d}" for u in range(n_users)]
    items += ["zz"] * n_users
    arrays = log(users, items, [5] * (len(users) - n_users) + [1] * n_users)
    train = arrays.timestamps_us < arrays.timestamps_us.max()
    task = build_holdout("manual", arrays, train, ~train, np.ones(len(arrays), dtype=bool))
    scores = rng.permutation(n_users * len(task.candidate_ids)).reshape(n_users, -1).astype(np.float32)
    table = {str(u): scores[r].tolist() for r, u in enumerate(task.user_ids)}
    report = evaluate_ranking(task, table_scorer(table), k=5, curve_ks=[1, 10, 20])
    relevant = task.relevant.toarray()
    seen = task.seen.toarray() > 0
    masked = np.where(seen, -1e9, scores)
    for k in (1, 5, 10, 20):
        expected = np.mean([ndcg_score(relevant[r : r + 1], masked[r : r + 1], k=k) for r in range(n_users)])
        assert report.metrics[f"ndcg@{k}"] == pytest.approx(expected)
