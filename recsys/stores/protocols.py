"""The two store contracts: a catalogue of entities and an append-only interaction log.

Every backend implements these and passes the same contract test suite
(``tests/stores/test_catalogue_contract.py``, ``tests/stores/test_interaction_log_contract.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pyarrow as pa

from recsys.domain.events import Event, Organizer, Place
from recsys.domain.users import User
from recsys.stores.batches import InteractionArrays


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did.

    Parameters
    ----------
    written : int
        Records newly stored (or replaced, for upserts that changed something).
    unchanged : int
        Records that were already stored exactly so (repeated idempotency
        ids, identical upserts).
    new_rows : tuple of int
        Interaction log appends only: the positions in the batch of the
        records newly stored, in batch order (what follows from a record,
        such as an experiment's outcome, follows once, even across
        restarts). Not compared: two results are equal when their counts are.

    """

    written: int
    unchanged: int = 0
    new_rows: tuple[int, ...] = field(default=(), compare=False)


@runtime_checkable
class Catalogue(Protocol):
    """Events, places, organisers and users, keyed by id.

    Writes are upserts; each call is atomic (all records or none) and durable
    when it returns.
    """

    def put_events(self, events: Iterable[Event]) -> WriteResult:
        """Insert or replace events."""
        ...

    def put_places(self, places: Iterable[Place]) -> WriteResult:
        """Insert or replace places."""
        ...

    def put_organizers(self, organizers: Iterable[Organizer]) -> WriteResult:
        """Insert or replace organisers."""
        ...

    def put_users(self, users: Iterable[User]) -> WriteResult:
        """Insert or replace users."""
        ...

    def get_event(self, event_id: str) -> Event | None:
        """Return one event or ``None``."""
        ...

    def get_place(self, place_id: str) -> Place | None:
        """Return one place or ``None``."""
        ...

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        """Return one organiser or ``None``."""
        ...

    def get_user(self, user_id: str) -> User | None:
        """Return one user or ``None``."""
        ...

    def iter_events(self) -> Iterator[Event]:
        """Iterate over all events in id order."""
        ...

    def iter_places(self) -> Iterator[Place]:
        """Iterate over all places in id order."""
        ...

    def iter_organizers(self) -> Iterator[Organizer]:
        """Iterate over all organisers in id order."""
        ...

    def iter_users(self) -> Iterator[User]:
        """Iterate over all users in id order."""
        ...

    def delete_event(self, event_id: str) -> bool:
        """Remove an event; True when it existed."""
        ...

    def delete_user(self, user_id: str) -> bool:
        """Remove a user; True when it existed."""
        ...

    def counts(self) -> dict[str, int]:
        """Number of ``events``, ``places``, ``organizers`` and ``users``."""
        ...

    def events_table(self) -> pa.Table:
        """One row per event in id order, with :data:`~recsys.stores.batches.EVENTS_TABLE_SCHEMA`."""
        ...

    def users_table(self) -> pa.Table:
        """One row per user in id order, with :data:`~recsys.stores.batches.USERS_TABLE_SCHEMA`."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


@runtime_checkable
class InteractionLog(Protocol):
    """An append-only log of interactions with idempotent writes.

    ``append`` is atomic and durable when it returns: a batch is stored whole
    or not at all, and survives a killed process. An ``interaction_id`` that
    is already stored (or repeated within the batch) is stored once, and the
    result's ``new_rows`` name the batch rows this call stored. Readers
    may export while a writer appends; they see whole batches only.
    """

    def append(self, batch: pa.Table) -> WriteResult:
        """Append a validated batch with :data:`~recsys.domain.interactions.INTERACTION_SCHEMA`."""
        ...

    def export(self, columns: list[str] | None = None) -> pa.Table:
        """Return a consistent snapshot of every stored interaction, in append order."""
        ...

    def export_arrays(self) -> InteractionArrays:
        """Return the same snapshot as numpy arrays for training (codes against sorted id vocabularies)."""
        ...

    def count(self) -> int:
        """Number of stored interactions."""
        ...

    def delete_user(self, user_id: str) -> int:
        """Remove every interaction of ``user_id`` (right to be forgotten); returns how many."""
        ...

    def close(self) -> None:
        """Release files."""
        ...
