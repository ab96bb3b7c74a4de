"""In-process memory of what a cache version holds and never changes: its info, popular lists and cards.

A published version is immutable, so what was read from it once can be kept
for the life of the version: later requests skip the round trip. Only the
two most recent versions are kept (the active one and the one an admin may
roll back to). Per-user lists are not kept: a million users would not fit,
and each is read once per request anyway.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from recsys.cache.cards import EventCard
from recsys.cache.protocol import CandidateList
from serving.card_table import CardTable

#: Versions kept in memory.
KEEP_VERSIONS: Final = 2
#: Cards kept per version (the open events of a region's catalogue fit many times over).
MAX_CARDS: Final = 250_000


@dataclass
class _VersionMemo:
    info: dict[str, Any] | None = None
    popular: dict[str, CandidateList | None] = field(default_factory=dict)
    cards: dict[str, EventCard] = field(default_factory=dict)
    table: CardTable = field(default_factory=CardTable)


class VersionMemo:
    """Info, popular lists and cards per version, filled on first read."""

    def __init__(self) -> None:
        self._versions: OrderedDict[str, _VersionMemo] = OrderedDict()
        self._lock = threading.Lock()

    def _memo(self, version: str) -> _VersionMemo:
        with self._lock:
            memo = self._versions.get(version)
            if memo is None:
                memo = self._versions[version] = _VersionMemo()
                while len(self._versions) > KEEP_VERSIONS:
                    self._versions.popitem(last=False)
            else:
                self._versions.move_to_end(version)
            return memo

    def info(self, version: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The version's info (read once)."""
        memo = self._memo(version)
        if memo.info is None:
            memo.info = read()
        return memo.info

    def popular(self, version: str, scope: str, read: Callable[[], CandidateList | None]) -> CandidateList | None:
        """A popular list of the version (read once; ``None`` = the version has no such list)."""
        memo = self._memo(version)
        if scope not in memo.popular:
            memo.popular[scope] = read()
        return memo.popular[scope]

    def cards(
        self,
        version: str,
        event_ids: Sequence[str],
        read: Callable[[list[str]], list[EventCard | None]],
    ) -> dict[str, EventCard]:
        """Cards of ``event_ids`` known to the version; only those not read before go to ``read``."""
        memo = self._memo(version)
        held = memo.cards
        found = {e: card for e in event_ids if (card := held.get(e)) is not None}
        missing = [] if len(found) == len(event_ids) else [e for e in dict.fromkeys(event_ids) if e not in found]
        if not missing:
            return found
        fetched = read(missing)
        if len(held) + len(missing) > MAX_CARDS:
            held.clear()
            memo.table = CardTable()
        new = [card for card in fetched if card is not None]
        for card in new:
            held[card.event_id] = found[card.event_id] = card
        memo.table.add(new)
        return found

    def table(self, version: str) -> CardTable:
        """The numeric rows of the cards read from ``version`` so far."""
        return self._memo(version).table

    def held_cards(self, version: str | None, event_ids: Sequence[str]) -> dict[str, EventCard]:
        """Cards of ``event_ids`` read before from ``version``, without reading anything (for the fallback)."""
        memo = self._versions.get(version) if version is not None else None
        if memo is None:
            return {}
        held = memo.cards
        return {e: held[e] for e in event_ids if e in held}

    def forget(self) -> None:
        """Drop everything (after a rollback or a re-publish under a reused version id)."""
        with self._lock:
            self._versions.clear()
