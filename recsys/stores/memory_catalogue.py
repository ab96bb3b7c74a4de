"""An in-process catalogue for tests and ephemeral use; nothing survives the process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import pyarrow as pa

from recsys.domain import codec
from recsys.domain.events import Event, Organizer, Place
from recsys.domain.users import User
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, USERS_TABLE_SCHEMA, event_row, flat_table, user_row
from recsys.stores.protocols import WriteResult

_E = TypeVar("_E", Event, Place, Organizer, User)


class _Table(Generic[_E]):
    """Records of one kind, kept with their canonical JSON to recognise unchanged upserts."""

    def __init__(self, encode: Callable[[_E], dict[str, Any]]) -> None:
        self._encode: Callable[[_E], dict[str, Any]] = encode
        self.records: dict[str, tuple[str, _E]] = {}

    def put(self, items: Iterable[_E]) -> WriteResult:
        # Encode everything first: a bad record fails the call before anything changes.
        staged = [(item.id, codec.dumps(self._encode(item)), item) for item in items]
        written = unchanged = 0
        for key, text, item in staged:
            old = self.records.get(key)
            if old is not None and old[0] == text:
                unchanged += 1
            else:
                self.records[key] = (text, item)
                written += 1
        return WriteResult(written, unchanged)

    def get(self, key: str) -> _E | None:
        found = self.records.get(key)
        return None if found is None else found[1]

    def ordered(self) -> list[_E]:
        return [self.records[key][1] for key in sorted(self.records)]


class MemoryCatalogue:
    """A :class:`~recsys.stores.protocols.Catalogue` held in dictionaries.

    Behaves like the durable backends (upserts, unchanged records counted
    apart, atomic calls) but keeps nothing after the process ends. Safe to
    share between threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: _Table[Event] = _Table(codec.event_to_dict)
        self._places: _Table[Place] = _Table(codec.place_to_dict)
        self._organizers: _Table[Organizer] = _Table(codec.organizer_to_dict)
        self._users: _Table[User] = _Table(codec.user_to_dict)

    # -- writes -----------------------------------------------------------------------------------

    def put_events(self, events: Iterable[Event]) -> WriteResult:
        """Insert or replace events."""
        with self._lock:
            return self._events.put(events)

    def put_places(self, places: Iterable[Place]) -> WriteResult:
        """Insert or replace places."""
        with self._lock:
            return self._places.put(places)

    def put_organizers(self, organizers: Iterable[Organizer]) -> WriteResult:
        """Insert or replace organisers."""
        with self._lock:
            return self._organizers.put(organizers)

    def put_users(self, users: Iterable[User]) -> WriteResult:
        """Insert or replace users."""
        with self._lock:
            return self._users.put(users)

    def delete_event(self, event_id: str) -> bool:
        """Remove an event; True when it existed."""
        with self._lock:
            return self._events.records.pop(event_id, None) is not None

    def delete_user(self, user_id: str) -> bool:
        """Remove a user; True when it existed."""
        with self._lock:
            return self._users.records.pop(user_id, None) is not None

    # -- reads ------------------------------------------------------------------------------------

    def get_event(self, event_id: str) -> Event | None:
        """Return one event or ``None``."""
        return self._events.get(event_id)

    def get_place(self, place_id: str) -> Place | None:
        """Return one place or ``None``."""
        return self._places.get(place_id)

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        """Return one organiser or ``None``."""
        return self._organizers.get(organizer_id)

    def get_user(self, user_id: str) -> User | None:
        """Return one user or ``None``."""
        return self._users.get(user_id)

    def iter_events(self) -> Iterator[Event]:
        """Iterate over all events in id order (a snapshot taken at the call)."""
        with self._lock:
            return iter(self._events.ordered())

    def iter_places(self) -> Iterator[Place]:
        """Iterate over all places in id order."""
        with self._lock:
            return iter(self._places.ordered())

    def iter_organizers(self) -> Iterator[Organizer]:
        """Iterate over all organisers in id order."""
        with self._lock:
            return iter(self._organizers.ordered())

    def iter_users(self) -> Iterator[User]:
        """Iterate over all users in id order."""
        with self._lock:
            return iter(self._users.ordered())

    def counts(self) -> dict[str, int]:
        """Number of ``events``, ``places``, ``organizers`` and ``users``."""
        with self._lock:
            return {
                "events": len(self._events.records),
                "places": len(self._places.records),
                "organizers": len(self._organizers.records),
                "users": len(self._users.records),
            }

    def events_table(self) -> pa.Table:
        """One row per event in id order, with :data:`~recsys.stores.batches.EVENTS_TABLE_SCHEMA`."""
        with self._lock:
            rows = [event_row(e) for e in self._events.ordered()]
        return flat_table(EVENTS_TABLE_SCHEMA, rows)

    def users_table(self) -> pa.Table:
        """One row per user in id order, with :data:`~recsys.stores.batches.USERS_TABLE_SCHEMA`."""
        with self._lock:
            rows = [user_row(u) for u in self._users.ordered()]
        return flat_table(USERS_TABLE_SCHEMA, rows)

    def close(self) -> None:
        """Nothing to release; kept for the protocol."""
