"""The learned ranker: gradient-boosted trees that re-order a base model's candidates.

:class:`LearnedRanker` is a scikit-learn ``HistGradientBoostingClassifier``
trained on ranking rows (:func:`features.ranking.ranking_rows`) labelled 1
when the user clicked or did something stronger with the event, 0 otherwise.
Its output is the log-odds of that, which orders candidates.

Besides the columns of the rows it is given, the ranker adds, per request
(``group``), the rank of every score column among that request's candidates,
scaled to ``[0, 1]`` (1 = best). Raw collaborative scores live on a different
scale for every user; their rank within the list does not, and a pointwise
model needs that to compare users. The ranker computes these itself from the
rows of one request, so training and serving cannot disagree on them.

**Persistence without pickle.** ``save`` writes the fitted trees as plain
arrays (per node: feature, threshold, where missing values go, children,
leaf value) plus the baseline and the feature names, in ``ranker.npz`` and
``ranker.json``; ``load`` evaluates them with a small numpy tree walker that
follows scikit-learn's rule exactly (go left when ``x <= threshold``, NaN
goes where the node says). The fitted scikit-learn estimator is used for
predictions while it is in memory (same numbers, compiled and threaded); a
loaded ranker depends on nothing of scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier

from recsys.domain.errors import InvalidFieldError, RecsysError

FORMAT: Final = "hgb-trees/1"
ARRAYS_FILE: Final = "ranker.npz"
META_FILE: Final = "ranker.json"
_ROWS_PER_CHUNK: Final = 8192

FloatMatrix = npt.NDArray[np.float32]


class RankerFormatError(RecsysError):
    """A saved ranker cannot be read, or does not fit the rows it is given."""


def _check_number(name: str, value: Any, *, minimum: float, integer: bool = False, strict: bool = False) -> None:
    kind_ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not kind_ok or not np.isfinite(value):
        raise InvalidFieldError(name, f"must be a finite {'integer' if integer else 'number'}, got {value!r}")
    if value < minimum or (strict and value == minimum):
        raise InvalidFieldError(name, f"must be {'greater than' if strict else 'at least'} {minimum}, got {value}")


def within_group_ranks(scores: npt.NDArray[np.float32], groups: npt.NDArray[np.int64]) -> FloatMatrix:
    """Per column, the rank of each row among the rows of its group, scaled to [0, 1] (1 = highest).

    NaN stays NaN and is not counted; a group with one valid row gets 1; ties
    share their average rank. ``groups`` must be sorted (groups contiguous).
    """
    out = np.full(scores.shape, np.nan, dtype=np.float32)
    for col in range(scores.shape[1]):
        column = np.asarray(scores[:, col], dtype=np.float64)
        idx = np.flatnonzero(~np.isnan(column))
        if len(idx) == 0:
            continue
        order = np.lexsort((column[idx], groups[idx]))
        g, v = groups[idx][order], column[idx][order]
        pos = np.arange(len(idx), dtype=np.float64)
        new_group = np.r_[True, g[1:] != g[:-1]]
        group_id = np.cumsum(new_group) - 1
        group_start = pos[new_group][group_id]
        group_size = np.bincount(group_id)[group_id]
        run_id = np.cumsum(new_group | np.r_[True, v[1:] != v[:-1]]) - 1
        mean_pos = (np.bincount(run_id, weights=pos) / np.bincount(run_id))[run_id]
        rank = mean_pos - group_start
        scaled = np.divide(rank, group_size - 1, out=np.ones(len(idx)), where=group_size > 1)
        out[idx[order], col] = scaled
    return out


class LearnedRanker:
    """Gradient-boosted trees over ranking rows; higher output = more likely to click or better.

    Parameters
    ----------
    learning_rate : float
        Shrinkage of each tree.
    max_iter : int
        Most boosting iterations (trees).
    max_leaf_nodes : int
        Leaves per tree.
    min_samples_leaf : int
        Rows a leaf needs.
    l2_regularization : float
        L2 penalty on leaf values.
    early_stopping : bool
        Stop when 10% of the rows held out stop improving for ``n_iter_no_change`` iterations.
    n_iter_no_change : int
        Patience of early stopping.
    rank_columns : sequence of str
        Names of the columns (of ``feature_names`` given to :meth:`fit`) whose
        within-request rank is added as a feature (default: every ``score_*`` column).
    negatives_per_group : int
        Train on at most this many negative rows per request, drawn at random
        after the within-request ranks are computed (``0`` = all). Most
        candidates are negatives; a sample of them teaches the same order at a
        fraction of the cost.
    random_state : int
        Seed (validation split, tie-breaking).

    """

    feature_names_: tuple[str, ...]
    rank_columns_: tuple[int, ...]
    used_columns_: tuple[int, ...]
    nodes_: dict[str, npt.NDArray[Any]]
    baseline_: float

    def __init__(
        self,
        learning_rate: float = 0.1,
        max_iter: int = 200,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 50,
        l2_regularization: float = 1.0,
        early_stopping: bool = True,
        n_iter_no_change: int = 15,
        rank_columns: Sequence[str] | None = None,
        negatives_per_group: int = 30,
        random_state: int = 0,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.rank_columns = None if rank_columns is None else list(rank_columns)
        self.negatives_per_group = negatives_per_group
        self.random_state = random_state
        self._validate_params()
        self._estimator: HistGradientBoostingClassifier | None = None

    def _validate_params(self) -> None:
        _check_number("learning_rate", self.learning_rate, minimum=0.0, strict=True)
        _check_number("max_iter", self.max_iter, minimum=1, integer=True)
        _check_number("max_leaf_nodes", self.max_leaf_nodes, minimum=2, integer=True)
        _check_number("min_samples_leaf", self.min_samples_leaf, minimum=1, integer=True)
        _check_number("l2_regularization", self.l2_regularization, minimum=0.0)
        _check_number("n_iter_no_change", self.n_iter_no_change, minimum=1, integer=True)
        _check_number("negatives_per_group", self.negatives_per_group, minimum=0, integer=True)
        _check_number("random_state", self.random_state, minimum=0, integer=True)
        if not isinstance(self.early_stopping, bool):
            raise InvalidFieldError("early_stopping", f"must be true or false, got {self.early_stopping!r}")

    def get_params(self) -> dict[str, Any]:
        """The parameters given to ``__init__``."""
        return {
            "learning_rate": self.learning_rate,
            "max_iter": self.max_iter,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization,
            "early_stopping": self.early_stopping,
            "n_iter_no_change": self.n_iter_no_change,
            "rank_columns": self.rank_columns,
            "negatives_per_group": self.negatives_per_group,
            "random_state": self.random_state,
        }

    def __repr__(self) -> str:
        return f"LearnedRanker({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` or ``load`` has run."""
        return hasattr(self, "nodes_")

    @property
    def n_trees(self) -> int:
        """Number of fitted trees."""
        return len(self.nodes_["tree_start"]) if self.is_fitted else 0

    # -- features -------------------------------------------------------------------------

    def _design(self, rows: FloatMatrix, groups: npt.NDArray[np.int64]) -> FloatMatrix:
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != len(self.feature_names_):
            raise RankerFormatError(
                f"expected rows with {len(self.feature_names_)} columns {list(self.feature_names_)}, got {rows.shape}"
            )
        groups = np.asarray(groups, dtype=np.int64)
        if groups.shape != (len(rows),):
            raise InvalidFieldError("groups", f"need one group per row ({len(rows)}), got {groups.shape}")
        if len(groups) > 1 and np.any(groups[1:] < groups[:-1]):
            raise InvalidFieldError("groups", "rows of one request must be contiguous, with groups in sorted order")
        ranks = within_group_ranks(rows[:, list(self.rank_columns_)], groups)
        design = np.hstack([rows, ranks])
        return design if not hasattr(self, "used_columns_") else design[:, list(self.used_columns_)]

    # -- fitting and predicting -----------------------------------------------------------

    def fit(
        self, rows: FloatMatrix, labels: npt.ArrayLike, groups: npt.ArrayLike, feature_names: Sequence[str]
    ) -> Self:
        """Learn from ranking rows.

        Parameters
        ----------
        rows : ndarray of float32
            One row per (request, candidate), columns ``feature_names``.
        labels : array-like of {0, 1}
            1 when the candidate was clicked or better.
        groups : array-like of int
            Request of each row, sorted (rows of one request contiguous).
        feature_names : sequence of str
            Column names (``features.ranking.RANKING_FEATURES``); kept and checked on load.

        Raises
        ------
        InvalidFieldError
            When the labels are not all 0/1, hold one class only, or shapes differ.

        """
        y = np.asarray(labels)
        if y.shape != (len(rows),):
            raise InvalidFieldError("labels", f"need one label per row ({len(rows)}), got {y.shape}")
        if not np.isin(y, (0, 1)).all():
            raise InvalidFieldError("labels", "labels must be 0 or 1")
        if len(np.unique(y)) < 2:
            raise InvalidFieldError("labels", "the ranker needs positive and negative rows; got one class only")
        self.feature_names_ = tuple(feature_names)
        wanted = (
            self.rank_columns
            if self.rank_columns is not None
            else [n for n in self.feature_names_ if n.startswith("score_")]
        )
        unknown = [n for n in wanted if n not in self.feature_names_]
        if unknown:
            raise InvalidFieldError("rank_columns", f"unknown columns {unknown}")
        self.rank_columns_ = tuple(self.feature_names_.index(n) for n in wanted)
        if hasattr(self, "used_columns_"):
            del self.used_columns_
        design = self._design(rows, np.asarray(groups, dtype=np.int64))
        # A column that is NaN everywhere (a model not configured) carries nothing; the trees skip it.
        self.used_columns_ = tuple(int(i) for i in np.flatnonzero(~np.isnan(design).all(axis=0)))
        keep = self._training_rows(y, np.asarray(groups, dtype=np.int64))
        design = design[np.ix_(keep, np.asarray(self.used_columns_, dtype=np.int64))]
        y = y[keep]
        estimator = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            validation_fraction=0.1,
            scoring="loss",
            random_state=self.random_state,
        )
        estimator.fit(design, y.astype(np.int64))
        self._estimator = estimator
        self.nodes_, self.baseline_ = _export_trees(estimator)
        return self

    def _training_rows(self, labels: npt.NDArray[Any], groups: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Every positive row and a seeded sample of ``negatives_per_group`` negatives per group, in row order."""
        if self.negatives_per_group == 0:
            return np.arange(len(labels), dtype=np.int64)
        negative = labels == 0
        key = np.random.default_rng(self.random_state).random(len(labels))
        order = np.lexsort((key, ~negative, groups))  # per group: negatives first, in random order
        sorted_groups = groups[order]
        start = np.searchsorted(sorted_groups, sorted_groups, side="left")
        rank = np.arange(len(order)) - start
        chosen = np.zeros(len(labels), dtype=bool)
        chosen[order] = rank < self.negatives_per_group
        return np.flatnonzero(chosen | ~negative)

    def predict(self, rows: FloatMatrix, groups: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Log-odds of click-or-better per row (higher = rank earlier).

        Parameters
        ----------
        rows : ndarray of float32
            Rows with the columns the ranker was fitted on.
        groups : array-like of int, optional
            Request of each row (sorted); default: all rows are one request.

        """
        if not self.is_fitted:
            raise RankerFormatError("the ranker is not fitted; call fit() or load() first")
        groups_arr = np.zeros(len(rows), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        design = self._design(rows, groups_arr)
        if self._estimator is not None:
            return np.asarray(self._estimator.decision_function(design), dtype=np.float64)
        return _walk_trees(self.nodes_, self.baseline_, design)

    # -- persistence ----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write ``ranker.npz`` (tree arrays) and ``ranker.json`` (format, parameters, feature names)."""
        if not self.is_fitted:
            raise RankerFormatError("cannot save an unfitted ranker")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / ARRAYS_FILE, allow_pickle=False, **self.nodes_)
        meta = {
            "format": FORMAT,
            "params": self.get_params(),
            "feature_names": list(self.feature_names_),
            "rank_columns": list(self.rank_columns_),
            "used_columns": list(self.used_columns_),
            "baseline": self.baseline_,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, feature_names: Sequence[str] | None = None) -> LearnedRanker:
        """Read a ranker written by :meth:`save`.

        Parameters
        ----------
        folder : Path
            The ranker's folder.
        feature_names : sequence of str, optional
            The columns the caller will give; refused when they differ from the fitted ones.

        Raises
        ------
        RankerFormatError
            For a missing or malformed file, another format, or other feature names.

        """
        folder = Path(folder)
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            with np.load(folder / ARRAYS_FILE, allow_pickle=False) as stored:
                nodes = {k: stored[k] for k in stored.files}
        except (OSError, ValueError) as exc:
            raise RankerFormatError(f"cannot read the ranker in {folder}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise RankerFormatError(f"{folder / META_FILE}: not a {FORMAT} ranker")
        expected = {"feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "tree_start"}
        if set(nodes) != expected:
            raise RankerFormatError(f"{folder / ARRAYS_FILE}: arrays {sorted(nodes)}, expected {sorted(expected)}")
        names = tuple(meta["feature_names"])
        if feature_names is not None and tuple(feature_names) != names:
            raise RankerFormatError(
                f"the ranker was fitted on features {list(names)}, the caller gives {list(feature_names)}"
            )
        ranker = cls(**meta["params"])
        ranker.feature_names_ = names
        ranker.rank_columns_ = tuple(int(i) for i in meta["rank_columns"])
        ranker.used_columns_ = tuple(int(i) for i in meta["used_columns"])
        ranker.nodes_ = nodes
        ranker.baseline_ = float(meta["baseline"])
        n_columns = len(ranker.used_columns_)
        if max(ranker.used_columns_, default=-1) >= len(names) + len(ranker.rank_columns_) or (
            len(nodes["feature"]) and int(nodes["feature"].max()) >= n_columns
        ):
            raise RankerFormatError(f"{folder / ARRAYS_FILE}: a node splits on column {nodes['feature'].max()}")
        return ranker


def _export_trees(estimator: HistGradientBoostingClassifier) -> tuple[dict[str, npt.NDArray[Any]], float]:
    """The fitted trees as flat arrays (node indices made global) and the baseline log-odds."""
    trees = [iteration[0].nodes for iteration in estimator._predictors]
    if any(tree["is_categorical"].any() for tree in trees):
        raise RankerFormatError("categorical splits cannot be exported; the ranker uses numeric features only")
    sizes = np.asarray([len(t) for t in trees], dtype=np.int64)
    start = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    nodes = np.concatenate(trees) if trees else np.zeros(0, dtype=trees[0].dtype if trees else None)
    offset = np.repeat(start, sizes)
    return (
        {
            "feature": nodes["feature_idx"].astype(np.int32),
            "threshold": nodes["num_threshold"].astype(np.float64),
            "missing_left": nodes["missing_go_to_left"].astype(np.bool_),
            "left": (nodes["left"].astype(np.int64) + offset).astype(np.int64),
            "right": (nodes["right"].astype(np.int64) + offset).astype(np.int64),
            "is_leaf": nodes["is_leaf"].astype(np.bool_),
            "value": nodes["value"].astype(np.float64),
            "tree_start": start,
        },
        float(np.asarray(estimator._baseline_prediction).ravel()[0]),
    )


def _walk_trees(nodes: dict[str, npt.NDArray[Any]], baseline: float, design: FloatMatrix) -> npt.NDArray[np.float64]:
    """Sum of the leaf values each row reaches in every tree, plus the baseline (all trees walked together)."""
    x = np.asarray(design, dtype=np.float64)
    out = np.full(len(x), baseline, dtype=np.float64)
    feature, threshold, missing_left = nodes["feature"], nodes["threshold"], nodes["missing_left"]
    left, right, is_leaf, value = nodes["left"], nodes["right"], nodes["is_leaf"], nodes["value"]
    starts = nodes["tree_start"]
    for begin in range(0, len(x), _ROWS_PER_CHUNK):
        chunk = x[begin : begin + _ROWS_PER_CHUNK]
        row = np.repeat(np.arange(len(chunk)), len(starts))
        node = np.tile(starts, len(chunk))
        active = ~is_leaf[node]
        while active.any():
            at = node[active]
            values = chunk[row[active], feature[at]]
            go_left = np.where(np.isnan(values), missing_left[at], values <= threshold[at])
            node[active] = np.where(go_left, left[at], right[at])
            active[active] = ~is_leaf[node[active]]
        out[begin : begin + len(chunk)] += value[node].reshape(len(chunk), len(starts)).sum(axis=1)
    return out
