"""Small hand-made worlds for the marketer tools: users, events, interactions and a factor model.

:func:`make_data` goes through the same path as a data folder
(``users_table()`` / ``events_table()`` / ``export_arrays()`` ->
:meth:`MarketingData.from_tables`), so the tests exercise the column
handling too. :func:`make_model` builds a :class:`FactorModel` with chosen
integer factors, so scores are exact in float32.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from recsys.domain.interactions import INTERACTION_SCHEMA
from recsys.marketing.data import MarketingData, RegionScheme
from recsys.marketing.scoring import FactorModel
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, TRANSLATION_COLUMNS, USERS_TABLE_SCHEMA, arrays_from_table

AS_OF = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
AS_OF_US = int(AS_OF.timestamp() * 1_000_000)
DAY_US = 86_400 * 1_000_000
GENT = (51.054, 3.717)
TYPES = ("0.50.4.0.0", "0.55.0.0.0", "0.0.0.0.0")  # concert, theatre, exhibition
THEMES = ("1.8.3.0.0", "1.3.1.0.0")


@dataclass
class UserSpec:
    user_id: str
    age_band: str | None = "26-35"
    municipality: str | None = "Gent"
    postcode: str | None = "9000"
    lat: float | None = GENT[0]
    lon: float | None = GENT[1]
    uitpas: bool = False
    consent: bool = True


@dataclass
class EventSpec:
    event_id: str
    type_id: str | None = TYPES[0]
    theme_id: str | None = None
    organizer_id: str | None = "org-1"
    production_id: str | None = None
    postcode: str | None = "9000"
    municipality: str | None = "Gent"
    start_days: float | None = 10.0  # relative to AS_OF
    end_days: float | None = None
    status: str = "Available"
    workflow: str = "APPROVED"


@dataclass
class InteractionSpec:
    user_id: str
    event_id: str
    kind: int
    days_ago: float
    extra: dict[str, str] = field(default_factory=dict)


def users_table(users: Sequence[UserSpec]) -> pa.Table:
    return pa.table(
        {
            "user_id": [u.user_id for u in users],
            "lat": [u.lat for u in users],
            "lon": [u.lon for u in users],
            "home_municipality": [u.municipality for u in users],
            "home_postcode": [u.postcode for u in users],
            "age_band": [u.age_band for u in users],
            "uitpas": [u.uitpas for u in users],
            "consent": [u.consent for u in users],
        },
        schema=USERS_TABLE_SCHEMA,
    )


def _us(days: float | None) -> int | None:
    return None if days is None else AS_OF_US + int(days * DAY_US)


def events_table(events: Sequence[EventSpec]) -> pa.Table:
    n = len(events)
    starts = [_us(e.start_days) for e in events]
    ends = [_us(e.end_days if e.end_days is not None else e.start_days) for e in events]
    return pa.table(
        {
            "event_id": [e.event_id for e in events],
            "type_id": [e.type_id for e in events],
            "theme_id": [e.theme_id for e in events],
            "organizer_id": [e.organizer_id for e in events],
            "location_id": [None] * n,
            "production_id": [e.production_id for e in events],
            "municipality": [e.municipality for e in events],
            "postcode": [e.postcode for e in events],
            "lat": [GENT[0]] * n,
            "lon": [GENT[1]] * n,
            "start": pa.array(starts, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "end": pa.array(ends, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "calendar_type": ["single"] * n,
            "base_price": [10.0] * n,
            "is_free": [False] * n,
            "min_age": pa.nulls(n, pa.int32()),
            "max_age": pa.nulls(n, pa.int32()),
            "status": [e.status for e in events],
            "booking": ["Available"] * n,
            "workflow_status": [e.workflow for e in events],
            "audience": ["everyone"] * n,
            "name": [e.event_id for e in events],
            "description": [None] * n,
            "main_language": ["nl"] * n,
            **{column: [None] * n for column in TRANSLATION_COLUMNS},
        },
        schema=EVENTS_TABLE_SCHEMA,
    )


def interactions_table(rows: Sequence[InteractionSpec]) -> pa.Table:
    n = len(rows)
    times = [AS_OF_US - int(r.days_ago * DAY_US) for r in rows]
    return pa.Table.from_arrays(
        [
            pa.array([f"i{i}" for i in range(n)], pa.string()),
            pa.array([r.user_id for r in rows], pa.string()),
            pa.array([r.event_id for r in rows], pa.string()),
            pa.array([r.kind for r in rows], pa.int8()),
            pa.array(times, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array([float("nan")] * n, pa.float32()),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )


def _regions(postcodes: pa.ChunkedArray, municipalities: pa.ChunkedArray) -> np.ndarray:
    """A toy region scheme: postcodes 9xxx are 'east', others 'west', missing unknown."""
    values = postcodes.to_pylist()
    return np.asarray([-1 if v is None else (0 if v.startswith("9") else 1) for v in values], dtype=np.int32)


REGIONS = RegionScheme(names=("east", "west"), codes=_regions)


def make_data(
    users: Sequence[UserSpec],
    events: Sequence[EventSpec],
    interactions: Sequence[InteractionSpec] = (),
    as_of: dt.datetime = AS_OF,
) -> MarketingData:
    return MarketingData.from_tables(
        users_table(users),
        events_table(events),
        arrays_from_table(interactions_table(interactions)),
        as_of=as_of,
        regions=REGIONS,
    )


def make_model(
    data: MarketingData,
    user_vectors: dict[str, Sequence[float]],
    event_vectors: dict[str, Sequence[float]],
    *,
    known_events: set[str] | None = None,
    seen: dict[str, list[str]] | None = None,
    name: str = "hybrid",
) -> FactorModel:
    """A factor model over the given users and events (others are unknown to it)."""
    user_ids = list(user_vectors)
    event_ids = list(event_vectors)
    k = len(next(iter(event_vectors.values())))
    users = np.asarray([user_vectors[u] for u in user_ids], dtype=np.float32).reshape(len(user_ids), k)
    items = np.asarray([event_vectors[e] for e in event_ids], dtype=np.float32).reshape(len(event_ids), k)
    known = np.asarray([known_events is None or e in known_events for e in event_ids], dtype=np.bool_)
    position_u = {u: i for i, u in enumerate(user_ids)}
    position_e = {e: i for i, e in enumerate(event_ids)}
    matrix = sp.lil_matrix((len(user_ids), len(event_ids)), dtype=np.float32)
    for user, items_seen in (seen or {}).items():
        for event in items_seen:
            matrix[position_u[user], position_e[event]] = 1.0
    return FactorModel(
        name=name,
        version="test",
        user_factors=users,
        item_factors=items,
        item_known=known,
        user_rows=np.asarray([position_u.get(str(u), -1) for u in data.users.ids], dtype=np.int64),
        event_rows=np.asarray([position_e.get(str(e), -1) for e in data.events.ids], dtype=np.int64),
        seen=sp.csr_matrix(matrix),
    )
