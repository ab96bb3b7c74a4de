"""Numeric columns of a version's cards, for a vectorised first pass of the hard filters.

The rules test each candidate card in Python (about 3 µs a card). Most
candidates of a filtered request fail on a number (place, date, price, type),
so :class:`CardTable` keeps those numbers of every card read from a version as
one row of a matrix, and :meth:`CardTable.coarse_mask` tests all candidates
of a request at once. The pass is *coarse*: it keeps every card the exact
test (:func:`serving.prefilter.admissible`) would keep, and perhaps a few more
(a multi-date event whose dates straddle the window, a municipality filter);
the exact test then runs on the survivors only, and the rules check them once
more. Cards the table does not hold get ``-1`` rows and are always kept for
the exact test.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from recsys.cache.cards import BOOKING_AVAILABLE, STATUS_AVAILABLE, EventCard
from recsys.compiled import kernel
from recsys.domain.geo import haversine_one_km
from recsys.ranking.dates import DateWindow
from recsys.ranking.eligibility import RUNNING_CALENDARS
from recsys.ranking.request import RecommendationRequest

# Column positions in the matrix.
OPEN, TYPE, THEME, PRICE, MIN_AGE, MAX_AGE, ACCESSIBLE, UITPAS, LAT, LON, FIRST_START, LAST_END = range(12)
N_COLUMNS: Final = 12
#: Code of a missing type or theme (never equal to a requested term's code).
NO_TERM: Final = -1.0
_INITIAL_ROWS: Final = 1024

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def date_span(card: EventCard) -> tuple[float, float]:
    """The earliest start and latest end of the card's open dates (or its running span); NaN = none.

    An open bound of a running offer is ``-inf`` / ``+inf``. A dated card's
    ``available_to_us`` is left to the exact test (it depends on the moment).
    """
    if card.occurrences:
        opened = [o for o in card.occurrences if o.status == STATUS_AVAILABLE and o.booking == BOOKING_AVAILABLE]
        if not opened:
            return math.nan, math.nan
        return float(min(o.start_us for o in opened)), float(max(o.end_us for o in opened))
    if card.calendar_type in RUNNING_CALENDARS:
        start = -math.inf if card.available_from_us is None else float(card.available_from_us)
        end = math.inf if card.available_to_us is None else float(card.available_to_us)
        return start, end
    return math.nan, math.nan


class CardTable:
    """One numeric row per card of one version (grows as cards are read; thread-safe)."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._terms: dict[str, int] = {}
        self._matrix = np.empty((_INITIAL_ROWS, N_COLUMNS), dtype=np.float64)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    def add(self, cards: Iterable[EventCard]) -> None:
        """Add (or replace) the rows of ``cards``."""
        with self._lock:
            for card in cards:
                row = self._index.get(card.event_id)
                if row is None:
                    row = len(self._index)
                    if row == len(self._matrix):
                        self._matrix = np.concatenate([self._matrix, np.empty_like(self._matrix)])
                    self._index[card.event_id] = row
                self._matrix[row] = self._row(card)

    def _code(self, term: str | None) -> float:
        if term is None:
            return NO_TERM
        return float(self._terms.setdefault(term, len(self._terms)))

    def _row(self, card: EventCard) -> list[float]:
        first_start, last_end = date_span(card)
        return [
            float(card.status == STATUS_AVAILABLE and card.booking == BOOKING_AVAILABLE),
            self._code(card.type_id),
            self._code(card.theme_id),
            math.nan if card.price_eur is None else card.price_eur,
            -math.inf if card.min_age is None else float(card.min_age),
            math.inf if card.max_age is None else float(card.max_age),
            float(card.accessible),
            float(card.uitpas),
            math.nan if card.lat is None else card.lat,
            math.nan if card.lon is None else card.lon,
            first_start,
            last_end,
        ]

    def rows(self, event_ids: Sequence[str]) -> IntArray:
        """The row of each id (``-1`` for a card the table does not hold)."""
        get = self._index.get
        return np.array([get(e, -1) for e in event_ids], dtype=np.int64)

    def _codes(self, terms: frozenset[str]) -> npt.NDArray[np.float64]:
        # A term no card of the table has cannot match a held row: it needs no code.
        return np.array([float(self._terms[t]) for t in terms if t in self._terms], dtype=np.float64)

    def coarse_mask(self, rows: IntArray, request: RecommendationRequest, now_us: int) -> BoolArray:
        """Per row, False when the card surely fails the request; rows of ``-1`` are kept.

        Parameters
        ----------
        rows : ndarray of int
            Rows from :meth:`rows`.
        request : RecommendationRequest
            The filters.
        now_us : int
            The request's instant: dates that ended before it do not count.

        """
        window = DateWindow.between(request.date_from, request.date_to)
        radius = request.radius_km is not None and request.lat is not None and request.lon is not None
        switches = np.array(
            [
                bool(request.include_types),
                bool(request.exclude_types),
                bool(request.include_themes),
                bool(request.exclude_themes),
                request.free,
                request.max_price is not None,
                request.age is not None,
                request.accessible,
                request.uitpas,
                window.end_us is not None,
                radius,
            ],
            dtype=np.bool_,
        )
        bounds = np.array(
            [
                math.nan if request.max_price is None else request.max_price,
                math.nan if request.age is None else request.age,
                now_us if window.start_us is None else max(now_us, window.start_us),
                math.nan if window.end_us is None else window.end_us,
                request.lat if radius and request.lat is not None else math.nan,
                request.lon if radius and request.lon is not None else math.nan,
                request.radius_km if radius and request.radius_km is not None else math.nan,
            ],
            dtype=np.float64,
        )
        include_types, exclude_types = self._codes(request.include_types), self._codes(request.exclude_types)
        include_themes, exclude_themes = self._codes(request.include_themes), self._codes(request.exclude_themes)
        with self._lock:  # a row being replaced is never read half-written
            return _coarse_mask(
                self._matrix,
                np.asarray(rows, dtype=np.int64),
                include_types,
                exclude_types,
                include_themes,
                exclude_themes,
                switches,
                bounds,
            )


