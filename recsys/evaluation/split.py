"""The future-event temporal split: learn from the past, rank the events still to come.

Cultural events are perishable, so the honest offline question is the one
production asks: at a moment ``cutoff``, given everything that happened
before it, which of the events that are still open will each person engage
with? The split answers it from an interaction log and the catalogue:

- **train**: every interaction with a timestamp before ``cutoff``;
- **candidates**: the events open at ``cutoff``: starting after it, not
  cancelled (status ``Unavailable``) and publicly visible (workflow
  ``APPROVED`` or ``READY_FOR_VALIDATION``). With ``include_running`` events
  that already started but have not ended, and permanent offers, count too.
  Every model ranks *all* candidates; negatives are never sampled;
- **test**: interactions in ``[cutoff, until)`` with a candidate event whose
  kind counts as relevant. By default a click or anything stronger (click,
  like, bookmark, share, ticket, check-in) is relevant, and a rating when its
  value is at least ``min_rating``; views, impressions and dismissals are not.
  Relevance is binary.
- With ``exclude_seen`` (the default) a pair the user already interacted with
  before the cutoff is neither ranked nor relevant: the test asks for events
  the person has not found yet, which is what a recommender adds.
- Only users with training history are evaluated (a model cannot know anyone
  else); :attr:`TemporalSplit.n_cold_users` counts those left out.

Candidates without any training interaction (impressions aside) are *cold*;
:meth:`TemporalSplit.cold_share` reports how much of the test they carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import EventStatus, WorkflowStatus
from recsys.domain.interactions import InteractionKind
from recsys.stores.batches import InteractionArrays

#: Kinds that make a test event relevant: a click or anything stronger.
RELEVANT_KINDS: Final = frozenset(
    {
        InteractionKind.CLICK,
        InteractionKind.LIKE,
        InteractionKind.BOOKMARK,
        InteractionKind.SHARE,
        InteractionKind.TICKET,
        InteractionKind.CHECK_IN,
    }
)
#: A rating of at least this value counts as relevant.
MIN_RATING: Final = 4.0
#: Workflow statuses of events the public can see.
PUBLIC_WORKFLOW: Final = frozenset(s.value for s in WorkflowStatus if s.is_public)
_DAY_US: Final = 86_400 * 1_000_000

ObjectArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class TemporalSplit:
    """A future-event hold-out (see the module docstring for the protocol).

    Parameters
    ----------
    cutoff_us : int
        The split moment, microseconds since the epoch; train is strictly before it.
    until_us : int or None
        End (exclusive) of the test window; ``None`` = no end.
    train : InteractionArrays
        Interactions before the cutoff, with vocabularies of the ids they use only.
    candidate_ids : ndarray of str (object)
        Events open at the cutoff, sorted: what every model ranks.
    cold_candidates : ndarray of bool
        Per candidate, True when it has no training interaction.
    user_ids : ndarray of str (object)
        Evaluated users, sorted: training history and at least one relevant candidate.
    relevant : scipy.sparse.csr_matrix
        Users x candidates, 1 where relevant (float32).
    seen : scipy.sparse.csr_matrix
        Users x candidates, 1 where the user interacted before the cutoff (left out of rankings).
    n_cold_users : int
        Users with a relevant test event but no training history (not evaluated).

    """

    cutoff_us: int
    until_us: int | None
    train: InteractionArrays
    candidate_ids: ObjectArray
    cold_candidates: BoolArray
    user_ids: ObjectArray
    relevant: sp.csr_matrix
    seen: sp.csr_matrix
    n_cold_users: int

    @property
    def n_users(self) -> int:
        """Number of evaluated users."""
        return len(self.user_ids)

    @property
    def n_candidates(self) -> int:
        """Number of candidate events."""
        return len(self.candidate_ids)

    def relevant_events(self) -> BoolArray:
        """Per candidate, True when it is relevant to at least one evaluated user."""
        return np.asarray(self.relevant.getnnz(axis=0) > 0)

    def cold_share(self) -> float:
        """Share of the distinct relevant test events that have no training interaction."""
        relevant = self.relevant_events()
        return float(self.cold_candidates[relevant].mean()) if relevant.any() else 0.0

    def cold_pair_share(self) -> float:
        """Share of the relevant (user, event) pairs whose event has no training interaction."""
        per_event = np.asarray(self.relevant.getnnz(axis=0))
        total = int(per_event.sum())
        return float(per_event[self.cold_candidates].sum() / total) if total else 0.0

    def summary(self) -> dict[str, float | int]:
        """Counts and shares for reports and manifests."""
        return {
            "cutoff_us": self.cutoff_us,
            "train_interactions": len(self.train),
            "candidates": self.n_candidates,
            "cold_candidates": int(self.cold_candidates.sum()),
            "test_users": self.n_users,
            "cold_test_users_skipped": self.n_cold_users,
            "relevant_pairs": int(self.relevant.nnz),
            "relevant_events": int(self.relevant_events().sum()),
            "cold_event_share": round(self.cold_share(), 6),
            "cold_pair_share": round(self.cold_pair_share(), 6),
        }


def cutoff_before_end(arrays: InteractionArrays, days: float) -> int:
    """The cutoff ``days`` before the latest interaction (for "hold out the last N days").

    Raises
    ------
    InvalidFieldError
        When there are no interactions or ``days`` is not positive.

    """
    if days <= 0:
        raise InvalidFieldError("days", f"the hold-out must be a positive number of days, got {days}")
    if len(arrays) == 0:
        raise InvalidFieldError("interactions", "cannot place a cutoff: there are no interactions")
    return int(arrays.timestamps_us.max()) - round(days * _DAY_US)


def to_us(moment: dt.datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    if moment.tzinfo is None:
        raise InvalidFieldError("cutoff", f"{moment.isoformat()} has no time zone")
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def select_interactions(arrays: InteractionArrays, mask: BoolArray) -> InteractionArrays:
    """The interactions where ``mask`` is true, with vocabularies cut to the ids they use.

    The vocabularies stay sorted, so codes do not depend on what was cut.
    """
    return _select(arrays, mask)[0]


def _select(
    arrays: InteractionArrays, mask: BoolArray
) -> tuple[InteractionArrays, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """:func:`select_interactions`, plus the old codes of the users and events kept."""
    rows = np.flatnonzero(mask)  # once, rather than once per column
    user_codes, users = _compact(arrays.user_codes.take(rows), len(arrays.user_ids))
    event_codes, events = _compact(arrays.event_codes.take(rows), len(arrays.event_ids))
    selected = InteractionArrays(
        user_codes=user_codes,
        event_codes=event_codes,
        kinds=arrays.kinds.take(rows),
        timestamps_us=arrays.timestamps_us.take(rows),
        values=arrays.values.take(rows),
        user_ids=arrays.user_ids[users],
        event_ids=arrays.event_ids[events],
    )
    return selected, users, events


def _compact(codes: npt.NDArray[np.int32], n: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Renumber ``codes`` (of ``0..n-1``) to ``0..k-1`` in their order; also return the kept old codes."""
    used = np.bincount(codes, minlength=n) > 0
    renumber = (np.cumsum(used, dtype=np.int64) - 1).astype(np.int32)
    return renumber[codes], np.flatnonzero(used)


