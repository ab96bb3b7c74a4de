"""Content-based recommendations: events that read like the ones a person liked."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.base import Reason, Recommender, Scores
from recsys.models.data import EventSide, TrainingData, positive_part


def normalized_rows(matrix: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """``matrix`` as float32 csr with every non-empty row scaled to unit L2 norm."""
    rows = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    rows.sum_duplicates()
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1), dtype=np.float64).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    rows.data *= np.repeat(scale, np.diff(rows.indptr)).astype(np.float32)
    return rows


def require_content(side: EventSide | None, model: str) -> tuple[EventSide, sp.csr_matrix]:
    """``side`` and its content matrix (float32 csr), refusing data without one.

    Raises
    ------
    InvalidFieldError
        When ``side`` or its content matrix is missing.

    """
    if side is None or side.content is None:
        raise InvalidFieldError("event_side.content", f"{model} needs an event content matrix")
    return side, sp.csr_matrix(side.content, dtype=np.float32)


class ContentRecommender(Recommender):
    """Cosine between a user's content profile and every event's content row.

    The profile is the weight-averaged content of the events a user liked
    (dismissals only count as seen). Every event with content can be ranked,
    including events nobody has interacted with yet, which is what makes this
    model useful for perishable events. Rows are L2-normalised first, so long
    descriptions do not outweigh short ones; the feature weighting itself
    (TF-IDF, BM25) is the feature builder's.

    Attributes
    ----------
    content_ : scipy.sparse.csr_matrix, shape (n_events, n_features)
        Row-normalised event content.

    """

    name = "content"
    reason_kind = "content"
    supports_similar = True

    content_: sp.csr_matrix

    def __init__(self) -> None:
        pass

    def _fit(self, data: TrainingData) -> None:
        self.content_ = normalized_rows(require_content(data.event_side, self.name)[1])

    def _scores_from(self, rows: sp.csr_matrix) -> Scores:
        profiles = normalized_rows(positive_part(rows) @ self.content_)
        return np.asarray((profiles @ self.content_.T).toarray(), dtype=np.float32)

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._scores_from(self.seen_[user_idx])

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return np.asarray(self._scores_from(history)[0], dtype=np.float32)

    def _similar_scores(self, event_idx: int) -> Scores:
        return np.asarray((self.content_ @ self.content_[event_idx].T).toarray().ravel(), dtype=np.float32)

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        liked = positive_part(history)
        if not liked.nnz or not len(items):
            return [Reason(self.reason_kind)] * len(items)
        # The profile score is a weighted sum of cosines: name the largest term.
        terms = (self.content_[liked.indices] @ self.content_[items].T).toarray() * liked.data[:, None]
        best = np.argmax(terms, axis=0)
        return [
            Reason(self.reason_kind, self.events_.id_of(liked.indices[b]) if terms[b, k] > 0 else None)
            for k, b in enumerate(best)
        ]

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        c = self.content_
        return {"data": c.data, "indices": c.indices, "indptr": c.indptr, "n_features": np.asarray(c.shape[1])}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        shape = (len(self.events_), int(state["n_features"]))
        self.content_ = sp.csr_matrix((state["data"], state["indices"], state["indptr"]), shape=shape)
