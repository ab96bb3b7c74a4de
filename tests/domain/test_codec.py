"""Round trips of catalogue entities through their JSON documents."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recsys.domain import codec
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import (
    Address,
    AgeRange,
    AttendanceMode,
    AudienceType,
    BookingAvailability,
    Calendar,
    CalendarType,
    DateRange,
    Event,
    EventStatus,
    OpeningHours,
    Organizer,
    Place,
    PriceCategory,
    PriceInfo,
    SubEvent,
    Tariff,
    WorkflowStatus,
)
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LANGUAGES, LanguageMap
from recsys.domain.users import AgeBand, User

# -- strategies -----------------------------------------------------------------------------------

ids = st.from_regex(r"[A-Za-z0-9._:-]{1,24}", fullmatch=True)
texts = st.text(max_size=30)
optional_texts = st.none() | texts
ZONES = (
    dt.UTC,
    dt.timezone(dt.timedelta(hours=2)),
    dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
    zoneinfo.ZoneInfo("Europe/Brussels"),
    zoneinfo.ZoneInfo("America/New_York"),
)
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.sampled_from(ZONES)
)
optional_datetimes = st.none() | aware_datetimes
dates = st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2100, 1, 1))


@st.composite
def language_maps(draw: st.DrawFn) -> LanguageMap:
    langs = draw(st.lists(st.sampled_from(LANGUAGES), unique=True, max_size=4))
    return LanguageMap({lang: draw(texts) for lang in langs}, main=draw(st.sampled_from(LANGUAGES)))


geo_points = st.builds(GeoPoint, st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
addresses = st.builds(Address, texts, texts, texts, st.sampled_from(["BE", "NL", "FR"]))
places = st.builds(
    Place,
    id=ids,
    name=language_maps(),
    address=st.none() | addresses,
    geo=st.none() | geo_points,
    type_id=st.none() | ids,
    workflow_status=st.sampled_from(WorkflowStatus),
    is_dummy=st.booleans(),
)
organizers = st.builds(
    Organizer,
    id=ids,
    name=language_maps(),
    address=st.none() | addresses,
    geo=st.none() | geo_points,
    url=optional_texts,
    labels=st.lists(texts, max_size=3).map(tuple),
    workflow_status=st.sampled_from(WorkflowStatus),
    is_dummy=st.booleans(),
)


@st.composite
def sub_events(draw: st.DrawFn) -> SubEvent:
    start = draw(aware_datetimes)
    end = start + draw(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30)))
    return SubEvent(start, end, draw(st.sampled_from(EventStatus)), draw(st.sampled_from(BookingAvailability)))


opening_hours = st.builds(
    OpeningHours,
    st.times(),
    st.times(),
    st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(tuple),
)


@st.composite
def date_ranges(draw: st.DrawFn) -> DateRange:
    start = draw(dates)
    return DateRange(start, start + dt.timedelta(days=draw(st.integers(0, 60))))


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    kind = draw(st.sampled_from(CalendarType))
    hours = tuple(draw(st.lists(opening_hours, max_size=2)))
    closed = tuple(draw(st.lists(date_ranges(), max_size=2)))
    if kind is CalendarType.SINGLE:
        return Calendar(kind, sub_events=(draw(sub_events()),))
    if kind is CalendarType.MULTIPLE:
        return Calendar(kind, sub_events=tuple(draw(st.lists(sub_events(), min_size=1, max_size=4))))
    if kind is CalendarType.PERIODIC:
        start = draw(aware_datetimes)
        end = start + draw(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)))
        return Calendar(kind, start=start, end=end, opening_hours=hours, closed_days=closed)
    return Calendar(kind, opening_hours=hours, closed_days=closed)


tariffs = st.builds(
    Tariff,
    st.sampled_from(PriceCategory),
    language_maps(),
    st.floats(min_value=0.0, allow_nan=False),  # includes +inf, which strict JSON lacks
    st.sampled_from(["EUR", "USD"]),
)


@st.composite
def age_ranges(draw: st.DrawFn) -> AgeRange:
    low = draw(st.none() | st.integers(0, 99))
    high = draw(st.none() | st.integers(low or 0, 120))
    return AgeRange(low, high)


events = st.builds(
    Event,
    id=ids,
    name=language_maps(),
    calendar=calendars(),
    description=language_maps(),
    type_id=st.none() | ids,
    theme_id=st.none() | ids,
    facility_ids=st.lists(ids, max_size=3).map(tuple),
    other_terms=st.lists(st.tuples(ids, ids), max_size=2).map(tuple),
    location=st.none() | places,
    organizer=st.none() | organizers,
    production_id=st.none() | ids,
    price=st.lists(tariffs, max_size=3).map(lambda ts: PriceInfo(tuple(ts))),
    age_range=st.none() | age_ranges(),
    audience=st.sampled_from(AudienceType),
    attendance_mode=st.sampled_from(AttendanceMode),
    status=st.sampled_from(EventStatus),
    status_reason=language_maps(),
    booking=st.sampled_from(BookingAvailability),
    workflow_status=st.sampled_from(WorkflowStatus),
    available_from=optional_datetimes,
    available_to=optional_datetimes,
    labels=st.lists(texts, max_size=3).map(tuple),
    image_url=optional_texts,
    online_url=optional_texts,
    created=optional_datetimes,
    modified=optional_datetimes,
)
users = st.builds(
    User,
    id=ids,
    home=st.none() | geo_points,
    home_municipality=optional_texts,
    home_postcode=optional_texts,
    age_band=st.none() | st.sampled_from(AgeBand),
    uitpas=st.booleans(),
    consent=st.booleans(),
)


# -- round trips ----------------------------------------------------------------------------------


def _through_text(document: dict[str, Any]) -> dict[str, Any]:
    """Pass a document through strict JSON text, as the stores do."""
    text = codec.dumps(document)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    return codec.loads(text)


@settings(max_examples=150, deadline=None)
@given(events)
def test_event_round_trip(event: Event) -> None:
    document = codec.event_to_dict(event)
    back = codec.event_from_dict(_through_text(document))
    assert back == event
    assert codec.dumps(codec.event_to_dict(back)) == codec.dumps(document)


@settings(max_examples=100, deadline=None)
@given(places)
def test_place_round_trip(place: Place) -> None:
    document = codec.place_to_dict(place)
    back = codec.place_from_dict(_through_text(document))
    assert back == place
    assert codec.dumps(codec.place_to_dict(back)) == codec.dumps(document)


@settings(max_examples=100, deadline=None)
@given(organizers)
def test_organizer_round_trip(organizer: Organizer) -> None:
    document = codec.organizer_to_dict(organizer)
    back = codec.organizer_from_dict(_through_text(document))
    assert back == organizer
    assert codec.dumps(codec.organizer_to_dict(back)) == codec.dumps(document)


@settings(max_examples=100, deadline=None)
@given(users)
def test_user_round_trip(user: User) -> None:
    document = codec.user_to_dict(user)
    back = codec.user_from_dict(_through_text(document))
    assert back == user
    assert codec.dumps(codec.user_to_dict(back)) == codec.dumps(document)


@settings(max_examples=100, deadline=None)
@given(aware_datetimes)
def test_datetime_keeps_wall_time_offset_and_zone(value: dt.datetime) -> None:
    start = SubEvent(value, value)
    back = (
        codec.event_from_dict(
            codec.event_to_dict(Event("e", LanguageMap.single("x"), Calendar(CalendarType.SINGLE, (start,))))
        )
        .calendar.sub_events[0]
        .start
    )
    assert back.replace(tzinfo=None) == value.replace(tzinfo=None)
    assert back.utcoffset() == value.utcoffset()
    if isinstance(value.tzinfo, zoneinfo.ZoneInfo):
        assert back.tzinfo == value.tzinfo


# -- the format itself ----------------------------------------------------------------------------


def test_stable_field_names_and_formats() -> None:
    brussels = zoneinfo.ZoneInfo("Europe/Brussels")
    event = Event(
        "e1",
        LanguageMap.single("Concert"),
        Calendar(
            CalendarType.SINGLE,
            (SubEvent(dt.datetime(2024, 5, 1, 20, tzinfo=brussels), dt.datetime(2024, 5, 1, 22, tzinfo=dt.UTC)),),
        ),
        age_range=AgeRange(6, 12),
        workflow_status=WorkflowStatus.READY_FOR_VALIDATION,
    )
    document = codec.event_to_dict(event)
    sub = document["calendar"]["sub_events"][0]
    assert sub["start"] == "2024-05-01T20:00:00+02:00[Europe/Brussels]"
    assert sub["end"] == "2024-05-01T22:00:00+00:00"
    assert document["workflow_status"] == "READY_FOR_VALIDATION"
    assert document["calendar"]["type"] == "single"
    assert document["age_range"] == {"min": 6, "max": 12}
    assert set(document) >= {"id", "name", "description", "calendar", "location", "organizer", "price"}


def test_plain_offset_datetime_is_accepted() -> None:
    document = codec.user_to_dict(User("u1"))
    assert codec.user_from_dict(document) == User("u1")
    event = codec.event_to_dict(
        Event(
            "e",
            LanguageMap.single("x"),
            Calendar(CalendarType.PERMANENT),
            created=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
    )
    event["created"] = "2024-01-01T01:00:00+01:00"
    assert codec.event_from_dict(event).created == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_infinite_price_is_strict_json() -> None:
    tariff = Tariff(PriceCategory.BASE, LanguageMap(), float("inf"))
    event = Event("e", LanguageMap.single("x"), Calendar(CalendarType.PERMANENT), price=PriceInfo((tariff,)))
    text = codec.dumps(codec.event_to_dict(event))
    assert "Infinity" not in text
    assert codec.event_from_dict(codec.loads(text)) == event


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("id"), "event"),
        (lambda d: d.update(status="Maybe"), "event"),
        (lambda d: d.update(created="yesterday"), "event"),
        (lambda d: d.update(created="2024-01-01T00:00:00"), "event"),
        (lambda d: d["calendar"].update(type="periodic"), "event.startDate"),
        (lambda d: d.update(labels="not a list"), "event"),
    ],
)
def test_malformed_documents_raise_invalid_field(mutate: Any, field: str) -> None:
    document = codec.event_to_dict(Event("e", LanguageMap.single("x"), Calendar(CalendarType.PERMANENT)))
    mutate(document)
    with pytest.raises(InvalidFieldError) as info:
        codec.event_from_dict(document)
    assert info.value.field == field


def test_loads_refuses_non_objects() -> None:
    with pytest.raises(InvalidFieldError):
        codec.loads("[1, 2]")
    with pytest.raises(InvalidFieldError):
        codec.loads("{not json")
