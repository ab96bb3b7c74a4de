"""EASE: a closed-form linear item-item model (Steck 2019, "Embarrassingly Shallow Autoencoders")."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import RecsysError
from recsys.models.base import Reason, Recommender, Scores, check_positive
from recsys.models.data import TrainingData, positive_part, require_positive_interactions


class TooManyEventsError(RecsysError, ValueError):
    """A dense model was asked to fit more events than it is allowed to hold.

    Parameters
    ----------
    n_events : int
        How many events it was asked to hold.
    max_items : int
        How many it may hold (the model's ``max_items``).
    message : str
        The full explanation.

    """

    def __init__(self, n_events: int, max_items: int, message: str) -> None:
        self.n_events = n_events
        self.max_items = max_items
        super().__init__(message)


class EASERecommender(Recommender):
    """Item-item weights ``B`` from ``min ||X - XB||² + l2 ||B||²`` with ``diag(B) = 0``, solved in closed form.

    ``P = (X'X + l2 I)^-1`` and ``B = -P / diag(P)`` (column-wise), on the
    positive weights (dismissals only count as seen). ``B`` is dense: only
    events with at least one positive interaction enter it (the others cannot
    be ranked: ``-inf``), and more than ``max_items`` of those is refused,
    since the fit needs about ``2.5 * 8 * n²`` bytes (20,000 events: ~7.5 GiB).

    Parameters
    ----------
    l2 : float
        Ridge penalty; larger values favour popular events less sharply.
    max_items : int
        Most events with interactions it accepts.

    Attributes
    ----------
    items_ : ndarray of int32, shape (m,)
        The events (indices) that have a row and column in ``weights_``.
    weights_ : ndarray of float32, shape (m, m)
        ``B``: ``weights_[j, i]`` is how much a history event ``items_[j]`` adds to event ``items_[i]``.

    Raises
    ------
    TooManyEventsError
        From :meth:`fit`, above ``max_items`` events with interactions.

    """

    name = "ease"
    reason_kind = "collaborative"
    supports_similar = True

    items_: npt.NDArray[np.int32]
    weights_: npt.NDArray[np.float32]

    def __init__(self, l2: float = 500.0, max_items: int = 20_000) -> None:
        self.l2 = l2
        self.max_items = max_items

    def _fit(self, data: TrainingData) -> None:
        check_positive("l2", self.l2)
        check_positive("max_items", self.max_items, integer=True)
        positive = require_positive_interactions(data)
        items = np.flatnonzero(np.diff(positive.tocsc().indptr) > 0).astype(np.int32)
        if len(items) > self.max_items:
            gib = 2.5 * 8 * len(items) ** 2 / 2**30
            raise TooManyEventsError(
                len(items),
                self.max_items,
                f"EASE needs a dense {len(items)} x {len(items)} matrix (~{gib:.1f} GiB to fit): "
                f"{len(items)} events with interactions exceed max_items={self.max_items}; "
                "use item-knn or als, or raise max_items if the memory is there",
            )
        gram = self._gram(data, positive, items)
        gram[np.diag_indices_from(gram)] += self.l2
        inverse = np.linalg.inv(gram)
        del gram  # peak memory is two dense float64 matrices, not three
        inverse /= -np.diag(inverse).copy()[None, :]
        np.fill_diagonal(inverse, 0.0)
        self.items_ = items
        self._keep_weights(inverse)

    def _keep_weights(self, inverse: npt.NDArray[np.floating[Any]]) -> None:
        """Store the solved ``B`` (the zero-diagonal, column-scaled inverse of the Gram matrix)."""
        self.weights_ = inverse.astype(np.float32)

    def _gram(
        self, data: TrainingData, positive: sp.csr_matrix, items: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.float64]:
        """``X'X`` over ``items`` (``X``: the positive part of the matrix), dense float64: what ``B`` is solved from."""
        x = positive[:, items]
        return np.asarray((x.T @ x).toarray(), dtype=np.float64)

    def _scores_from(self, rows: sp.csr_matrix) -> Scores:
        liked = positive_part(rows)[:, self.items_]
        scores = np.full((rows.shape[0], len(self.events_)), -np.inf, dtype=np.float32)
        scores[:, self.items_] = np.asarray(liked @ self.weights_, dtype=np.float32)
        return scores

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._scores_from(self.seen_[user_idx])

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return np.asarray(self._scores_from(history)[0], dtype=np.float32)

    def _similar_scores(self, event_idx: int) -> Scores:
        scores = np.full(len(self.events_), -np.inf, dtype=np.float32)
        position = np.searchsorted(self.items_, event_idx)
        if position < len(self.items_) and self.items_[position] == event_idx:
            scores[self.items_] = self.weights_[position]
        return scores

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        liked = positive_part(history)[:, self.items_].tocoo()
        if not liked.nnz or not len(items):
            return [Reason(self.reason_kind)] * len(items)
        # Every recommended event is among items_ (the others score -inf and are never returned).
        columns = np.searchsorted(self.items_, items)
        terms = self.weights_[liked.col][:, columns] * liked.data[:, None]
        best = np.argmax(terms, axis=0)
        return [
            Reason(self.reason_kind, self.events_.id_of(self.items_[liked.col[b]]) if terms[b, k] > 0 else None)
            for k, b in enumerate(best)
        ]

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"items": self.items_, "weights": self.weights_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.items_ = state["items"].astype(np.int32)
        self.weights_ = state["weights"].astype(np.float32)
        if self.weights_.shape != (len(self.items_), len(self.items_)):
            raise ValueError(f"weights has shape {self.weights_.shape}, expected {len(self.items_)} square")
        if len(self.items_) and self.items_.max() >= len(self.events_):
            raise ValueError("items name events outside the vocabulary")
