"""Session ALS: implicit ALS that also factorises each user's sessions as extra rows."""

from __future__ import annotations

import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.als import ALSRecommender
from recsys.models.base import check_positive
from recsys.models.data import TrainingData
from recsys.models.sessions import session_rows


class SessionALSRecommender(ALSRecommender):
    """ALS on the users x events matrix with one row per session stacked under it, scaled by ``session_weight``.

    A session is a run of one user's interactions with no pause longer than
    ``session_gap_s`` (:func:`recsys.models.sessions.session_rows`). The
    session rows pull events acted on together in one sitting closer in
    the latent space; their own factors are dropped after the fit, so users,
    scoring, fold-in, explanations and the saved state are plain
    :class:`~recsys.models.als.ALSRecommender`'s. ``session_weight = 0`` is
    plain ALS; entries without a time are in no session.

    Parameters
    ----------
    factors, regularization, alpha, iterations, random_state, num_threads, exact_users
        As :class:`~recsys.models.als.ALSRecommender`.
    session_weight : float
        Value of a session row's entries relative to the user's (``>= 0``).
    session_gap_s : float
        The longest pause inside one session, in seconds.

    Raises
    ------
    InvalidFieldError
        From :meth:`fit`: a negative weight, a non-positive gap, or data
        without interaction times while ``session_weight > 0``.

    """

    name = "als-session"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int | None = 0,
        num_threads: int = 0,
        exact_users: bool = True,
        session_weight: float = 0.5,
        session_gap_s: float = 600.0,
    ) -> None:
        super().__init__(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            random_state=random_state,
            num_threads=num_threads,
            exact_users=exact_users,
        )
        self.session_weight = session_weight
        self.session_gap_s = session_gap_s

    def _training_matrix(self, data: TrainingData) -> sp.csr_matrix:
        if not self.session_weight >= 0:
            raise InvalidFieldError("session_weight", f"must be zero or more, got {self.session_weight!r}")
        check_positive("session_gap_s", self.session_gap_s)
        if self.session_weight == 0:
            return data.matrix
        sessions = session_rows(data, self.session_gap_s) * self.session_weight
        return sp.csr_matrix(sp.vstack([data.matrix, sessions], format="csr"), dtype=data.matrix.dtype)
