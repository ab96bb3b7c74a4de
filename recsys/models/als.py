"""Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008).

A thin adapter over :class:`implicit.cpu.als.AlternatingLeastSquares`: this
module owns the id vocabularies and the saved state; implicit owns the
solver. The helpers here (fold-in, explanation, cosine) are shared with the
hybrid model, which works in the same latent space.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.base import Reason, Recommender, Scores, check_positive
from recsys.models.data import TrainingData, require_positive_interactions

Factors = npt.NDArray[np.float32]


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with BLAS on one thread.

    implicit parallelises over users and items itself; a multithreaded BLAS
    underneath oversubscribes the cores (implicit warns about it). Limits are
    set after implicit is imported so that every BLAS it loaded is covered.
    """
    import threadpoolctl

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def check_als_params(factors: int, iterations: int, alpha: float) -> None:
    """Refuse ALS hyperparameters that cannot train (shared by ALS and the hybrid)."""
    check_positive("factors", factors, integer=True)
    check_positive("iterations", iterations, integer=True)
    check_positive("alpha", alpha)


def fit_als(
    matrix: sp.csr_matrix,
    *,
    factors: int,
    regularization: float,
    alpha: float,
    iterations: int,
    random_state: int | None,
    num_threads: int,
    exact_users: bool = True,
) -> tuple[Factors, Factors]:
    """Factorise a users x events confidence matrix with implicit's CPU ALS.

    Events without any entry get an all-zero vector (implicit would leave them
    near their random start). With ``exact_users`` the user vectors are
    solved once more after the last iteration, exactly (Cholesky), against the
    final event vectors, so that a stored user vector and a fold-in of the
    same history agree; that costs about 15% of a 15-iteration fit. Without
    it the user vectors are implicit's own from its last sweep.

    Returns
    -------
    user_factors, item_factors : ndarray of float32
        ``n_users x factors`` and ``n_events x factors``.

    """
    from implicit.cpu.als import AlternatingLeastSquares

    cells = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    cells.eliminate_zeros()
    with single_threaded_blas():
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            random_state=random_state,
            num_threads=num_threads,
            dtype=np.float32,
        )
        model.fit(cells, show_progress=False)
        empty = np.diff(cells.tocsc().indptr) == 0
        model.item_factors[empty] = 0.0
        model._YtY = None  # implicit caches Y'Y; the rows just zeroed change it
        users = model.recalculate_user(np.arange(cells.shape[0]), cells) if exact_users else model.user_factors
    return np.ascontiguousarray(users, dtype=np.float32), np.ascontiguousarray(model.item_factors, dtype=np.float32)


