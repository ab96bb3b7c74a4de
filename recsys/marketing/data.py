"""The columns the marketer tools work on: users, events and interactions as aligned numpy arrays.

:class:`MarketingData` is built once per request (or cached by a server)
from the stores' bulk exports -- ``users_table()``, ``events_table()`` and
``export_arrays()`` -- and every segment rule, size, preview and audience is
computed on it with vectorised numpy, never a Python loop over users.

Everything is seen *as of* one moment: interactions after it are dropped,
activity windows end at it, and "open" events are those still to come or
running then. Regions are not computed here (the rules live in
``features.regions``, which ``recsys`` may not import): a caller passes a
:class:`RegionScheme`, else users and events have no region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.events import AudienceType, BookingAvailability, CalendarType, EventStatus, WorkflowStatus
from recsys.domain.interactions import InteractionKind
from recsys.domain.users import AgeBand
from recsys.stores.batches import InteractionArrays
from recsys.stores.workspace import Workspace

AGE_BANDS: Final = tuple(AgeBand)
DAY_US: Final = 86_400 * 1_000_000
#: Kinds that show interest in an event (everything but dismissals and impressions).
POSITIVE_KINDS: Final = tuple(
    int(k) for k in InteractionKind if k not in (InteractionKind.DISMISS, InteractionKind.IMPRESSION)
)
#: Kinds that mean the person went: a ticket or a check-in.
ATTENDANCE_KINDS: Final = (int(InteractionKind.TICKET), int(InteractionKind.CHECK_IN))
#: Kinds that count as activity (impressions are what the system did, not the person).
ACTIVITY_KINDS: Final = tuple(int(k) for k in InteractionKind if k is not InteractionKind.IMPRESSION)
_PUBLIC_WORKFLOW: Final = (
    WorkflowStatus.APPROVED.value,
    WorkflowStatus.READY_FOR_VALIDATION.value,
    WorkflowStatus.ACTIVE.value,
)

ObjectArray = npt.NDArray[np.object_]
RegionCodes = Callable[[pa.ChunkedArray, pa.ChunkedArray], npt.NDArray[np.int32]]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RegionScheme:
    """How addresses map to regions.

    Parameters
    ----------
    names : tuple of str
        Region names; a region code is a position in it.
    codes : callable
        ``codes(postcodes, municipalities) -> int32 codes`` (``-1`` unknown),
        e.g. ``features.regions.region_codes`` with ``names=features.regions.REGIONS``.

    """

    names: tuple[str, ...]
    codes: RegionCodes


@dataclass(frozen=True, slots=True, eq=False)
class UserColumns:
    """One entry per user, in the users table's order.

    Parameters
    ----------
    ids : ndarray of str (object)
        Pseudonymous ids.
    age_band : ndarray of int8
        Position in :data:`AGE_BANDS`, ``-1`` unknown.
    municipality : ndarray of str (object)
        Home municipality, trimmed and case-folded (``""`` unknown).
    lat, lon : ndarray of float64
        Home (NaN unknown).
    uitpas, consent : ndarray of bool
        Flags.
    region : ndarray of int32
        Home region code (``-1`` unknown).

    """

    ids: ObjectArray
    age_band: npt.NDArray[np.int8]
    municipality: ObjectArray
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    uitpas: npt.NDArray[np.bool_]
    consent: npt.NDArray[np.bool_]
    region: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.NDArray[np.int64]) -> UserColumns:
        """The users at ``rows``."""
        return UserColumns(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


@dataclass(frozen=True, slots=True, eq=False)
class EventColumns:
    """One entry per event, in the events table's order.

    Parameters
    ----------
    ids : ndarray of str (object)
        Event ids.
    type_id, theme_id, organizer_id, production_id : ndarray of str (object)
        Taxonomy and entity ids (``""`` unknown).
    region : ndarray of int32
        Region code (``-1`` unknown).
    is_open : ndarray of bool
        Open at the data's ``as_of``: publicly visible, for everyone, not
        cancelled, postponed or sold out, and still to come or running.
    organizer_events : ndarray of int64
        How many events of the catalogue the event's organiser has (0 unknown).

    """

    ids: ObjectArray
    type_id: ObjectArray
    theme_id: ObjectArray
    organizer_id: ObjectArray
    production_id: ObjectArray
    region: npt.NDArray[np.int32]
    is_open: npt.NDArray[np.bool_]
    organizer_events: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True, eq=False)
class InteractionColumns:
    """Interactions up to ``as_of`` of users in the users table.

    Parameters
    ----------
    user : ndarray of int64
        Row of the user in :class:`UserColumns`.
    event : ndarray of int64
        Row of the event in :class:`EventColumns` (``-1`` for an event the catalogue lacks).
    kind : ndarray of int8
        :class:`~recsys.domain.interactions.InteractionKind` codes.
    time_us : ndarray of int64
        Microseconds since the epoch, UTC.

    """

    user: npt.NDArray[np.int64]
    event: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]
    time_us: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.kind)

    def select(self, mask: npt.NDArray[np.bool_]) -> InteractionColumns:
        """The interactions where ``mask`` holds."""
        return InteractionColumns(self.user[mask], self.event[mask], self.kind[mask], self.time_us[mask])


@dataclass(frozen=True, eq=False)
class MarketingData:
    """Users, events and interactions as of one moment.

    Parameters
    ----------
    users : UserColumns
    events : EventColumns
    interactions : InteractionColumns
    as_of_us : int
        The moment, in microseconds since the epoch (UTC).
    region_names : tuple of str
        Names of the region codes (empty without a :class:`RegionScheme`).
    origin : ndarray of int64 or None
        For a sample (:meth:`subset`): each user's row in the full data.
    population : int
        Users in the full data (equal to ``len(users)`` unless a sample).

    """

    users: UserColumns
    events: EventColumns
    interactions: InteractionColumns
    as_of_us: int
    region_names: tuple[str, ...] = ()
    origin: npt.NDArray[np.int64] | None = None
    population: int = -1
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.population < 0:
            object.__setattr__(self, "population", len(self.users))

    @property
    def n_users(self) -> int:
        """Users in this data (a sample holds fewer than :attr:`population`)."""
        return len(self.users)

    @property
    def as_of(self) -> dt.datetime:
        """The moment everything is seen at."""
        return dt.datetime.fromtimestamp(self.as_of_us / 1e6, tz=dt.UTC)

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """Compute a per-data value once (per-user aggregates shared by several rules)."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: _T = self._memo[key]
        return value

    def region_name(self, code: int) -> str:
        """The name of a region code (``"unknown"`` for ``-1``)."""
        return self.region_names[code] if 0 <= code < len(self.region_names) else "unknown"

    def subset(self, rows: npt.NDArray[np.int64]) -> MarketingData:
        """The same data restricted to the users at ``rows`` (for estimates from a sample)."""
        rows = np.asarray(rows, dtype=np.int64)
        new_row = np.full(self.n_users, -1, dtype=np.int64)
        new_row[rows] = np.arange(len(rows), dtype=np.int64)
        mapped = new_row[self.interactions.user]
        kept = self.interactions.select(mapped >= 0)
        interactions = replace(kept, user=mapped[mapped >= 0])
        origin = rows if self.origin is None else self.origin[rows]
        return MarketingData(
            users=self.users.take(rows),
            events=self.events,
            interactions=interactions,
            as_of_us=self.as_of_us,
            region_names=self.region_names,
            origin=origin,
            population=self.population,
        )

    @classmethod
    def from_tables(
        cls,
        users_table: pa.Table,
        events_table: pa.Table,
        arrays: InteractionArrays,
        *,
        as_of: dt.datetime | None = None,
        regions: RegionScheme | None = None,
    ) -> MarketingData:
        """Build the data from the stores' exports.

        Parameters
        ----------
        users_table : pyarrow.Table
            ``Catalogue.users_table()`` (``USERS_TABLE_SCHEMA``).
        events_table : pyarrow.Table
            ``Catalogue.events_table()`` (``EVENTS_TABLE_SCHEMA``).
        arrays : InteractionArrays
            ``InteractionLog.export_arrays()``.
        as_of : datetime, optional
            The moment (aware); default now. Later interactions are ignored.
        regions : RegionScheme, optional
            How postcodes and municipalities map to regions.

        """
        as_of = as_of or dt.datetime.now(dt.UTC)
        if as_of.tzinfo is None:
            raise ValueError("as_of must be time-zone aware")
        as_of_us = int((as_of - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1))
        users = _user_columns(users_table, regions)
        events = _event_columns(events_table, regions, as_of_us)
        interactions = _interaction_columns(arrays, users_table.column("user_id"), events_table.column("event_id"))
        interactions = interactions.select(interactions.time_us <= as_of_us)
        return cls(users, events, interactions, as_of_us, regions.names if regions else ())

    @classmethod
    def from_workspace(
        cls, workspace: Workspace, *, as_of: dt.datetime | None = None, regions: RegionScheme | None = None
    ) -> MarketingData:
        """Build the data from a data folder's catalogue and interaction log (see :meth:`from_tables`)."""
        return cls.from_tables(
            workspace.catalogue.users_table(),
            workspace.catalogue.events_table(),
            workspace.interactions.export_arrays(),
            as_of=as_of,
            regions=regions,
        )


