"""A fitted tree ranker as plain arrays, and the compiled walker that scores with it.

The training side (``training.ranker.LearnedRanker``) fits scikit-learn's
gradient-boosted trees and exports them here; the server loads the same
arrays with :meth:`TreeRanker.load` and scores candidates without
scikit-learn or pickle. The walker follows scikit-learn's rule exactly: go
left when ``x <= threshold``; a NaN goes where the node says.

Besides the row columns, the ranker sees, per request (``group``), the rank of
every score column among that request's candidates, scaled to ``[0, 1]``
(:func:`within_group_ranks`); both sides compute it here, so they cannot
disagree on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recsys.compiled import kernel
from recsys.domain.errors import InvalidFieldError, RecsysError

FORMAT: Final = "hgb-trees/1"
ARRAYS_FILE: Final = "ranker.npz"
META_FILE: Final = "ranker.json"
NODE_ARRAYS: Final = frozenset(
    {"feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "tree_start"}
)

FloatMatrix = npt.NDArray[np.float32]


class RankerFormatError(RecsysError):
    """A saved ranker cannot be read, or does not fit the rows it is given."""


def within_group_ranks(scores: npt.NDArray[np.float32], groups: npt.NDArray[np.int64]) -> FloatMatrix:
    """Per column, the rank of each row among the rows of its group, scaled to [0, 1] (1 = highest).

    NaN stays NaN and is not counted; a group with one valid row gets 1; ties
    share their average rank. ``groups`` must be sorted (groups contiguous).
    """
    values = np.ascontiguousarray(scores, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    if values.ndim != 2 or len(values) != len(groups):
        raise InvalidFieldError("groups", f"need one group per row ({len(values)}), got {groups.shape}")
    if len(groups) == 0 or groups[0] == groups[-1]:  # one request (the server's case); groups are sorted
        bounds = np.array([0, len(groups)], dtype=np.int64)
    else:
        changes = np.flatnonzero(groups[1:] != groups[:-1]) + 1
        bounds = np.concatenate([[0], changes, [len(groups)]]).astype(np.int64)
    return _group_ranks(values, bounds)


@kernel
def _group_ranks(values: npt.NDArray[np.float64], bounds: npt.NDArray[np.int64]) -> FloatMatrix:
    """:func:`within_group_ranks` over groups ``bounds[g]:bounds[g + 1]``.

    Per group and column the valid (non-NaN) rows are sorted; each run of
    equal values gets the average of the positions it spans.
    """
    n_rows, n_columns = values.shape
    out = np.full((n_rows, n_columns), np.nan, dtype=np.float32)
    for g in range(len(bounds) - 1):
        begin, end = bounds[g], bounds[g + 1]
        for col in range(n_columns):
            valid = np.empty(end - begin, dtype=np.int64)
            size = 0
            for i in range(begin, end):
                if not np.isnan(values[i, col]):
                    valid[size] = i
                    size += 1
            rows = valid[:size]
            order = rows[np.argsort(values[rows, col])]
            first = 0
            while first < size:
                last = first
                while last + 1 < size and values[order[last + 1], col] == values[order[first], col]:
                    last += 1
                rank = 0.5 * (first + last)
                for at in range(first, last + 1):
                    out[order[at], col] = rank / (size - 1) if size > 1 else 1.0
                first = last + 1
    return out


@dataclass(frozen=True, slots=True, eq=False)
class TreeRanker:
    """Fitted boosted trees over ranking rows; higher output = more likely to click or better.

    Parameters
    ----------
    feature_names : tuple of str
        Row columns, in order (``features.ranking.RANKING_FEATURES``).
    rank_columns : tuple of int
        Row columns whose within-request rank is appended.
    used_columns : tuple of int
        Columns of the design (rows + ranks) the trees split on, in their order.
    nodes : dict of str to ndarray
        Flat node arrays (:data:`NODE_ARRAYS`), child indices global.
    baseline : float
        Log-odds every prediction starts from.
    params : dict
        Hyperparameters it was fitted with (kept for the record).

    """

    feature_names: tuple[str, ...]
    rank_columns: tuple[int, ...]
    used_columns: tuple[int, ...]
    nodes: Mapping[str, npt.NDArray[Any]]
    baseline: float
    params: Mapping[str, Any]
    trees: Trees | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The arrays the walk reads, typed once; a ranker built only for its design (no nodes) has none.
        if set(self.nodes) == NODE_ARRAYS:
            object.__setattr__(self, "trees", Trees.of(self.nodes))

    @property
    def n_trees(self) -> int:
        """Number of trees."""
        return len(self.nodes["tree_start"])

    def design(self, rows: FloatMatrix, groups: npt.NDArray[np.int64]) -> FloatMatrix:
        """Rows plus within-request ranks, restricted to the columns the trees use.

        Raises
        ------
        RankerFormatError
            When ``rows`` has other columns than the ranker was fitted on.
        InvalidFieldError
            When ``groups`` does not match the rows or is not sorted.

        """
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != len(self.feature_names):
            raise RankerFormatError(
                f"expected rows with {len(self.feature_names)} columns {list(self.feature_names)}, got {rows.shape}"
            )
        groups = np.asarray(groups, dtype=np.int64)
        if groups.shape != (len(rows),):
            raise InvalidFieldError("groups", f"need one group per row ({len(rows)}), got {groups.shape}")
        if len(groups) > 1 and np.any(groups[1:] < groups[:-1]):
            raise InvalidFieldError("groups", "rows of one request must be contiguous, with groups in sorted order")
        ranks = within_group_ranks(rows[:, list(self.rank_columns)], groups)
        return np.hstack([rows, ranks])[:, list(self.used_columns)]

    def predict(self, rows: FloatMatrix, groups: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Log-odds of click-or-better per row.

        Parameters
        ----------
        rows : ndarray of float32
            Rows with the columns :attr:`feature_names`.
        groups : array-like of int, optional
            Request of each row (sorted); default: all rows are one request.

        """
        groups_arr = np.zeros(len(rows), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        design = self.design(rows, groups_arr)
        trees = self.trees if self.trees is not None else Trees.of(self.nodes)
        return trees.walk(self.baseline, design)

    def save(self, folder: Path) -> None:
        """Write ``ranker.npz`` (node arrays) and ``ranker.json`` (format, parameters, columns)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / ARRAYS_FILE, allow_pickle=False, **dict(self.nodes))
        meta = {
            "format": FORMAT,
            "params": dict(self.params),
            "feature_names": list(self.feature_names),
            "rank_columns": list(self.rank_columns),
            "used_columns": list(self.used_columns),
            "baseline": self.baseline,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, *, feature_names: Sequence[str] | None = None) -> TreeRanker:
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
        if set(nodes) != NODE_ARRAYS:
            raise RankerFormatError(f"{folder / ARRAYS_FILE}: arrays {sorted(nodes)}, expected {sorted(NODE_ARRAYS)}")
        try:
            names = tuple(str(n) for n in meta["feature_names"])
            ranker = cls(
                feature_names=names,
                rank_columns=tuple(int(i) for i in meta["rank_columns"]),
                used_columns=tuple(int(i) for i in meta["used_columns"]),
                nodes=nodes,
                baseline=float(meta["baseline"]),
                params=dict(meta["params"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RankerFormatError(f"{folder / META_FILE}: malformed ({exc})") from exc
        if feature_names is not None and tuple(feature_names) != names:
            raise RankerFormatError(
                f"the ranker was fitted on features {list(names)}, the caller gives {list(feature_names)}"
            )
        n_design = len(names) + len(ranker.rank_columns)
        if max(ranker.used_columns, default=-1) >= n_design or (
            len(nodes["feature"]) and int(nodes["feature"].max()) >= len(ranker.used_columns)
        ):
            raise RankerFormatError(f"{folder / ARRAYS_FILE}: a node splits on a column the rows do not have")
        return ranker


@dataclass(frozen=True, slots=True)
class Trees:
    """Node arrays (:data:`NODE_ARRAYS`) in the dtypes the compiled walk reads."""

    starts: npt.NDArray[np.int64]
    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    is_leaf: npt.NDArray[np.bool_]
    value: npt.NDArray[np.float64]

    @classmethod
    def of(cls, nodes: Mapping[str, npt.NDArray[Any]]) -> Trees:
        """Typed, contiguous copies of ``nodes``.

        Raises
        ------
        RankerFormatError
            When the arrays differ in length, or a root or child lies outside them or does not come
            after its parent (the walk would not end).

        """

        def typed(name: str, dtype: type[Any]) -> npt.NDArray[Any]:
            return np.ascontiguousarray(nodes[name], dtype=dtype)

        size = len(nodes["is_leaf"])
        if any(len(nodes[name]) != size for name in NODE_ARRAYS - {"tree_start"}):
            raise RankerFormatError("the node arrays differ in length")
        starts, is_leaf = typed("tree_start", np.int64), typed("is_leaf", np.bool_)
        inner = np.flatnonzero(~is_leaf)
        for name in ("left", "right"):
            children = np.asarray(nodes[name], dtype=np.int64)[inner]
            if len(children) and (np.any(children <= inner) or int(children.max()) >= size):
                raise RankerFormatError(f"a node's {name} child lies outside the trees or before the node")
        if len(starts) and (int(starts.min()) < 0 or int(starts.max()) >= size):
            raise RankerFormatError("a tree starts outside the node arrays")
        return cls(
            starts=starts,
            feature=typed("feature", np.int64),
            threshold=typed("threshold", np.float64),
            missing_left=typed("missing_left", np.bool_),
            left=typed("left", np.int64),
            right=typed("right", np.int64),
            is_leaf=is_leaf,
            value=typed("value", np.float64),
        )

    def walk(self, baseline: float, design: FloatMatrix) -> npt.NDArray[np.float64]:
        """Per row of ``design``, the baseline plus the leaf value it reaches in each tree (in tree order)."""
        x = np.ascontiguousarray(design, dtype=np.float64)
        if x.ndim != 2:
            raise RankerFormatError(f"expected a matrix of design rows, got shape {x.shape}")
        return _walk(
            x,
            self.starts,
            self.feature,
            self.threshold,
            self.missing_left,
            self.left,
            self.right,
            self.is_leaf,
            self.value,
            float(baseline),
        )


@kernel
def _walk(
    x: npt.NDArray[np.float64],
    starts: npt.NDArray[np.int64],
    feature: npt.NDArray[np.int64],
    threshold: npt.NDArray[np.float64],
    missing_left: npt.NDArray[np.bool_],
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    is_leaf: npt.NDArray[np.bool_],
    value: npt.NDArray[np.float64],
    baseline: float,
) -> npt.NDArray[np.float64]:
    """scikit-learn's rule: left when ``x <= threshold``, a NaN where the node says; trees summed in order."""
    out = np.empty(x.shape[0], dtype=np.float64)
    for row in range(x.shape[0]):
        total = baseline
        for tree in range(len(starts)):
            node = starts[tree]
            while not is_leaf[node]:
                seen = x[row, feature[node]]
                go_left = missing_left[node] if np.isnan(seen) else seen <= threshold[node]
                node = left[node] if go_left else right[node]
            total += value[node]
        out[row] = total
    return out
