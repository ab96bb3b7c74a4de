"""The contract of a candidate cache backend.

A *version* is one publish: per-user candidates, per-event similar events,
popular lists per scope and the event cards, all written under that version's
keys, then made visible by one atomic flip of the ``active`` pointer. Readers
resolve the active version once per request and read everything from it, so
a request never mixes two publishes. Two versions are kept for rollback.

Besides versioned data, a backend holds *live* state that outlives publishes:
cards of events added or changed through the API since the last publish, and
each user's recent interactions (newest first, capped), so feedback shows in
the very next response.

Every backend (embedded, Redis) passes one contract suite
(``tests/cache/test_cache_contract.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt

from recsys.cache.cards import EventCard
from recsys.domain.errors import RecsysError

#: Versions kept after a publish (the active one and one to roll back to).
KEEP_VERSIONS: Final = 2
#: Recent interactions kept per user.
RECENT_CAP: Final = 50
#: Scope of the overall popular list (see :func:`region_scope` and :func:`type_scope` for the others).
POPULAR_ALL: Final = "all"


def region_scope(region: str) -> str:
    """Scope of the popular list of a region (``region:BE-VAN``; ISO 3166-2:BE codes)."""
    return f"region:{region}"


def type_scope(type_id: str) -> str:
    """Scope of the popular list of an event type, the discipline (``type:0.55.0.0.0``)."""
    return f"type:{type_id}"


class CacheError(RecsysError):
    """The cache cannot answer (backend down, timed out, or data malformed)."""


class UnknownVersionError(RecsysError):
    """A version that the cache does not hold was asked for."""

    def __init__(self, version: str, known: Sequence[str]) -> None:
        super().__init__(f"version {version!r} is not in the cache; kept: {', '.join(known) or 'none'}")
        self.version = version


class NoEarlierVersionError(UnknownVersionError):
    """:meth:`CandidateCache.rollback` found no version published before the active one (or nothing active)."""

    def __init__(self, active: str | None, known: Sequence[str]) -> None:
        RecsysError.__init__(
            self,
            f"no version before {active!r} to roll back to; kept: {', '.join(known) or 'none'}"
            if active
            else "nothing is active, so there is nothing to roll back",
        )
        self.version = active or ""


class VersionExistsError(RecsysError):
    """:meth:`CandidateCache.publisher` was asked for a version that is held or being written."""

    def __init__(self, version: str, *, being_written: bool = False) -> None:
        state = "is being written by another publisher" if being_written else "is already in the cache"
        super().__init__(f"version {version!r} {state}; publish under a new version id")
        self.version = version


@dataclass(frozen=True, slots=True, eq=False)
class CandidateList:
    """Scored event ids, best first.

    Parameters
    ----------
    event_ids : tuple of str
        The events, best first.
    scores : ndarray of float32, shape (len(event_ids), n_columns)
        One column per score source named in the version's ``score_columns``
        (for example the base model's score and each ranker input model's score);
        column 0 orders the list. NaN = not scored by that source.

    """

    event_ids: tuple[str, ...]
    scores: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))

    def __post_init__(self) -> None:
        scores = np.asarray(self.scores, dtype=np.float32)
        if scores.ndim == 1:
            scores = scores[:, None]
        if scores.shape[0] != len(self.event_ids):
            raise ValueError(f"{len(self.event_ids)} event ids but {scores.shape[0]} score rows")
        object.__setattr__(self, "scores", scores)

    def __len__(self) -> int:
        return len(self.event_ids)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CandidateList)
            and self.event_ids == other.event_ids
            and self.scores.shape == other.scores.shape
            and bool(np.array_equal(self.scores, other.scores, equal_nan=True))
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, eq=False)
class CandidateBlock:
    """Many candidate lists over one array of events: the fast path for bulk publishing.

    A publisher given a block encodes whole rows at once instead of one list
    at a time; ``put_user_candidates(block)`` stores the same lists as
    ``put_user_candidates(dict(block.lists()))``.

    Parameters
    ----------
    keys : sequence of str
        Whose list each row is (user ids for user candidates, event ids for similar events).
    event_ids : ndarray of object (str)
        The events the rows point into (for example the events open now).
    indices : ndarray of int32, shape (len(keys), k)
        Each row's events as positions in ``event_ids``, best first; ``-1``
        fills the end of a row with fewer than ``k`` events.
    scores : ndarray of float32, shape (len(keys), k, n_columns)
        Scores aligned with ``indices`` (see :class:`CandidateList`); padding cells are ignored.

    Raises
    ------
    ValueError
        When the shapes do not fit together or an index is out of range.

    """

    keys: Sequence[str]
    event_ids: npt.NDArray[np.object_]
    indices: npt.NDArray[np.int32]
    scores: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        event_ids = np.asarray(self.event_ids, dtype=object)
        if event_ids.ndim != 1:
            raise ValueError(f"event_ids must be one-dimensional, got shape {event_ids.shape}")
        indices = np.asarray(self.indices, dtype=np.int32)
        scores = np.asarray(self.scores, dtype=np.float32)
        if indices.ndim != 2 or indices.shape[0] != len(self.keys):
            raise ValueError(f"indices must have shape (len(keys)={len(self.keys)}, k), got {indices.shape}")
        if scores.ndim == 2:
            scores = scores[:, :, None]
        if scores.ndim != 3 or scores.shape[:2] != indices.shape or scores.shape[2] < 1:
            raise ValueError(f"scores must have shape {indices.shape} + (n_columns,), got {scores.shape}")
        if indices.size and (int(indices.min()) < -1 or int(indices.max()) >= len(event_ids)):
            raise ValueError(f"indices must lie in [-1, {len(event_ids)})")
        valid = indices >= 0
        # Padding only at the end of a row: a valid cell never follows a padding cell.
        if indices.shape[1] > 1 and bool((valid[:, 1:] & ~valid[:, :-1]).any()):
            raise ValueError("-1 may only fill the end of a row")
        object.__setattr__(self, "event_ids", event_ids)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "scores", scores)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def n_columns(self) -> int:
        """Score columns per entry."""
        return int(self.scores.shape[2])

    def lengths(self) -> npt.NDArray[np.int64]:
        """How many events each row holds."""
        return np.asarray((self.indices >= 0).sum(axis=1), dtype=np.int64)

    def lists(self) -> Iterator[tuple[str, CandidateList]]:
        """Each row as ``(key, CandidateList)``."""
        for key, row, scores, n in zip(self.keys, self.indices, self.scores, self.lengths(), strict=True):
            yield key, CandidateList(tuple(self.event_ids[row[:n]].tolist()), scores[:n])


@dataclass(frozen=True, slots=True)
class RecentInteraction:
    """One entry of a user's recent history.

    Parameters
    ----------
    event_id : str
        The event.
    kind : str
        Interaction kind (``view``, ``click``, ``ticket``, ... ``dismiss``).
    timestamp_us : int
        When, microseconds since the epoch.

    """

    event_id: str
    kind: str
    timestamp_us: int


class CachePublisher(Protocol):
    """Writes one new version; nothing is visible to readers until :meth:`commit`.

    Used as a context manager: leaving the block with an exception discards
    the partial version; leaving it normally without ``commit`` also discards it.
    """

    version: str

    def put_user_candidates(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store candidates for a batch of users (user id -> list, or a block keyed by user id)."""
        ...

    def put_similar(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store similar events for a batch of events (event id -> list, or a block keyed by event id)."""
        ...

    def put_popular(self, lists: Mapping[str, CandidateList]) -> None:
        """Store popular lists per scope (``all``, ``region:BE-VAN``, ``type:0.55.0.0.0``, ...)."""
        ...

    def put_cards(self, cards: Iterable[EventCard]) -> None:
        """Store event cards."""
        ...

    def commit(self, info: Mapping[str, Any]) -> None:
        """Flip ``active`` to this version (with its ``info``: model, score columns, counts); keep two versions."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@runtime_checkable
class CandidateCache(Protocol):
    """What the server reads and the publisher writes. Every method may raise :class:`CacheError`."""

    # -- versions -------------------------------------------------------------------------

    def ping(self) -> bool:
        """True when the backend answers."""
        ...

    def active_version(self) -> str | None:
        """The version readers use, or ``None`` before the first publish."""
        ...

    def versions(self) -> list[str]:
        """Versions held, newest first."""
        ...

    def version_info(self, version: str) -> dict[str, Any]:
        """The ``info`` given at commit (raises :class:`UnknownVersionError`)."""
        ...

    def activate(self, version: str) -> None:
        """Point ``active`` at a held version (raises :class:`UnknownVersionError`)."""
        ...

    def rollback(self) -> str:
        """Activate the version published before the active one; return it (raises :class:`NoEarlierVersionError`)."""
        ...

    def publisher(self, version: str) -> CachePublisher:
        """Start writing a new version.

        ``version`` is 1-128 of ``A-Z a-z 0-9 . _ @ + = ~ -`` starting with a
        letter or digit (:func:`recsys.cache.keys.check_version`; an
        :class:`~recsys.domain.errors.InvalidFieldError` otherwise). Raises
        :class:`VersionExistsError` when it is held or being written.
        """
        ...

    # -- versioned reads ------------------------------------------------------------------

    def user_candidates(self, version: str, user_id: str) -> CandidateList | None:
        """The user's published candidates, or ``None``."""
        ...

    def user_view(self, version: str, user_id: str) -> tuple[CandidateList | None, list[RecentInteraction]]:
        """The user's published candidates (or ``None``) and recent interactions, newest first, read together.

        The same as :meth:`user_candidates` and :meth:`recent`; a network backend answers it in one round trip.
        """
        ...

    def similar_events(self, version: str, event_id: str) -> CandidateList | None:
        """Events similar to ``event_id``, or ``None``."""
        ...

    def popular(self, version: str, scope: str) -> CandidateList | None:
        """The popular list of ``scope``, or ``None``."""
        ...

    def cards(self, version: str, event_ids: Sequence[str]) -> list[EventCard | None]:
        """Cards in the order asked; live cards take precedence over the version's; ``None`` when unknown."""
        ...

    # -- live state -----------------------------------------------------------------------

    def put_live_cards(self, cards: Iterable[EventCard]) -> None:
        """Add or replace cards of events created or changed since the last publish."""
        ...

    def live_cards(self) -> list[EventCard]:
        """Every live card (the server scores these for every request: fresh events)."""
        ...

    def push_recent(self, user_id: str, entries: Sequence[RecentInteraction]) -> None:
        """Prepend a user's new interactions (newest first), keeping :data:`RECENT_CAP`."""
        ...

    def recent(self, user_id: str) -> list[RecentInteraction]:
        """The user's recent interactions, newest first."""
        ...

    def delete_user(self, user_id: str) -> None:
        """Forget the user: candidates in every held version and recent history."""
        ...