def _strings(column: pa.ChunkedArray | pa.Array) -> ObjectArray:
    """A string column as an object array with ``""`` for nulls."""
    filled = pc.fill_null(column, "")
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=object)


def _floats(column: pa.ChunkedArray) -> npt.NDArray[np.float64]:
    return np.asarray(pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)


def _bools(column: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(column, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _no_regions(n: int) -> npt.NDArray[np.int32]:
    return np.full(n, -1, dtype=np.int32)


def _user_columns(table: pa.Table, regions: RegionScheme | None) -> UserColumns:
    bands = pc.index_in(table.column("age_band"), value_set=pa.array([b.value for b in AGE_BANDS]))
    municipality = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(table.column("home_municipality"), "")))
    n = table.num_rows
    region = (
        np.asarray(regions.codes(table.column("home_postcode"), table.column("home_municipality")), dtype=np.int32)
        if regions and n
        else _no_regions(n)
    )
    return UserColumns(
        ids=_strings(table.column("user_id")),
        age_band=np.asarray(pc.fill_null(bands, -1).to_numpy(zero_copy_only=False), dtype=np.int8),
        municipality=_strings(municipality),
        lat=_floats(table.column("lat")),
        lon=_floats(table.column("lon")),
        uitpas=_bools(table.column("uitpas")),
        consent=_bools(table.column("consent")),
        region=region,
    )


