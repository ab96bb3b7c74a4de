"""Item-item nearest neighbours: "people who went to X also went to Y"."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.als import single_threaded_blas
from recsys.models.base import Reason, Recommender, Scores, check_positive
from recsys.models.data import TrainingData, positive_part, require_positive_interactions

SIMILARITIES = ("cosine", "bm25")


class ItemSimilarityRecommender(Recommender):
    """Shared scoring of models that learn an event x event similarity matrix (``similarity_``).

    A user's score for an event is the sum of the similarities from the events
    they liked; pairs without a path through a neighbour cannot be ranked
    (``-inf``). Subclasses implement ``_fit`` and set ``similarity_``.
    """

    similarity_: sp.csr_matrix

    def _scores_from(self, rows: sp.csr_matrix) -> Scores:
        # Only pairs with a path through a neighbour are rankable; everything else is -inf.
        product = sp.csr_matrix(positive_part(rows) @ self.similarity_).tocoo()
        scores = np.full(product.shape, -np.inf, dtype=np.float32)
        scores[product.row, product.col] = product.data
        return scores

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._scores_from(self.seen_[user_idx])

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return np.asarray(self._scores_from(history)[0], dtype=np.float32)

    def _similar_scores(self, event_idx: int) -> Scores:
        row = self.similarity_[event_idx]
        scores = np.full(len(self.events_), -np.inf, dtype=np.float32)
        scores[row.indices] = row.data
        return scores

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        liked = positive_part(history)
        if not liked.nnz or not len(items):
            return [Reason(self.reason_kind)] * len(items)
        terms = self.similarity_[liked.indices][:, items].toarray() * liked.data[:, None]
        best = np.argmax(terms, axis=0)
        return [
            Reason(self.reason_kind, self.events_.id_of(liked.indices[b]) if terms[b, k] > 0 else None)
            for k, b in enumerate(best)
        ]

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        s = self.similarity_
        return {"data": s.data, "indices": s.indices, "indptr": s.indptr}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        n = len(self.events_)
        self.similarity_ = sp.csr_matrix(
            (state["data"].astype(np.float32), state["indices"], state["indptr"]), shape=(n, n)
        )


class ItemKNNRecommender(ItemSimilarityRecommender):
    """Sparse item-item similarity over who interacted with what, keeping each event's ``k`` nearest.

    Similarities come from implicit's ``all_pairs_knn`` on the positive
    interactions (dismissals only count as seen): plain cosine, or cosine
    after BM25 weighting, which damps very active users and very popular
    events. A user's score for an event is the sum of its similarities to the
    events in their history, weighted; an event with no neighbour in the
    history cannot be ranked (``-inf``), nor can an event nobody interacted with.

    Parameters
    ----------
    k : int
        Neighbours kept per event.
    similarity : {"cosine", "bm25"}
        How events are compared.
    bm25_k1, bm25_b : float
        BM25 saturation and length normalisation (``similarity="bm25"`` only).
    num_threads : int
        Threads implicit uses (0 = all cores); the result does not depend on it.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix, shape (n_events, n_events)
        Row ``i`` holds the (at most ``k``) neighbours of event ``i``; no self-similarity.

    """

    name = "item-knn"
    reason_kind = "collaborative"
    supports_similar = True

    similarity_: sp.csr_matrix

    def __init__(
        self,
        k: int = 50,
        similarity: str = "cosine",
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
        num_threads: int = 0,
    ) -> None:
        self.k = k
        self.similarity = similarity
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.num_threads = num_threads

    def _fit(self, data: TrainingData) -> None:
        from implicit.nearest_neighbours import all_pairs_knn, bm25_weight, normalize

        check_positive("k", self.k, integer=True)
        if self.similarity not in SIMILARITIES:
            raise InvalidFieldError("similarity", f"must be one of {SIMILARITIES}, got {self.similarity!r}")
        positive = require_positive_interactions(data)
        # implicit weights events as rows, then compares the columns of a users x events matrix.
        if self.similarity == "bm25":
            weighted = bm25_weight(positive.T, self.bm25_k1, self.bm25_b).T
        else:
            weighted = normalize(positive.T).T
        with single_threaded_blas():
            # k + 1: every event is its own nearest neighbour, dropped below.
            found = all_pairs_knn(
                sp.csr_matrix(weighted), self.k + 1, show_progress=False, num_threads=self.num_threads
            )
        similarity = sp.csr_matrix(found, dtype=np.float32)
        similarity.setdiag(0.0)
        similarity.eliminate_zeros()
        similarity.sort_indices()
        self.similarity_ = similarity
