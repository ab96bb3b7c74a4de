"""Beyond-accuracy metrics of top-``k`` lists: coverage, diversity, novelty, serendipity, exposure concentration.

Lists are integer matrices ``users x k`` of candidate indices, best first,
with ``-1`` in the places a model left empty (it could not rank enough
items). Definitions, all at the list length ``k``:

- ``coverage@k``: share of the candidates that appear in at least one list
  (catalogue coverage).
- ``diversity@k``: intra-list diversity, the mean over the pairs of a list of
  ``1 - cos(l_i, l_j)``, where ``l_i`` is item ``i``'s label vector
  (disciplines: event types and themes, or genres). An item without labels
  has cosine 0 to everything. Lists with fewer than two items are left out.
- ``novelty@k``: the mean self-information ``-log2 p_i`` of the listed items,
  with ``p_i`` the share of training users who interacted with item ``i``; an
  item no training user touched counts as touched by one (``p = 1 / n_users``),
  so the value stays finite. Higher means less mainstream.
- ``serendipity@k``: the share of a list that is relevant *and* unexpected,
  ``|L ∩ R − P| / k`` (set difference), where ``R`` is the user's relevant test items and ``P``
  is the popularity baseline's list for the same user (the ``k`` most popular
  items the user has not seen): a hit the obvious recommender would not have
  made (Ge, Delgado-Battenfeld & Jannach 2010, with popularity as the
  primitive recommender). It is bounded by ``precision@k``.
- ``exposure_gini@k``: the Gini coefficient of how the ``users x k`` list
  places are shared among organisers (or among items when no organiser is
  known), counting every organiser of the candidates, also those never shown:
  0 when all get the same exposure, close to 1 when a few get it all. Items
  with an unknown organiser are left out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError

TopLists = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _valid(top: TopLists) -> npt.NDArray[np.bool_]:
    return np.asarray(top >= 0)


def membership(top: TopLists, n_candidates: int) -> sp.csr_matrix:
    """Users x candidates 0/1 matrix of which item is in which list."""
    valid = _valid(top)
    rows = np.repeat(np.arange(top.shape[0]), valid.sum(axis=1))
    return sp.csr_matrix(
        (np.ones(int(valid.sum()), dtype=np.float64), (rows, top[valid])), shape=(top.shape[0], n_candidates)
    )


def exposure_counts(top: TopLists, n_candidates: int) -> npt.NDArray[np.int64]:
    """How many lists each candidate appears in."""
    return np.bincount(top[_valid(top)], minlength=n_candidates).astype(np.int64)


def catalogue_coverage(counts: npt.NDArray[np.int64]) -> float:
    """Share of candidates with at least one list place (``counts`` from :func:`exposure_counts`)."""
    return float((counts > 0).mean()) if len(counts) else 0.0


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative ``values`` (0 = equal shares; 0 for an empty or all-zero input).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 4]), 2)
    0.75

    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    if len(x) == 0 or x.sum() <= 0:
        return 0.0
    if x[0] < 0:
        raise InvalidFieldError("values", "the Gini coefficient needs non-negative values")
    n = len(x)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(((2 * ranks - n - 1) * x).sum() / (n * x.sum()))


def exposure_gini(counts: npt.NDArray[np.int64], groups: npt.NDArray[np.int64] | None = None) -> float:
    """Gini of exposure per group (``groups[i]`` = group of candidate ``i``, ``-1`` unknown), or per item."""
    if groups is None:
        return gini(counts)
    known = groups >= 0
    if not known.any():
        return gini(counts)
    _, codes = np.unique(groups[known], return_inverse=True)
    return gini(np.bincount(codes.ravel(), weights=counts[known].astype(np.float64)))


def normalized_labels(labels: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """Label rows (candidates x labels) scaled to unit L2 norm; rows without labels stay zero."""
    rows = sp.csr_matrix(labels, dtype=np.float64, copy=True)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ rows)


def intra_list_diversity(top: TopLists, unit_labels: sp.csr_matrix) -> FloatArray:
    """Per list, the mean pairwise ``1 - cosine`` of its items' labels (NaN for lists shorter than 2).

    ``unit_labels`` comes from :func:`normalized_labels`. The sum of pairwise
    cosines is ``(||sum v||^2 - sum ||v||^2) / 2``, so no pair is formed explicitly.
    """
    members = membership(top, unit_labels.shape[0])
    summed = members @ unit_labels
    squared = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
    has_labels = (np.diff(unit_labels.indptr) > 0).astype(np.float64)
    self_terms = members @ has_labels
    n = _valid(top).sum(axis=1).astype(np.float64)
    pairs = n * (n - 1)
    mean_cosine = np.divide(squared - self_terms, pairs, out=np.full(len(n), np.nan), where=pairs > 0)
    return np.asarray(1.0 - mean_cosine, dtype=np.float64)


def self_information(user_counts: npt.ArrayLike, n_users: int) -> FloatArray:
    """``-log2 p`` per item, ``p`` = share of ``n_users`` who interacted with it (at least one counted)."""
    if n_users < 1:
        raise InvalidFieldError("n_users", f"must be at least 1, got {n_users}")
    counts = np.maximum(np.asarray(user_counts, dtype=np.float64), 1.0)
    return np.asarray(-np.log2(np.minimum(counts / n_users, 1.0)), dtype=np.float64)


def novelty(top: TopLists, information: FloatArray) -> FloatArray:
    """Per list, the mean self-information of its items (NaN for an empty list)."""
    valid = _valid(top)
    values = np.where(valid, information[np.where(valid, top, 0)], 0.0)
    n = valid.sum(axis=1)
    mean = np.divide(values.sum(axis=1), n, out=np.full(len(n), np.nan), where=n > 0)
    return np.asarray(mean, dtype=np.float64)


def serendipity(top: TopLists, relevant: npt.NDArray[np.bool_], baseline: TopLists, k: int | None = None) -> FloatArray:
    """Per list, the share of its ``k`` places holding a relevant item the baseline list lacks.

    Parameters
    ----------
    top, baseline : ndarray of int64
        The model's and the popularity baseline's lists (users x k, ``-1`` empty).
    relevant : ndarray of bool
        Users x candidates.
    k : int, optional
        The list length the share is over (default ``top.shape[1]``).

    """
    k = top.shape[1] if k is None else k
    if k < 1:
        raise InvalidFieldError("k", f"k must be at least 1, got {k}")
    valid = _valid(top)
    safe = np.where(valid, top, 0)
    hits = np.take_along_axis(relevant, safe, axis=1) & valid
    expected = (safe[:, :, None] == np.where(baseline >= 0, baseline, -2)[:, None, :]).any(axis=2)
    return np.asarray((hits & ~expected).sum(axis=1) / float(k), dtype=np.float64)
