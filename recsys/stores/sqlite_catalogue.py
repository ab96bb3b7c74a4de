"""The embedded durable catalogue: one SQLite file in WAL mode.

Each entity kind has one table holding the canonical JSON document of every
record (:mod:`recsys.domain.codec`) plus the flat columns worth indexing or
exporting (:func:`~recsys.stores.batches.event_row`), so
:meth:`SqliteCatalogue.events_table` never parses JSON. WAL mode lets readers
in other processes keep reading while one writer writes; ``synchronous=FULL``
makes every committed ``put_*`` call survive a power cut, not only a crash.

The layout has a version (``PRAGMA user_version``). Opening a file of an
older layout upgrades it in one transaction: version 1 lacked the events'
per-language text columns, which are added and filled from the stored
documents.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

import pyarrow as pa

from recsys.domain import codec
from recsys.domain.errors import InvalidFieldError, StoreError
from recsys.domain.events import Event, Organizer, Place
from recsys.domain.users import User
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, USERS_TABLE_SCHEMA, FlatRow, event_row, flat_table, user_row
from recsys.stores.protocols import WriteResult

_T = TypeVar("_T")

#: Version of the table layout, kept in ``PRAGMA user_version`` (2: the events' per-language texts).
SCHEMA_VERSION: Final = 2
_PAGE: Final = 512  # rows per read while iterating; no read transaction spans a yield


def _place_row(place: Place) -> FlatRow:
    address, geo = place.address, place.geo
    return (
        place.id,
        address.municipality if address and address.municipality else None,
        address.postcode if address and address.postcode else None,
        geo.lat if geo else None,
        geo.lon if geo else None,
        place.type_id,
    )


def _organizer_row(organizer: Organizer) -> FlatRow:
    return (organizer.id,)


class _Kind:
    """SQL of one entity table: the id column first, then flat columns, then ``doc``."""

    def __init__(self, table: str, columns: Sequence[tuple[str, str]], indexes: Sequence[str] = ()) -> None:
        self.table = table
        self.columns = [name for name, _ in columns]
        self.key = self.columns[0]
        names = [*self.columns, "doc"]
        quoted = ", ".join(f'"{c}"' for c in names)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in names[1:])
        definitions = [f'"{self.key}" TEXT PRIMARY KEY NOT NULL']
        definitions += [f'"{name}" {sql_type}' for name, sql_type in columns[1:]]
        definitions.append('"doc" TEXT NOT NULL')
        self.create = [f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(definitions)})"]
        self.create += [f'CREATE INDEX IF NOT EXISTS {table}_{c} ON {table} ("{c}")' for c in indexes]
        # The WHERE clause skips identical documents, so total_changes counts real writes only.
        self.upsert = (
            f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' for _ in names)}) "
            f'ON CONFLICT ("{self.key}") DO UPDATE SET {updates} WHERE {table}.doc IS NOT excluded.doc'
        )
        self.get = f'SELECT doc FROM {table} WHERE "{self.key}" = ?'
        assignments = ", ".join(f'"{c}" = ?' for c in self.columns[1:])
        self.refill = f'UPDATE {table} SET {assignments} WHERE "{self.key}" = ?'
        self.first_page = f'SELECT "{self.key}", doc FROM {table} ORDER BY "{self.key}" LIMIT {_PAGE}'
        self.page = f'SELECT "{self.key}", doc FROM {table} WHERE "{self.key}" > ? ORDER BY "{self.key}" LIMIT {_PAGE}'
        self.delete = f'DELETE FROM {table} WHERE "{self.key}" = ?'
        self.count = f"SELECT count(*) FROM {table}"
        self.flat = (
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in self.columns)} FROM {table} ORDER BY "{self.key}"'
        )


def _sql_type(field: pa.Field) -> str:
    if pa.types.is_floating(field.type):
        return "REAL"
    if pa.types.is_integer(field.type) or pa.types.is_boolean(field.type) or pa.types.is_timestamp(field.type):
        return "INTEGER"
    return "TEXT"


_EVENTS_COLUMNS: Final = [(f.name, _sql_type(f)) for f in EVENTS_TABLE_SCHEMA]
_EVENTS: Final = _Kind(
    "events",
    _EVENTS_COLUMNS,
    indexes=["start", "end", "municipality", "postcode", "type_id", "organizer_id", "location_id", "production_id"],
)
_PLACES: Final = _Kind(
    "places",
    [
        ("place_id", "TEXT"),
        ("municipality", "TEXT"),
        ("postcode", "TEXT"),
        ("lat", "REAL"),
        ("lon", "REAL"),
        ("type_id", "TEXT"),
    ],
    indexes=["municipality"],
)
_ORGANIZERS: Final = _Kind("organizers", [("organizer_id", "TEXT")])
_USERS: Final = _Kind("users", [(f.name, _sql_type(f)) for f in USERS_TABLE_SCHEMA])
_KINDS: Final = (_EVENTS, _PLACES, _ORGANIZERS, _USERS)


class SqliteCatalogue:
    """A :class:`~recsys.stores.protocols.Catalogue` in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file (``catalogue.sqlite`` in a workspace); created with
        its folder when absent.
    timeout : float
        Seconds to wait for another process's write to finish.

    Raises
    ------
    StoreError
        When the file cannot be opened, is not a catalogue, or was written by
        a newer layout version.

    Notes
    -----
    Every ``put_*`` call is one ``BEGIN IMMEDIATE`` transaction, committed
    before it returns. Any number of processes may open the same file; their
    writes are serialised by SQLite, and their reads never wait for a writer.
    One instance may be shared between threads.

    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the catalogue at {self.path}: {exc}") from exc
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    def _setup(self) -> None:
        with self._errors("open") as conn:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"the catalogue at {self.path} cannot use WAL mode (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the catalogue at {self.path} has layout version {version}; this code reads up to {SCHEMA_VERSION}"
                )
            with self._transaction(conn):
                # Checked again under the write lock: another process may have just created or upgraded it.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"the catalogue at {self.path} has layout version {version}; "
                        f"this code reads up to {SCHEMA_VERSION}"
                    )
                if version == 0:
                    for kind in _KINDS:
                        for statement in kind.create:
                            conn.execute(statement)
                elif version < SCHEMA_VERSION:
                    self._upgrade_events(conn)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _upgrade_events(self, conn: sqlite3.Connection) -> None:
        """Add the event columns an older layout lacks and fill every flat column again from the documents."""
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({_EVENTS.table})")}
        types = dict(_EVENTS_COLUMNS)
        for name in _EVENTS.columns:
            if name not in present:
                conn.execute(f'ALTER TABLE {_EVENTS.table} ADD COLUMN "{name}" {types[name]}')
        # A page at a time, so that a large catalogue is never held in memory at once.
        page = conn.execute(_EVENTS.first_page).fetchall()
        while page:
            rows = [event_row(self._decode(_EVENTS, key, text, codec.event_from_dict)) for key, text in page]
            conn.executemany(_EVENTS.refill, [(*row[1:], row[0]) for row in rows])
            page = conn.execute(_EVENTS.page, (page[-1][0],)).fetchall() if len(page) == _PAGE else []

    # -- plumbing ---------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, action: str) -> Iterator[sqlite3.Connection]:
        """Hold the instance lock and report SQLite failures as :class:`StoreError`."""
        with self._lock:
            if self._conn is None:
                raise StoreError(f"the catalogue at {self.path} is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"catalogue {action} failed at {self.path}: {exc}") from exc

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _put(self, kind: _Kind, rows: list[tuple[object, ...]]) -> WriteResult:
        with self._errors(f"write to {kind.table}") as conn:
            before = conn.total_changes
            with self._transaction(conn):
                conn.executemany(kind.upsert, rows)
            written = conn.total_changes - before
        return WriteResult(written, len(rows) - written)

    def _get(self, kind: _Kind, key: str, decode: Callable[[dict[str, Any]], _T]) -> _T | None:
        with self._errors(f"read from {kind.table}") as conn:
            found = conn.execute(kind.get, (key,)).fetchone()
        return None if found is None else self._decode(kind, key, found[0], decode)

    def _iter(self, kind: _Kind, decode: Callable[[dict[str, Any]], _T]) -> Iterator[_T]:
        last: str | None = None
        while True:
            with self._errors(f"read from {kind.table}") as conn:
                if last is None:
                    page = conn.execute(kind.first_page).fetchall()
                else:
                    page = conn.execute(kind.page, (last,)).fetchall()
            for key, text in page:
                yield self._decode(kind, key, text, decode)
            if len(page) < _PAGE:
                return
            last = page[-1][0]

    def _decode(self, kind: _Kind, key: str, text: str, decode: Callable[[dict[str, Any]], _T]) -> _T:
        try:
            return decode(codec.loads(text))
        except InvalidFieldError as exc:
            raise StoreError(f"stored {kind.table} record {key!r} at {self.path} cannot be read: {exc}") from exc

    def _delete(self, kind: _Kind, key: str) -> bool:
        with self._errors(f"delete from {kind.table}") as conn, self._transaction(conn):
            return conn.execute(kind.delete, (key,)).rowcount > 0

    # -- writes -----------------------------------------------------------------------------------

    def put_events(self, events: Iterable[Event]) -> WriteResult:
        """Insert or replace events in one transaction."""
        return self._put(_EVENTS, [(*event_row(e), codec.dumps(codec.event_to_dict(e))) for e in events])

    def put_places(self, places: Iterable[Place]) -> WriteResult:
        """Insert or replace places in one transaction."""
        return self._put(_PLACES, [(*_place_row(p), codec.dumps(codec.place_to_dict(p))) for p in places])

    def put_organizers(self, organizers: Iterable[Organizer]) -> WriteResult:
        """Insert or replace organisers in one transaction."""
        return self._put(
            _ORGANIZERS, [(*_organizer_row(o), codec.dumps(codec.organizer_to_dict(o))) for o in organizers]
        )

    def put_users(self, users: Iterable[User]) -> WriteResult:
        """Insert or replace users in one transaction."""
        return self._put(_USERS, [(*user_row(u), codec.dumps(codec.user_to_dict(u))) for u in users])

    def delete_event(self, event_id: str) -> bool:
        """Remove an event; True when it existed."""
        return self._delete(_EVENTS, event_id)

    def delete_user(self, user_id: str) -> bool:
        """Remove a user; True when it existed."""
        return self._delete(_USERS, user_id)

    # -- reads ------------------------------------------------------------------------------------

    def get_event(self, event_id: str) -> Event | None:
        """Return one event or ``None``."""
        return self._get(_EVENTS, event_id, codec.event_from_dict)

    def get_place(self, place_id: str) -> Place | None:
        """Return one place or ``None``."""
        return self._get(_PLACES, place_id, codec.place_from_dict)

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        """Return one organiser or ``None``."""
        return self._get(_ORGANIZERS, organizer_id, codec.organizer_from_dict)

    def get_user(self, user_id: str) -> User | None:
        """Return one user or ``None``."""
        return self._get(_USERS, user_id, codec.user_from_dict)

    def iter_events(self) -> Iterator[Event]:
        """Iterate over all events in id order, reading a page at a time."""
        return self._iter(_EVENTS, codec.event_from_dict)

    def iter_places(self) -> Iterator[Place]:
        """Iterate over all places in id order."""
        return self._iter(_PLACES, codec.place_from_dict)

    def iter_organizers(self) -> Iterator[Organizer]:
        """Iterate over all organisers in id order."""
        return self._iter(_ORGANIZERS, codec.organizer_from_dict)

    def iter_users(self) -> Iterator[User]:
        """Iterate over all users in id order."""
        return self._iter(_USERS, codec.user_from_dict)

    def counts(self) -> dict[str, int]:
        """Number of ``events``, ``places``, ``organizers`` and ``users`` (one consistent snapshot)."""
        with self._errors("count") as conn:
            conn.execute("BEGIN")
            try:
                return {kind.table: int(conn.execute(kind.count).fetchone()[0]) for kind in _KINDS}
            finally:
                conn.execute("COMMIT")

    def events_table(self) -> pa.Table:
        """One row per event in id order, from the flat columns (no JSON is parsed)."""
        with self._errors("export of events") as conn:
            rows = conn.execute(_EVENTS.flat).fetchall()
        return flat_table(EVENTS_TABLE_SCHEMA, rows)

    def users_table(self) -> pa.Table:
        """One row per user in id order, from the flat columns."""
        with self._errors("export of users") as conn:
            rows = conn.execute(_USERS.flat).fetchall()
        return flat_table(USERS_TABLE_SCHEMA, rows)

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; later calls raise :class:`StoreError`. Safe to call twice."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SqliteCatalogue:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
