"""Vectorised parsing of timestamp columns into UTC, with a reason for every failure.

Interaction files carry ISO-8601 strings (with ``Z`` or an offset), Unix
epochs, or typed timestamps. A timestamp without a zone is refused unless the
caller names a default zone, because guessing silently shifts every event by
an hour or two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

UTC_US = pa.timestamp("us", tz="UTC")
_AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_EPOCH_UNITS = {"s": 1_000_000, "ms": 1_000, "us": 1}
NO_ZONE = "has no time zone; write it with an offset (e.g. +01:00 or Z) or pass a default time zone"


@dataclass(frozen=True, slots=True)
class ParsedTimestamps:
    """Result of parsing a timestamp column.

    Parameters
    ----------
    values : pyarrow.TimestampArray
        UTC microsecond timestamps; null where parsing failed.
    problems : dict[int, str]
        Row index -> why that row failed.

    """

    values: pa.TimestampArray
    problems: dict[int, str]


def parse_timestamps(
    column: pa.Array | pa.ChunkedArray, *, default_tz: str | None = None, epoch_unit: str = "s"
) -> ParsedTimestamps:
    """Parse a column of timestamps into UTC microseconds.

    Parameters
    ----------
    column : pyarrow.Array
        Strings (ISO-8601 or digits for Unix epochs), integers (Unix epochs)
        or Arrow timestamps.
    default_tz : str, optional
        IANA zone (``Europe/Brussels``) for values written without a zone.
    epoch_unit : {"s", "ms", "us"}
        Unit of numeric epochs.

    Returns
    -------
    ParsedTimestamps
        The parsed values and a problem per failed row.

    """
    if epoch_unit not in _EPOCH_UNITS:
        raise ValueError(f"epoch_unit must be one of {', '.join(_EPOCH_UNITS)}, got {epoch_unit!r}")
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_timestamp(array.type):
        return _from_arrow_timestamps(array, default_tz)
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return _from_epochs(array.cast(pa.float64()), epoch_unit)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        raise ValueError(f"cannot read timestamps from a column of type {array.type}")
    return _from_strings(pl.Series(array.cast(pa.large_string())), default_tz, epoch_unit)


def _from_arrow_timestamps(array: pa.TimestampArray, default_tz: str | None) -> ParsedTimestamps:
    series = pl.Series(array).cast(pl.Datetime("us", array.type.tz))
    if array.type.tz is None:
        if default_tz is None:
            problems = {i: f"timestamp {NO_ZONE}" for i in range(len(series))}
            return ParsedTimestamps(pa.nulls(len(series), UTC_US), problems)
        series = series.dt.replace_time_zone(default_tz, ambiguous="earliest", non_existent="null")
    parsed = series.dt.convert_time_zone("UTC")
    return _finish(parsed, pl.Series(array.cast(pa.large_string())), {})


def _from_epochs(values: pa.DoubleArray, epoch_unit: str) -> ParsedTimestamps:
    micros = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64) * _EPOCH_UNITS[epoch_unit]
    problems: dict[int, str] = {}
    bad = ~np.isfinite(micros) | (np.abs(micros) > 2**62)
    for index in np.flatnonzero(bad | np.asarray(values.is_null().to_numpy(zero_copy_only=False))):
        problems[int(index)] = "timestamp is missing or not a number"
    micros[bad] = 0
    mask = np.zeros(len(micros), dtype=bool)
    mask[list(problems)] = True
    result = pa.array(micros.astype(np.int64), type=pa.int64(), mask=mask).cast(UTC_US)
    return ParsedTimestamps(result, problems)


def _aware(fmt: str) -> Callable[[pl.Series], pl.Series]:
    return lambda s: s.str.to_datetime(format=fmt, strict=False, time_unit="us", time_zone="UTC")


def _naive(fmt: str) -> Callable[[pl.Series], pl.Series]:
    return lambda s: s.str.to_datetime(format=fmt, strict=False, time_unit="us")


def _from_strings(text: pl.Series, default_tz: str | None, epoch_unit: str) -> ParsedTimestamps:
    parsed = pl.Series(values=[None] * len(text), dtype=pl.Datetime("us", "UTC"))
    # Each later attempt sees only the rows still unparsed, so a file written
    # in one format costs one pass; surrounding blanks are stripped only then.
    parsed = _fill(parsed, text, _aware(_AWARE_FORMATS[0]))
    stripped = text.str.strip_chars() if parsed.null_count() else text
    for fmt in _AWARE_FORMATS:
        parsed = _fill(parsed, stripped, _aware(fmt))

    def from_epoch(s: pl.Series) -> pl.Series:
        micros = s.cast(pl.Float64, strict=False) * _EPOCH_UNITS[epoch_unit]
        return micros.cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")

    parsed = _fill(parsed, stripped, from_epoch)
    problems: dict[int, str] = {}
    left = parsed.is_null().arg_true()
    if len(left) == 0:
        return _finish(parsed, text, problems)
    rest = stripped.gather(left)
    naive = pl.Series(values=[None] * len(rest), dtype=pl.Datetime("us"))
    for fmt in _NAIVE_FORMATS:
        naive = _fill(naive, rest, _naive(fmt))
    has_naive = naive.is_not_null()
    if default_tz is not None:
        localised = naive.dt.replace_time_zone(default_tz, ambiguous="earliest", non_existent="null")
        for position in (has_naive & localised.is_null()).arg_true().to_list():
            index = int(left[position])
            problems[index] = f"local time {text[index]!r} does not exist in {default_tz} (clocks jump forward then)"
        parsed = parsed.scatter(left, localised.dt.convert_time_zone("UTC"))
    else:
        for position in has_naive.arg_true().to_list():
            index = int(left[position])
            problems[index] = f"timestamp {text[index]!r} {NO_ZONE}"
    return _finish(parsed, text, problems)


def _fill(parsed: pl.Series, text: pl.Series, parse: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """Parse the rows of ``text`` where ``parsed`` is still null and fill them in."""
    missing = parsed.is_null().arg_true()
    if len(missing) == 0:
        return parsed
    if len(missing) == len(parsed):
        return parse(text)
    return parsed.scatter(missing, parse(text.gather(missing)))


def _finish(parsed: pl.Series, text: pl.Series, problems: dict[int, str]) -> ParsedTimestamps:
    failed: npt.NDArray[np.int64] = np.asarray(parsed.is_null().arg_true().to_numpy(), dtype=np.int64)
    for index in failed.tolist():
        if index not in problems:
            raw = text[index]
            problems[index] = "timestamp is missing" if raw is None or raw == "" else f"cannot read timestamp {raw!r}"
    values = parsed.cast(pl.Datetime("us", "UTC")).to_arrow()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return ParsedTimestamps(pc.cast(values, UTC_US), problems)
