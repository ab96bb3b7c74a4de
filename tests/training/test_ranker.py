from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from recsys.domain.errors import InvalidFieldError
from recsys.models.tree_ranker import TreeRanker, Trees
from training.ranker import LearnedRanker, RankerFormatError, within_group_ranks

NAMES = ("distance_km", "score_als", "score_hybrid", "unused")


def synthetic(n_groups: int = 150, per_group: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = n_groups * per_group
    rows = rng.normal(size=(n, len(NAMES))).astype(np.float32)
    rows[:, 3] = np.nan  # a feature nobody filled
    rows[rng.random(n) < 0.1, 0] = np.nan
    # Per-group offsets make raw scores incomparable across groups; their ranks are not.
    groups = np.repeat(np.arange(n_groups), per_group)
    rows[:, 1] += rng.normal(scale=3.0, size=n_groups)[groups]
    signal = rows[:, 2] - np.nan_to_num(rows[:, 0]) + rng.normal(scale=0.5, size=n)
    labels = (signal > 1.5).astype(np.int64)
    return rows, labels, groups


def test_within_group_ranks_by_hand() -> None:
    scores = np.array([[1.0], [3.0], [3.0], [np.nan], [5.0], [2.0], [7.0]], dtype=np.float32)
    groups = np.array([0, 0, 0, 0, 1, 1, 2])
    ranks = within_group_ranks(scores, groups)[:, 0]
    np.testing.assert_allclose(ranks, [0.0, 0.75, 0.75, np.nan, 1.0, 0.0, 1.0])


def test_fit_ranks_better_than_chance_and_keeps_every_positive() -> None:
    rows, labels, groups = synthetic()
    ranker = LearnedRanker(max_iter=30, min_samples_leaf=10, negatives_per_group=5).fit(rows, labels, groups, NAMES)
    scores = ranker.predict(rows, groups)
    assert np.corrcoef(scores, labels)[0, 1] > 0.3
    keep = ranker._training_rows(labels, groups)
    assert labels[keep].sum() == labels.sum()
    assert np.bincount(groups[keep], weights=1 - labels[keep]).max() <= 5
    # The all-NaN column is left out of the trees.
    assert 3 not in ranker.used_columns_


def test_save_load_gives_the_same_scores_without_scikit_learn(tmp_path: Path) -> None:
    rows, labels, groups = synthetic()
    ranker = LearnedRanker(max_iter=25, min_samples_leaf=10).fit(rows, labels, groups, NAMES)
    ranker.save(tmp_path)
    loaded = LearnedRanker.load(tmp_path, feature_names=NAMES)
    assert loaded._estimator is None and loaded.get_params() == ranker.get_params()
    test_rows, _, test_groups = synthetic(seed=1)
    np.testing.assert_allclose(
        loaded.predict(test_rows, test_groups), ranker.predict(test_rows, test_groups), atol=1e-9
    )
    one_request = test_rows[:30]
    np.testing.assert_allclose(loaded.predict(one_request), ranker.predict(one_request), atol=1e-9)
    # The server's loader (recsys, no training code) gives the same numbers.
    served = TreeRanker.load(tmp_path, feature_names=NAMES)
    assert served.n_trees == ranker.n_trees
    np.testing.assert_allclose(
        served.predict(test_rows, test_groups), ranker.predict(test_rows, test_groups), atol=1e-9
    )
    with np.load(tmp_path / "ranker.npz", allow_pickle=False) as stored:
        assert stored["tree_start"].shape == (ranker.n_trees,)


def test_load_refuses_other_features_and_broken_files(tmp_path: Path) -> None:
    rows, labels, groups = synthetic()
    LearnedRanker(max_iter=5).fit(rows, labels, groups, NAMES).save(tmp_path)
    with pytest.raises(RankerFormatError, match="fitted on features"):
        LearnedRanker.load(tmp_path, feature_names=(*NAMES, "extra"))
    meta = json.loads((tmp_path / "ranker.json").read_text())
    meta["format"] = "pickle"
    (tmp_path / "ranker.json").write_text(json.dumps(meta))
    with pytest.raises(RankerFormatError, match="not a hgb-trees/1 ranker"):
        LearnedRanker.load(tmp_path)
    (tmp_path / "ranker.npz").unlink()
    with pytest.raises(RankerFormatError, match="cannot read"):
        LearnedRanker.load(tmp_path)


def test_bad_inputs_are_refused() -> None:
    rows, labels, groups = synthetic()
    with pytest.raises(InvalidFieldError, match="one class"):
        LearnedRanker().fit(rows, np.zeros_like(labels), groups, NAMES)
    with pytest.raises(InvalidFieldError, match="learning_rate"):
        LearnedRanker(learning_rate=-1.0)
    with pytest.raises(RankerFormatError, match="not fitted"):
        LearnedRanker().predict(rows)
    ranker = LearnedRanker(max_iter=5).fit(rows, labels, groups, NAMES)
    with pytest.raises(RankerFormatError, match="columns"):
        ranker.predict(rows[:, :2])
    with pytest.raises(InvalidFieldError, match="contiguous"):
        ranker.predict(rows[:3], np.array([1, 0, 1]))


def reference_walk(nodes: dict[str, np.ndarray], baseline: float, design: np.ndarray) -> np.ndarray:
    """Node by node in plain Python: left when x <= threshold, NaN where the node says."""
    out = []
    for row in np.asarray(design, dtype=np.float64):
        total = baseline
        for start in nodes["tree_start"]:
            node = int(start)
            while not nodes["is_leaf"][node]:
                seen = row[nodes["feature"][node]]
                left = nodes["missing_left"][node] if np.isnan(seen) else seen <= nodes["threshold"][node]
                node = int(nodes["left"][node] if left else nodes["right"][node])
            total += nodes["value"][node]
        out.append(total)
    return np.asarray(out)


def test_the_compiled_walk_equals_a_walk_node_by_node_and_scikit_learn() -> None:
    rows, labels, groups = synthetic()
    ranker = LearnedRanker(max_iter=40, min_samples_leaf=5).fit(rows, labels, groups, NAMES)
    served = ranker.trees_
    assert served is not None and served.trees is not None
    for n in (0, 1, 7, 40, 600):
        design = served.design(rows[:n], np.zeros(n, dtype=np.int64))
        walked = served.trees.walk(served.baseline, design)
        np.testing.assert_array_equal(walked, reference_walk(dict(served.nodes), served.baseline, design))
        if n:
            np.testing.assert_allclose(walked, ranker._estimator.decision_function(design), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"left": np.array([0, 0, 0])}, "left child"),
        ({"right": np.array([3, 0, 0])}, "right child"),
        ({"tree_start": np.array([5])}, "starts outside"),
        ({"value": np.zeros(2)}, "differ in length"),
    ],
)
def test_trees_that_would_not_end_are_refused(change: dict[str, np.ndarray], message: str) -> None:
    nodes = {
        "feature": np.zeros(3, dtype=np.int64),
        "threshold": np.zeros(3),
        "missing_left": np.zeros(3, dtype=bool),
        "left": np.array([1, 0, 0]),
        "right": np.array([2, 0, 0]),
        "is_leaf": np.array([False, True, True]),
        "value": np.arange(3, dtype=np.float64),
        "tree_start": np.array([0]),
    }
    with pytest.raises(RankerFormatError, match=message):
        Trees.of({**nodes, **change})


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=30),
        elements=st.sampled_from([np.nan, 0.0, 1.0, 1.5, 2.0, -3.0]),
    )
)
def test_ranks_equal_scipy_average_ranks_per_group(scores: np.ndarray) -> None:
    from scipy.stats import rankdata

    expected = np.full(scores.shape, np.nan)
    for col in range(scores.shape[1]):
        valid = ~np.isnan(scores[:, col])
        if valid.sum() == 1:
            expected[valid, col] = 1.0
        elif valid.sum() > 1:
            expected[valid, col] = (rankdata(scores[valid, col], method="average") - 1) / (valid.sum() - 1)
    one = within_group_ranks(scores, np.zeros(len(scores), dtype=np.int64))
    np.testing.assert_allclose(one, expected.astype(np.float32), rtol=1e-6)
    # Two copies as two groups: each half is ranked on its own.
    both = within_group_ranks(np.vstack([scores, scores]), np.repeat([0, 1], len(scores)))
    np.testing.assert_array_equal(both[: len(scores)], one)
    np.testing.assert_array_equal(both[len(scores) :], one)
