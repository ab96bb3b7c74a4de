"""What is known about each event, aligned with an events vocabulary.

:func:`build_event_side` fills :class:`recsys.models.data.EventSide` (content
rows, categorical codes, first start, coordinates) for every event of a
vocabulary; :func:`build_event_offer` adds what ranking needs and EventSide
does not hold (price and typical age range). Events of the vocabulary that
are missing from the table get ``-1`` codes, NaN coordinates, no start and
an empty content row, so models never index out of range.

Categorical codes are positions in sorted vocabularies, so they do not
depend on the order of the table: organisers, venues and productions over
the distinct ids in the table; disciplines (event types) over the publiq
taxonomy plus any other type in the table; municipalities over the distinct
names in the table, trimmed and lower-cased; regions over the fixed
:data:`features.regions.REGIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from features.content import ContentEncoder
from features.regions import region_codes
from features.tables import MISSING_TIME, float_column, municipality_keys, require_columns, time_column
from recsys.domain.taxonomy import default_taxonomy
from recsys.models.data import EventSide
from recsys.vocabulary import IdVocabulary

#: Columns :func:`build_event_side` reads (the content encoder reads more).
SIDE_COLUMNS = (
    "event_id",
    "type_id",
    "organizer_id",
    "location_id",
    "production_id",
    "municipality",
    "postcode",
    "lat",
    "lon",
    "start",
)
#: Columns :func:`build_event_offer` reads.
OFFER_COLUMNS = ("event_id", "base_price", "is_free", "min_age", "max_age")


@dataclass(frozen=True, slots=True)
class EventOffer:
    """Price and age range per event, aligned with an events vocabulary (NaN = unknown).

    Parameters
    ----------
    base_price : ndarray of float64
        Base price in euro (0 for free events).
    min_age, max_age : ndarray of float64
        Typical age range; a missing bound is open.

    """

    base_price: npt.NDArray[np.float64]
    min_age: npt.NDArray[np.float64]
    max_age: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.base_price)


def align_rows(events: pa.Table, vocabulary: IdVocabulary) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Match table rows to vocabulary positions.

    Returns
    -------
    rows, positions : ndarray of int64
        Row ``rows[i]`` of the table is event ``positions[i]`` of the
        vocabulary; rows of events outside the vocabulary are left out, and
        when an id repeats, its last row wins.

    """
    positions = vocabulary.indices_of(events.column("event_id"))
    rows = np.flatnonzero(positions >= 0)
    positions = positions[rows]
    # Keep the last row of each repeated id (a later export supersedes an earlier one).
    order = np.argsort(positions[::-1], kind="stable")
    _, first = np.unique(positions[::-1][order], return_index=True)
    chosen = np.sort(len(rows) - 1 - order[first])
    return rows[chosen], positions[chosen]


def build_event_side(
    events: pa.Table,
    vocabulary: IdVocabulary,
    encoder: ContentEncoder | None,
    *,
    codes_from: pa.Table | None = None,
) -> EventSide:
    """Build the side information of every event in ``vocabulary``.

    Parameters
    ----------
    events : pyarrow.Table
        The flat events table (``Catalogue.events_table()``); may hold other
        events too, which are ignored.
    vocabulary : IdVocabulary
        The events, in model order.
    encoder : ContentEncoder or None
        A fitted encoder for the content rows, or ``None`` for no content.
    codes_from : pyarrow.Table, optional
        The table whose distinct organisers, venues, productions and types
        define the categorical codes (default: ``events``). A server that
        adds events after training passes the table the models were trained
        on, so codes keep their meaning; a value that table lacks gets ``-1``.

    Returns
    -------
    EventSide
        Aligned with ``vocabulary``.

    Raises
    ------
    InvalidFieldError
        When the table lacks a needed column.
    NotFittedError
        When ``encoder`` is not fitted.

    """
    require_columns(events, SIDE_COLUMNS)
    if codes_from is not None:
        require_columns(codes_from, SIDE_COLUMNS, "codes_from")
    n = len(vocabulary)
    rows, positions = align_rows(events, vocabulary)
    table = events.take(pa.array(rows, pa.int64()))

    taxonomy_types = [t.id for t in default_taxonomy().event_types()]
    content = None
    if encoder is not None:
        encoded = encoder.transform(table)
        # Move the encoded rows to their vocabulary positions; missing events keep empty rows.
        placement = sp.csr_matrix(
            (np.ones(len(positions), dtype=np.float32), (positions, np.arange(len(positions)))),
            shape=(n, len(positions)),
        )
        content = sp.csr_matrix(placement @ encoded, dtype=np.float32)
        content.sort_indices()
    reference = table if codes_from is None else codes_from

    def codes(name: str, extra: list[str] | None = None) -> npt.NDArray[np.int32]:
        return _codes(table.column(name), extra, reference.column(name))

    return EventSide(
        content=content,
        organizer_idx=_scatter(codes("organizer_id"), positions, n, -1),
        venue_idx=_scatter(codes("location_id"), positions, n, -1),
        production_idx=_scatter(codes("production_id"), positions, n, -1),
        region_idx=_scatter(region_codes(table.column("postcode"), table.column("municipality")), positions, n, -1),
        municipality_idx=_scatter(
            _codes(municipality_keys(table), None, municipality_keys(reference)), positions, n, -1
        ),
        discipline_idx=_scatter(codes("type_id", taxonomy_types), positions, n, -1),
        start_us=_scatter(time_column(table, "start"), positions, n, MISSING_TIME),
        lat=_scatter(float_column(table, "lat"), positions, n, np.nan),
        lon=_scatter(float_column(table, "lon"), positions, n, np.nan),
    )


def build_event_offer(events: pa.Table, vocabulary: IdVocabulary) -> EventOffer:
    """Return price and age range per event of ``vocabulary`` (NaN where unknown or missing).

    A free event whose base price is missing gets price 0.
    """
    require_columns(events, OFFER_COLUMNS)
    n = len(vocabulary)
    rows, positions = align_rows(events, vocabulary)
    table = events.take(pa.array(rows, pa.int64()))
    price = float_column(table, "base_price")
    price = np.where(np.isnan(price) & (float_column(table, "is_free") == 1.0), 0.0, price)
    return EventOffer(
        base_price=_scatter(price, positions, n, np.nan),
        min_age=_scatter(float_column(table, "min_age"), positions, n, np.nan),
        max_age=_scatter(float_column(table, "max_age"), positions, n, np.nan),
    )


_T = TypeVar("_T", bound=np.generic)


def _scatter(values: npt.NDArray[_T], positions: npt.NDArray[np.int64], n: int, fill: float) -> npt.NDArray[_T]:
    """An array of ``n`` ``fill`` values with ``values`` placed at ``positions``."""
    out: npt.NDArray[_T] = np.full(n, fill, dtype=values.dtype)
    out[positions] = values
    return out


def _codes(
    column: pa.ChunkedArray, extra: list[str] | None = None, reference: pa.ChunkedArray | None = None
) -> npt.NDArray[np.int32]:
    """Position of each value among the sorted distinct values of ``reference`` (default: ``column``) plus ``extra``.

    ``-1`` for nulls and for values ``reference`` lacks.
    """
    values = pc.unique(pc.drop_null(column if reference is None else reference))
    if extra:
        values = pc.unique(pa.concat_arrays([values.cast(pa.string()), pa.array(extra, pa.string())]))
    ordered = pc.take(values, pc.sort_indices(values))
    found = pc.index_in(column, value_set=ordered)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int32)
