"""The cold-start answer: ALS latent factors for every event, including events nobody has seen yet.

Cultural events are perishable: by the time an event has interactions it is
often over. What carries over is the production, the organiser, the venue
and the content. This model learns ALS factors on the events that have
interactions and gives every other event a vector predicted from what it
shares with them, so all events live in one latent space and a user's
vector ranks old and brand-new events alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.als import Factors, check_als_params, cosine_to, fit_als, fold_in, top_contributors
from recsys.models.base import Reason, Recommender, Scores, check_positive
from recsys.models.content import require_content
from recsys.models.data import EventSide, TrainingData, require_positive_interactions

#: Where an event's vector comes from, in order of preference for cold events.
LEARNED: Final = 0
SOURCES: Final = ("learned", "production", "organizer", "venue", "content")
_CODE_FIELDS: Final = ("production_idx", "organizer_idx", "venue_idx")


def _group_means(codes: npt.NDArray[np.int32], vectors: Factors) -> tuple[npt.NDArray[np.int32], Factors]:
    """The distinct codes ``>= 0`` (sorted) and the mean vector of the rows carrying each."""
    known = codes >= 0
    distinct, inverse = np.unique(codes[known], return_inverse=True)
    sums = np.zeros((len(distinct), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, vectors[known])
    counts = np.bincount(inverse, minlength=len(distinct))
    return distinct.astype(np.int32), (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


def _lookup(
    codes: npt.NDArray[np.int32], distinct: npt.NDArray[np.int32], means: Factors
) -> tuple[npt.NDArray[np.bool_], Factors]:
    """Per code, whether ``distinct`` holds it and its mean vector (zeros where not)."""
    found = np.zeros(len(codes), dtype=bool)
    vectors = np.zeros((len(codes), means.shape[1]), dtype=np.float32)
    if len(distinct):
        position = np.clip(np.searchsorted(distinct, codes), 0, len(distinct) - 1)
        found = (codes >= 0) & (distinct[position] == codes)
        vectors[found] = means[position[found]]
    return found, vectors


class HybridRecommender(Recommender):
    """ALS for warm events plus content- and metadata-predicted factors for every event.

    Fitting runs in three steps:

    1. ALS (as :class:`~recsys.models.als.ALSRecommender`) on the interactions
       gives user vectors and *learned* vectors for the events with positive
       interactions (warm events).
    2. Ridge regression from the event content matrix to the learned vectors
       of the warm events predicts a *content* vector for every event.
    3. *Transfer*: the mean learned vector of the warm events of the same
       production, else the same organiser, else the same venue.

    An event's *cold vector* is ``transfer_weight * transfer + (1 - transfer_weight) * content``
    where a transfer exists, else the content vector alone. A warm event with
    ``n`` positive interactions gets ``lam * learned + (1 - lam) * cold`` with
    ``lam = n / (n + blend_count)``: a few interactions are a noisy estimate,
    so they lean on the prior; many make it irrelevant. A cold event has only
    the cold vector. Users are scored against these vectors (all events, so
    all get a finite score); fold-in solves a user's vector against them with
    the Gram matrix of the learned vectors (the events that existed when the
    model was trained), so a history that includes a brand-new event works.

    :meth:`add_events` gives events that appear after ``fit`` (new at serve
    time) their cold vectors without retraining; the production, organiser and
    venue codes and the content columns must come from the same vocabularies
    as at fit time.

    Parameters
    ----------
    factors, regularization, alpha, iterations, random_state, num_threads
        As in :class:`~recsys.models.als.ALSRecommender`.
    content_l2 : float
        Ridge penalty of the content -> factors regression.
    transfer_weight : float
        Share of the production/organiser/venue transfer in a cold vector (0..1).
    blend_count : float
        Interactions at which a warm event's vector is half learned, half
        cold; ``0`` keeps learned vectors as they are.

    Attributes
    ----------
    user_factors_ : ndarray of float32, shape (n_users, factors)
    item_factors_ : ndarray of float32, shape (n_events, factors)
        The blended vector of every event (grows with :meth:`add_events`).
    counts_ : ndarray of int32, shape (n_events,)
        Positive interactions per event at fit time (0 = cold).
    source_ : ndarray of int8, shape (n_events,)
        Index into ``SOURCES``: what the event's vector rests on.
    gram_ : ndarray of float64, shape (factors, factors)
        ``Y'Y`` of the learned vectors, for fold-in.
    coef_, intercept_ : ndarray of float32
        The content regression (``factors x n_features`` and ``factors``).
    production_codes_, organizer_codes_, venue_codes_ : ndarray of int32
        Codes with at least one warm event, sorted.
    production_means_, organizer_means_, venue_means_ : ndarray of float32
        Their mean learned vectors.

    """

    name = "hybrid"
    reason_kind = "collaborative"
    supports_similar = True

    user_factors_: Factors
    item_factors_: Factors
    counts_: npt.NDArray[np.int32]
    source_: npt.NDArray[np.int8]
    gram_: npt.NDArray[np.float64]
    coef_: Factors
    intercept_: Factors
    production_codes_: npt.NDArray[np.int32]
    production_means_: Factors
    organizer_codes_: npt.NDArray[np.int32]
    organizer_means_: Factors
    venue_codes_: npt.NDArray[np.int32]
    venue_means_: Factors

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int | None = 0,
        num_threads: int = 0,
        content_l2: float = 1.0,
        transfer_weight: float = 0.5,
        blend_count: float = 2.0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.num_threads = num_threads
        self.content_l2 = content_l2
        self.transfer_weight = transfer_weight
        self.blend_count = blend_count

    # -- fitting --------------------------------------------------------------------------

    def _fit(self, data: TrainingData) -> None:
        from sklearn.linear_model import Ridge

        check_als_params(self.factors, self.iterations, self.alpha)
        check_positive("content_l2", self.content_l2)
        if not 0.0 <= self.transfer_weight <= 1.0:
            raise InvalidFieldError("transfer_weight", f"must lie in [0, 1], got {self.transfer_weight!r}")
        if not self.blend_count >= 0:
            raise InvalidFieldError("blend_count", f"must be 0 or more, got {self.blend_count!r}")
        side, content = require_content(data.event_side, self.name)
        positive = require_positive_interactions(data)

        users, learned = fit_als(
            data.matrix,
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=self.num_threads,
        )
        counts = np.diff(positive.tocsc().indptr).astype(np.int32)
        warm = counts > 0
        learned[~warm] = 0.0  # events with only dismissals: nothing to transfer or regress on

        ridge = Ridge(alpha=self.content_l2, fit_intercept=True, solver="lsqr", random_state=0)
        ridge.fit(content[warm], learned[warm])
        self.coef_ = np.asarray(ridge.coef_, dtype=np.float32).reshape(self.factors, content.shape[1])
        self.intercept_ = np.asarray(ridge.intercept_, dtype=np.float32).reshape(self.factors)

        for field in _CODE_FIELDS:
            codes, means = _group_means(np.asarray(getattr(side, field), dtype=np.int32)[warm], learned[warm])
            setattr(self, f"{field.removesuffix('_idx')}_codes_", codes)
            setattr(self, f"{field.removesuffix('_idx')}_means_", means)

        cold, source = self._cold_vectors(content, side)
        blend = (counts / (counts + self.blend_count) if self.blend_count > 0 else warm.astype(np.float64))[:, None]
        self.item_factors_ = (blend * learned + (1.0 - blend) * cold).astype(np.float32)
        self.source_ = np.where(warm, LEARNED, source).astype(np.int8)
        self.counts_ = counts
        self.user_factors_ = users
        self.gram_ = learned.astype(np.float64).T @ learned.astype(np.float64)

    def _cold_vectors(self, content: sp.csr_matrix, side: EventSide) -> tuple[Factors, npt.NDArray[np.int8]]:
        """Cold vector and its source for each event of ``side`` (rows of ``content``)."""
        predicted = np.asarray(content @ self.coef_.T, dtype=np.float32) + self.intercept_
        transfer = np.zeros_like(predicted)
        source = np.full(len(predicted), SOURCES.index("content"), dtype=np.int8)
        found = np.zeros(len(predicted), dtype=bool)
        for level, field in enumerate(_CODE_FIELDS, start=1):
            prefix = field.removesuffix("_idx")
            hit, means = _lookup(
                np.asarray(getattr(side, field), dtype=np.int32),
                getattr(self, f"{prefix}_codes_"),
                getattr(self, f"{prefix}_means_"),
            )
            take = hit & ~found
            transfer[take] = means[take]
            source[take] = level
            found |= take
        weight = np.where(found, self.transfer_weight, 0.0).astype(np.float32)[:, None]
        return weight * transfer + (1.0 - weight) * predicted, source

    def add_events(self, event_ids: Sequence[str], side: EventSide) -> Self:
        """Give events that did not exist at fit time their vectors, without retraining.

        Parameters
        ----------
        event_ids : sequence of str
            The events, aligned with ``side``. New ids are appended to the
            vocabulary; known events that were cold at fit time are predicted
            again from ``side`` (their metadata may have changed); warm ones
            keep their vectors.
        side : EventSide
            Their content (same feature columns as at fit time) and codes.

        Returns
        -------
        HybridRecommender
            ``self``, now able to score and recommend the new events.

        Raises
        ------
        InvalidFieldError
            When ``side`` does not match ``event_ids`` or the fitted feature space.

        """
        self._require_fitted()
        if len(side) != len(event_ids):
            raise InvalidFieldError("side", f"has {len(side)} events for {len(event_ids)} ids")
        _, content = require_content(side, self.name)
        if content.shape != (len(event_ids), self.coef_.shape[1]):
            raise InvalidFieldError(
                "side.content", f"has shape {content.shape}, expected ({len(event_ids)}, {self.coef_.shape[1]})"
            )
        vectors, source = self._cold_vectors(content, side)
        # Validated first: from here on nothing can fail half-way.
        indices = self._append_events(event_ids)
        grow = len(self.events_) - len(self.item_factors_)
        if grow:
            self.item_factors_ = np.vstack([self.item_factors_, np.zeros((grow, self.factors), dtype=np.float32)])
            self.counts_ = np.concatenate([self.counts_, np.zeros(grow, dtype=np.int32)])
            self.source_ = np.concatenate([self.source_, np.zeros(grow, dtype=np.int8)])
        cold = self.counts_[indices] == 0
        self.item_factors_[indices[cold]] = vectors[cold]
        self.source_[indices[cold]] = source[cold]
        return self

    # -- scoring --------------------------------------------------------------------------

    def fold_in(self, history: Mapping[str, float]) -> Factors:
        """The user vector for ``history`` (event id -> weight) against the blended event vectors."""
        self._require_fitted()
        return self._user_vector(self._known_history(history))

    def _user_vector(self, history: sp.csr_matrix) -> Factors:
        return fold_in(self.gram_, self.item_factors_, history, self.regularization, self.alpha)

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return np.asarray(self.user_factors_[user_idx] @ self.item_factors_.T, dtype=np.float32)

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return np.asarray(self.item_factors_ @ self._user_vector(history), dtype=np.float32)

    def _similar_scores(self, event_idx: int) -> Scores:
        return cosine_to(self.item_factors_, event_idx)

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        sources = top_contributors(self.gram_, self.item_factors_, history, items, self.regularization, self.alpha)
        reasons = []
        for item, source in zip(items, sources, strict=True):
            event_id = None if source is None else self.events_.id_of(source)
            if self.source_[item] == LEARNED:
                reasons.append(Reason(self.reason_kind, event_id))
            else:
                reasons.append(Reason("cold-start", event_id, {"via": SOURCES[self.source_[item]]}))
        return reasons

    # -- persistence ----------------------------------------------------------------------

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        state: dict[str, npt.NDArray[Any]] = {
            "user_factors": self.user_factors_,
            "item_factors": self.item_factors_,
            "counts": self.counts_,
            "source": self.source_,
            "gram": self.gram_,
            "coef": self.coef_,
            "intercept": self.intercept_,
        }
        for field in _CODE_FIELDS:
            prefix = field.removesuffix("_idx")
            state[f"{prefix}_codes"] = getattr(self, f"{prefix}_codes_")
            state[f"{prefix}_means"] = getattr(self, f"{prefix}_means_")
        return state

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.user_factors_ = state["user_factors"].astype(np.float32)
        self.item_factors_ = state["item_factors"].astype(np.float32)
        self.counts_ = state["counts"].astype(np.int32)
        self.source_ = state["source"].astype(np.int8)
        self.gram_ = state["gram"].astype(np.float64)
        self.coef_ = state["coef"].astype(np.float32)
        self.intercept_ = state["intercept"].astype(np.float32)
        for field in _CODE_FIELDS:
            prefix = field.removesuffix("_idx")
            setattr(self, f"{prefix}_codes_", state[f"{prefix}_codes"].astype(np.int32))
            setattr(self, f"{prefix}_means_", state[f"{prefix}_means"].astype(np.float32))
        self._check_rows(
            user_factors=self.user_factors_, item_factors=self.item_factors_, counts=self.counts_, source=self.source_
        )
