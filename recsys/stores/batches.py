"""Columnar forms the stores exchange: interaction batches, training arrays, flat entity tables.

Bulk data never becomes one Python object per row: interactions travel as
Arrow tables with :data:`~recsys.domain.interactions.INTERACTION_SCHEMA`,
training reads :class:`InteractionArrays`, and feature building reads the flat
tables described by :data:`EVENTS_TABLE_SCHEMA` and :data:`USERS_TABLE_SCHEMA`.
The functions here are shared by every backend so that all of them agree on
these forms to the last column.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.errors import InvalidFieldError, StoreError
from recsys.domain.events import Event
from recsys.domain.interactions import INTERACTION_SCHEMA, Interaction, InteractionKind
from recsys.domain.users import User

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND: Final = dt.timedelta(microseconds=1)
_TIMESTAMP: Final = pa.timestamp("us", tz="UTC")
# Fixed seeds: the hashes are stored in index files, so they must not vary per process.
_HASH_SEED: Final = 0x5EED_0001
_PARALLEL_SORT_ROWS: Final = 1 << 16  # below this, handing the array to polars costs more than it saves

#: Languages of which the events table carries every event's name and description (``name_nl``, ...).
TRANSLATION_LANGUAGES: Final = ("nl", "fr", "en")
#: The per-language text columns: every name, then every description, in :data:`TRANSLATION_LANGUAGES` order.
TRANSLATION_COLUMNS: Final = tuple(
    f"{part}_{lang}" for part in ("name", "description") for lang in TRANSLATION_LANGUAGES
)

#: One row per event, for feature building. Enum columns hold the enum values. ``name`` and
#: ``description`` are the texts to show (main language); ``name_nl``... ``description_en`` hold the
#: event's own text in each language (null where it has none), so that content features see translations.
EVENTS_TABLE_SCHEMA: Final = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("type_id", pa.string()),
        pa.field("theme_id", pa.string()),
        pa.field("organizer_id", pa.string()),
        pa.field("location_id", pa.string()),
        pa.field("production_id", pa.string()),
        pa.field("municipality", pa.string()),
        pa.field("postcode", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("start", _TIMESTAMP),
        pa.field("end", _TIMESTAMP),
        pa.field("calendar_type", pa.string(), nullable=False),
        pa.field("base_price", pa.float64()),
        pa.field("is_free", pa.bool_()),
        pa.field("min_age", pa.int32()),
        pa.field("max_age", pa.int32()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("booking", pa.string(), nullable=False),
        pa.field("workflow_status", pa.string(), nullable=False),
        pa.field("audience", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("main_language", pa.string(), nullable=False),
        *(pa.field(name, pa.string()) for name in TRANSLATION_COLUMNS),
    ]
)

#: One row per user, for feature building.
USERS_TABLE_SCHEMA: Final = pa.schema(
    [
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("home_municipality", pa.string()),
        pa.field("home_postcode", pa.string()),
        pa.field("age_band", pa.string()),
        pa.field("uitpas", pa.bool_(), nullable=False),
        pa.field("consent", pa.bool_(), nullable=False),
    ]
)

#: A flat row: the values of one entity in the column order of its table schema.
FlatRow = tuple[object, ...]


# -- interactions ---------------------------------------------------------------------------------


def to_microseconds(value: dt.datetime) -> int:
    """Return an aware datetime as whole microseconds since the Unix epoch (UTC), exactly."""
    return (value - _EPOCH) // _MICROSECOND


def table_from_interactions(items: Iterable[Interaction]) -> pa.Table:
    """Build an interaction batch from interaction objects (the single-object path).

    Parameters
    ----------
    items : iterable of Interaction
        Validated interactions.

    Returns
    -------
    pyarrow.Table
        A table with :data:`~recsys.domain.interactions.INTERACTION_SCHEMA`;
        ``context`` holds canonical JSON, or null when empty.

    """
    rows = list(items)
    arrays = [
        pa.array([i.interaction_id for i in rows], pa.string()),
        pa.array([i.user_id for i in rows], pa.string()),
        pa.array([i.event_id for i in rows], pa.string()),
        pa.array([int(i.kind) for i in rows], pa.int8()),
        pa.array([to_microseconds(i.timestamp) for i in rows], pa.int64()).cast(_TIMESTAMP),
        pa.array([i.value for i in rows], pa.float32()),
        pa.array([i.placement for i in rows], pa.string()),
        pa.array(
            [json.dumps(dict(i.context), sort_keys=True, separators=(",", ":")) if i.context else None for i in rows],
            pa.string(),
        ),
    ]
    return pa.Table.from_arrays(arrays, schema=INTERACTION_SCHEMA)


def interactions_from_table(table: pa.Table) -> Iterator[Interaction]:
    """Yield interaction objects from a batch (the inverse of :func:`table_from_interactions`).

    Meant for small tables (tests, inspection): it makes one object per row.
    """
    for row in table.to_pylist():
        yield Interaction(
            interaction_id=row["interaction_id"],
            user_id=row["user_id"],
            event_id=row["event_id"],
            kind=InteractionKind(row["kind"]),
            timestamp=row["timestamp"],
            value=row["value"],
            placement=row["placement"],
            context=json.loads(row["context"]) if row["context"] else {},
        )


def validate_batch(batch: pa.Table | pa.RecordBatch) -> pa.Table:
    """Check that a batch has exactly the interaction schema and no nulls where none are allowed.

    Parameters
    ----------
    batch : pyarrow.Table or pyarrow.RecordBatch
        The candidate batch.

    Returns
    -------
    pyarrow.Table
        The batch as a table (schema metadata dropped).

    Raises
    ------
    StoreError
        Naming every column that differs from the schema, or that holds nulls
        where the schema forbids them.

    """
    if isinstance(batch, pa.RecordBatch):
        batch = pa.Table.from_batches([batch])
    if not isinstance(batch, pa.Table):
        raise StoreError(f"an interaction batch must be a pyarrow Table, got {type(batch).__name__}")
    if not batch.schema.equals(INTERACTION_SCHEMA, check_metadata=False):
        raise StoreError(f"interaction batch does not match INTERACTION_SCHEMA: {_schema_difference(batch.schema)}")
    for field in INTERACTION_SCHEMA:
        if not field.nullable and batch.column(field.name).null_count:
            raise StoreError(f"interaction batch column {field.name!r} holds nulls; the schema forbids them")
    return batch.replace_schema_metadata(None)


def _schema_difference(schema: pa.Schema) -> str:
    expected = {f.name: f for f in INTERACTION_SCHEMA}
    problems = [f"missing column {name!r}" for name in expected if name not in schema.names]
    problems += [f"unexpected column {name!r}" for name in schema.names if name not in expected]
    for field in schema:
        want = expected.get(field.name)
        if want is None:
            continue
        if not field.type.equals(want.type):
            problems.append(f"column {field.name!r} has type {field.type}, expected {want.type}")
        elif field.nullable != want.nullable:
            problems.append(
                f"column {field.name!r} is {'nullable' if field.nullable else 'not nullable'}, expected "
                f"{'nullable' if want.nullable else 'not nullable'}"
            )
    if not problems and schema.names != INTERACTION_SCHEMA.names:
        problems.append(f"columns are in the order {schema.names}, expected {INTERACTION_SCHEMA.names}")
    return "; ".join(problems) or "schemas differ"


def select_columns(table: pa.Table, columns: list[str] | None) -> pa.Table:
    """Return ``table`` restricted to ``columns`` (all when ``None``), refusing unknown names.

    Raises
    ------
    InvalidFieldError
        When a name is not a column of the interaction schema.

    """
    if columns is None:
        return table
    unknown = [c for c in columns if c not in INTERACTION_SCHEMA.names]
    if unknown:
        raise InvalidFieldError(
            "columns", f"unknown interaction columns {unknown}; expected some of {INTERACTION_SCHEMA.names}"
        )
    return table.select(columns)


def hash_ids(ids: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """Return a 64-bit hash of every id string (polars' hash, with fixed seeds).

    The hash is stable within one polars build only; callers that store
    hashes must record :func:`hash_stamp` beside them.
    """
    if len(ids) == 0:
        return np.empty(0, dtype=np.uint64)
    series = pl.from_arrow(ids)
    assert isinstance(series, pl.Series)
    hashed = series.hash(seed=_HASH_SEED).to_numpy()
    return np.asarray(hashed, dtype=np.uint64)


def hash_stamp() -> str:
    """Return a short text that changes whenever :func:`hash_ids` would give other values.

    It joins the polars version with a fingerprint of the hashes of a few
    fixed strings, so a different build or CPU path is noticed too.
    """
    probe = pa.array(["", "a", "interaction-0001", "ü-é", "x" * 100], pa.string())
    fingerprint = np.bitwise_xor.reduce(hash_ids(probe) * np.arange(1, 6, dtype=np.uint64))
    return f"pl{pl.__version__}-{int(fingerprint):016x}"


def hash_order(hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Return the permutation that sorts ``hashes`` (polars' parallel sort; ties in any order)."""
    if len(hashes) < _PARALLEL_SORT_ROWS:
        return np.argsort(hashes, kind="stable").astype(np.int64, copy=False)
    return np.asarray(pl.Series(hashes, dtype=pl.UInt64).arg_sort().to_numpy(), dtype=np.int64)


def first_occurrence_mask(
    ids: pa.Array | pa.ChunkedArray,
    hashes: npt.NDArray[np.uint64] | None = None,
    order: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Mark the first row of every distinct id; later repeats are False.

    Exact: equal hashes are confirmed by comparing the strings, so a hash
    collision never hides a distinct id.

    Parameters
    ----------
    ids : pyarrow.Array or pyarrow.ChunkedArray
        String ids, no nulls.
    hashes : numpy.ndarray of uint64, optional
        ``hash_ids(ids)`` when the caller has it already.
    order : numpy.ndarray of int64, optional
        ``hash_order(hashes)`` (any permutation that sorts ``hashes``) when
        the caller has it already.

    Returns
    -------
    numpy.ndarray of bool
        True for rows to keep.

    """
    if hashes is None:
        hashes = hash_ids(ids)
    n = len(hashes)
    keep = np.ones(n, dtype=np.bool_)
    if n < 2:
        return keep
    if order is None:
        order = hash_order(hashes)
    sorted_hashes = hashes[order]
    repeat_pos = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1]) + 1
    if len(repeat_pos) == 0:
        return keep  # the common case: no two rows share a hash
    is_start = np.ones(n, dtype=np.bool_)
    is_start[repeat_pos] = False
    run_start = np.maximum.accumulate(np.where(is_start, np.arange(n), 0))
    # Every position of every run of equal hashes, and the earliest row of each run.
    positions = np.union1d(run_start[repeat_pos], repeat_pos)
    run_of = np.cumsum(is_start[positions]) - 1
    rows = order[positions]
    earliest = np.minimum.reduceat(rows, np.flatnonzero(is_start[positions]))[run_of]
    later = rows != earliest
    rows, earliest, run_of = rows[later], earliest[later], run_of[later]
    same = pc.equal(ids.take(pa.array(rows)), ids.take(pa.array(earliest)))
    same_np = np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False), dtype=np.bool_)
    keep[rows[same_np]] = False
    # A run holding different strings is a real hash collision: settle it row by row.
    run_starts = positions[is_start[positions]]
    for run in np.unique(run_of[~same_np]):
        start = run_starts[run]
        stop = start + 1
        while stop < n and not is_start[stop]:
            stop += 1
        seen: set[str] = set()
        for row in np.sort(order[start:stop]):
            value = ids[int(row)].as_py()
            keep[row] = value not in seen
            seen.add(value)
    return keep


# -- training arrays ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class InteractionArrays:
    """Interactions as numpy arrays, ready for training.

    Row ``i`` of every array describes one interaction, in append order.
    ``user_ids[user_codes[i]]`` is the user's external id; the vocabularies
    are sorted, so the codes do not depend on the order data arrived in.

    Parameters
    ----------
    user_codes, event_codes : numpy.ndarray of int32
        Positions in ``user_ids`` and ``event_ids``.
    kinds : numpy.ndarray of int8
        :class:`~recsys.domain.interactions.InteractionKind` codes.
    timestamps_us : numpy.ndarray of int64
        Microseconds since the Unix epoch, UTC.
    values : numpy.ndarray of float32
        Kind-specific values (NaN for most kinds).
    user_ids, event_ids : numpy.ndarray of str (object)
        The sorted id vocabularies.

    """

    user_codes: npt.NDArray[np.int32]
    event_codes: npt.NDArray[np.int32]
    kinds: npt.NDArray[np.int8]
    timestamps_us: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    user_ids: npt.NDArray[np.object_]
    event_ids: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.kinds)


#: The log columns :func:`arrays_from_table` reads.
ARRAY_COLUMNS: Final = ["user_id", "event_id", "kind", "timestamp", "value"]


def arrays_from_table(table: pa.Table) -> InteractionArrays:
    """Turn an interaction table (at least :data:`ARRAY_COLUMNS`) into training arrays.

    Parameters
    ----------
    table : pyarrow.Table
        Interactions, typically the output of ``export(ARRAY_COLUMNS)``.

    Returns
    -------
    InteractionArrays
        Codes against sorted vocabularies, plus the numeric columns.

    """
    user_codes, user_ids = _encode(table.column("user_id"))
    event_codes, event_ids = _encode(table.column("event_id"))
    timestamps = table.column("timestamp")
    return InteractionArrays(
        user_codes=user_codes,
        event_codes=event_codes,
        kinds=np.asarray(_numpy(table.column("kind")), dtype=np.int8),
        timestamps_us=np.asarray(_numpy(pc.cast(timestamps, pa.int64())), dtype=np.int64),
        values=np.asarray(_numpy(table.column("value")), dtype=np.float32),
        user_ids=user_ids,
        event_ids=event_ids,
    )


def _numpy(column: pa.ChunkedArray) -> npt.NDArray[np.generic]:
    if column.num_chunks == 1:
        return np.asarray(column.chunk(0).to_numpy(zero_copy_only=False))
    return np.asarray(column.to_numpy())


def _encode(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]:
    """Dictionary-encode a string column against its sorted distinct values."""
    if len(column) == 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=object)
    encoded = pc.dictionary_encode(column)
    chunks = [c for c in encoded.chunks if len(c)]
    dictionary = chunks[0].dictionary
    if any(c.dictionary is not dictionary and not c.dictionary.equals(dictionary) for c in chunks[1:]):
        encoded = pa.chunked_array(chunks).unify_dictionaries()
        chunks, dictionary = list(encoded.chunks), encoded.chunks[0].dictionary
    codes = np.concatenate([c.indices.to_numpy() for c in chunks]).astype(np.int32, copy=False)
    order = np.asarray(pc.array_sort_indices(dictionary).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    vocabulary = np.asarray(dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False), dtype=object)
    return rank[codes], vocabulary


# -- flat entity tables ---------------------------------------------------------------------------


def event_row(event: Event) -> FlatRow:
    """Return the flat values of one event, in :data:`EVENTS_TABLE_SCHEMA` column order.

    Timestamps are whole microseconds since the epoch (UTC) and booleans are
    Python booleans, so the row can be stored in SQL columns as it is.
    """
    calendar, location, geo = event.calendar, event.location, event.geo
    base_price = event.price.base_price
    age = event.age_range
    return (
        event.id,
        event.type_id,
        event.theme_id,
        event.organizer.id if event.organizer else None,
        location.id if location else None,
        event.production_id,
        event.municipality,
        event.postcode,
        geo.lat if geo else None,
        geo.lon if geo else None,
        None if calendar.start is None else to_microseconds(calendar.start),
        None if calendar.end is None else to_microseconds(calendar.end),
        calendar.type.value,
        base_price,
        None if base_price is None else base_price == 0.0,
        age.min if age else None,
        age.max if age else None,
        event.status.value,
        event.booking.value,
        event.workflow_status.value,
        event.audience.value,
        event.name.get() or None,
        event.description.get(event.main_language) or None,
        event.main_language,
        *(event.name.texts.get(lang) or None for lang in TRANSLATION_LANGUAGES),
        *(event.description.texts.get(lang) or None for lang in TRANSLATION_LANGUAGES),
    )


def user_row(user: User) -> FlatRow:
    """Return the flat values of one user, in :data:`USERS_TABLE_SCHEMA` column order."""
    return (
        user.id,
        user.home.lat if user.home else None,
        user.home.lon if user.home else None,
        user.home_municipality,
        user.home_postcode,
        user.age_band.value if user.age_band else None,
        user.uitpas,
        user.consent,
    )


def flat_table(schema: pa.Schema, rows: Sequence[Sequence[object]]) -> pa.Table:
    """Build a flat table from rows made by :func:`event_row` or :func:`user_row`.

    Also accepts the same rows read back from SQL, where booleans are 0/1.
    """
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for field, values in zip(schema, columns, strict=True):
        if pa.types.is_timestamp(field.type):
            arrays.append(pa.array(values, pa.int64()).cast(field.type))
        elif pa.types.is_boolean(field.type):
            arrays.append(pa.array([None if v is None else bool(v) for v in values], pa.bool_()))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
