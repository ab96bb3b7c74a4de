"""Ranking metrics at a cut-off ``k`` for ranked lists against sets of relevant items.

Relevance is binary. Every metric is computed from a *hit matrix*: row ``u``
column ``i`` is true when the item at rank ``i`` of user ``u``'s list is
relevant. Lists shorter than ``k`` count their missing places as misses, and a
user with no relevant item scores 0 (callers evaluate only users with at least
one). Definitions:

- ``precision@k`` = hits in the top ``k`` / ``k``
- ``recall@k`` = hits in the top ``k`` / number of relevant items
- ``ndcg@k`` = DCG / ideal DCG with gain 1 and discount ``1 / log2(rank + 1)``;
  the ideal list puts ``min(k, |relevant|)`` hits first (as ``sklearn.metrics.ndcg_score``)
- ``map@k`` = sum over hits of precision at that rank / ``min(k, |relevant|)``
- ``mrr@k`` = 1 / rank of the first hit in the top ``k``, 0 without one
- ``hit_rate@k`` = 1 when the top ``k`` hold at least one hit, else 0
- ``ms_map@k`` = sum over hits of precision at that rank / ``|relevant|``: the
  "MAP" column of the Microsoft Recommenders benchmark tables (their ``map``;
  the same library's ``map_at_k`` divides by ``min(k, |relevant|)`` as ``map@k``
  here). The two agree when a user has at most ``k`` relevant items; with more,
  ``ms_map@k`` is smaller, since a list of ``k`` can never find them all.

``precision@k``, ``recall@k`` and ``ndcg@k`` (binary relevance) are the same
as Microsoft Recommenders' ``precision_at_k``, ``recall_at_k`` and ``ndcg_at_k``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError

FloatArray = npt.NDArray[np.float64]
HitMatrix = npt.NDArray[np.bool_]


def _check_k(k: int) -> None:
    if k < 1:
        raise InvalidFieldError("k", f"k must be at least 1, got {k}")


def _top(hits: HitMatrix, k: int) -> HitMatrix:
    """The first ``k`` columns, padded with misses when the lists are shorter."""
    _check_k(k)
    hits = np.asarray(hits, dtype=bool)
    if hits.ndim != 2:
        raise InvalidFieldError("hits", f"expected a 2-d hit matrix, got {hits.ndim} dimensions")
    if hits.shape[1] >= k:
        return hits[:, :k]
    return np.pad(hits, ((0, 0), (0, k - hits.shape[1])))


def _discounts(k: int) -> FloatArray:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def precision_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Precision at ``k`` per row of a hit matrix (``n_relevant`` is unused, kept for a uniform signature)."""
    return np.asarray(_top(hits, k).sum(axis=1) / float(k), dtype=np.float64)


def recall_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Recall at ``k`` per row: hits in the top ``k`` over the number of relevant items."""
    n = np.asarray(n_relevant, dtype=np.float64)
    found = _top(hits, k).sum(axis=1)
    return np.asarray(np.divide(found, n, out=np.zeros(len(n), dtype=np.float64), where=n > 0), dtype=np.float64)


def ndcg_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Normalised discounted cumulative gain at ``k`` per row (binary gains)."""
    top = _top(hits, k)
    discounts = _discounts(k)
    dcg = top @ discounts
    ideal_cum = np.concatenate([[0.0], np.cumsum(discounts)])
    n = np.minimum(np.asarray(n_relevant, dtype=np.int64), k)
    idcg = ideal_cum[np.clip(n, 0, k)]
    return np.asarray(np.divide(dcg, idcg, out=np.zeros(len(idcg), dtype=np.float64), where=idcg > 0), dtype=np.float64)


def map_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Average precision at ``k`` per row, normalised by ``min(k, |relevant|)``."""
    top = _top(hits, k).astype(np.float64)
    precision_at_rank = np.cumsum(top, axis=1) / np.arange(1, k + 1, dtype=np.float64)
    n = np.minimum(np.asarray(n_relevant, dtype=np.float64), k)
    total = (precision_at_rank * top).sum(axis=1)
    return np.asarray(np.divide(total, n, out=np.zeros(len(n), dtype=np.float64), where=n > 0), dtype=np.float64)


def mrr_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Reciprocal rank of the first hit within the top ``k`` per row (0 without one)."""
    top = _top(hits, k)
    first = np.argmax(top, axis=1)
    found = top[np.arange(len(top)), first] if len(top) else np.zeros(0, dtype=bool)
    return np.where(found, 1.0 / (first + 1.0), 0.0)


