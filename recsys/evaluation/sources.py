"""Read any interactions file (CSV, TSV, with or without a header) into arrays an evaluation can split.

``recsys evaluate --interactions FILE`` works on files this project never
wrote: a user column, an item column, optionally a time and a weight (a
rating, a play count). Every row becomes an interaction of kind ``rating``
whose value is the weight (no weight: value missing, which the feature
builder counts as 1). Rows whose weight is below ``min_weight`` are dropped
before any split, so they are neither learned from nor relevant. Times are
Unix epochs or ISO-8601 (a time written without a zone is read as UTC);
without a time column every row gets time 0, and only the protocols that do
not need time apply.

Problems are refused as a whole, with one :class:`InvalidFieldError` naming
the option (``user_col``, ``time_col``, ...) and the first bad line.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from recsys.data.timestamps import parse_timestamps
from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind
from recsys.stores.batches import InteractionArrays, arrays_from_table

#: Names accepted for the tab separator (a literal tab is awkward on a command line).
TAB_NAMES: Final = frozenset({"tab", "\\t", "\t", "tsv"})


@dataclass(frozen=True, slots=True)
class FileColumns:
    """Which columns hold what; with ``header=False`` columns are named by position (``"0"``, ``"1"``, ...).

    Parameters
    ----------
    user, item : str
        User and item id columns.
    time : str or None
        Time column (Unix epoch or ISO-8601).
    weight : str or None
        Weight column (rating, count).

    """

    user: str
    item: str
    time: str | None = None
    weight: str | None = None


@dataclass(frozen=True, slots=True)
class InteractionFile:
    """What :func:`read_interaction_file` read.

    Parameters
    ----------
    arrays : InteractionArrays
        The interactions kept (kind ``rating``, value = weight).
    rows_read : int
        Data rows in the file.
    rows_below_min_weight : int
        Rows dropped for a weight below ``min_weight``.
    has_time : bool
        Whether a time column was given.

    """

    arrays: InteractionArrays
    rows_read: int
    rows_below_min_weight: int
    has_time: bool


def separator(name: str) -> str:
    """The one-character field separator for ``name`` (``tab`` or ``tsv`` mean a tab)."""
    if name in TAB_NAMES:
        return "\t"
    if len(name) != 1:
        raise InvalidFieldError("sep", f"must be one character or 'tab', got {name!r}")
    return name


def read_interaction_file(
    path: Path,
    columns: FileColumns,
    *,
    sep: str = ",",
    header: bool = True,
    min_weight: float | None = None,
    epoch_unit: str = "s",
) -> InteractionFile:
    """Read ``path`` into interaction arrays.

    Parameters
    ----------
    path : Path
        A delimited text file.
    columns : FileColumns
        The column mapping.
    sep : str
        Field separator (``tab`` for tabs).
    header : bool
        Whether the first line names the columns; without one, name columns ``0``, ``1``, ...
    min_weight : float, optional
        Drop rows whose weight is below this (needs ``columns.weight``).
    epoch_unit : {"s", "ms", "us"}
        Unit of numeric times.

    Returns
    -------
    InteractionFile

    Raises
    ------
    InvalidFieldError
        Naming the option at fault: ``interactions`` (missing or empty file),
        ``sep``, ``user_col``, ``item_col``, ``time_col``, ``weight_col`` or ``min_weight``.

    """
    delimiter = separator(sep)
    if min_weight is not None and columns.weight is None:
        raise InvalidFieldError("min_weight", "needs a weight column (--weight-col)")
    if min_weight is not None and not math.isfinite(min_weight):
        raise InvalidFieldError("min_weight", f"must be a finite number, got {min_weight}")
    names = _column_names(path, delimiter, header)
    wanted = {"user_col": columns.user, "item_col": columns.item, "time_col": columns.time}
    wanted["weight_col"] = columns.weight
    for option, name in wanted.items():
        if name is not None and name not in names:
            raise InvalidFieldError(option, f"column {name!r} not found in {path}; it has: {', '.join(names)}")
    table = _read(path, delimiter, header, names)
    n = table.num_rows
    if n == 0:
        raise InvalidFieldError("interactions", f"{path} holds no data rows")
    first_line = 2 if header else 1
    users = _ids(table.column(columns.user), "user_col", first_line)
    items = _ids(table.column(columns.item), "item_col", first_line)
    times = _times(table, columns.time, epoch_unit, first_line)
    weights = _weights(table, columns.weight, first_line)
    keep = np.ones(n, dtype=bool) if min_weight is None else weights >= min_weight
    if not keep.any():
        raise InvalidFieldError("min_weight", f"every row of {path} has a weight below {min_weight}")
    mask = pa.array(keep)
    kept = pa.table(
        {
            "user_id": users.filter(mask),
            "event_id": items.filter(mask),
            "kind": pa.array(np.full(int(keep.sum()), int(InteractionKind.RATING), dtype=np.int8)),
            "timestamp": pa.array(times[keep], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "value": pa.array(weights[keep].astype(np.float32)),
        }
    )
    return InteractionFile(
        arrays=arrays_from_table(kept),
        rows_read=n,
        rows_below_min_weight=int(n - keep.sum()),
        has_time=columns.time is not None,
    )


def _column_names(path: Path, delimiter: str, header: bool) -> list[str]:
    if not path.is_file():
        raise InvalidFieldError("interactions", f"no such file: {path}")
    with path.open("r", encoding="utf-8", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise InvalidFieldError("interactions", f"{path} is empty")
    fields = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))
    if header:
        return [f.strip() for f in fields]
    return [str(i) for i in range(len(fields))]


def _read(path: Path, delimiter: str, header: bool, names: list[str]) -> pa.Table:
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if header else 0),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidFieldError("interactions", f"cannot read {path}: {exc}") from exc


def _first_bad(mask: npt.NDArray[np.bool_], first_line: int) -> str:
    bad = np.flatnonzero(mask)
    return f"{len(bad)} row(s), first at line {int(bad[0]) + first_line}"


def _ids(column: pa.ChunkedArray, option: str, first_line: int) -> pa.StringArray:
    text = pc.utf8_trim_whitespace(column.combine_chunks())
    missing = np.asarray(pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False), dtype=bool)
    if missing.any():
        raise InvalidFieldError(option, f"empty id in {_first_bad(missing, first_line)}")
    return text


def _times(table: pa.Table, name: str | None, epoch_unit: str, first_line: int) -> npt.NDArray[np.int64]:
    if name is None:
        return np.zeros(table.num_rows, dtype=np.int64)
    text = pc.utf8_trim_whitespace(table.column(name).combine_chunks())
    parsed = parse_timestamps(text, default_tz="UTC", epoch_unit=epoch_unit)
    if parsed.problems:
        index = min(parsed.problems)
        raise InvalidFieldError(
            "time_col",
            f"{len(parsed.problems)} row(s) have no readable time; line {index + first_line}: {parsed.problems[index]}",
        )
    return np.asarray(pc.cast(parsed.values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _weights(table: pa.Table, name: str | None, first_line: int) -> npt.NDArray[np.float64]:
    if name is None:
        return np.full(table.num_rows, np.nan, dtype=np.float64)
    text = pc.utf8_trim_whitespace(table.column(name).combine_chunks())
    try:
        numbers = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        readable = pc.match_substring_regex(text, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
        bad = ~np.asarray(pc.fill_null(readable, True).to_numpy(zero_copy_only=False), dtype=bool)
        raise InvalidFieldError("weight_col", f"weight is not a number in {_first_bad(bad, first_line)}") from None
    values = np.asarray(pc.fill_null(numbers, math.nan).to_numpy(zero_copy_only=False), dtype=np.float64)
    if not np.isfinite(values).all():
        raise InvalidFieldError(
            "weight_col", f"weight missing or not finite in {_first_bad(~np.isfinite(values), first_line)}"
        )
    return values
