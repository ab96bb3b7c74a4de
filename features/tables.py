"""Reading columns of the flat events table (``EVENTS_TABLE_SCHEMA``) into numpy, nulls made explicit."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.errors import InvalidFieldError

#: Stands for a missing timestamp in int64 microsecond arrays.
MISSING_TIME = -1


def require_columns(table: pa.Table, columns: Iterable[str], what: str = "events") -> None:
    """Raise :class:`InvalidFieldError` naming ``what`` when ``table`` lacks any of ``columns``."""
    if not isinstance(table, pa.Table):
        raise InvalidFieldError(what, f"expected a pyarrow Table, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InvalidFieldError(what, f"the table lacks the column(s) {missing}")


def municipality_keys(table: pa.Table) -> pa.ChunkedArray:
    """The ``municipality`` column trimmed and lower-cased, so that "Sint-Niklaas" and "SINT-NIKLAAS" are one place.

    An empty name becomes null (no municipality).
    """
    keys = pc.utf8_lower(pc.utf8_trim_whitespace(table.column("municipality")))
    return pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.string()), keys)


def float_column(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    """A numeric or boolean column as float64, NaN for nulls."""
    column = table.column(name)
    if pa.types.is_boolean(column.type):
        column = pc.cast(column, pa.float64())
    values = pc.fill_null(pc.cast(column, pa.float64()), float("nan"))
    return np.asarray(values.to_numpy(), dtype=np.float64)


def time_column(table: pa.Table, name: str) -> npt.NDArray[np.int64]:
    """A timestamp column as int64 microseconds since the epoch, :data:`MISSING_TIME` for nulls."""
    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        column = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
    values = pc.fill_null(pc.cast(column, pa.int64()), MISSING_TIME)
    return np.asarray(values.to_numpy(), dtype=np.int64)


def string_column(table: pa.Table, name: str) -> list[str | None]:
    """A string column as a Python list (``None`` for nulls and empty strings)."""
    return [v if v else None for v in table.column(name).to_pylist()]