def open_events(events_table: pa.Table, cutoff_us: int, *, include_running: bool = False) -> ObjectArray:
    """Sorted ids of the events open at ``cutoff_us`` (see the module docstring)."""
    start = _as_us(events_table.column("start"))
    end = _as_us(events_table.column("end"))
    status = events_table.column("status").to_numpy(zero_copy_only=False)
    workflow = events_table.column("workflow_status").to_numpy(zero_copy_only=False)
    calendar = events_table.column("calendar_type").to_numpy(zero_copy_only=False)
    has_start = start >= 0
    is_open = has_start & (start > cutoff_us)
    if include_running:
        still_running = np.where(end >= 0, end, start) > cutoff_us
        is_open |= (has_start & still_running) | (calendar == "permanent")
    is_open &= status != EventStatus.UNAVAILABLE.value
    is_open &= np.isin(workflow, list(PUBLIC_WORKFLOW))
    ids = np.asarray(events_table.column("event_id").to_numpy(zero_copy_only=False), dtype=object)[is_open]
    return np.sort(ids)


def temporal_split(
    arrays: InteractionArrays,
    events_table: pa.Table,
    cutoff_us: int,
    *,
    until_us: int | None = None,
    relevant_kinds: Collection[InteractionKind] = RELEVANT_KINDS,
    min_rating: float = MIN_RATING,
    include_running: bool = False,
    exclude_seen: bool = True,
) -> TemporalSplit:
    """Split an interaction log at ``cutoff_us`` into train, candidates and test.

    Parameters
    ----------
    arrays : InteractionArrays
        The whole interaction log.
    events_table : pyarrow.Table
        The catalogue (``EVENTS_TABLE_SCHEMA``), for start dates and statuses.
    cutoff_us : int
        The split moment (microseconds since the epoch).
    until_us : int, optional
        Exclusive end of the test window.
    relevant_kinds : collection of InteractionKind
        Kinds that make an event relevant (ratings: see ``min_rating``).
    min_rating : float
        Ratings at least this high are relevant when ``RATING`` is not in ``relevant_kinds``.
    include_running : bool
        Also rank events running at the cutoff and permanent offers.
    exclude_seen : bool
        Leave pairs seen before the cutoff out of rankings and relevance.

    Returns
    -------
    TemporalSplit

    Raises
    ------
    InvalidFieldError
        When the test window is empty or the cutoff leaves no training data.

    """
    if until_us is not None and until_us <= cutoff_us:
        raise InvalidFieldError("until", f"the test window [{cutoff_us}, {until_us}) is empty")
    stamps = arrays.timestamps_us
    before = stamps < cutoff_us
    if not before.any():
        raise InvalidFieldError("cutoff", "no interaction happened before the cutoff; nothing to learn from")
    train, kept_users, kept_events = _select(arrays, before)
    candidate_ids = open_events(events_table, cutoff_us, include_running=include_running)
    # Each pass below touches a subset of rows only: at 10M interactions whole-log passes dominate.
    candidate_of_event = _positions(arrays.event_ids, candidate_ids)  # per log event code, -1 = no candidate
    has_history = np.zeros(len(arrays.user_ids), dtype=bool)
    has_history[kept_users] = True

    # An impression alone says nothing about the event, so it does not warm it up.
    train_candidate = candidate_of_event[kept_events]
    informative = train.kinds != InteractionKind.IMPRESSION
    warm = np.bincount(train.event_codes[informative], minlength=len(kept_events)) > 0
    cold = np.ones(len(candidate_ids), dtype=bool)
    cold[train_candidate[(train_candidate >= 0) & warm]] = False

    after = np.flatnonzero(~before if until_us is None else (~before & (stamps < until_us)))
    kinds = arrays.kinds[after]
    is_relevant = np.isin(kinds, np.asarray([int(k) for k in relevant_kinds], dtype=np.int8))
    if InteractionKind.RATING not in relevant_kinds:
        is_relevant |= (kinds == InteractionKind.RATING) & (arrays.values[after] >= min_rating)
    test = after[is_relevant]
    test_col = candidate_of_event[arrays.event_codes[test]]
    test, test_col = test[test_col >= 0], test_col[test_col >= 0]
    test_user = arrays.user_codes[test]
    n_cold_users = int((~has_history[np.unique(test_user)]).sum())
    known = has_history[test_user]
    test_user, test_col = test_user[known], test_col[known]

    shape_users = np.unique(test_user)  # codes of the log's vocabulary, sorted
    user_row = np.full(len(arrays.user_ids), -1, dtype=np.int64)
    user_row[shape_users] = np.arange(len(shape_users))
    shape = (len(shape_users), len(candidate_ids))
    relevant = _pairs(user_row[test_user], test_col, shape)

    # Seen pairs: training rows (not impressions) of a test user with a candidate event.
    train_user_row = user_row[kept_users]
    maybe = np.flatnonzero(informative & (train_candidate >= 0)[train.event_codes])
    seen_user = train_user_row[train.user_codes[maybe]]
    seen_col = train_candidate[train.event_codes[maybe]]
    seen = _pairs(seen_user[seen_user >= 0], seen_col[seen_user >= 0], shape)
    if exclude_seen:
        relevant = (relevant - relevant.multiply(seen)).tocsr()
        relevant.eliminate_zeros()
    else:
        seen = sp.csr_matrix(shape, dtype=np.float32)
    keep = np.flatnonzero(relevant.getnnz(axis=1) > 0)
    return TemporalSplit(
        cutoff_us=int(cutoff_us),
        until_us=None if until_us is None else int(until_us),
        train=train,
        candidate_ids=candidate_ids,
        cold_candidates=cold,
        user_ids=arrays.user_ids[shape_users[keep]],
        relevant=relevant[keep].tocsr(),
        seen=seen[keep].tocsr(),
        n_cold_users=n_cold_users,
    )


def _pairs(rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 matrix with a one at every (row, col) pair, repeats counted once."""
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _positions(values: ObjectArray, sorted_ids: ObjectArray) -> npt.NDArray[np.int64]:
    """Position of every value in ``sorted_ids`` (-1 when absent)."""
    found = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(sorted_ids, pa.string()))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _as_us(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """A timestamp column as int64 microseconds, -1 for missing."""
    as_int = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
    return np.asarray(pc.fill_null(as_int, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
