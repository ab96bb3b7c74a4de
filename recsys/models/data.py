"""What models are trained on: a weighted user x event matrix plus what is known about each event."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.vocabulary import IdVocabulary


@dataclass(frozen=True, slots=True)
class EventSide:
    """Side information per event, aligned with the events vocabulary (``-1`` = unknown).

    Parameters
    ----------
    content : scipy.sparse.csr_matrix or None
        Events x content features (text, terms, organiser, venue, region, bands).
    organizer_idx, venue_idx, production_idx, region_idx, municipality_idx, discipline_idx : ndarray of int32
        Categorical codes per event.
    start_us : ndarray of int64
        Next start per event in microseconds since the epoch (``-1`` when undated).
    lat, lon : ndarray of float64
        Location (NaN when unknown).

    """

    content: sp.csr_matrix | None
    organizer_idx: npt.NDArray[np.int32]
    venue_idx: npt.NDArray[np.int32]
    production_idx: npt.NDArray[np.int32]
    region_idx: npt.NDArray[np.int32]
    municipality_idx: npt.NDArray[np.int32]
    discipline_idx: npt.NDArray[np.int32]
    start_us: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.organizer_idx)


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Everything a model may learn from.

    Parameters
    ----------
    users, events : IdVocabulary
        Row and column vocabularies of ``matrix``.
    matrix : scipy.sparse.csr_matrix
        Users x events preference weights (float32); negative entries are
        dismissals when the feature builder keeps them.
    reference_time_us : int
        The training "now" in microseconds since the epoch (for decay and trending).
    event_side : EventSide or None
        Side information, required by content and hybrid models.
    last_seen_us : ndarray of int64, optional
        Per event, the time of its latest interaction (``-1`` = none).
    interaction_time_us : ndarray of int64, optional
        Per stored entry of ``matrix`` (aligned with ``matrix.data``), the time of
        the latest interaction in that user x event cell (``-1`` = unknown); what
        popularity decays by and what trending counts in its windows.

    """

    users: IdVocabulary
    events: IdVocabulary
    matrix: sp.csr_matrix
    reference_time_us: int
    event_side: EventSide | None = None
    last_seen_us: npt.NDArray[np.int64] | None = field(default=None)
    interaction_time_us: npt.NDArray[np.int64] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.matrix.shape != (len(self.users), len(self.events)):
            raise InvalidFieldError(
                "matrix",
                f"shape {self.matrix.shape} does not match {len(self.users)} users x {len(self.events)} events",
            )
        if self.event_side is not None and len(self.event_side) != len(self.events):
            raise InvalidFieldError("event_side", f"has {len(self.event_side)} events, expected {len(self.events)}")
        if self.last_seen_us is not None and len(self.last_seen_us) != len(self.events):
            raise InvalidFieldError("last_seen_us", f"has {len(self.last_seen_us)} values, expected {len(self.events)}")
        if self.interaction_time_us is not None and len(self.interaction_time_us) != self.matrix.nnz:
            raise InvalidFieldError(
                "interaction_time_us",
                f"has {len(self.interaction_time_us)} values, expected one per stored entry ({self.matrix.nnz})",
            )


def positive_part(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The positive entries of ``matrix`` (float32 csr): what a model that cannot use dismissals learns from."""
    positive = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    positive.data[positive.data < 0] = 0
    positive.eliminate_zeros()
    return positive


def require_positive_interactions(data: TrainingData) -> sp.csr_matrix:
    """The positive part of ``data.matrix``, refusing data with nothing to learn from.

    Raises
    ------
    InvalidFieldError
        When the matrix holds no positive weight.

    """
    positive = positive_part(data.matrix)
    if positive.nnz == 0:
        raise InvalidFieldError("matrix", "holds no positive interaction to learn from")
    return positive
