"""In-process state that outlives a cache outage: live event cards and recent interactions not yet in the cache.

:class:`LiveEvents` mirrors the cache's live cards (events added or changed
through the API since the last publish). This server writes them, so its copy
is current at once; it is re-read from the cache every few seconds (another
process may publish) and written back when the cache returns empty after a
restart.

:class:`PendingRecent` holds the recent interactions that could not be pushed
to the cache (it was down); they count in the user's next requests as if the
cache held them, and are pushed when it is back.

:class:`PendingDeletions` holds the users deleted while the cache was down:
their cached lists and recent history are removed from it when it is back.
Given a file, it keeps them there too (written atomically on every change),
so a restart before the cache returns still deletes them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from recsys.cache.cards import EventCard
from recsys.cache.protocol import RECENT_CAP, RecentInteraction
from recsys.domain.errors import StoreError

#: Seconds between re-reads of the cache's live cards.
REFRESH_EVERY_S: Final = 5.0


class LiveEvents:
    """Cards of events created or changed through the API since the last publish.

    ``generation`` grows with every change, so what was derived from the cards can tell it is stale.
    """

    def __init__(self) -> None:
        self._cards: dict[str, EventCard] = {}
        self._lock = threading.Lock()
        self._refreshed = 0.0
        self.generation = 0

    def __len__(self) -> int:
        return len(self._cards)

    def put(self, cards: Iterable[EventCard]) -> None:
        """Add or replace cards."""
        with self._lock:
            for card in cards:
                self._cards[card.event_id] = card
            self.generation += 1

    def replace(self, cards: Iterable[EventCard]) -> None:
        """Take the cache's live cards as the truth (after a refresh)."""
        fresh = {card.event_id: card for card in cards}
        with self._lock:
            self._cards = fresh
            self._refreshed = time.monotonic()
            self.generation += 1

    def due(self) -> bool:
        """True when the copy should be re-read from the cache."""
        return time.monotonic() - self._refreshed >= REFRESH_EVERY_S

    def cards(self) -> list[EventCard]:
        """Every live card."""
        with self._lock:
            return list(self._cards.values())

    def get(self, event_id: str) -> EventCard | None:
        """One live card, or ``None``."""
        return self._cards.get(event_id)

    def clear(self) -> None:
        """Forget every card (after a publish that includes them)."""
        with self._lock:
            self._cards = {}
            self.generation += 1


class PendingRecent:
    """Recent interactions the cache has not received yet, per user, newest first."""

    def __init__(self) -> None:
        self._entries: dict[str, list[RecentInteraction]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, user_id: str, entries: Sequence[RecentInteraction]) -> None:
        """Keep entries for ``user_id`` (capped like the cache's recent list)."""
        with self._lock:
            held = self._entries.get(user_id, [])
            merged = sorted([*entries, *held], key=lambda e: -e.timestamp_us)[:RECENT_CAP]
            self._entries[user_id] = merged

    def of(self, user_id: str) -> list[RecentInteraction]:
        """The user's pending entries, newest first."""
        return list(self._entries.get(user_id, ()))

    def take_all(self) -> dict[str, list[RecentInteraction]]:
        """Remove and return everything (to push it to the cache)."""
        with self._lock:
            taken, self._entries = self._entries, {}
            return taken

    def forget(self, user_id: str) -> None:
        """Drop a user's entries."""
        with self._lock:
            self._entries.pop(user_id, None)


class PendingDeletions:
    """Users whose cached lists and recent history the cache still holds (it was down when they were deleted)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._users: set[str] = set()
        if path is not None and path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StoreError(f"{path}: cannot read the pending cache deletions ({exc})") from exc
            if not isinstance(stored, list) or not all(isinstance(u, str) for u in stored):
                raise StoreError(f"{path}: expected a JSON list of user ids")
            self._users = set(stored)

    def __len__(self) -> int:
        return len(self._users)

    def __contains__(self, user_id: object) -> bool:
        return bool(self._users) and user_id in self._users

    def add(self, user_id: str) -> None:
        """Remember that the cache's copy of ``user_id`` is still to be deleted."""
        with self._lock:
            if user_id not in self._users:
                self._users.add(user_id)
                self._save()

    def discard(self, user_id: str) -> None:
        """Forget ``user_id``: the cache's copy is gone."""
        with self._lock:
            if user_id in self._users:
                self._users.discard(user_id)
                self._save()

    def _save(self) -> None:
        # The ids wait here only until the cache is back; with none left the file goes.
        if self.path is None:
            return
        if not self._users:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_suffix(".tmp")
        # Raw ids (the cache's keys need them), unlike the hashed forgotten-users file: readable by the owner only.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as handle:
            json.dump(sorted(self._users), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def users(self) -> list[str]:
        """Every waiting user (each stays until :meth:`discard`: until then their cached copy is not read)."""
        with self._lock:
            return sorted(self._users)


def merge_recent(*lists: Sequence[RecentInteraction]) -> list[RecentInteraction]:
    """Several recent lists as one, newest first, without repeated entries."""
    seen: set[tuple[str, str, int]] = set()
    merged: list[RecentInteraction] = []
    for entry in sorted((e for part in lists for e in part), key=lambda e: -e.timestamp_us):
        key = (entry.event_id, entry.kind, entry.timestamp_us)
        if key not in seen:
            seen.add(key)
            merged.append(entry)
    return merged[:RECENT_CAP]
