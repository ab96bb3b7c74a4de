"""Time-aware EASE: EASE solved on a co-occurrence matrix in which pairs acted on close together count more.

Optionally with the user's content profile (the mean content vector of the
events in their history, scaled by ``content_weight``) as extra inputs, in the
manner of EASE with side information: the profile columns enter the Gram
matrix next to the events and get their own rows of weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.base import Scores, check_positive
from recsys.models.content import require_content
from recsys.models.data import TrainingData, positive_part
from recsys.models.ease import EASERecommender, TooManyEventsError
from recsys.models.sessions import time_kernel_gram


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise InvalidFieldError(name, f"must be zero or more, got {value!r}")


class TimeEASERecommender(EASERecommender):
    """EASE on ``X'X + time_weight * K``, with ``K`` the time-kernel co-occurrences of each user's events.

    ``K[i, j] = sum_u x_ui x_uj exp(-|t_ui - t_uj| / time_scale_s)``
    (:func:`recsys.models.sessions.time_kernel_gram`): two events a user
    acted on in the same session count up to ``1 + time_weight`` times, two
    acted on months apart about once, as in plain EASE. ``B`` comes from the
    same closed form as :class:`~recsys.models.ease.EASERecommender`'s; a
    user's score does not depend on times, only ``B`` does.
    ``time_weight = 0`` is plain EASE. Entries without a time (``-1``) count
    only in ``X'X``.

    With ``content_weight > 0`` the inputs are ``[X, content_weight * P]``,
    ``P`` the users' content profiles (each row of ``X @ content`` divided by
    its sum; ``content`` is ``event_side.content``): ``B`` also holds a row
    of weights per content feature, and a user's score adds
    ``content_weight * profile @ content_weights_``.

    Parameters
    ----------
    l2 : float
        Ridge penalty on every input (the kernel adds up to ``time_weight``
        times more mass to the Gram matrix, so good values are larger than plain EASE's).
    time_weight : float
        Weight of the kernel term, ``>= 0``.
    time_scale_s : float
        The kernel's time scale in seconds.
    content_weight : float
        Scale of the content profile inputs, ``>= 0`` (0: none, no content needed).
    max_items : int
        Most inputs (events with interactions plus content features) it accepts.

    Attributes
    ----------
    content_weights_ : ndarray of float32, shape (n_events, m)
        ``content @ B_content``: what each history event adds, through the
        profile, before the division by the profile's mass (zero columns
        without content).
    content_mass_ : ndarray of float32, shape (n_events,)
        Per event, the sum of its content row (what a profile is divided by).

    Raises
    ------
    InvalidFieldError
        From :meth:`fit`: a negative ``time_weight`` or ``content_weight``, a
        non-positive scale, data without interaction times while
        ``time_weight > 0``, or without content while ``content_weight > 0``.

    """

    name = "ease-time"

    content_weights_: npt.NDArray[np.float32]
    content_mass_: npt.NDArray[np.float32]

    def __init__(
        self,
        l2: float = 1000.0,
        time_weight: float = 2.0,
        time_scale_s: float = 300.0,
        content_weight: float = 0.0,
        max_items: int = 20_000,
    ) -> None:
        super().__init__(l2=l2, max_items=max_items)
        self.time_weight = time_weight
        self.time_scale_s = time_scale_s
        self.content_weight = content_weight

    def _content(self, data: TrainingData) -> sp.csr_matrix | None:
        """Events x content features, or ``None`` without a content weight."""
        _non_negative("content_weight", self.content_weight)
        if self.content_weight == 0:
            return None
        _, content = require_content(data.event_side, f"{self.name} with content_weight > 0")
        return sp.csr_matrix(content, dtype=np.float64)

    def _gram(
        self, data: TrainingData, positive: sp.csr_matrix, items: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.float64]:
        _non_negative("time_weight", self.time_weight)
        check_positive("time_scale_s", self.time_scale_s)
        content = self._content(data)
        self.content_mass_ = np.zeros(len(data.events), dtype=np.float32)
        self._n_profile = 0 if content is None else content.shape[1]
        if len(items) + self._n_profile > self.max_items:
            raise TooManyEventsError(
                len(items) + self._n_profile,
                self.max_items,
                f"{len(items)} events and {self._n_profile} content features exceed max_items={self.max_items}",
            )
        x = positive[:, items]
        if content is not None:
            self.content_mass_ = np.asarray(content.sum(axis=1), dtype=np.float32).ravel()
            self._content_matrix = content
            x = sp.hstack([x, self.content_weight * self._profiles(positive)], format="csr")
        gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
        if self.time_weight > 0:
            gram[: len(items), : len(items)] += self.time_weight * time_kernel_gram(data, self.time_scale_s, items)
        return gram

    def _profiles(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """Each row's content profile: ``rows @ content`` divided by its sum (zero rows stay zero)."""
        profile = sp.csr_matrix(rows @ self._content_matrix)
        mass = np.asarray(profile.sum(axis=1)).ravel()
        scale = np.divide(1.0, mass, out=np.zeros_like(mass), where=mass > 0)
        return sp.csr_matrix(sp.diags(scale) @ profile)

    def _keep_weights(self, inverse: npt.NDArray[np.floating[Any]]) -> None:
        m = len(self.items_)
        super()._keep_weights(inverse[:m, :m])
        if self._n_profile:
            self.content_weights_ = np.asarray(
                self._content_matrix @ inverse[m:, :m] * self.content_weight, dtype=np.float32
            )
            del self._content_matrix
        else:
            self.content_weights_ = np.zeros((len(self.content_mass_), 0), dtype=np.float32)

    def _scores_from(self, rows: sp.csr_matrix) -> Scores:
        scores = super()._scores_from(rows)
        if self.content_weights_.shape[1]:
            liked = positive_part(rows)
            mass = np.asarray(liked @ self.content_mass_.astype(np.float64)).ravel()
            scale = np.divide(1.0, mass, out=np.zeros_like(mass), where=mass > 0)
            extra = np.asarray(liked @ self.content_weights_, dtype=np.float64) * scale[:, None]
            scores[:, self.items_] += extra.astype(np.float32)
        return scores

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {**super()._state(), "content_weights": self.content_weights_, "content_mass": self.content_mass_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        super()._restore(state)
        self.content_weights_ = state["content_weights"].astype(np.float32)
        self.content_mass_ = state["content_mass"].astype(np.float32)
