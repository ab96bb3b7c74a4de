"""The learned ranker: gradient-boosted trees that re-order a base model's candidates.

:class:`LearnedRanker` is a scikit-learn ``HistGradientBoostingClassifier``
trained on ranking rows (:func:`features.ranking.ranking_rows`) labelled 1
when the user clicked or did something stronger with the event, 0 otherwise.
Its output is the log-odds of that, which orders candidates.

Besides the columns of the rows it is given, the ranker adds, per request
(``group``), the rank of every score column among that request's candidates,
scaled to ``[0, 1]`` (1 = best). Raw collaborative scores live on a different
scale for every user; their rank within the list does not, and a pointwise
model needs that to compare users.

**Persistence without pickle.** Fitting exports the trees as plain arrays
(:class:`recsys.models.tree_ranker.TreeRanker`); ``save`` writes those, and
the server loads them with ``TreeRanker.load`` without scikit-learn. The
fitted scikit-learn estimator is used for predictions while it is in memory
(same numbers, compiled and threaded).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier

from recsys.domain.errors import InvalidFieldError
from recsys.models.tree_ranker import FloatMatrix, RankerFormatError, TreeRanker, within_group_ranks

__all__ = ["LearnedRanker", "RankerFormatError", "within_group_ranks"]


def _check_number(name: str, value: Any, *, minimum: float, integer: bool = False, strict: bool = False) -> None:
    kind_ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not kind_ok or not np.isfinite(value):
        raise InvalidFieldError(name, f"must be a finite {'integer' if integer else 'number'}, got {value!r}")
    if value < minimum or (strict and value == minimum):
        raise InvalidFieldError(name, f"must be {'greater than' if strict else 'at least'} {minimum}, got {value}")


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
    trees_: TreeRanker

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
        return hasattr(self, "trees_")

    @property
    def n_trees(self) -> int:
        """Number of fitted trees."""
        return self.trees_.n_trees if self.is_fitted else 0

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
        names = tuple(feature_names)
        wanted = self.rank_columns if self.rank_columns is not None else [n for n in names if n.startswith("score_")]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise InvalidFieldError("rank_columns", f"unknown columns {unknown}")
        rank_columns = tuple(names.index(n) for n in wanted)
        groups_arr = np.asarray(groups, dtype=np.int64)
        every_column = tuple(range(len(names) + len(rank_columns)))
        design = TreeRanker(names, rank_columns, every_column, {}, 0.0, {}).design(rows, groups_arr)
        # A column that is NaN everywhere (a model not configured) carries nothing; the trees skip it.
        used_columns = tuple(int(i) for i in np.flatnonzero(~np.isnan(design).all(axis=0)))
        keep = self._training_rows(y, groups_arr)
        design = design[np.ix_(keep, np.asarray(used_columns, dtype=np.int64))]
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
        estimator.fit(design, y[keep].astype(np.int64))
        self._estimator = estimator
        nodes, baseline = _export_trees(estimator)
        self._set_trees(TreeRanker(names, rank_columns, used_columns, nodes, baseline, self.get_params()))
        return self

    def _set_trees(self, trees: TreeRanker) -> None:
        self.trees_ = trees
        self.feature_names_ = trees.feature_names
        self.rank_columns_ = trees.rank_columns
        self.used_columns_ = trees.used_columns

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
        if self._estimator is None:
            return self.trees_.predict(rows, groups)
        groups_arr = np.zeros(len(rows), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        design = self.trees_.design(rows, groups_arr)
        return np.asarray(self._estimator.decision_function(design), dtype=np.float64)

    # -- persistence ----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the fitted trees (``ranker.npz`` and ``ranker.json``, see :meth:`TreeRanker.save`)."""
        if not self.is_fitted:
            raise RankerFormatError("cannot save an unfitted ranker")
        self.trees_.save(folder)

    @classmethod
    def load(cls, folder: Path, *, feature_names: Sequence[str] | None = None) -> LearnedRanker:
        """Read a ranker written by :meth:`save` (it then predicts with the numpy tree walker).

        Raises
        ------
        RankerFormatError
            For a missing or malformed file, another format, or other feature names.

        """
        trees = TreeRanker.load(folder, feature_names=feature_names)
        try:
            ranker = cls(**trees.params)
        except (TypeError, InvalidFieldError) as exc:
            raise RankerFormatError(f"{folder}: stored parameters do not fit the ranker ({exc})") from exc
        ranker._set_trees(trees)
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