@kernel
def _coarse_mask(
    matrix: npt.NDArray[np.float64],
    rows: IntArray,
    include_types: npt.NDArray[np.float64],
    exclude_types: npt.NDArray[np.float64],
    include_themes: npt.NDArray[np.float64],
    exclude_themes: npt.NDArray[np.float64],
    switches: BoolArray,
    bounds: npt.NDArray[np.float64],
) -> BoolArray:
    """:meth:`CardTable.coarse_mask` row by row (``switches`` and ``bounds`` in the order built there)."""
    max_price, age, low, end, lat, lon, radius = (
        bounds[0],
        bounds[1],
        bounds[2],
        bounds[3],
        bounds[4],
        bounds[5],
        bounds[6],
    )
    out = np.ones(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        row = rows[i]
        if row < 0:
            continue
        card = matrix[row]
        keep = card[OPEN] > 0.5
        if keep and switches[0]:
            keep = np.any(include_types == card[TYPE])
        if keep and switches[1]:
            keep = not np.any(exclude_types == card[TYPE])
        if keep and switches[2]:
            keep = np.any(include_themes == card[THEME])
        if keep and switches[3]:
            keep = not np.any(exclude_themes == card[THEME])
        if keep and switches[4]:
            keep = card[PRICE] == 0.0
        if keep and switches[5]:
            keep = card[PRICE] <= max_price  # NaN (unknown price) fails, as in the exact test
        if keep and switches[6]:
            keep = card[MIN_AGE] <= age <= card[MAX_AGE]
        if keep and switches[7]:
            keep = card[ACCESSIBLE] > 0.5
        if keep and switches[8]:
            keep = card[UITPAS] > 0.5
        if keep:
            keep = card[LAST_END] >= low  # NaN (no open date) fails
        if keep and switches[9]:
            keep = card[FIRST_START] <= end
        if keep and switches[10]:
            keep = haversine_one_km(lat, lon, card[LAT], card[LON]) <= radius  # NaN (no coordinates) fails
        out[i] = keep
    return out
