"""Turn the calendar fields of a UiTdatabank document into a :class:`Calendar`.

The calendar fields sit at the top level of an event or place document:
``calendarType``, ``startDate``/``endDate``, ``subEvent[]``, ``openingHours[]``
and ``openingHoursClosedDays[]``, plus ``status`` and ``bookingAvailability``
that each date inherits unless it has its own. Legacy Entry API bodies carry
the dates as ``timeSpans[{start, end}]`` or ``timestamps[]`` instead of
``subEvent[]``; both are read the same way.

Decisions worth knowing:

- single/multiple calendars without any ``subEvent`` (documents exported
  before sub-events existed) get one date from the top-level
  ``startDate``/``endDate``. When that ``endDate`` is missing too, the date
  ends when it starts: UDB2 timestamps often had a start hour only, and
  publiq's search service indexes such records rather than rejecting them.
- a sub-event without an end, or with an end before its start, is an error.
- a missing ``calendarType`` is inferred as the Entry API infers it: one
  date is single, several are multiple, a start and an end make a periodic
  calendar, and nothing at all a permanent one. An unknown value is an error.
- ``openingHoursAdjustedDays`` and ``childcare``/``overnight`` are not kept
  by the domain model and are not read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from recsys.data.uitdatabank.fields import (
    expect_list,
    expect_mapping,
    expect_text,
    parse_datetime,
    parse_day,
    parse_enum,
    parse_time_of_day,
    parse_typed,
)
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import (
    WEEKDAYS,
    BookingAvailability,
    Calendar,
    CalendarType,
    DateRange,
    EventStatus,
    OpeningHours,
    SubEvent,
)

# Where the dates of a single/multiple calendar may be, newest form first,
# with the keys each form uses for start and end.
_DATE_LISTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("subEvent", ("startDate", "start"), ("endDate", "end")),
    ("timeSpans", ("start", "startDate"), ("end", "endDate")),
    ("timestamps", ("startHourAsDate", "start", "startDate", "date"), ("endHourAsDate", "end", "endDate")),
)
_WEEKDAY_INDEX = {name: i for i, name in enumerate(WEEKDAYS)}


def parse_calendar(doc: Mapping[str, Any], *, default_tz: dt.tzinfo | None = None) -> Calendar:
    """Parse the calendar fields of a document.

    Parameters
    ----------
    doc : Mapping
        An event or place document, or an Entry API calendar body.
    default_tz : tzinfo, optional
        Zone for date-times written without one; without it they are an error.

    Returns
    -------
    Calendar
        The calendar; single/multiple dates are sorted by start.

    Raises
    ------
    InvalidFieldError
        With the field path relative to ``doc``, e.g. ``subEvent[1].startDate``.

    """
    status = parse_typed(doc.get("status"), EventStatus, "status", EventStatus.AVAILABLE)
    booking = parse_typed(
        doc.get("bookingAvailability"), BookingAvailability, "bookingAvailability", BookingAvailability.AVAILABLE
    )
    dates = _find_dates(doc)
    kind = _calendar_type(doc, dates)

    if kind in (CalendarType.SINGLE, CalendarType.MULTIPLE):
        if dates is not None:
            key, items, start_keys, end_keys = dates
            sub_events = tuple(
                _sub_event(item, f"{key}[{i}]", start_keys, end_keys, status, booking, default_tz)
                for i, item in enumerate(items)
            )
        else:
            sub_events = (_top_level_date(doc, kind, status, booking, default_tz),)
        return Calendar(kind, sub_events=sub_events)

    opening_hours = _opening_hours(doc.get("openingHours"), "openingHours")
    closed_days = _closed_days(doc.get("openingHoursClosedDays"), "openingHoursClosedDays")
    if kind is CalendarType.PERIODIC:
        for key in ("startDate", "endDate"):
            if doc.get(key) in (None, ""):
                raise InvalidFieldError(key, "missing; a periodic calendar needs a start and an end date")
        start = parse_datetime(doc["startDate"], "startDate", default_tz)
        end = parse_datetime(doc["endDate"], "endDate", default_tz)
        if end < start:
            raise InvalidFieldError("endDate", f"end {end.isoformat()} is before start {start.isoformat()}")
        return Calendar(kind, start=start, end=end, opening_hours=opening_hours, closed_days=closed_days)
    return Calendar(kind, opening_hours=opening_hours, closed_days=closed_days)


def _find_dates(doc: Mapping[str, Any]) -> tuple[str, list[Any], tuple[str, ...], tuple[str, ...]] | None:
    """Return the first non-empty list of dates and the keys its items use."""
    for key, start_keys, end_keys in _DATE_LISTS:
        value = doc.get(key)
        if value is None:
            continue
        items = expect_list(value, key)
        if items:
            return key, items, start_keys, end_keys
    return None


def _calendar_type(
    doc: Mapping[str, Any], dates: tuple[str, list[Any], tuple[str, ...], tuple[str, ...]] | None
) -> CalendarType:
    raw = doc.get("calendarType")
    field = "calendarType"
    if raw is None and isinstance(doc.get("type"), str):
        raw, field = doc["type"], "type"  # Entry API calendar bodies
    if raw is not None:
        return parse_enum(raw, CalendarType, field)
    if dates is not None:
        return CalendarType.SINGLE if len(dates[1]) == 1 else CalendarType.MULTIPLE
    if doc.get("startDate") and doc.get("endDate"):
        return CalendarType.PERIODIC
    return CalendarType.PERMANENT


def _first(obj: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, Any]:
    """Return the first of ``keys`` with a value (or the first key and ``None``)."""
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return key, value
    return keys[0], None


def _sub_event(
    raw: object,
    where: str,
    start_keys: tuple[str, ...],
    end_keys: tuple[str, ...],
    status: EventStatus,
    booking: BookingAvailability,
    default_tz: dt.tzinfo | None,
) -> SubEvent:
    item = expect_mapping(raw, where)
    start_key, start_raw = _first(item, start_keys)
    end_key, end_raw = _first(item, end_keys)
    if start_raw is None:
        raise InvalidFieldError(f"{where}.{start_key}", "missing; every date needs a start")
    if end_raw is None:
        raise InvalidFieldError(f"{where}.{end_key}", "missing; every date needs an end")
    start = parse_datetime(start_raw, f"{where}.{start_key}", default_tz)
    end = parse_datetime(end_raw, f"{where}.{end_key}", default_tz)
    if end < start:
        raise InvalidFieldError(f"{where}.{end_key}", f"end {end.isoformat()} is before start {start.isoformat()}")
    return SubEvent(
        start=start,
        end=end,
        status=parse_typed(item.get("status"), EventStatus, f"{where}.status", status),
        booking=parse_typed(
            item.get("bookingAvailability"), BookingAvailability, f"{where}.bookingAvailability", booking
        ),
    )


def _top_level_date(
    doc: Mapping[str, Any],
    kind: CalendarType,
    status: EventStatus,
    booking: BookingAvailability,
    default_tz: dt.tzinfo | None,
) -> SubEvent:
    """The one date of a legacy single/multiple calendar without sub-events."""
    if doc.get("startDate") in (None, ""):
        raise InvalidFieldError("startDate", f"missing; a {kind.value} calendar needs subEvent[] or a startDate")
    start = parse_datetime(doc["startDate"], "startDate", default_tz)
    end = start
    if doc.get("endDate") not in (None, ""):
        end = parse_datetime(doc["endDate"], "endDate", default_tz)
        if end < start:
            raise InvalidFieldError("endDate", f"end {end.isoformat()} is before start {start.isoformat()}")
    return SubEvent(start=start, end=end, status=status, booking=booking)


def _opening_hours(value: object, field: str) -> tuple[OpeningHours, ...]:
    if value is None:
        return ()
    hours: list[OpeningHours] = []
    for i, raw in enumerate(expect_list(value, field)):
        where = f"{field}[{i}]"
        item = expect_mapping(raw, where)
        for key in ("dayOfWeek", "opens", "closes"):
            if item.get(key) in (None, ""):
                raise InvalidFieldError(f"{where}.{key}", "missing")
        days_raw = item["dayOfWeek"]
        days_list = [days_raw] if isinstance(days_raw, str) else expect_list(days_raw, f"{where}.dayOfWeek")
        if not days_list:
            raise InvalidFieldError(f"{where}.dayOfWeek", "opening hours need at least one day of the week")
        weekdays: list[int] = []
        for j, day in enumerate(days_list):
            name = expect_text(day, f"{where}.dayOfWeek[{j}]").strip().lower()
            if name not in _WEEKDAY_INDEX:
                raise InvalidFieldError(
                    f"{where}.dayOfWeek[{j}]", f"expected a day of the week (monday ... sunday), got {day!r}"
                )
            weekdays.append(_WEEKDAY_INDEX[name])
        hours.append(
            OpeningHours(
                opens=parse_time_of_day(item["opens"], f"{where}.opens"),
                closes=parse_time_of_day(item["closes"], f"{where}.closes"),
                weekdays=tuple(sorted(set(weekdays))),
            )
        )
    return tuple(hours)


def _closed_days(value: object, field: str) -> tuple[DateRange, ...]:
    if value is None:
        return ()
    ranges: list[DateRange] = []
    for i, raw in enumerate(expect_list(value, field)):
        where = f"{field}[{i}]"
        item = expect_mapping(raw, where)
        if item.get("startDate") in (None, ""):
            raise InvalidFieldError(f"{where}.startDate", "missing")
        start = parse_day(item["startDate"], f"{where}.startDate")
        end = start if item.get("endDate") in (None, "") else parse_day(item["endDate"], f"{where}.endDate")
        if end < start:
            raise InvalidFieldError(f"{where}.endDate", f"{end} is before {start}")
        ranges.append(DateRange(start, end))
    return tuple(ranges)
