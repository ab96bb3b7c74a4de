"""Calendars of synthetic events, and the moments one can attend them.

Single and multiple dates fall on the weekdays and months that suit the
discipline; periodic offers (exhibitions, camps in the school holidays,
signposted routes) run for a period with weekly opening hours; permanent
offers have opening hours only. :func:`attendable_slots` turns any calendar
into the epoch seconds at which someone can go, which is what the
behavioural model works with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsys.domain.events import (
    BookingAvailability,
    Calendar,
    CalendarType,
    DateRange,
    EventStatus,
    OpeningHours,
    SubEvent,
)
from recsys.synthetic.clock import DAY, local_datetime, local_to_utc
from recsys.synthetic.disciplines import RUN, SPREAD, WEEKLY, Discipline

# Relative number of dates per month (fewer around the holidays and in summer).
_MONTH_WEIGHT = {1: 0.8, 2: 1.0, 3: 1.2, 4: 1.0, 5: 1.1, 6: 0.8, 7: 0.5, 8: 0.6, 9: 1.1, 10: 1.2, 11: 1.2, 12: 0.9}
# Approximate Flemish school holidays (month, day) .. (month, day), inclusive.
_HOLIDAYS = (
    ((10, 27), (11, 5)),
    ((12, 21), (12, 31)),
    ((1, 1), (1, 4)),
    ((2, 14), (2, 22)),
    ((3, 30), (4, 14)),
    ((7, 1), (8, 31)),
)
_MUSEUM_HOURS = (
    OpeningHours(dt.time(10), dt.time(17), (1, 2, 3, 4, 5, 6)),
    OpeningHours(dt.time(13), dt.time(18), (2, 3, 4, 5, 6)),
    OpeningHours(dt.time(10), dt.time(18), (0, 1, 2, 3, 4, 5, 6)),
)
_CAMP_HOURS = OpeningHours(dt.time(9), dt.time(16), (0, 1, 2, 3, 4))


def is_school_holiday(day: dt.date) -> bool:
    """True on (approximate) Flemish school holidays."""
    key = (day.month, day.day)
    return any(lo <= key <= hi for lo, hi in _HOLIDAYS)


@dataclass(frozen=True, slots=True)
class SeasonDays:
    """The days of a season with their weekday and month.

    Parameters
    ----------
    days : tuple of date
        Every day of the season.

    """

    days: tuple[dt.date, ...]

    @property
    def start(self) -> dt.date:
        """First day."""
        return self.days[0]

    @property
    def end(self) -> dt.date:
        """Last day."""
        return self.days[-1]

    def weights(self, discipline: Discipline) -> npt.NDArray[np.float64]:
        """Probability of each day as the (first) date of an event of ``discipline``."""
        w = np.array(
            [
                discipline.weekdays[d.weekday()]
                * _MONTH_WEIGHT[d.month]
                * (2.0 if d.month in discipline.peak_months else 1.0)
                for d in self.days
            ]
        )
        if w.sum() <= 0:
            w = np.ones(len(self.days))
        return np.asarray(w / w.sum())


@dataclass(frozen=True, slots=True)
class DateStatus:
    """How likely dates are to be cancelled or sold out, and the event-level status."""

    event_status: EventStatus = EventStatus.AVAILABLE
    cancel_p: float = 0.0
    sold_out_p: float = 0.0


def start_time(rng: np.random.Generator, discipline: Discipline) -> tuple[int, int]:
    """A start time of the discipline; the first listed is the most common."""
    options = discipline.start_times
    p = np.full(len(options), 0.4 / max(1, len(options) - 1))
    p[0] = 0.6 if len(options) > 1 else 1.0
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def dated_calendar(
    rng: np.random.Generator,
    discipline: Discipline,
    first: dt.date,
    n_dates: int,
    shape: str,
    season: SeasonDays,
    status: DateStatus,
) -> Calendar:
    """A single or multiple calendar starting on ``first``.

    Parameters
    ----------
    rng : Generator
        Random stream.
    discipline : Discipline
        Gives the start time and duration.
    first : date
        First date.
    n_dates : int
        Wanted number of dates (fewer when the season ends first).
    shape : str
        :data:`RUN`, :data:`WEEKLY` or :data:`SPREAD`.
    season : SeasonDays
        Dates never fall after its end.
    status : DateStatus
        Cancellation and sold-out odds.

    """
    if n_dates <= 1:
        offsets = [0]
    elif shape == RUN:
        offsets = list(range(n_dates))
    elif shape == WEEKLY:
        offsets = [7 * i for i in range(n_dates)]
    else:
        assert shape == SPREAD
        extra = rng.choice(np.arange(1, 4 * n_dates + 7), size=n_dates - 1, replace=False)
        offsets = [0, *sorted(int(x) for x in extra)]
    days = [first + dt.timedelta(days=o) for o in offsets if first + dt.timedelta(days=o) <= season.end]
    return dated_calendar_on(rng, discipline, days, status)


def dated_calendar_on(
    rng: np.random.Generator, discipline: Discipline, days: list[dt.date], status: DateStatus
) -> Calendar:
    """A single or multiple calendar on the given days, all at one start time."""
    hour, minute = start_time(rng, discipline)
    duration = dt.timedelta(hours=discipline.duration_hours)
    subs = []
    for day in days:
        start = local_datetime(day, hour, minute)
        sub_status = status.event_status
        if sub_status is EventStatus.AVAILABLE and rng.random() < status.cancel_p:
            sub_status = EventStatus.UNAVAILABLE
        booking = BookingAvailability.UNAVAILABLE if rng.random() < status.sold_out_p else BookingAvailability.AVAILABLE
        subs.append(SubEvent(start, start + duration, sub_status, booking))
    kind = CalendarType.SINGLE if len(subs) == 1 else CalendarType.MULTIPLE
    return Calendar(kind, tuple(subs))


def periodic_calendar(rng: np.random.Generator, discipline: Discipline, season: SeasonDays) -> Calendar:
    """A period with opening hours: an exhibition, a holiday camp or a signposted route."""
    closed: tuple[DateRange, ...] = ()
    if discipline.key == "camp":
        mondays = [d for d in season.days if d.weekday() == 0]
        w = np.array([10.0 if is_school_holiday(d) else 0.3 for d in mondays])
        first = mondays[int(rng.choice(len(mondays), p=w / w.sum()))]
        last = first + dt.timedelta(days=4)
        hours: tuple[OpeningHours, ...] = (_CAMP_HOURS,)
    else:
        if discipline.key == "route":
            length = int(rng.integers(60, 241))
            hours = ()
        else:
            length = int(rng.integers(30, 121))
            hours = (_MUSEUM_HOURS[int(rng.integers(len(_MUSEUM_HOURS)))],)
        lo = season.start - dt.timedelta(days=30)
        span = max(1, (season.end - season.start).days - 14 + 30)
        first = lo + dt.timedelta(days=int(rng.integers(span)))
        last = first + dt.timedelta(days=length)
        closed = tuple(
            DateRange(d, d)
            for d in (dt.date(y, m, dd) for y in (first.year, last.year) for m, dd in ((12, 25), (1, 1)))
            if first <= d <= last
        )
        closed = tuple(sorted(set(closed), key=lambda r: r.start))
    opens = hours[0].opens if hours else dt.time(*start_time(rng, discipline))
    closes = hours[0].closes if hours else dt.time(20)
    return Calendar(
        CalendarType.PERIODIC,
        start=local_datetime(first, opens.hour, opens.minute),
        end=local_datetime(last, closes.hour, closes.minute),
        opening_hours=hours,
        closed_days=closed,
    )


def permanent_calendar(discipline: Discipline) -> Calendar:
    """A permanent offer: museum hours for a collection, none for a route."""
    hours = () if discipline.key == "route" else (_MUSEUM_HOURS[0],)
    return Calendar(CalendarType.PERMANENT, opening_hours=hours)


def attendable_slots(
    calendar: Calendar, season: SeasonDays, default_time: tuple[int, int]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """When one can attend: UTC epoch seconds of each possible start, and whether it can be booked.

    Dated calendars give their dates that take place; periodic and
    permanent ones every open day within the season (at opening time).
    """
    if calendar.type in (CalendarType.SINGLE, CalendarType.MULTIPLE):
        subs = [s for s in calendar.sub_events if s.status is EventStatus.AVAILABLE]
        starts = np.array([int(s.start.timestamp()) for s in subs], dtype=np.int64)
        bookable = np.array([s.booking is BookingAvailability.AVAILABLE for s in subs], dtype=np.bool_)
        return starts, bookable
    first, last = season.start, season.end
    if calendar.type is CalendarType.PERIODIC:
        assert calendar.start is not None and calendar.end is not None
        first = max(first, calendar.start.date())
        last = min(last, calendar.end.date())
    if last < first:
        return np.zeros(0, np.int64), np.zeros(0, np.bool_)
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    day_num = days.astype(np.int64)
    weekday = (day_num + 3) % 7  # 1970-01-01 was a Thursday
    keep = np.ones(len(days), dtype=np.bool_)
    if calendar.opening_hours:
        keep &= np.isin(weekday, calendar.opening_hours[0].weekdays)
    for closed in calendar.closed_days:
        keep &= (days < np.datetime64(closed.start, "D")) | (days > np.datetime64(closed.end, "D"))
    opens = calendar.opening_hours[0].opens if calendar.opening_hours else dt.time(*default_time)
    local = day_num[keep] * DAY + opens.hour * 3600 + opens.minute * 60
    return local_to_utc(local), np.ones(int(keep.sum()), dtype=np.bool_)
