"""Import interactions and users from CSV or Parquet files with a column mapping.

Every bad row becomes a :class:`~recsys.domain.errors.RecordError` naming the
file, the row, the column and the problem; the good rows are returned as a
validated Arrow table (interactions) or as :class:`~recsys.domain.users.User`
objects, ready for the stores.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from recsys.data.columns import as_string_array, invalid_id_rows
from recsys.data.timestamps import parse_timestamps
from recsys.domain.errors import InvalidFieldError, RecordError
from recsys.domain.geo import GeoPoint
from recsys.domain.ids import validate_id
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.users import AgeBand, User

#: At most this many individual errors are kept per file; the rest are counted.
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class InteractionColumns:
    """Which columns of a file hold which interaction field.

    Parameters
    ----------
    user, event : str
        Columns with the user and event ids.
    kind : str or None
        Column with the interaction kind (``view``, ``ticket``, ...); when
        ``None`` every row gets ``default_kind``.
    timestamp : str
        Column with the time (ISO-8601 with zone, or Unix epoch).
    interaction_id : str or None
        Column with idempotency ids; when ``None`` an id is derived from the
        row's content, so importing the same file twice stores it once.
    value : str or None
        Column with a value (ratings).
    placement : str or None
        Column with the placement.
    default_kind : str
        Kind used when ``kind`` is ``None``.

    """

    user: str = "user_id"
    event: str = "event_id"
    kind: str | None = "kind"
    timestamp: str = "timestamp"
    interaction_id: str | None = None
    value: str | None = None
    placement: str | None = None
    default_kind: str = "view"


@dataclass(frozen=True, slots=True)
class UserColumns:
    """Which columns of a file hold which user field (``None`` = absent)."""

    user: str = "user_id"
    age_band: str | None = None
    age: str | None = None
    municipality: str | None = None
    postcode: str | None = None
    lat: str | None = None
    lon: str | None = None
    uitpas: str | None = None
    consent: str | None = None


@dataclass(slots=True)
class ImportErrors:
    """Errors of one import, with a cap on how many are kept individually."""

    source: str
    reported: list[RecordError] = field(default_factory=list)
    total: int = 0

    def add(self, row: str | None, column: str, problem: str) -> None:
        """Record one bad row."""
        self.total += 1
        if len(self.reported) < MAX_REPORTED_ERRORS:
            self.reported.append(RecordError(self.source, row, column, problem))


@dataclass(frozen=True, slots=True)
class InteractionImport:
    """Validated interactions and the rows that were refused."""

    table: pa.Table
    errors: ImportErrors


@dataclass(frozen=True, slots=True)
class UserImport:
    """Validated users and the rows that were refused."""

    users: list[User]
    errors: ImportErrors


@dataclass(frozen=True, slots=True)
class RowLabels:
    """Names rows in error messages (``line 7`` for CSV, ``row 3`` for Parquet) without a string per row."""

    prefix: str
    numbers: npt.NDArray[np.int64]

    def __getitem__(self, index: int) -> str:
        return f"{self.prefix} {int(self.numbers[index])}"

    @classmethod
    def rows(cls, n: int) -> RowLabels:
        """Label row ``i`` as ``row i+1``."""
        return cls("row", np.arange(1, n + 1, dtype=np.int64))


def read_rows(path: Path, errors: ImportErrors, file_format: str | None = None) -> tuple[pa.Table, RowLabels]:
    """Read a CSV or Parquet file; malformed CSV lines are reported, not fatal.

    Parameters
    ----------
    path : Path
        The file.
    errors : ImportErrors
        Receives one error per malformed line.
    file_format : {"csv", "parquet"}, optional
        Defaults to the file's extension.

    Returns
    -------
    table : pyarrow.Table
        The readable rows; CSV columns are all strings.
    row_labels : RowLabels
        For each table row, how to name it in an error (``line 7``).

    """
    fmt = file_format or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv")
    if fmt == "parquet":
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InvalidFieldError("", f"cannot read Parquet file {path}: {exc}") from exc
        return table, RowLabels.rows(table.num_rows)
    if fmt != "csv":
        raise InvalidFieldError("format", f"unknown file format {fmt!r}; expected csv or parquet")
    # Parallel parsing first; line numbers of malformed lines are only known
    # single-threaded, so a file with such lines is read again that way.
    table, bad = _read_csv(path, use_threads=True)
    if bad:
        table, bad = _read_csv(path, use_threads=False)
    for row in bad:
        errors.add(
            f"line {row.number}",
            "",
            f"malformed line: expected {row.expected_columns} fields, found {row.actual_columns}",
        )
    # Lines are counted from the header (line 1); skipped lines shift the rest.
    lines = np.arange(2, 2 + table.num_rows + len(bad), dtype=np.int64)
    if bad:
        lines = np.setdiff1d(lines, np.asarray([row.number for row in bad], dtype=np.int64))[: table.num_rows]
    return table, RowLabels("line", lines)


def _read_csv(path: Path, *, use_threads: bool) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    bad: list[pacsv.InvalidRow] = []

    def on_bad_line(row: pacsv.InvalidRow) -> str:
        bad.append(row)
        return "skip"

    header = _csv_header(path)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=use_threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_line),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InvalidFieldError("", f"cannot read CSV file {path}: {exc}") from exc
    return table, bad


def _csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise InvalidFieldError("", f"{path} is empty; a header line is required")
    return next(csv.reader([first]))


def read_interactions(
    path: Path,
    columns: InteractionColumns,
    *,
    default_tz: str | None = None,
    epoch_unit: str = "s",
    file_format: str | None = None,
) -> InteractionImport:
    """Read interactions from a CSV or Parquet file.

    Parameters
    ----------
    path : Path
        The file.
    columns : InteractionColumns
        The column mapping.
    default_tz : str, optional
        IANA zone for timestamps written without one.
    epoch_unit : {"s", "ms", "us"}
        Unit of numeric timestamps.
    file_format : {"csv", "parquet"}, optional
        Defaults to the extension.

    Returns
    -------
    InteractionImport
        The valid rows with :data:`INTERACTION_SCHEMA` and the refused rows.

    """
    errors = ImportErrors(str(path))
    table, labels = read_rows(path, errors, file_format)
    return interactions_from_table(table, columns, errors, labels, default_tz=default_tz, epoch_unit=epoch_unit)


def interactions_from_table(
    table: pa.Table,
    columns: InteractionColumns,
    errors: ImportErrors,
    row_labels: RowLabels | None = None,
    *,
    default_tz: str | None = None,
    epoch_unit: str = "s",
) -> InteractionImport:
    """Validate a table of raw interaction columns into :data:`INTERACTION_SCHEMA`.

    See :func:`read_interactions` for the parameters.
    """
    _require_columns(table, columns, errors.source)
    n = table.num_rows
    labels = row_labels if row_labels is not None else RowLabels.rows(n)
    problems: dict[int, tuple[str, str]] = {}

    def note(found: dict[int, str], column: str) -> None:
        for index, problem in found.items():
            problems.setdefault(index, (column, problem))

    users = as_string_array(table.column(columns.user))
    events = as_string_array(table.column(columns.event))
    note(invalid_id_rows(users, repeated=True), columns.user)
    note(invalid_id_rows(events, repeated=True), columns.event)
    kinds = _kinds(table, columns, n, note)
    parsed = parse_timestamps(table.column(columns.timestamp), default_tz=default_tz, epoch_unit=epoch_unit)
    note(parsed.problems, columns.timestamp)
    values = _values(table, columns, n, note)
    placement = as_string_array(table.column(columns.placement)) if columns.placement else pa.nulls(n, pa.string())
    if columns.interaction_id:
        ids = as_string_array(table.column(columns.interaction_id))
        note(invalid_id_rows(ids), columns.interaction_id)
    else:
        ids = _content_ids(users, events, kinds, parsed.values, values)
    for index in sorted(problems):
        column, problem = problems[index]
        errors.add(labels[index], column, problem)
    keep = np.ones(n, dtype=bool)
    keep[list(problems)] = False
    mask = pa.array(keep)
    result = pa.Table.from_arrays(
        [
            ids.filter(mask),
            users.filter(mask),
            events.filter(mask),
            kinds.filter(mask),
            parsed.values.filter(mask),
            values.filter(mask),
            placement.filter(mask),
            pa.nulls(int(keep.sum()), pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )
    return InteractionImport(result, errors)


def _require_columns(table: pa.Table, columns: InteractionColumns, source: str) -> None:
    wanted = {
        "user": columns.user,
        "event": columns.event,
        "kind": columns.kind,
        "timestamp": columns.timestamp,
        "interaction_id": columns.interaction_id,
        "value": columns.value,
        "placement": columns.placement,
    }
    for role, name in wanted.items():
        if name is not None and name not in table.column_names:
            available = ", ".join(table.column_names)
            raise InvalidFieldError(role, f"column {name!r} not found in {source}; the file has: {available}")


def _kinds(
    table: pa.Table, columns: InteractionColumns, n: int, note: Callable[[dict[int, str], str], None]
) -> pa.Int8Array:
    if columns.kind is None:
        return pa.array(np.full(n, InteractionKind.parse(columns.default_kind).value, dtype=np.int8))
    raw = as_string_array(table.column(columns.kind))
    normalised = pc.replace_substring(pc.utf8_lower(pc.utf8_trim_whitespace(raw)), "_", "-")
    labels = [k.label for k in InteractionKind]
    codes = pc.index_in(normalised, value_set=pa.array(labels))
    unknown = np.flatnonzero(np.asarray(pc.is_null(codes).to_numpy(zero_copy_only=False), dtype=bool))
    allowed = ", ".join(labels)
    note(
        {int(i): f"unknown interaction kind {raw[int(i)].as_py()!r}; expected one of {allowed}" for i in unknown},
        columns.kind,
    )
    code_values = np.asarray([k.value for k in InteractionKind], dtype=np.int8)
    index = np.asarray(pc.fill_null(codes, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return pa.array(code_values[index])


def _values(
    table: pa.Table, columns: InteractionColumns, n: int, note: Callable[[dict[int, str], str], None]
) -> pa.FloatArray:
    if columns.value is None:
        return pa.array(np.full(n, np.nan, dtype=np.float32))
    raw = table.column(columns.value)
    if not pa.types.is_string(raw.type):
        numbers = pc.cast(raw, pa.float64(), safe=False)
        return pa.array(np.asarray(pc.fill_null(numbers, math.nan).to_numpy(zero_copy_only=False), dtype=np.float32))
    text = pl.Series(as_string_array(raw)).str.strip_chars()
    numbers = text.cast(pl.Float64, strict=False)
    unreadable = numbers.is_null() & text.is_not_null() & (text != "")
    note({int(i): f"value {text[int(i)]!r} is not a number" for i in unreadable.arg_true().to_list()}, columns.value)
    return pa.array(numbers.fill_null(math.nan).cast(pl.Float32).to_numpy())


def _content_ids(
    users: pa.StringArray, events: pa.StringArray, kinds: pa.Int8Array, times: pa.TimestampArray, values: pa.FloatArray
) -> pa.StringArray:
    # A stable digest of the row's content: the same file imported twice
    # yields the same ids, so the log stores each row once.
    micros = pc.cast(times, pa.int64()).to_pylist()
    rows = zip(users.to_pylist(), events.to_pylist(), kinds.to_pylist(), micros, values.to_pylist(), strict=True)
    digests = [
        "h-" + hashlib.blake2b(f"{u}\x1f{e}\x1f{k}\x1f{t}\x1f{v}".encode(), digest_size=12).hexdigest()
        for u, e, k, t, v in rows
    ]
    return pa.array(digests, type=pa.string())


def read_users(path: Path, columns: UserColumns, *, file_format: str | None = None) -> UserImport:
    """Read users from a CSV or Parquet file.

    Parameters
    ----------
    path : Path
        The file.
    columns : UserColumns
        The column mapping.
    file_format : {"csv", "parquet"}, optional
        Defaults to the extension.

    Returns
    -------
    UserImport
        Valid users and refused rows.

    """
    errors = ImportErrors(str(path))
    table, labels = read_rows(path, errors, file_format)
    for role in UserColumns.__slots__:
        name = getattr(columns, role)
        if name is not None and name not in table.column_names:
            available = ", ".join(table.column_names)
            raise InvalidFieldError(role, f"column {name!r} not found in {path}; the file has: {available}")
    users: list[User] = []
    for index, row in enumerate(table.to_pylist()):
        try:
            users.append(_user_from_row(row, columns))
        except InvalidFieldError as exc:
            errors.add(labels[index], exc.field, exc.problem)
    return UserImport(users, errors)


def _user_from_row(row: dict[str, object], columns: UserColumns) -> User:
    def text(name: str | None) -> str | None:
        if name is None or row.get(name) is None:
            return None
        value = str(row[name]).strip()
        return value or None

    band = None
    if (raw_band := text(columns.age_band)) is not None:
        band = AgeBand.parse(raw_band)
    elif (raw_age := text(columns.age)) is not None:
        try:
            band = AgeBand.from_age(int(float(raw_age)))
        except ValueError:
            raise InvalidFieldError(columns.age or "age", f"age {raw_age!r} is not a whole number") from None
    home = None
    lat, lon = text(columns.lat), text(columns.lon)
    if (lat is None) != (lon is None):
        raise InvalidFieldError(columns.lat or "lat", "latitude and longitude must be given together")
    if lat is not None and lon is not None:
        try:
            home = GeoPoint(float(lat), float(lon))
        except ValueError:
            raise InvalidFieldError(columns.lat or "lat", f"coordinates {lat!r}, {lon!r} are not numbers") from None
    return User(
        id=_user_id(row.get(columns.user), columns.user),
        home=home,
        home_municipality=text(columns.municipality),
        home_postcode=text(columns.postcode),
        age_band=band,
        uitpas=_flag(text(columns.uitpas), columns.uitpas, default=False),
        consent=_flag(text(columns.consent), columns.consent, default=True),
    )


def _user_id(value: object, column: str) -> str:
    text = str(value).strip() if value is not None else ""
    return validate_id(text or None, column)


_TRUE = {"1", "true", "yes", "y", "ja", "oui", "t"}
_FALSE = {"0", "false", "no", "n", "nee", "non", "f"}


def _flag(value: str | None, column: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidFieldError(column or "flag", f"expected yes/no (1/0, true/false), got {value!r}")
