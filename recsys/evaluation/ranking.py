"""Score one model on one hold-out: accuracy at several cut-offs, beyond-accuracy, cold-start slice, segments.

:func:`evaluate_ranking` ranks every candidate for each evaluated user (items
the user had in training are left out), keeps the top lists and computes:

- accuracy (:mod:`recsys.evaluation.metrics`) at the main ``k`` and at every
  cut-off of ``curve_ks`` (for metric-vs-k plots): ``precision``, ``recall``,
  ``map``, ``ms_map``, ``ndcg``, ``mrr``, ``hit_rate``;
- beyond accuracy (:mod:`recsys.evaluation.beyond`) at ``k``: ``coverage``,
  ``diversity`` (when item labels are given), ``novelty``, ``serendipity``
  (against the popularity baseline computed here from the training part) and
  ``exposure_gini`` (over item groups such as organisers when given, else items);
- the cold-start slice: accuracy at ``k`` when only the candidates without
  any training interaction are ranked, over users with a relevant one among them;
- a per-segment breakdown at ``k``: by training activity (tertiles) always,
  and by every labelling of the users the caller passes (age band, region).

Keys are ``name@k`` throughout (``ndcg@10``, ``coverage@10``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.beyond import (
    catalogue_coverage,
    exposure_counts,
    exposure_gini,
    intra_list_diversity,
    normalized_labels,
    novelty,
    self_information,
    serendipity,
)
from recsys.evaluation.evaluate import top_k
from recsys.evaluation.holdout import ObjectArray, RankingTask, informative_rows, positions_in
from recsys.evaluation.metrics import METRICS
from recsys.evaluation.scoring import Scorer
from recsys.evaluation.segments import activity_bands, segment_means

#: Accuracy metrics computed at every cut-off.
ACCURACY: Final = ("precision", "recall", "map", "ms_map", "ndcg", "mrr", "hit_rate")
#: Beyond-accuracy metrics computed at the main cut-off.
BEYOND: Final = ("coverage", "diversity", "novelty", "serendipity", "exposure_gini")
#: Cut-offs of the metric-vs-k curves (the main ``k`` is always added).
CURVE_KS: Final = (1, 5, 10, 20, 50)
#: Metrics broken down per segment.
SEGMENT_METRICS: Final = ("ndcg", "recall", "precision", "hit_rate", "novelty")


@dataclass(frozen=True, slots=True)
class ItemSide:
    """What is known about each candidate, aligned with the hold-out's ``candidate_ids``.

    Parameters
    ----------
    labels : scipy.sparse matrix, optional
        Candidates x labels (disciplines, genres), for intra-list diversity.
    groups : ndarray of int64, optional
        Group code per candidate (organiser; ``-1`` unknown), for exposure concentration.

    """

    labels: sp.csr_matrix | None = None
    groups: npt.NDArray[np.int64] | None = None


@dataclass(frozen=True, slots=True)
class RankingReport:
    """Everything :func:`evaluate_ranking` measured for one model.

    Parameters
    ----------
    k : int
        The main cut-off.
    metrics : dict of str to float
        ``name@k`` -> mean over the evaluated users (beyond-accuracy: see the module docstring).
    cold : dict of str to float
        Accuracy at ``k`` over the cold-start slice (empty when there is none).
    segments : dict
        Segment kind (``activity``, ``age_band``, ...) -> label -> metric -> mean (``users`` = count).
    n_users, n_cold_users : int
        Users evaluated overall and in the cold slice.

    """

    k: int
    metrics: dict[str, float]
    cold: dict[str, float] = field(default_factory=dict)
    segments: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    n_users: int = 0
    n_cold_users: int = 0

    def as_dict(self) -> dict[str, float | int]:
        """Flat mapping (cold metrics prefixed ``cold/``), rounded for reports."""
        flat: dict[str, float | int] = {k: round(v, 6) for k, v in self.metrics.items()}
        flat |= {f"cold/{k}": round(v, 6) for k, v in self.cold.items()}
        flat |= {"users": self.n_users, "cold/users": self.n_cold_users}
        return flat


class _Accumulator:
    """Per-user metric values gathered batch by batch."""

    def __init__(self) -> None:
        self.values: dict[str, list[npt.NDArray[np.float64]]] = {}

    def add(self, name: str, values: npt.NDArray[np.float64]) -> None:
        self.values.setdefault(name, []).append(np.asarray(values, dtype=np.float64))

    def arrays(self) -> dict[str, npt.NDArray[np.float64]]:
        return {name: np.concatenate(parts) for name, parts in self.values.items()}


def evaluate_ranking(
    task: RankingTask,
    scorer: Scorer,
    *,
    k: int = 10,
    curve_ks: Sequence[int] = CURVE_KS,
    item_side: ItemSide | None = None,
    user_segments: Mapping[str, ObjectArray] | None = None,
    rows: npt.NDArray[np.int64] | None = None,
    batch_size: int = 1024,
) -> RankingReport:
    """Rank every candidate for each evaluated user and measure the lists.

    Parameters
    ----------
    task : RankingTask
        The hold-out (a :class:`~recsys.evaluation.holdout.Holdout` or a ``TemporalSplit``).
    scorer : callable
        User ids -> scores over ``task.candidate_ids`` (``-inf`` = cannot rank).
    k : int
        The main cut-off.
    curve_ks : sequence of int
        More cut-offs for the accuracy metrics.
    item_side : ItemSide, optional
        Labels and groups per candidate.
    user_segments : mapping of str to ndarray, optional
        Segment kind -> a label per evaluated user (aligned with ``task.user_ids``).
    rows : ndarray of int64, optional
        Which users of the task to evaluate (default all).
    batch_size : int
        Users scored at once.

    Returns
    -------
    RankingReport

    Raises
    ------
    InvalidFieldError
        For ``k < 1``, a scorer returning the wrong shape, or misaligned side information.

    """
    if k < 1:
        raise InvalidFieldError("k", f"k must be at least 1, got {k}")
    ks = sorted({int(c) for c in curve_ks if int(c) >= 1} | {k})
    depth = max(ks)
    rows = np.arange(task.n_users, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    side = item_side or ItemSide()
    _check_side(side, task.n_candidates)
    user_counts, n_train_users = training_users_per_candidate(task)
    information = self_information(user_counts, max(n_train_users, 1))
    popularity = user_counts.astype(np.float32)
    unit_labels = normalized_labels(side.labels) if side.labels is not None else None
    cold_cols = np.flatnonzero(task.cold_candidates)
    per_user, cold = _Accumulator(), _Accumulator()
    counts = np.zeros(task.n_candidates, dtype=np.int64)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        scores = np.array(scorer(task.user_ids[batch]), dtype=np.float32)
        if scores.shape != (len(batch), task.n_candidates):
            raise InvalidFieldError(
                "scores", f"scorer returned shape {scores.shape}, expected {(len(batch), task.n_candidates)}"
            )
        seen = task.seen[batch]
        scores[seen.nonzero()] = -np.inf
        relevant = task.relevant[batch].toarray() > 0
        top = ranked_lists(scores, depth)
        _accuracy(per_user, top, relevant, ks, "")
        lists = top[:, :k]
        counts += exposure_counts(lists, task.n_candidates)
        per_user.add(f"novelty@{k}", novelty(lists, information))
        if unit_labels is not None:
            per_user.add(f"diversity@{k}", intra_list_diversity(lists, unit_labels))
        baseline_scores = np.broadcast_to(popularity, scores.shape).copy()
        baseline_scores[seen.nonzero()] = -np.inf
        per_user.add(f"serendipity@{k}", serendipity(lists, relevant, ranked_lists(baseline_scores, k), k))
        if len(cold_cols):
            cold_relevant = relevant[:, cold_cols]
            has_cold = cold_relevant.any(axis=1)
            if has_cold.any():
                cold_top = ranked_lists(scores[has_cold][:, cold_cols], k)
                _accuracy(cold, cold_top, cold_relevant[has_cold], [k], "")
    values = per_user.arrays()
    metrics = {name: _mean(v) for name, v in values.items()}
    metrics[f"coverage@{k}"] = catalogue_coverage(counts)
    metrics[f"exposure_gini@{k}"] = exposure_gini(counts, side.groups)
    cold_values = cold.arrays()
    n_cold = len(next(iter(cold_values.values()))) if cold_values else 0
    segments = _segments(task, rows, values, k, user_segments)
    return RankingReport(
        k=k,
        metrics=dict(sorted(metrics.items())),
        cold={name: _mean(v) for name, v in sorted(cold_values.items())},
        segments=segments,
        n_users=len(rows),
        n_cold_users=n_cold,
    )


def ranked_lists(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """The ``k`` best columns per row, best first, ``-1`` where only unrankable (``-inf``) items were left."""
    top = top_k(scores, k)
    finite = np.isfinite(np.take_along_axis(scores, top, axis=1))
    top = np.where(finite, top, -1)
    if top.shape[1] < k:
        top = np.pad(top, ((0, 0), (0, k - top.shape[1])), constant_values=-1)
    return top


def training_users_per_candidate(task: RankingTask) -> tuple[npt.NDArray[np.int64], int]:
    """Per candidate, how many training users interacted with it (impressions aside); and the training users."""
    train = task.train
    informative = np.flatnonzero(informative_rows(train))
    n_items = max(len(train.event_ids), 1)
    pairs = np.unique(train.user_codes[informative].astype(np.int64) * n_items + train.event_codes[informative])
    per_item = np.bincount(pairs % n_items, minlength=len(train.event_ids))
    column = positions_in(train.event_ids, task.candidate_ids)
    counts = np.zeros(task.n_candidates, dtype=np.int64)
    inside = column >= 0
    counts[column[inside]] = per_item[inside]
    return counts, len(train.user_ids)


def _accuracy(
    acc: _Accumulator, top: npt.NDArray[np.int64], relevant: npt.NDArray[np.bool_], ks: Sequence[int], prefix: str
) -> None:
    valid = top >= 0
    hits = np.take_along_axis(relevant, np.where(valid, top, 0), axis=1) & valid
    n_relevant = relevant.sum(axis=1).astype(np.int64)
    for cut in ks:
        for name in ACCURACY:
            acc.add(f"{prefix}{name}@{cut}", METRICS[name](hits, n_relevant, cut))


def _mean(values: npt.NDArray[np.float64]) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if len(finite) else 0.0


def _check_side(side: ItemSide, n_candidates: int) -> None:
    if side.labels is not None and side.labels.shape[0] != n_candidates:
        raise InvalidFieldError("labels", f"has {side.labels.shape[0]} rows for {n_candidates} candidates")
    if side.groups is not None and len(side.groups) != n_candidates:
        raise InvalidFieldError("groups", f"has {len(side.groups)} values for {n_candidates} candidates")


def _segments(
    task: RankingTask,
    rows: npt.NDArray[np.int64],
    values: Mapping[str, npt.NDArray[np.float64]],
    k: int,
    user_segments: Mapping[str, ObjectArray] | None,
) -> dict[str, dict[str, dict[str, float]]]:
    wanted = {m: values[f"{m}@{k}"] for m in SEGMENT_METRICS if f"{m}@{k}" in values}
    train = task.train
    per_user_rows = np.bincount(train.user_codes, minlength=len(train.user_ids))
    position = positions_in(task.user_ids[rows], train.user_ids)
    activity = np.where(position >= 0, per_user_rows[np.maximum(position, 0)], 0)
    out = {"activity": segment_means(wanted, activity_bands(activity))}
    for kind, labels in (user_segments or {}).items():
        if len(labels) != task.n_users:
            raise InvalidFieldError(f"segments.{kind}", f"has {len(labels)} labels for {task.n_users} users")
        out[kind] = segment_means(wanted, np.asarray(labels, dtype=object)[rows])
    return out
