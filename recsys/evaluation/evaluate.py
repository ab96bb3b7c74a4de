"""Score a model on a hold-out (any :class:`~recsys.evaluation.holdout.RankingTask`): full rankings, mean metrics.

For the whole picture (several cut-offs, beyond-accuracy metrics, segments)
see :func:`recsys.evaluation.ranking.evaluate_ranking`; this is the lean
version the training job uses.

A *scorer* is any function from a batch of user ids to their scores over the
split's candidates (``len(users) x n_candidates``, higher is better, ``-inf``
for "cannot rank"). Every candidate is ranked; pairs the user saw before the
cutoff are left out. Besides the overall means the result holds the
**cold-start slice**: the same metrics when only the candidates without any
training interaction are on offer, over the users with a relevant one among them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.holdout import ObjectArray, RankingTask
from recsys.evaluation.metrics import METRICS, parse_metric

Scorer = Callable[[ObjectArray], npt.NDArray[np.float32]]
DEFAULT_METRICS = ("ndcg@10", "recall@50", "precision@10", "map@10", "mrr@10")


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Mean metrics of one model on one split.

    Parameters
    ----------
    metrics : dict of str to float
        Means over the evaluated users (``"ndcg@10"`` -> value).
    cold : dict of str to float
        The same over the cold-start slice.
    n_users, n_cold_users : int
        Users behind each (the cold slice counts users with a relevant cold candidate).

    """

    metrics: dict[str, float]
    cold: dict[str, float] = field(default_factory=dict)
    n_users: int = 0
    n_cold_users: int = 0

    def as_dict(self) -> dict[str, float | int]:
        """Flat mapping for manifests and tables (cold metrics prefixed ``cold/``)."""
        flat: dict[str, float | int] = {k: round(v, 6) for k, v in self.metrics.items()}
        flat |= {f"cold/{k}": round(v, 6) for k, v in self.cold.items()}
        flat |= {"users": self.n_users, "cold/users": self.n_cold_users}
        return flat


def sample_users(split: RankingTask, max_users: int | None, seed: int) -> npt.NDArray[np.int64]:
    """Rows of ``split`` to evaluate: all, or a seeded sample of ``max_users`` in row order."""
    rows = np.arange(split.n_users, dtype=np.int64)
    if max_users is None or max_users >= len(rows):
        return rows
    if max_users < 1:
        raise InvalidFieldError("max_users", f"must be at least 1, got {max_users}")
    return np.sort(np.random.default_rng(seed).choice(rows, size=max_users, replace=False))


def evaluate_scorer(
    split: RankingTask,
    scorer: Scorer,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    rows: npt.NDArray[np.int64] | None = None,
    batch_size: int = 1024,
) -> EvaluationResult:
    """Rank every candidate for each evaluated user and average the metrics.

    Parameters
    ----------
    split : RankingTask
        The hold-out.
    scorer : callable
        User ids -> scores over ``split.candidate_ids``.
    metrics : sequence of str
        Metric specs ``name@k``.
    rows : ndarray of int64, optional
        Which users of the split to evaluate (default: all; see :func:`sample_users`).
    batch_size : int
        Users scored at once (bounds memory: ``batch_size x n_candidates`` floats).

    Returns
    -------
    EvaluationResult

    """
    parsed = [parse_metric(m) for m in metrics]
    depth = max(k for _, k in parsed)
    rows = np.arange(split.n_users, dtype=np.int64) if rows is None else rows
    cold_cols = np.flatnonzero(split.cold_candidates)
    sums = dict.fromkeys(metrics, 0.0)
    cold_sums = dict.fromkeys(metrics, 0.0)
    n_cold = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        scores = np.array(scorer(split.user_ids[batch]), dtype=np.float32)
        if scores.shape != (len(batch), split.n_candidates):
            raise InvalidFieldError(
                "scores", f"scorer returned shape {scores.shape}, expected {(len(batch), split.n_candidates)}"
            )
        seen = split.seen[batch]
        scores[seen.nonzero()] = -np.inf
        relevant = split.relevant[batch].toarray() > 0
        hits, n_relevant = _hits(scores, relevant, depth)
        for spec, (name, k) in zip(metrics, parsed, strict=True):
            sums[spec] += float(METRICS[name](hits, n_relevant, k).sum())
        if len(cold_cols):
            cold_relevant = relevant[:, cold_cols]
            has_cold = cold_relevant.any(axis=1)
            if has_cold.any():
                cold_hits, cold_n = _hits(scores[has_cold][:, cold_cols], cold_relevant[has_cold], depth)
                n_cold += int(has_cold.sum())
                for spec, (name, k) in zip(metrics, parsed, strict=True):
                    cold_sums[spec] += float(METRICS[name](cold_hits, cold_n, k).sum())
    n = len(rows)
    return EvaluationResult(
        metrics={m: v / n if n else 0.0 for m, v in sums.items()},
        cold={m: v / n_cold for m, v in cold_sums.items()} if n_cold else {},
        n_users=n,
        n_cold_users=n_cold,
    )


def top_k(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Column indices of the ``k`` best scores per row, best first; ties go to the lower index."""
    n_cols = scores.shape[1]
    k = min(k, n_cols)
    if k == 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    part = (
        np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n_cols else np.tile(np.arange(n_cols), (len(scores), 1))
    )
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64, copy=False)


def _hits(
    scores: npt.NDArray[np.float32], relevant: npt.NDArray[np.bool_], depth: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    top = top_k(scores, depth)
    hits = np.take_along_axis(relevant, top, axis=1)
    # An item the scorer could not rank is no hit, wherever the sort put it.
    hits &= np.isfinite(np.take_along_axis(scores, top, axis=1))
    return hits, relevant.sum(axis=1).astype(np.int64)
