"""What the times of a user's interactions say about which events go together.

Users act in sessions: on MovieLens 100K 76% of the ratings share their
second with another rating of the same user (a page of ratings submitted at
once), and a random hold-out of a user's items falls inside those same
sessions. Two helpers turn the times into training signal:

- :func:`time_kernel_gram`: ``sum_u x_ui x_uj exp(-|t_ui - t_uj| / scale)``,
  a co-occurrence matrix in which pairs acted on close together count most
  (the time-aware EASE fits on it);
- :func:`session_rows`: one row per session (a user's interactions cut where
  two consecutive ones are more than ``gap`` apart), to stack under the
  users x events matrix (the session ALS fits on it).

Entries without a time (``-1``) take part in neither.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.data import TrainingData

#: Pairs further apart than this many time scales are left out of the kernel gram (weight below e^-8).
KERNEL_CUTOFF_SCALES = 8.0
US_PER_SECOND = 1_000_000


def timed_entries(
    data: TrainingData,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The positive entries of ``data.matrix`` that have a time, sorted by user then time.

    Returns
    -------
    users, events : ndarray of int64
    seconds : ndarray of float64
        Seconds since the earliest timed entry.
    values : ndarray of float64
        The entries' values.

    Raises
    ------
    InvalidFieldError
        When ``data`` carries no interaction times.

    """
    if data.interaction_time_us is None:
        raise InvalidFieldError("interaction_time_us", "time-aware models need the time of each user x event cell")
    matrix = sp.csr_matrix(data.matrix)
    times = np.asarray(data.interaction_time_us, dtype=np.int64)
    users = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keep = (times >= 0) & (matrix.data > 0)
    users, events, values, times = users[keep], matrix.indices[keep].astype(np.int64), matrix.data[keep], times[keep]
    order = np.lexsort((times, users))
    seconds = (times[order] - (times.min() if len(times) else 0)) / US_PER_SECOND
    return users[order], events[order], seconds.astype(np.float64), values[order].astype(np.float64)


def time_kernel_gram(
    data: TrainingData, scale_s: float, items: npt.NDArray[np.int32] | None = None
) -> npt.NDArray[np.float64]:
    """Events x events: ``sum_u x_ui x_uj exp(-|t_ui - t_uj| / scale_s)`` over each user's timed entries.

    The diagonal is ``sum_u x_ui²`` (a pair of an entry with itself is at
    distance 0); pairs more than :data:`KERNEL_CUTOFF_SCALES` scales apart are skipped.

    Parameters
    ----------
    data : TrainingData
        The values (positive entries of ``matrix``) and their times.
    scale_s : float
        The kernel's time scale in seconds.
    items : ndarray of int, optional
        Only these events, in this order (the dense result is ``len(items)``
        square, not as big as the whole catalogue); default: every event.

    Returns
    -------
    ndarray of float64, shape (n_items, n_items)

    """
    users, events, seconds, values = timed_entries(data)
    if items is not None:
        # Entries of other events leave; the rest are renumbered to their place in ``items``.
        place = np.full(len(data.events), -1, dtype=np.int64)
        place[np.asarray(items, dtype=np.int64)] = np.arange(len(items))
        kept = place[events] >= 0
        users, events, seconds, values = users[kept], place[events[kept]], seconds[kept], values[kept]
    n_events = len(data.events) if items is None else len(items)
    if not len(users):
        return np.zeros((n_events, n_events))
    # A user's entries on one line, users far apart: a window in time never crosses to the next user.
    cutoff = KERNEL_CUTOFF_SCALES * scale_s
    line = users * (seconds.max() + 2.0 * cutoff + 1.0) + seconds
    end = np.searchsorted(line, line + cutoff, side="right")
    counts = end - np.arange(len(line)) - 1
    first = np.repeat(np.arange(len(line)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offsets
    weights = values[first] * values[second] * np.exp(-(seconds[second] - seconds[first]) / scale_s)
    pairs = np.asarray(
        sp.csr_matrix((weights, (events[first], events[second])), shape=(n_events, n_events)).toarray(),
        dtype=np.float64,
    )
    gram = pairs + pairs.T
    np.add.at(gram, (events, events), values**2)
    return gram


def session_rows(data: TrainingData, gap_s: float) -> sp.csr_matrix:
    """Sessions x events: each user's timed entries cut where consecutive times are more than ``gap_s`` apart.

    Parameters
    ----------
    data : TrainingData
        The values (positive entries of ``matrix``) and their times.
    gap_s : float
        The longest pause, in seconds, inside one session.

    Returns
    -------
    scipy.sparse.csr_matrix
        One row per session (float32), the entries' values; no rows when nothing has a time.

    """
    users, events, seconds, values = timed_entries(data)
    new = np.ones(len(users), dtype=bool)
    new[1:] = (users[1:] != users[:-1]) | (np.diff(seconds) > gap_s)
    session = np.cumsum(new) - 1
    n_sessions = int(session[-1]) + 1 if len(session) else 0
    return sp.csr_matrix(
        (values.astype(np.float32), (session, events)), shape=(n_sessions, len(data.events)), dtype=np.float32
    )
