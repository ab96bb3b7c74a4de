import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import (
    AgeRange,
    AudienceType,
    BookingAvailability,
    Calendar,
    CalendarType,
    Event,
    EventStatus,
    OpeningHours,
    PriceCategory,
    PriceInfo,
    SubEvent,
    Tariff,
    WorkflowStatus,
)
from recsys.domain.language import LanguageMap

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=UTC)


def at(day: int, hour: int = 20) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def event(calendar: Calendar, **fields: object) -> Event:
    return Event(id="e1", name=LanguageMap.single("Concert"), calendar=calendar, **fields)  # type: ignore[arg-type]


def test_multiple_calendar_sorts_dates_and_derives_bounds() -> None:
    calendar = Calendar(CalendarType.MULTIPLE, sub_events=(SubEvent(at(28), at(28, 22)), SubEvent(at(26), at(26, 22))))
    assert [s.start for s in calendar.sub_events] == [at(26), at(28)]
    assert (calendar.start, calendar.end) == (at(26), at(28, 22))


def test_next_start_skips_past_and_cancelled_dates() -> None:
    calendar = Calendar(
        CalendarType.MULTIPLE,
        sub_events=(
            SubEvent(at(20), at(20, 22)),
            SubEvent(at(26), at(26, 22), status=EventStatus.UNAVAILABLE),
            SubEvent(at(28), at(28, 22)),
        ),
    )
    assert calendar.next_start(NOW) == at(28)


def test_calendar_shape_errors_name_the_field() -> None:
    with pytest.raises(InvalidFieldError, match="subEvent: a single calendar has one date, got 2"):
        Calendar(CalendarType.SINGLE, sub_events=(SubEvent(at(26), at(26, 22)), SubEvent(at(27), at(27, 22))))
    with pytest.raises(InvalidFieldError, match="subEvent: a multiple calendar needs at least one date"):
        Calendar(CalendarType.MULTIPLE)
    with pytest.raises(InvalidFieldError, match="endDate: a periodic calendar needs a start and an end date"):
        Calendar(CalendarType.PERIODIC, start=at(1))
    with pytest.raises(InvalidFieldError, match="end: end .* is before start"):
        SubEvent(at(26, 22), at(26, 20))
    with pytest.raises(InvalidFieldError, match="start: datetime .* has no time zone"):
        SubEvent(dt.datetime(2026, 11, 26, 20), at(26, 22))
    with pytest.raises(InvalidFieldError, match="dayOfWeek"):
        OpeningHours(dt.time(10), dt.time(17), weekdays=(7,))


def test_periodic_runs_until_its_end_and_permanent_never_ends() -> None:
    periodic = Calendar(CalendarType.PERIODIC, start=at(1), end=at(30))
    assert periodic.next_start(NOW) == NOW
    assert not periodic.is_over(NOW)
    assert periodic.is_over(at(30, 23))
    permanent = Calendar(CalendarType.PERMANENT)
    assert not permanent.is_over(NOW) and permanent.next_start(NOW) == NOW


def test_recommendable_means_public_open_bookable_and_still_to_come() -> None:
    upcoming = Calendar(CalendarType.SINGLE, sub_events=(SubEvent(at(28), at(28, 22)),))
    past = Calendar(CalendarType.SINGLE, sub_events=(SubEvent(at(20), at(20, 22)),))
    assert event(upcoming).is_recommendable(NOW)
    assert not event(past).is_recommendable(NOW)
    assert not event(upcoming, status=EventStatus.UNAVAILABLE).is_recommendable(NOW)
    assert not event(upcoming, booking=BookingAvailability.UNAVAILABLE).is_recommendable(NOW)
    assert not event(upcoming, workflow_status=WorkflowStatus.DRAFT).is_recommendable(NOW)
    assert not event(upcoming, audience=AudienceType.MEMBERS).is_recommendable(NOW)
    assert not event(upcoming, available_from=at(27)).is_recommendable(NOW)
    assert event(upcoming, workflow_status=WorkflowStatus.READY_FOR_VALIDATION).is_recommendable(NOW)


def test_price_info() -> None:
    free = PriceInfo((Tariff(PriceCategory.BASE, LanguageMap.single("Basistarief"), 0.0),))
    assert free.is_free and free.base_price == 0.0 and not free.has_uitpas
    paid = PriceInfo(
        (
            Tariff(PriceCategory.BASE, LanguageMap.single("Basistarief"), 12.5),
            Tariff(PriceCategory.UITPAS, LanguageMap.single("UiTPAS"), 3.0),
        )
    )
    assert not paid.is_free and paid.base_price == 12.5 and paid.has_uitpas
    assert PriceInfo().base_price is None and not PriceInfo().is_free
    with pytest.raises(InvalidFieldError, match="price: a price must be zero or more"):
        Tariff(PriceCategory.BASE, LanguageMap.single("x"), -1.0)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("18-", 18, None), ("-12", None, 12), ("-", None, None), ("6-12", 6, 12), (" 3 - 5 ", 3, 5)],
)
def test_age_range_parses_open_bounds(text: str, low: int | None, high: int | None) -> None:
    assert AgeRange.parse(text) == AgeRange(low, high)


@pytest.mark.parametrize("text", ["abc", "12", "5-3", "1-2-3", ""])
def test_age_range_refuses_garbage(text: str) -> None:
    with pytest.raises(InvalidFieldError, match="typicalAgeRange"):
        AgeRange.parse(text)


@given(st.one_of(st.none(), st.integers(0, 120)), st.one_of(st.none(), st.integers(0, 120)))
def test_age_range_round_trips_through_text(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and high < low:
        low, high = high, low
    assert AgeRange.parse(str(AgeRange(low, high))) == AgeRange(low, high)


def test_language_map_falls_back_to_main_then_any() -> None:
    texts = LanguageMap({"nl": "Wandeling", "fr": "Promenade"}, main="nl")
    assert texts.get("fr") == "Promenade"
    assert texts.get("en") == "Wandeling"
    assert LanguageMap({"fr": "Promenade"}, main="nl").get("en") == "Promenade"
    assert not LanguageMap()
