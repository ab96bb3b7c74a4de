"""Instants as integer microseconds, and the local day and weekend marks of Brussels.

Cards store times as microseconds since the epoch (UTC); the rules compare
integers only, so a request's aware datetimes are converted once. Words such as
"today" and "this weekend" are about the visitor's calendar, which for the
Flemish and Brussels agendas is Europe/Brussels local time (DST included).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

#: Local time of the agendas this engine serves.
BRUSSELS: Final = ZoneInfo("Europe/Brussels")
#: The weekend starts on Friday at this local hour.
WEEKEND_START_HOUR: Final = 17

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US: Final = dt.timedelta(microseconds=1)


def to_us(value: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact integer arithmetic).

    Parameters
    ----------
    value : datetime
        An aware datetime.

    Returns
    -------
    int
        Microseconds since 1970-01-01T00:00:00Z.

    Raises
    ------
    ValueError
        When ``value`` is naive (its instant would be a guess).

    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a time zone is required, got the naive datetime {value.isoformat()}")
    return (value - _EPOCH) // _ONE_US


def from_us(value: int) -> dt.datetime:
    """The UTC datetime of ``value`` microseconds since the epoch."""
    return _EPOCH + dt.timedelta(microseconds=value)


def _local_us(day: dt.date, hour: int = 0) -> int:
    # 00:00 and 17:00 never fall in Brussels' DST gap (02:00-03:00), so combine is unambiguous.
    return to_us(dt.datetime.combine(day, dt.time(hour), tzinfo=BRUSSELS))


@dataclass(frozen=True, slots=True)
class DayMarks:
    """Boundaries of today, tomorrow and this weekend around one instant, in Brussels time.

    Parameters
    ----------
    now_us : int
        The instant the marks are computed for.
    today_us, tomorrow_us, day_after_us : int
        Local midnight starting today, tomorrow and the day after tomorrow.
    weekend_start_us, weekend_end_us : int
        Friday 17:00 and the Monday midnight that ends Sunday, of the current
        Monday-to-Sunday week (so on a Sunday evening the weekend is today's).

    """

    now_us: int
    today_us: int
    tomorrow_us: int
    day_after_us: int
    weekend_start_us: int
    weekend_end_us: int

    def is_today(self, start_us: int) -> bool:
        """True when ``start_us`` falls on today's local date (from now on)."""
        return start_us < self.tomorrow_us

    def is_tomorrow(self, start_us: int) -> bool:
        """True when ``start_us`` falls on tomorrow's local date."""
        return self.tomorrow_us <= start_us < self.day_after_us

    def is_this_weekend(self, start_us: int) -> bool:
        """True when ``start_us`` lies between Friday 17:00 and the end of Sunday of this week."""
        return self.weekend_start_us <= start_us < self.weekend_end_us


def day_marks(now_us: int) -> DayMarks:
    """Compute the :class:`DayMarks` around ``now_us``.

    Parameters
    ----------
    now_us : int
        Microseconds since the epoch.

    Returns
    -------
    DayMarks
        Local (Europe/Brussels) day and weekend boundaries.

    """
    return DayMarks(now_us, *_marks_of_day(from_us(now_us).astimezone(BRUSSELS).date()))


@functools.lru_cache(maxsize=64)
def _marks_of_day(today: dt.date) -> tuple[int, int, int, int, int]:
    # The same for every request of a day; five zone conversions are most of the cost of the marks.
    monday = today - dt.timedelta(days=today.weekday())
    return (
        _local_us(today),
        _local_us(today + dt.timedelta(days=1)),
        _local_us(today + dt.timedelta(days=2)),
        _local_us(monday + dt.timedelta(days=4), WEEKEND_START_HOUR),
        _local_us(monday + dt.timedelta(days=7)),
    )
