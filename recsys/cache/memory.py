"""The embedded candidate cache: everything in this process's memory, no server needed.

The default when no ``REDIS_URL`` is configured, and what the server keeps
as its in-process fallback snapshot. One lock guards the state; a committed
version only ever loses users (:meth:`MemoryCache.delete_user`), so a reader
that resolved a version reads one consistent publish even while the next
one commits.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from recsys.cache import codec
from recsys.cache.cards import EventCard
from recsys.cache.keys import check_version
from recsys.cache.protocol import (
    KEEP_VERSIONS,
    RECENT_CAP,
    CacheError,
    CandidateBlock,
    CandidateList,
    NoEarlierVersionError,
    RecentInteraction,
    UnknownVersionError,
    VersionExistsError,
)


@dataclass(slots=True)
class _Version:
    users: dict[str, CandidateList] = field(default_factory=dict)
    similar: dict[str, CandidateList] = field(default_factory=dict)
    popular: dict[str, CandidateList] = field(default_factory=dict)
    cards: dict[str, EventCard] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def _as_lists(lists: Mapping[str, CandidateList] | CandidateBlock) -> Iterable[tuple[str, CandidateList]]:
    if isinstance(lists, CandidateBlock):
        return lists.lists()
    for key, value in lists.items():
        if not isinstance(value, CandidateList):
            raise TypeError(f"expected a CandidateList for {key!r}, got {type(value).__name__}")
    return lists.items()


class MemoryCache:
    """A :class:`~recsys.cache.protocol.CandidateCache` held in memory (thread-safe).

    Parameters
    ----------
    keep_versions : int
        Versions kept after a commit (the new one and the one active before it).
    recent_cap : int
        Recent interactions kept per user.

    """

    def __init__(self, *, keep_versions: int = KEEP_VERSIONS, recent_cap: int = RECENT_CAP) -> None:
        if keep_versions < 1 or recent_cap < 1:
            raise ValueError("keep_versions and recent_cap must be at least 1")
        self.keep_versions = keep_versions
        self.recent_cap = recent_cap
        self._lock = threading.RLock()
        self._versions: dict[str, _Version] = {}
        self._order: list[str] = []  # newest first
        self._active: str | None = None
        self._writing: set[str] = set()
        self._live: dict[str, EventCard] = {}
        self._recent: dict[str, list[tuple[int, bytes]]] = {}

    def __repr__(self) -> str:
        return f"MemoryCache(versions={self._order}, active={self._active!r})"

    # -- versions -------------------------------------------------------------------------

    def ping(self) -> bool:
        """Always True: memory answers."""
        return True

    def active_version(self) -> str | None:
        """The version readers use, or ``None`` before the first publish."""
        return self._active

    def versions(self) -> list[str]:
        """Versions held, newest first."""
        with self._lock:
            return list(self._order)

    def version_info(self, version: str) -> dict[str, Any]:
        """The ``info`` given at commit (raises :class:`UnknownVersionError`)."""
        return copy.deepcopy(self._version(version).info)

    def activate(self, version: str) -> None:
        """Point ``active`` at a held version (raises :class:`UnknownVersionError`)."""
        with self._lock:
            self._version(version)
            self._active = version

    def rollback(self) -> str:
        """Activate the version published before the active one; return it."""
        with self._lock:
            active = self._active
            if active is None or active not in self._order or self._order.index(active) + 1 >= len(self._order):
                raise NoEarlierVersionError(active, self._order)
            earlier = self._order[self._order.index(active) + 1]
            self._active = earlier
            return earlier

    def publisher(self, version: str) -> MemoryPublisher:
        """Start writing ``version`` (raises :class:`VersionExistsError` when held or being written)."""
        check_version(version)
        with self._lock:
            if version in self._versions or version in self._writing:
                raise VersionExistsError(version, being_written=version in self._writing)
            self._writing.add(version)
        return MemoryPublisher(self, version)

    def _version(self, version: str) -> _Version:
        found = self._versions.get(version)
        if found is None:
            raise UnknownVersionError(version, self.versions())
        return found

    def _commit(self, version: str, data: _Version) -> None:
        with self._lock:
            previous = self._active
            kept = {version} | ({previous} if previous else set())
            for held in self._order:
                if len(kept) >= self.keep_versions:
                    break
                kept.add(held)
            order = [version, *(v for v in self._order if v in kept and v != version)][: self.keep_versions]
            for dropped in set(self._order) - set(order):
                del self._versions[dropped]
            self._versions[version] = data
            self._order = order
            self._active = version
            self._writing.discard(version)

    def _release(self, version: str) -> None:
        with self._lock:
            self._writing.discard(version)

    # -- versioned reads ------------------------------------------------------------------

    def user_candidates(self, version: str, user_id: str) -> CandidateList | None:
        """The user's published candidates, or ``None``."""
        found = self._versions.get(version)
        return None if found is None else found.users.get(user_id)

    def user_view(self, version: str, user_id: str) -> tuple[CandidateList | None, list[RecentInteraction]]:
        """The user's published candidates (or ``None``) and recent interactions, newest first."""
        return self.user_candidates(version, user_id), self.recent(user_id)

    def similar_events(self, version: str, event_id: str) -> CandidateList | None:
        """Events similar to ``event_id``, or ``None``."""
        found = self._versions.get(version)
        return None if found is None else found.similar.get(event_id)

    def popular(self, version: str, scope: str) -> CandidateList | None:
        """The popular list of ``scope``, or ``None``."""
        found = self._versions.get(version)
        return None if found is None else found.popular.get(scope)

    def cards(self, version: str, event_ids: Sequence[str]) -> list[EventCard | None]:
        """Cards in the order asked; live cards take precedence over the version's; ``None`` when unknown."""
        found = self._versions.get(version)
        published = found.cards if found is not None else {}
        live = self._live
        return [live.get(e) or published.get(e) for e in event_ids]

    # -- live state -----------------------------------------------------------------------

    def put_live_cards(self, cards: Iterable[EventCard]) -> None:
        """Add or replace cards of events created or changed since the last publish."""
        checked = list(cards)
        for card in checked:
            if not isinstance(card, EventCard):
                raise TypeError(f"expected an EventCard, got {type(card).__name__}")
        with self._lock:
            # Copy on write: a reader iterating the old dict is never disturbed.
            self._live = {**self._live, **{c.event_id: c for c in checked}}

    def live_cards(self) -> list[EventCard]:
        """Every live card."""
        return list(self._live.values())

    def push_recent(self, user_id: str, entries: Sequence[RecentInteraction]) -> None:
        """Add a user's new interactions, keeping the newest :data:`RECENT_CAP` (an identical entry is kept once)."""
        if not entries:
            return
        new = {(e.timestamp_us, codec.encode_recent(e)) for e in entries}
        with self._lock:
            merged = set(self._recent.get(user_id, ())) | new
            self._recent[user_id] = codec.recent_order(list(merged))[: self.recent_cap]

    def recent(self, user_id: str) -> list[RecentInteraction]:
        """The user's recent interactions, newest first."""
        return [codec.decode_recent(value) for _, value in self._recent.get(user_id, ())]

    def delete_user(self, user_id: str) -> None:
        """Forget the user: candidates in every held version and recent history."""
        with self._lock:
            for data in self._versions.values():
                data.users.pop(user_id, None)
            self._recent.pop(user_id, None)


