"""A fitted tree ranker as plain arrays, and the numpy walker that scores with it.

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

from recsys.domain.errors import InvalidFieldError, RecsysError

FORMAT: Final = "hgb-trees/1"
ARRAYS_FILE: Final = "ranker.npz"
META_FILE: Final = "ranker.json"
NODE_ARRAYS: Final = frozenset(
    {"feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "tree_start"}
)
_ROWS_PER_CHUNK: Final = 8192
#: Up to this many rows, trees are walked level by level (:class:`LevelWalker`); more take :func:`walk_trees`.
_LEVEL_WALK_ROWS: Final = 512
#: Up to this many rows of one request, ranks come from pairwise comparisons (fewer numpy calls).
_ONE_GROUP_PAIRWISE: Final = 256

FloatMatrix = npt.NDArray[np.float32]


class RankerFormatError(RecsysError):
    """A saved ranker cannot be read, or does not fit the rows it is given."""


def within_group_ranks(scores: npt.NDArray[np.float32], groups: npt.NDArray[np.int64]) -> FloatMatrix:
    """Per column, the rank of each row among the rows of its group, scaled to [0, 1] (1 = highest).

    NaN stays NaN and is not counted; a group with one valid row gets 1; ties
    share their average rank. ``groups`` must be sorted (groups contiguous).
    """
    if len(groups) <= _ONE_GROUP_PAIRWISE and (len(groups) == 0 or groups[0] == groups[-1]):
        return _one_group_ranks(scores)
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


def _one_group_ranks(scores: npt.NDArray[np.float32]) -> FloatMatrix:
    """:func:`within_group_ranks` when every row is of one request (the server's case), by pairwise counts.

    A row's average rank among ties is the number of valid rows below it plus
    half the other rows equal to it; NaN compares false, so it counts nowhere.
    """
    values = np.asarray(scores, dtype=np.float64)
    below = (values[:, None, :] > values[None, :, :]).sum(axis=1)
    equal = (values[:, None, :] == values[None, :, :]).sum(axis=1)
    valid = ~np.isnan(values)
    size = valid.sum(axis=0)
    rank = below + 0.5 * (equal - 1)
    scaled = np.divide(rank, size - 1, out=np.ones(values.shape), where=size > 1)
    return np.where(valid, scaled, np.nan).astype(np.float32)


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
    levels: LevelWalker | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The per-request walker, laid out once; a ranker built only for its design (no nodes) has none.
        if set(self.nodes) == NODE_ARRAYS and len(self.nodes["tree_start"]):
            object.__setattr__(self, "levels", LevelWalker.build(self.nodes))

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
        if self.levels is not None and len(design) <= _LEVEL_WALK_ROWS:
            return self.levels.walk(self.baseline, design)
        return walk_trees(self.nodes, self.baseline, design)

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


def walk_trees(nodes: Mapping[str, npt.NDArray[Any]], baseline: float, design: FloatMatrix) -> npt.NDArray[np.float64]:
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


def tree_depth(nodes: Mapping[str, npt.NDArray[Any]]) -> int:
    """Most splits on any path from a root to a leaf (follows at most as many levels as there are nodes)."""
    level = np.asarray(nodes["tree_start"], dtype=np.int64)
    is_leaf, left, right = nodes["is_leaf"], nodes["left"], nodes["right"]
    depth = 0
    while len(level) and depth <= len(is_leaf):
        inner = level[~is_leaf[level]]
        if not len(inner):
            break
        level = np.concatenate([left[inner], right[inner]])
        depth += 1
    return depth


@dataclass(frozen=True, slots=True)
class LevelWalker:
    """The trees laid out for :meth:`walk`: leaves are their own children, so every walk takes ``depth`` steps.

    No step then needs to know which walks have ended; a request of ten rows
    pays a few numpy calls per level instead of per node visited.
    """

    starts: npt.NDArray[np.int64]
    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    depth: int

    @classmethod
    def build(cls, nodes: Mapping[str, npt.NDArray[Any]]) -> LevelWalker:
        """Lay out ``nodes`` (:data:`NODE_ARRAYS`)."""
        is_leaf = np.asarray(nodes["is_leaf"], dtype=bool)
        own = np.arange(len(is_leaf), dtype=np.int64)
        return cls(
            starts=np.asarray(nodes["tree_start"], dtype=np.int64),
            feature=np.where(is_leaf, 0, nodes["feature"]).astype(np.int64),
            threshold=np.asarray(nodes["threshold"], dtype=np.float64),
            missing_left=np.asarray(nodes["missing_left"], dtype=bool),
            left=np.where(is_leaf, own, nodes["left"]).astype(np.int64),
            right=np.where(is_leaf, own, nodes["right"]).astype(np.int64),
            value=np.asarray(nodes["value"], dtype=np.float64),
            depth=tree_depth(nodes),
        )

    def walk(self, baseline: float, design: FloatMatrix) -> npt.NDArray[np.float64]:
        """What :func:`walk_trees` gives for the same rows."""
        x = np.asarray(design, dtype=np.float64)
        n_rows, n_columns = x.shape
        flat = x.ravel()
        missing = np.isnan(flat)
        base = np.repeat(np.arange(n_rows, dtype=np.int64) * n_columns, len(self.starts))
        node = np.tile(self.starts, n_rows)
        for _ in range(self.depth):
            at = base + self.feature[node]
            go_left = (flat[at] <= self.threshold[node]) | (missing[at] & self.missing_left[node])
            node = np.where(go_left, self.left[node], self.right[node])
        leaves: npt.NDArray[np.float64] = self.value[node].reshape(n_rows, len(self.starts)).sum(axis=1)
        return baseline + leaves
