"""Bayesian personalised ranking (Rendle et al. 2009) over implicit's CPU implementation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.models.als import Factors, cosine_to, single_threaded_blas
from recsys.models.base import Reason, Recommender, Scores, check_positive
from recsys.models.data import TrainingData, positive_part, require_positive_interactions


class BPRRecommender(Recommender):
    """Pairwise-ranking matrix factorisation (implicit's ``BayesianPersonalizedRanking``).

    BPR learns only from positive interactions: dismissals are dropped (they
    still count as seen). It has no closed-form fold-in, so a user scored
    from a history gets the weighted mean of the history events' vectors as
    their vector (with the bias component set to 1, as implicit does for
    trained users): "more of what you interacted with", in BPR's own space.

    Parameters
    ----------
    factors : int
        Latent dimensions (implicit adds one for the event bias).
    learning_rate : float
        SGD step size.
    regularization : float
        L2 penalty.
    iterations : int
        Epochs over the positive interactions.
    random_state : int or None
        Seed of the initial factors and of the sampling.
    num_threads : int
        Threads for implicit's SGD. The default 1 makes fitting reproducible;
        more threads train faster but update in parallel without locks
        (Hogwild), so results then vary slightly from run to run.

    Attributes
    ----------
    user_factors_ : ndarray of float32, shape (n_users, factors + 1)
        Last column is 1 (multiplies the event bias).
    item_factors_ : ndarray of float32, shape (n_events, factors + 1)
        Last column is the event bias.
    warm_ : ndarray of bool, shape (n_events,)
        Events with at least one positive interaction (the ones it can rank).

    """

    name = "bpr"
    reason_kind = "collaborative"
    supports_similar = True

    user_factors_: Factors
    item_factors_: Factors
    warm_: npt.NDArray[np.bool_]

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.01,
        regularization: float = 0.01,
        iterations: int = 100,
        random_state: int | None = 0,
        num_threads: int = 1,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads

    def _fit(self, data: TrainingData) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        check_positive("factors", self.factors, integer=True)
        check_positive("iterations", self.iterations, integer=True)
        check_positive("learning_rate", self.learning_rate)
        positive = require_positive_interactions(data)
        with single_threaded_blas():
            model = BayesianPersonalizedRanking(
                factors=self.factors,
                learning_rate=self.learning_rate,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
                dtype=np.float32,
            )
            model.fit(positive, show_progress=False)
        self.user_factors_ = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        self.warm_ = np.diff(positive.tocsc().indptr) > 0

    def fold_in(self, history: Mapping[str, float]) -> Factors:
        """The user vector for ``history`` (event id -> weight): weighted mean of its liked events' vectors, bias 1.

        Unknown event ids are ignored.
        """
        self._require_fitted()
        return self._user_vector(self._known_history(history))

    def _user_vector(self, history: sp.csr_matrix) -> Factors:
        liked = positive_part(history)
        user = np.zeros(self.item_factors_.shape[1], dtype=np.float32)
        if liked.nnz:
            weights = liked.data / liked.data.sum()
            user[:-1] = weights @ self.item_factors_[liked.indices, :-1]
        user[-1] = 1.0
        return user

    def _mask(self, scores: npt.NDArray[np.float32]) -> Scores:
        scores = np.asarray(scores, dtype=np.float32)
        scores[..., ~self.warm_] = -np.inf
        return scores

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._mask(self.user_factors_[user_idx] @ self.item_factors_.T)

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return self._mask(self.item_factors_ @ self._user_vector(history))

    def _similar_scores(self, event_idx: int) -> Scores:
        if not self.warm_[event_idx]:
            return np.full(len(self.warm_), -np.inf, dtype=np.float32)
        # Similarity of tastes, not of popularity: the bias column is left out.
        return self._mask(cosine_to(self.item_factors_[:, :-1], event_idx))

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        # The history event whose vector agrees most with the item's (each event's share of the mean user vector).
        liked = positive_part(history)
        if not liked.nnz or not len(items):
            return [Reason(self.reason_kind)] * len(items)
        terms = (self.item_factors_[liked.indices, :-1] @ self.item_factors_[items, :-1].T) * liked.data[:, None]
        best = np.argmax(terms, axis=0)
        return [
            Reason(self.reason_kind, self.events_.id_of(liked.indices[b]) if terms[b, k] > 0 else None)
            for k, b in enumerate(best)
        ]

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_, "warm": self.warm_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.user_factors_ = state["user_factors"].astype(np.float32)
        self.item_factors_ = state["item_factors"].astype(np.float32)
        self.warm_ = state["warm"].astype(bool)
        self._check_rows(user_factors=self.user_factors_, item_factors=self.item_factors_, warm=self.warm_)
