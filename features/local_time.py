"""Weekday and hour of UTC timestamps as a Flemish visitor reads them (Brussels time).

Timestamps are stored in UTC, but "Saturday evening" is a local notion, so
both the content encoder and the ranking rows convert with the same code.
The EU summer-time rule is applied arithmetically
(:func:`recsys.synthetic.clock.brussels_offset`), which needs no time-zone
database and matches it for every year since 1996.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from recsys.synthetic.clock import brussels_offset

US_PER_SECOND: Final = 1_000_000
US_PER_HOUR: Final = 3_600 * US_PER_SECOND
US_PER_DAY: Final = 24 * US_PER_HOUR
#: Weekday of 1970-01-01 with Monday = 0 (it was a Thursday).
_EPOCH_WEEKDAY: Final = 3
SATURDAY: Final = 5
FRIDAY: Final = 4
#: From this local hour on Friday, an outing counts as weekend.
FRIDAY_EVENING_HOUR: Final = 17.0


def local_weekday_hour(
    timestamps_us: npt.ArrayLike, missing: int = -1
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """Return the Brussels weekday (Monday = 0) and fractional hour of each timestamp.

    Parameters
    ----------
    timestamps_us : array-like of int64
        Microseconds since the epoch (UTC).
    missing : int
        Timestamps equal to this value are unknown: weekday ``-1`` and hour NaN.

    Returns
    -------
    weekday : ndarray of int8
        0 (Monday) to 6 (Sunday), ``-1`` when unknown.
    hour : ndarray of float64
        Local hour in ``[0, 24)`` (``20.5`` is half past eight in the evening), NaN when unknown.

    """
    us = np.asarray(timestamps_us, dtype=np.int64)
    known = us != missing
    seconds = np.where(known, us // US_PER_SECOND, 0)
    local_us = np.where(known, us + brussels_offset(seconds) * US_PER_SECOND, 0)
    days = np.floor_divide(local_us, US_PER_DAY)
    weekday = np.where(known, (days + _EPOCH_WEEKDAY) % 7, -1).astype(np.int8)
    hour = np.where(known, (local_us - days * US_PER_DAY) / US_PER_HOUR, np.nan)
    return weekday, hour


def is_weekend(weekday: npt.NDArray[np.int8], hour: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """True for Friday from 17:00, Saturday and Sunday (local), the times people go out most."""
    return np.asarray((weekday >= SATURDAY) | ((weekday == FRIDAY) & (hour >= FRIDAY_EVENING_HOUR)))