def _event_columns(table: pa.Table, regions: RegionScheme | None, as_of_us: int) -> EventColumns:
    n = table.num_rows
    start = np.asarray(pc.fill_null(table.column("start").cast(pa.int64()), -1).to_numpy(zero_copy_only=False))
    end = np.asarray(pc.fill_null(table.column("end").cast(pa.int64()), -1).to_numpy(zero_copy_only=False))
    status = _strings(table.column("status"))
    booking = _strings(table.column("booking"))
    workflow = _strings(table.column("workflow_status"))
    audience = _strings(table.column("audience"))
    calendar = _strings(table.column("calendar_type"))
    upcoming = start > as_of_us
    running = (start >= 0) & (end > as_of_us)
    is_open = (
        (upcoming | running | (calendar == CalendarType.PERMANENT.value))
        & (status == EventStatus.AVAILABLE.value)
        & (booking == BookingAvailability.AVAILABLE.value)
        & np.isin(workflow, _PUBLIC_WORKFLOW)
        & (audience == AudienceType.EVERYONE.value)
    )
    organizer = _strings(table.column("organizer_id"))
    _, inverse, counts = np.unique(organizer.astype(str), return_inverse=True, return_counts=True)
    organizer_events = np.where(organizer != "", counts[inverse], 0).astype(np.int64)
    region = (
        np.asarray(regions.codes(table.column("postcode"), table.column("municipality")), dtype=np.int32)
        if regions and n
        else _no_regions(n)
    )
    return EventColumns(
        ids=_strings(table.column("event_id")),
        type_id=_strings(table.column("type_id")),
        theme_id=_strings(table.column("theme_id")),
        organizer_id=organizer,
        production_id=_strings(table.column("production_id")),
        region=region,
        is_open=np.asarray(is_open, dtype=np.bool_),
        organizer_events=organizer_events,
    )


def _interaction_columns(
    arrays: InteractionArrays, user_ids: pa.ChunkedArray, event_ids: pa.ChunkedArray
) -> InteractionColumns:
    """Re-code the log's user and event codes as rows of the users and events tables."""
    user_row = _rows_of(arrays.user_ids, user_ids)
    event_row = _rows_of(arrays.event_ids, event_ids)
    users = user_row[arrays.user_codes] if len(arrays) else np.empty(0, dtype=np.int64)
    events = event_row[arrays.event_codes] if len(arrays) else np.empty(0, dtype=np.int64)
    known = users >= 0  # interactions of users the catalogue does not hold cannot be in a segment
    return InteractionColumns(
        user=users[known],
        event=events[known],
        kind=np.asarray(arrays.kinds, dtype=np.int8)[known],
        time_us=np.asarray(arrays.timestamps_us, dtype=np.int64)[known],
    )


def _rows_of(vocabulary: ObjectArray, table_ids: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """For each id of a vocabulary, its row in a table (``-1`` when absent)."""
    if len(vocabulary) == 0:
        return np.empty(0, dtype=np.int64)
    found = pc.index_in(pa.array(vocabulary, type=pa.string()), value_set=table_ids.combine_chunks())
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
