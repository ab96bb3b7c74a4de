"""Price, age and time-of-day bands: coarse categories that make events comparable.

Exact prices and ages matter less than the band they fall in (free, cheap,
pricey; toddlers, children, teenagers, adults). Bands are fixed here, not
learned, so an encoder saved today reads events of next season the same way.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

#: Price bands: ``free`` for a zero base price, then upper bounds in euro (inclusive).
PRICE_BANDS: Final = ("free", "up-to-10", "up-to-20", "up-to-35", "above-35")
_PRICE_UPPER: Final = np.array([10.0, 20.0, 35.0])

#: Age bands as ``(name, first age, last age)``, covering 0 to 120.
AGE_BANDS: Final = (
    ("0-2", 0, 2),
    ("3-5", 3, 5),
    ("6-11", 6, 11),
    ("12-17", 12, 17),
    ("18-25", 18, 25),
    ("26-64", 26, 64),
    ("65+", 65, 120),
)
MAX_AGE: Final = 120

#: Times of day as ``(name, first hour, end hour)`` in local time; ``night`` wraps midnight.
TIMES_OF_DAY: Final = (("morning", 5, 12), ("afternoon", 12, 17), ("evening", 17, 23), ("night", 23, 5))


def price_band(base_price: npt.NDArray[np.float64], is_free: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Return the position in :data:`PRICE_BANDS` of each event (``-1`` when the price is unknown).

    Parameters
    ----------
    base_price : ndarray of float64
        Base price in euro, NaN when unknown.
    is_free : ndarray of float64
        1.0 for free events, 0.0 for paying ones, NaN when unknown; a free
        flag wins over a missing price.

    """
    band = np.where(np.isnan(base_price), -1, 1 + np.searchsorted(_PRICE_UPPER, base_price, side="left"))
    band = np.where((base_price == 0.0) | (is_free == 1.0), 0, band)
    return band.astype(np.int8)


def age_band_matrix(min_age: npt.NDArray[np.float64], max_age: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Return which :data:`AGE_BANDS` each event's age range overlaps (events x bands).

    A missing bound is open (``min 18`` reaches 120); an event with neither
    bound is for everyone and marks no band, so it says nothing about age.
    """
    lo = np.where(np.isnan(min_age), 0.0, min_age)
    hi = np.where(np.isnan(max_age), float(MAX_AGE), max_age)
    first = np.array([band[1] for band in AGE_BANDS], dtype=np.float64)
    last = np.array([band[2] for band in AGE_BANDS], dtype=np.float64)
    overlaps = (lo[:, None] <= last[None, :]) & (hi[:, None] >= first[None, :])
    unbounded = np.isnan(min_age) & np.isnan(max_age)
    return np.asarray(overlaps & ~unbounded[:, None])


def time_of_day(hour: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Return the position in :data:`TIMES_OF_DAY` of each local hour (``-1`` for NaN)."""
    band = np.full(len(hour), -1, dtype=np.int8)
    for i, (_, start, end) in enumerate(TIMES_OF_DAY):
        inside = (hour >= start) & (hour < end) if start < end else (hour >= start) | (hour < end)
        band[inside] = i
    return band
