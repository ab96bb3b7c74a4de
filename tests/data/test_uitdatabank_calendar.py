"""Calendar parsing of the UiTdatabank importer: every calendar type and the legacy forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest

from recsys.data.uitdatabank import parse_calendar
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import BookingAvailability, CalendarType, DateRange, EventStatus

CET = dt.timezone(dt.timedelta(hours=1))


def test_single_with_sub_event() -> None:
    calendar = parse_calendar(
        {
            "calendarType": "single",
            "startDate": "2021-03-01T23:00:00+00:00",
            "endDate": "2021-03-02T22:59:59+00:00",
            "subEvent": [
                {
                    "@type": "Event",
                    "startDate": "2021-03-01T23:00:00+00:00",
                    "endDate": "2021-03-02T22:59:59+00:00",
                    "status": {"type": "TemporarilyUnavailable", "reason": {"nl": "Uitgesteld"}},
                    "bookingAvailability": {"type": "Unavailable"},
                    "childcare": {"start": "07:00", "end": "18:00"},
                    "overnight": True,
                }
            ],
        }
    )
    assert calendar.type is CalendarType.SINGLE
    (date,) = calendar.sub_events
    assert date.status is EventStatus.TEMPORARILY_UNAVAILABLE
    assert date.booking is BookingAvailability.UNAVAILABLE
    assert calendar.start == dt.datetime(2021, 3, 1, 23, tzinfo=dt.UTC)


def test_multiple_dates_are_sorted_and_inherit_top_level_status() -> None:
    calendar = parse_calendar(
        {
            "calendarType": "multiple",
            "status": {"type": "Available"},
            "bookingAvailability": {"type": "Unavailable"},
            "subEvent": [
                {
                    "startDate": "2017-05-07T20:00:00+02:00",
                    "endDate": "2017-05-07T22:00:00+02:00",
                    "status": {"type": "Unavailable"},
                },
                {"startDate": "2017-04-30T20:00:00+02:00", "endDate": "2017-04-30T22:00:00+02:00"},
            ],
        }
    )
    assert calendar.type is CalendarType.MULTIPLE
    first, second = calendar.sub_events
    assert first.start < second.start
    assert (first.status, second.status) == (EventStatus.AVAILABLE, EventStatus.UNAVAILABLE)
    assert first.booking is second.booking is BookingAvailability.UNAVAILABLE
    assert calendar.start == first.start and calendar.end == second.end


def test_legacy_multiple_without_sub_events_uses_the_top_level_dates() -> None:
    calendar = parse_calendar(
        {"calendarType": "multiple", "startDate": "2015-03-02T13:30:00+01:00", "endDate": "2015-03-30T16:30:00+02:00"}
    )
    (date,) = calendar.sub_events
    assert date.start == dt.datetime(2015, 3, 2, 13, 30, tzinfo=CET)


def test_legacy_single_without_end_is_a_point_in_time() -> None:
    calendar = parse_calendar({"calendarType": "single", "startDate": "2015-10-29T20:00:00+01:00"})
    (date,) = calendar.sub_events
    assert date.start == date.end


def test_periodic_with_opening_hours_and_closed_days() -> None:
    calendar = parse_calendar(
        {
            "calendarType": "periodic",
            "startDate": "2017-01-01T10:00:00+01:00",
            "endDate": "2017-06-30T23:00:00+02:00",
            "openingHours": [
                {"dayOfWeek": ["monday", "tuesday", "friday"], "opens": "09:00", "closes": "12:00"},
                {"dayOfWeek": ["saturday"], "opens": "22:00", "closes": "02:00"},
            ],
            "openingHoursClosedDays": [
                {"startDate": "2017-02-13", "endDate": "2017-02-17", "description": {"nl": "Krokusvakantie"}},
                {"startDate": "2017-04-17"},
            ],
            "openingHoursAdjustedDays": [{"startDate": "2017-02-08", "endDate": "2017-02-08", "openingHours": []}],
        }
    )
    assert calendar.type is CalendarType.PERIODIC
    assert calendar.start == dt.datetime(2017, 1, 1, 10, tzinfo=CET)
    weekdays, saturday = calendar.opening_hours
    assert weekdays.weekdays == (0, 1, 4)
    assert (saturday.opens, saturday.closes) == (dt.time(22), dt.time(2))  # past midnight
    assert calendar.closed_days == (
        DateRange(dt.date(2017, 2, 13), dt.date(2017, 2, 17)),
        DateRange(dt.date(2017, 4, 17), dt.date(2017, 4, 17)),
    )
    assert calendar.sub_events == ()


def test_permanent() -> None:
    calendar = parse_calendar(
        {"calendarType": "permanent", "openingHours": [{"dayOfWeek": ["sunday"], "opens": "10:00", "closes": "14:00"}]}
    )
    assert calendar.type is CalendarType.PERMANENT
    assert calendar.start is None and calendar.end is None
    assert calendar.opening_hours[0].weekdays == (6,)
    assert parse_calendar({"calendarType": "permanent"}).opening_hours == ()


def test_legacy_time_spans() -> None:
    calendar = parse_calendar(
        {
            "calendarType": "multiple",
            "timeSpans": [
                {
                    "start": "2020-01-26T09:00:00+01:00",
                    "end": "2020-02-01T16:00:00+01:00",
                    "bookingAvailability": {"type": "Unavailable"},
                },
                {"start": "2020-02-03T09:00:00+01:00", "end": "2020-02-10T16:00:00+01:00"},
            ],
        }
    )
    assert len(calendar.sub_events) == 2
    assert calendar.sub_events[0].booking is BookingAvailability.UNAVAILABLE


def test_legacy_timestamps_use_the_hour_as_date() -> None:
    calendar = parse_calendar(
        {
            "calendarType": "single",
            "timestamps": [
                {
                    "date": "2017-05-25T22:00:00.000Z",
                    "startHour": "21:00",
                    "startHourAsDate": "2017-05-26T19:00:00.000Z",
                    "endHour": "02:00",
                    "endHourAsDate": "2017-05-27T00:00:00.000Z",
                }
            ],
        }
    )
    (date,) = calendar.sub_events
    assert date.start == dt.datetime(2017, 5, 26, 19, tzinfo=dt.UTC)
    assert date.end == dt.datetime(2017, 5, 27, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"timeSpans": [{"start": "2020-02-03T09:00:00+01:00", "end": "2020-02-10T16:00:00+01:00"}]},
            CalendarType.SINGLE,
        ),
        (
            {
                "timeSpans": [
                    {"start": "2020-01-26T09:00:00+01:00", "end": "2020-02-01T16:00:00+01:00"},
                    {"start": "2020-02-03T09:00:00+01:00", "end": "2020-02-10T16:00:00+01:00"},
                ]
            },
            CalendarType.MULTIPLE,
        ),
        ({"startDate": "2020-01-26T09:00:00+01:00", "endDate": "2020-02-10T16:00:00+01:00"}, CalendarType.PERIODIC),
        ({}, CalendarType.PERMANENT),
        (
            {"type": "periodic", "startDate": "2020-01-26T09:00:00+01:00", "endDate": "2020-02-10T16:00:00+01:00"},
            CalendarType.PERIODIC,
        ),
    ],
)
def test_a_missing_calendar_type_is_inferred_like_the_entry_api(body: dict[str, Any], expected: CalendarType) -> None:
    assert parse_calendar(body).type is expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"calendarType": "foobar"}, "calendarType"),
        ({"calendarType": "single"}, "startDate"),
        ({"calendarType": "periodic", "startDate": "2017-01-01T10:00:00+01:00"}, "endDate"),
        (
            {
                "calendarType": "periodic",
                "startDate": "2017-06-01T10:00:00+01:00",
                "endDate": "2017-01-01T10:00:00+01:00",
            },
            "endDate",
        ),
        ({"calendarType": "multiple", "subEvent": [{"endDate": "2017-05-01T00:00:00+02:00"}]}, "subEvent[0].startDate"),
        (
            {
                "calendarType": "multiple",
                "subEvent": [
                    {"startDate": "2017-04-30T09:00:00+02:00", "endDate": "2017-04-30T12:00:00+02:00"},
                    {"startDate": "2017-05-01T20:00:00+02:00", "endDate": "2017-05-01T02:00:00+02:00"},
                ],
            },
            "subEvent[1].endDate",
        ),
        ({"calendarType": "multiple", "subEvent": [{"startDate": "2017-05-01T20:00:00+02:00"}]}, "subEvent[0].endDate"),
        ({"timeSpans": [{"start": "2020-05-07T12:02:53+00:00"}]}, "timeSpans[0].end"),
        ({"timeSpans": [{"end": "2020-05-07T15:02:53+00:00"}]}, "timeSpans[0].start"),
        (
            {"calendarType": "multiple", "subEvent": [{"startDate": "2017-05-01T20:00:00", "endDate": "x"}]},
            "subEvent[0].startDate",
        ),
        (
            {
                "calendarType": "multiple",
                "subEvent": [
                    {
                        "startDate": "2017-05-01T20:00:00+02:00",
                        "endDate": "2017-05-01T22:00:00+02:00",
                        "status": {"type": "Cancelled"},
                    }
                ],
            },
            "subEvent[0].status.type",
        ),
        (
            {"calendarType": "permanent", "openingHours": [{"opens": "09:00", "closes": "12:00"}]},
            "openingHours[0].dayOfWeek",
        ),
        (
            {
                "calendarType": "permanent",
                "openingHours": [{"dayOfWeek": ["st. patrick's day"], "opens": "13:00", "closes": "18:00"}],
            },
            "openingHours[0].dayOfWeek[0]",
        ),
        (
            {"calendarType": "permanent", "openingHours": [{"dayOfWeek": ["monday"], "opens": "13:00"}]},
            "openingHours[0].closes",
        ),
        (
            {"calendarType": "permanent", "openingHoursClosedDays": [{"startDate": "13/02/2017"}]},
            "openingHoursClosedDays[0].startDate",
        ),
        ({"calendarType": "permanent", "status": {"type": "Gone"}}, "status.type"),
    ],
)
def test_calendar_errors_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_calendar(body)
    assert info.value.field == field


def test_a_single_calendar_with_two_dates_is_an_error() -> None:
    with pytest.raises(InvalidFieldError, match="single calendar has one date"):
        parse_calendar(
            {
                "calendarType": "single",
                "subEvent": [
                    {"startDate": "2017-04-30T09:00:00+02:00", "endDate": "2017-04-30T12:00:00+02:00"},
                    {"startDate": "2017-05-01T09:00:00+02:00", "endDate": "2017-05-01T12:00:00+02:00"},
                ],
            }
        )


def test_naive_dates_with_a_default_zone() -> None:
    brussels = dt.timezone(dt.timedelta(hours=2))
    calendar = parse_calendar(
        {"calendarType": "single", "startDate": "2016-04-13T08:00:00", "endDate": "2016-04-13T12:00:00"},
        default_tz=brussels,
    )
    assert calendar.start == dt.datetime(2016, 4, 13, 6, tzinfo=dt.UTC)


# --- the calendar fixtures of publiq's calendar-summary and Entry API test suites ---------------


def test_calendar_summary_offer_fixtures(shared_data: Path) -> None:
    folder = shared_data / "uitdatabank" / "jsonld" / "events"
    expected = {
        "offer-with-adjusted-days": CalendarType.PERMANENT,
        "offer-with-opening-hours": CalendarType.PERIODIC,
        "offer-with-subevent-childcare": CalendarType.MULTIPLE,
        "offer-with-subevents": CalendarType.MULTIPLE,
        "offer": CalendarType.SINGLE,
        "permanent": CalendarType.PERMANENT,
        "single-offer-with-subevent-childcare": CalendarType.SINGLE,
    }
    for name, kind in expected.items():
        doc = orjson.loads((folder / f"calendar-summary-v3__Offer__{name}.json").read_bytes())
        calendar = parse_calendar(doc)
        assert calendar.type is kind, name
    offer = parse_calendar(orjson.loads((folder / "calendar-summary-v3__Offer__offer.json").read_bytes()))
    assert offer.sub_events[0].status is EventStatus.TEMPORARILY_UNAVAILABLE
    assert offer.sub_events[0].booking is BookingAvailability.UNAVAILABLE
    closed = parse_calendar(
        orjson.loads((folder / "calendar-summary-v3__Offer__offer-with-adjusted-days.json").read_bytes())
    )
    assert closed.closed_days == (DateRange(dt.date(2026, 12, 24), dt.date(2027, 1, 3)),)


# Entry API calendar bodies (PUT /events/{id}/calendar) and what they must give.
ENTRY_API_CALENDARS: dict[str, CalendarType | str] = {
    "calendar.json": CalendarType.SINGLE,
    "calendar_all_fields.json": "subEvent",  # "single" with two time spans
    "calendar_missing_start_and_end.json": "subEvent",  # "single" with two timestamps
    "calendar_missing_time_span_end.json": "timeSpans[0].end",
    "calendar_missing_time_span_start.json": "timeSpans[0].start",
    "calendar_with_booking_availability.json": CalendarType.SINGLE,
    "calendar_with_booking_availability_on_time_spans.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_time_spans.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_time_spans_and_start_and_end.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_timestamps_and_more_then_one_day_apart.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_timestamps_and_start_and_end_on_the_same_day.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_timestamps_and_start_and_end_one_day_later.json": CalendarType.MULTIPLE,
    "calendar_with_multiple_timestamps_mixed.json": CalendarType.MULTIPLE,
    "calendar_with_one_timestamp_and_end_more_then_one_day_later.json": CalendarType.SINGLE,
    "calendar_with_one_timestamp_and_end_one_day_later.json": CalendarType.SINGLE,
    "calendar_with_one_timestamp_and_start_and_end_on_the_same_day.json": CalendarType.SINGLE,
    "calendar_with_opening_hours.json": CalendarType.PERMANENT,
    "calendar_with_opening_hours_but_missing_fields.json": "openingHours[0].dayOfWeek",
    "calendar_with_single_time_span.json": CalendarType.SINGLE,
    "calendar_with_single_time_span_and_start_and_end.json": CalendarType.SINGLE,
    "calendar_with_start_and_end_date.json": CalendarType.PERIODIC,
    "calendar_with_status.json": CalendarType.SINGLE,
    "calendar_with_status_on_time_spans.json": CalendarType.MULTIPLE,
    "empty_calendar.json": CalendarType.PERMANENT,
}


def test_entry_api_calendar_bodies(shared_data: Path) -> None:
    folder = shared_data / "uitdatabank" / "entry-api-requests" / "calendar"
    assert {p.name for p in folder.glob("*.json")} == set(ENTRY_API_CALENDARS)
    for name, expected in ENTRY_API_CALENDARS.items():
        body = orjson.loads((folder / name).read_bytes())
        if isinstance(expected, CalendarType):
            assert parse_calendar(body).type is expected, name
        else:
            with pytest.raises(InvalidFieldError) as info:
                parse_calendar(body)
            assert info.value.field == expected, name
    spans = parse_calendar(orjson.loads((folder / "calendar_with_status_on_time_spans.json").read_bytes()))
    assert [s.status for s in spans.sub_events] == [EventStatus.TEMPORARILY_UNAVAILABLE, EventStatus.UNAVAILABLE]