class MemoryPublisher:
    """Writes one version of a :class:`MemoryCache`; nothing is visible before :meth:`commit`."""

    def __init__(self, cache: MemoryCache, version: str) -> None:
        self.version = version
        self._cache = cache
        self._data: _Version | None = _Version()

    def _staging(self) -> _Version:
        if self._data is None:
            raise CacheError(f"the publisher of {self.version!r} is closed (committed or discarded)")
        return self._data

    def put_user_candidates(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store candidates for a batch of users."""
        self._staging().users.update(_as_lists(lists))

    def put_similar(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store similar events for a batch of events."""
        self._staging().similar.update(_as_lists(lists))

    def put_popular(self, lists: Mapping[str, CandidateList]) -> None:
        """Store popular lists per scope."""
        self._staging().popular.update(_as_lists(lists))

    def put_cards(self, cards: Iterable[EventCard]) -> None:
        """Store event cards."""
        staging = self._staging()
        for card in cards:
            if not isinstance(card, EventCard):
                raise TypeError(f"expected an EventCard, got {type(card).__name__}")
            staging.cards[card.event_id] = card

    def commit(self, info: Mapping[str, Any]) -> None:
        """Make this version active with ``info`` (stored as its JSON round trip); keep two versions."""
        staging = self._staging()
        staging.info = codec.decode_info(codec.encode_info(info))
        self._cache._commit(self.version, staging)
        self._data = None

    def discard(self) -> None:
        """Drop what was written (nothing of it was ever visible)."""
        if self._data is not None:
            self._data = None
            self._cache._release(self.version)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.discard()
