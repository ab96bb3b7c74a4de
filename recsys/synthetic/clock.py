"""Time helpers: Brussels local time, UTC epoch seconds, season days.

The behavioural model works on ``int64`` epoch seconds (UTC) so that
millions of timestamps stay numpy arrays. Domain objects carry time-zone
aware ``datetime`` values in ``Europe/Brussels``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = 86_400
HOUR = 3_600

I64 = npt.NDArray[np.int64]


def local_datetime(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Return ``day`` at ``hour:minute`` in Brussels (hours of 24 and more roll over)."""
    naive = dt.datetime(day.year, day.month, day.day) + dt.timedelta(hours=hour, minutes=minute)
    return naive.replace(tzinfo=BRUSSELS)


def day_epoch(day: dt.date) -> int:
    """Return the UTC epoch seconds of midnight UTC starting ``day``."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


@cache
def _dst_bounds(year: int) -> tuple[int, int]:
    """Epoch seconds when EU summer time starts and ends in ``year`` (01:00 UTC, last Sundays)."""

    def last_sunday(month: int) -> dt.date:
        last = dt.date(year, month, 31)
        return last - dt.timedelta(days=(last.weekday() + 1) % 7)

    start = dt.datetime.combine(last_sunday(3), dt.time(1), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_sunday(10), dt.time(1), tzinfo=dt.UTC)
    return int(start.timestamp()), int(end.timestamp())


def brussels_offset(utc_seconds: I64) -> I64:
    """Vectorised UTC offset of Brussels (3600 or 7200 seconds) at the given instants.

    Uses the EU rule (summer time from the last Sunday of March to the last
    Sunday of October, switching at 01:00 UTC), which matches the tz
    database for every year since 1996.
    """
    years = utc_seconds.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    lo, hi = int(years.min(initial=1970)), int(years.max(initial=1970))
    table = np.array([_dst_bounds(y) for y in range(lo, hi + 1)], dtype=np.int64).reshape(-1, 2)
    bounds = table[years - lo]
    summer = (utc_seconds >= bounds[:, 0]) & (utc_seconds < bounds[:, 1])
    return np.where(summer, 7_200, 3_600).astype(np.int64)


def local_to_utc(local_seconds: I64) -> I64:
    """Turn Brussels wall-clock seconds (as if UTC) into true UTC epoch seconds."""
    # The offset at (local - 1h) is right except inside the one ambiguous hour a year.
    return local_seconds - brussels_offset(local_seconds - HOUR)


def utc_to_local(utc_seconds: I64) -> I64:
    """Turn UTC epoch seconds into Brussels wall-clock seconds (as if UTC)."""
    return utc_seconds + brussels_offset(utc_seconds)


def weekday(local_seconds: I64) -> npt.NDArray[np.int8]:
    """Day of the week (Monday = 0) of wall-clock seconds."""
    # 1970-01-01 was a Thursday (weekday 3).
    return ((local_seconds // DAY + 3) % 7).astype(np.int8)


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
