"""RP3beta: item-item scores from a three-step random walk with a popularity penalty.

Paudel et al. 2017 ("Updatable, accurate, diverse, and scalable recommendations
for interactive applications"), in the form of Dacrema et al. 2019 ("Are we
really making much progress?"), where it is among the strongest simple
baselines on MovieLens.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.models.base import check_positive
from recsys.models.data import TrainingData, require_positive_interactions
from recsys.models.item_knn import ItemSimilarityRecommender


def _row_normalized(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """``matrix`` with every row divided by its sum (empty rows stay empty)."""
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums, dtype=np.float64), where=sums > 0)
    return sp.csr_matrix(sp.diags(inverse) @ matrix)


def _top_k_rows(dense: npt.NDArray[np.float64], k: int) -> sp.csr_matrix:
    """The ``k`` largest positive entries of every row of ``dense``, as a sparse matrix."""
    n_rows, n_cols = dense.shape
    keep = min(k, n_cols)
    if keep < n_cols:
        columns = np.argpartition(-dense, keep - 1, axis=1)[:, :keep]
    else:
        columns = np.tile(np.arange(n_cols), (n_rows, 1))
    rows = np.repeat(np.arange(n_rows), columns.shape[1])
    values = dense[rows, columns.ravel()]
    top = sp.csr_matrix((values, (rows, columns.ravel())), shape=dense.shape, dtype=np.float32)
    top.data[top.data < 0] = 0
    top.eliminate_zeros()
    top.sort_indices()
    return top


class RP3betaRecommender(ItemSimilarityRecommender):
    """Item-item weights from the walk item -> user -> item, damped by the target's popularity.

    With ``P_ui`` the user-to-item transition matrix (each user's positive
    interactions scaled to sum to one, then raised to ``alpha``, as in
    Dacrema et al.'s reference code) and ``P_iu`` the item-to-user one (the
    same for each item), the weight of ``i -> j`` is
    ``(P_iu P_ui)[i, j] / popularity(j) ** beta``; each item keeps its ``k``
    largest weights. A user's score for ``j`` is the sum of the weights from
    their history (their interaction weights as given: binary data stays
    binary). ``beta = 0`` is the plain random walk (P3alpha); larger ``beta``
    favours less popular items. Events nobody interacted with, and events
    with no path from the history, cannot be ranked (``-inf``).

    Parameters
    ----------
    alpha : float
        Exponent applied to the transition probabilities (1: the plain walk).
    beta : float
        Popularity penalty, ``0 <= beta``.
    k : int
        Neighbours kept per item.
    normalize : bool
        Divide every item's kept weights by their sum.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix, shape (n_events, n_events)
        Row ``i`` holds the (at most ``k``) weights from event ``i``; no self-weight.

    """

    name = "rp3beta"
    reason_kind = "collaborative"
    supports_similar = True

    similarity_: sp.csr_matrix

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, k: int = 200, normalize: bool = False) -> None:
        self.alpha = alpha
        self.beta = beta
        self.k = k
        self.normalize = normalize

    def _fit(self, data: TrainingData) -> None:
        check_positive("alpha", self.alpha)
        check_positive("k", self.k, integer=True)
        if not self.beta >= 0:
            from recsys.domain.errors import InvalidFieldError

            raise InvalidFieldError("beta", f"must be zero or positive, got {self.beta!r}")
        positive = sp.csr_matrix(require_positive_interactions(data), dtype=np.float64)
        user_to_item = _row_normalized(positive)
        item_to_user = _row_normalized(sp.csr_matrix(positive.T))
        user_to_item.data **= self.alpha
        item_to_user.data **= self.alpha
        popularity = np.diff(positive.tocsc().indptr).astype(np.float64)
        penalty = np.divide(1.0, popularity**self.beta, out=np.zeros_like(popularity), where=popularity > 0)
        walk = np.asarray((item_to_user @ user_to_item).toarray(), dtype=np.float64)
        walk *= penalty[None, :]
        np.fill_diagonal(walk, 0.0)
        similarity = _top_k_rows(walk, self.k)
        if self.normalize:
            similarity = sp.csr_matrix(_row_normalized(similarity), dtype=np.float32)
        self.similarity_ = similarity
