"""Vectorised checks on Arrow columns that report the offending rows.

Used by the tabular importers so that a million rows are validated without a
Python loop, while each bad row still gets its own clear message.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.ids import MAX_ID_LENGTH, id_pattern


def as_string_array(column: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    """Return ``column`` as one contiguous string array (numbers become their text)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_floating(array.type):
        # Integral floats (pandas turns int columns with gaps into floats) keep no ".0".
        values = array.to_numpy(zero_copy_only=False)
        if np.all(np.isnan(values) | (values == np.round(values))):
            array = pc.cast(array, pa.int64(), safe=False)
    return pc.cast(array, pa.string())


def invalid_id_rows(ids: pa.StringArray, *, repeated: bool = False) -> dict[int, str]:
    """Return row index -> problem for every id that breaks the id rules.

    Parameters
    ----------
    ids : pyarrow.StringArray
        The ids, one per row.
    repeated : bool
        True when few distinct ids repeat over many rows (user and event
        columns): each distinct id is then checked once.

    """
    if repeated:
        encoded = pc.dictionary_encode(ids)
        by_value = _invalid_values(encoded.dictionary)
        if not by_value:
            return _missing_rows(ids)
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
        rows = np.flatnonzero(np.isin(codes, np.fromiter(by_value, dtype=codes.dtype)))
        return _missing_rows(ids) | {int(r): by_value[int(codes[r])] for r in rows}
    return _missing_rows(ids) | _invalid_values(ids)


def _missing_rows(ids: pa.StringArray) -> dict[int, str]:
    return {int(i): "an id is required" for i in _true_rows(pc.is_null(ids))}


def _invalid_values(ids: pa.StringArray) -> dict[int, str]:
    problems: dict[int, str] = {}
    for index in _true_rows(pc.equal(ids, "")):
        problems[int(index)] = "an id is required"
    too_long = _true_rows(pc.greater(pc.utf8_length(ids), MAX_ID_LENGTH))
    for index in too_long:
        problems[int(index)] = f"id is longer than {MAX_ID_LENGTH} characters"
    bad_chars = _true_rows(pc.invert(pc.match_substring_regex(ids, id_pattern())))
    for index in bad_chars:
        if int(index) not in problems:
            value = ids[int(index)].as_py()
            problems[int(index)] = (
                f"id {value[:40]!r} contains characters that are not allowed; use letters, digits and . _ : @ + = ~ ! $ * -"
            )
    return problems


def _true_rows(mask: pa.BooleanArray | pa.ChunkedArray) -> npt.NDArray[np.int64]:
    filled = pc.fill_null(mask, False)
    return np.flatnonzero(np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool))