def _system(
    gram: npt.NDArray[np.float64],
    vectors: Factors,
    history: sp.csr_matrix,
    regularization: float,
    alpha: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """The normal equations ``A x = b`` of one user in implicit ALS.

    ``A = Y'Y + reg I + sum_j (|c_j| - 1) y_j y_j'`` and ``b = sum_{c_j > 0} c_j y_j``
    with ``c = alpha * weight``: the same system implicit's ``recalculate_user``
    solves (negative weights are dismissals: confidence without preference).
    """
    keep = history.data != 0
    idx = history.indices[keep].astype(np.int32)
    confidence = alpha * history.data[keep].astype(np.float64)
    item = vectors[idx].astype(np.float64)
    a = gram + regularization * np.eye(gram.shape[0]) + (item.T * (np.abs(confidence) - 1.0)) @ item
    b = item.T @ np.where(confidence > 0, confidence, 0.0)
    return a, b, idx, confidence


def fold_in(
    gram: npt.NDArray[np.float64],
    vectors: Factors,
    history: sp.csr_matrix,
    regularization: float,
    alpha: float,
) -> Factors:
    """Solve the user vector for a 1 x n_events history against fixed event ``vectors``.

    ``gram`` is ``Y'Y`` of the event vectors the model was trained with (the
    implicit "everything else is a weak negative" term).
    """
    a, b, _, _ = _system(gram, vectors, history, regularization, alpha)
    return np.linalg.solve(a, b).astype(np.float32)


def top_contributors(
    gram: npt.NDArray[np.float64],
    vectors: Factors,
    history: sp.csr_matrix,
    items: npt.NDArray[np.int64],
    regularization: float,
    alpha: float,
) -> list[int | None]:
    """Per item, the history event that adds most to its score (``None`` when none adds anything).

    The ALS score splits exactly into one term per history event,
    ``c_j * y_j' A^-1 y_i`` (implicit's ``explain``), so the largest term names
    the event that makes the recommendation.
    """
    a, _, idx, confidence = _system(gram, vectors, history, regularization, alpha)
    liked = confidence > 0
    if not liked.any() or len(items) == 0:
        return [None] * len(items)
    weighted = np.linalg.solve(a, vectors[items].astype(np.float64).T)
    terms = (vectors[idx[liked]].astype(np.float64) @ weighted) * confidence[liked][:, None]
    best = np.argmax(terms, axis=0)
    return [int(idx[liked][b]) if terms[b, k] > 0 else None for k, b in enumerate(best)]


def cosine_to(vectors: npt.NDArray[np.float32], index: int) -> Scores:
    """Cosine similarity of every row of ``vectors`` to row ``index`` (0 for zero rows)."""
    norms = np.linalg.norm(vectors, axis=1).astype(np.float32)
    denominator = norms * norms[index]
    cosine = np.zeros(len(vectors), dtype=np.float32)
    np.divide(vectors @ vectors[index], denominator, out=cosine, where=denominator > 0)
    return cosine


class ALSRecommender(Recommender):
    """Implicit ALS over the weighted user x event matrix.

    Weights become confidences ``alpha * weight``; negative weights
    (dismissals) are confidence without preference. Events nobody interacted
    with positively cannot be ranked (score ``-inf``): that is what the hybrid
    model is for.

    Parameters
    ----------
    factors : int
        Latent dimensions.
    regularization : float
        L2 penalty on the factors.
    alpha : float
        Confidence scale of the weights.
    iterations : int
        ALS sweeps.
    random_state : int or None
        Seed of the initial factors; fitting is deterministic for a fixed seed
        whatever ``num_threads`` (each least-squares solve is independent).
    num_threads : int
        Threads implicit uses (0 = all cores).
    exact_users : bool
        Solve every user vector once more, exactly, after the last sweep, so a
        fold-in of a trained user's history gives back their stored vector
        (about 15% more fitting time); off = implicit's vectors as they are.

    Attributes
    ----------
    user_factors_ : ndarray of float32, shape (n_users, factors)
    item_factors_ : ndarray of float32, shape (n_events, factors)
        Zero for events without interactions.
    warm_ : ndarray of bool, shape (n_events,)
        Events with at least one positive interaction (the ones it can rank).

    """

    name = "als"
    reason_kind = "collaborative"
    supports_similar = True

    user_factors_: Factors
    item_factors_: Factors
    warm_: npt.NDArray[np.bool_]

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int | None = 0,
        num_threads: int = 0,
        exact_users: bool = True,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads
        self.exact_users = exact_users

    def _fit(self, data: TrainingData) -> None:
        check_als_params(self.factors, self.iterations, self.alpha)
        if not isinstance(self.exact_users, bool):
            raise InvalidFieldError("exact_users", f"must be true or false, got {self.exact_users!r}")
        positive = require_positive_interactions(data)
        users, self.item_factors_ = fit_als(
            self._training_matrix(data),
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=self.num_threads,
            exact_users=self.exact_users,
        )
        self.user_factors_ = np.ascontiguousarray(users[: data.matrix.shape[0]])
        self.warm_ = np.diff(positive.tocsc().indptr) > 0
        self._gram = self._compute_gram()

    def _training_matrix(self, data: TrainingData) -> sp.csr_matrix:
        """What is factorised: the users x events matrix; subclasses may stack more rows under it (their factors are dropped)."""
        return data.matrix

    def _compute_gram(self) -> npt.NDArray[np.float64]:
        item = self.item_factors_.astype(np.float64)
        return item.T @ item

    def fold_in(self, history: Mapping[str, float]) -> Factors:
        """The user vector ALS solves for ``history`` (event id -> weight), without changing the model.

        Unknown event ids are ignored. For the history a user was trained on
        this equals their fitted vector (up to float error) when the model was
        fitted with ``exact_users``.
        """
        self._require_fitted()
        return fold_in(self._gram, self.item_factors_, self._known_history(history), self.regularization, self.alpha)

    def _mask(self, scores: npt.NDArray[np.float32]) -> Scores:
        scores = np.asarray(scores, dtype=np.float32)
        scores[..., ~self.warm_] = -np.inf
        return scores

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._mask(self.user_factors_[user_idx] @ self.item_factors_.T)

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        user = fold_in(self._gram, self.item_factors_, history, self.regularization, self.alpha)
        return self._mask(self.item_factors_ @ user)

    def _similar_scores(self, event_idx: int) -> Scores:
        if not self.warm_[event_idx]:
            return np.full(len(self.warm_), -np.inf, dtype=np.float32)
        return self._mask(cosine_to(self.item_factors_, event_idx))

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        sources = top_contributors(self._gram, self.item_factors_, history, items, self.regularization, self.alpha)
        return [Reason(self.reason_kind, None if s is None else self.events_.id_of(s)) for s in sources]

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_, "warm": self.warm_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.user_factors_ = state["user_factors"].astype(np.float32)
        self.item_factors_ = state["item_factors"].astype(np.float32)
        self.warm_ = state["warm"].astype(bool)
        self._check_rows(user_factors=self.user_factors_, item_factors=self.item_factors_, warm=self.warm_)
        self._gram = self._compute_gram()
