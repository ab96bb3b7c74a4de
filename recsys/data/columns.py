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


def invalid_id_rows(ids: pa.StringArray) -> dict[int, str]:
    """Return row index -> problem for every id that breaks the id rules."""
    problems: dict[int, str] = {}
    missing = _true_rows(pc.or_kleene(pc.is_null(ids), pc.equal(ids, "")))
    for index in missing:
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