def hit_rate_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """1.0 per row whose top ``k`` hold at least one hit, else 0.0."""
    return np.asarray(_top(hits, k).any(axis=1), dtype=np.float64)


def ms_map_at_k(hits: HitMatrix, n_relevant: npt.ArrayLike, k: int) -> FloatArray:
    """Average precision at ``k`` per row, normalised by ``|relevant|`` (Microsoft Recommenders' MAP)."""
    top = _top(hits, k).astype(np.float64)
    precision_at_rank = np.cumsum(top, axis=1) / np.arange(1, k + 1, dtype=np.float64)
    n = np.asarray(n_relevant, dtype=np.float64)
    total = (precision_at_rank * top).sum(axis=1)
    return np.asarray(np.divide(total, n, out=np.zeros(len(n), dtype=np.float64), where=n > 0), dtype=np.float64)


MetricFunction = Callable[[HitMatrix, npt.ArrayLike, int], FloatArray]

#: The metrics by name, as used in reports (``ndcg@10``).
METRICS: Final[Mapping[str, MetricFunction]] = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": map_at_k,
    "mrr": mrr_at_k,
    "hit_rate": hit_rate_at_k,
    "ms_map": ms_map_at_k,
}


def parse_metric(spec: str) -> tuple[str, int]:
    """Split ``"ndcg@10"`` into ``("ndcg", 10)``.

    Raises
    ------
    InvalidFieldError
        For an unknown metric name or a bad cut-off.

    """
    name, sep, cut = spec.partition("@")
    if name not in METRICS:
        raise InvalidFieldError("metric", f"unknown metric {spec!r}; expected one of {sorted(METRICS)} as name@k")
    if not sep or not cut.isdigit() or int(cut) < 1:
        raise InvalidFieldError("metric", f"metric {spec!r} needs a cut-off as name@k with k >= 1")
    return name, int(cut)


def hit_matrix(ranked: Sequence[Sequence[object]], relevant: Sequence[Collection[object]], k: int) -> HitMatrix:
    """Hit matrix of ranked lists (any hashable items) against relevant sets, first ``k`` places."""
    _check_k(k)
    if len(ranked) != len(relevant):
        raise InvalidFieldError("relevant", f"{len(ranked)} ranked lists but {len(relevant)} relevant sets")
    hits = np.zeros((len(ranked), k), dtype=bool)
    for row, (items, wanted) in enumerate(zip(ranked, relevant, strict=True)):
        for col, item in enumerate(list(items)[:k]):
            hits[row, col] = item in wanted
    return hits


def evaluate_lists(
    ranked: Sequence[Sequence[object]], relevant: Sequence[Collection[object]], metrics: Sequence[str]
) -> dict[str, float]:
    """Mean of each metric (``"ndcg@10"``, ...) over users, for ranked lists of any hashable items.

    Parameters
    ----------
    ranked : sequence of sequences
        One ranked list per user, best first.
    relevant : sequence of collections
        The relevant items of each user, aligned with ``ranked``.
    metrics : sequence of str
        Metric specs ``name@k``.

    Returns
    -------
    dict of str to float
        The mean per metric (0.0 for no users).

    Examples
    --------
    >>> evaluate_lists([["a", "b", "c"]], [{"b"}], ["recall@2", "mrr@3"])
    {'recall@2': 1.0, 'mrr@3': 0.5}

    """
    parsed = [parse_metric(m) for m in metrics]
    depth = max((k for _, k in parsed), default=1)
    hits = hit_matrix(ranked, relevant, depth)
    n_relevant = np.asarray([len(r) for r in relevant], dtype=np.int64)
    return {spec: mean_metric(hits, n_relevant, spec) for spec in metrics}


def mean_metric(hits: HitMatrix, n_relevant: npt.ArrayLike, spec: str) -> float:
    """Mean over rows of the metric ``spec`` (``"recall@50"``) of a hit matrix."""
    name, k = parse_metric(spec)
    values = METRICS[name](hits, n_relevant, k)
    return float(values.mean()) if len(values) else 0.0
