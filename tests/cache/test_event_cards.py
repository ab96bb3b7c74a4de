"""Cards from catalogue events, and the one pass over the catalogue a publish makes."""

from __future__ import annotations

import datetime as dt

import pytest

from recsys.cache.cards import EventCard, Occurrence
from recsys.cache.event_cards import (
    SMALL_ORGANIZER_MAX_EVENTS,
    build_cards,
    card_from_event,
    snapshot_catalogue,
    to_us,
)
from recsys.domain.events import (
    Address,
    AgeRange,
    BookingAvailability,
    Calendar,
    CalendarType,
    Event,
    EventStatus,
    Organizer,
    Place,
    PriceCategory,
    PriceInfo,
    SubEvent,
    Tariff,
    WorkflowStatus,
)
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LanguageMap

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)


def at(day: int, hour: int = 20) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def single(day: int) -> Calendar:
    return Calendar(CalendarType.SINGLE, sub_events=(SubEvent(at(day), at(day, 22)),))


def make(event_id: str, calendar: Calendar | None = None, organizer: str = "org-big", **fields: object) -> Event:
    return Event(  # type: ignore[arg-type]
        id=event_id,
        name=LanguageMap({"nl": f"Voorstelling {event_id}", "fr": ""}),
        calendar=calendar or single(10),
        organizer=Organizer(organizer, LanguageMap.single(f"Organisator {organizer}")),
        **fields,
    )


def test_a_card_carries_what_serving_filters_and_shows() -> None:
    event = make(
        "e1",
        calendar=Calendar(
            CalendarType.MULTIPLE,
            sub_events=(
                SubEvent(at(10), at(10, 22)),
                SubEvent(at(3), at(3, 22), EventStatus.UNAVAILABLE),
                SubEvent(at(12), at(12, 22), booking=BookingAvailability.UNAVAILABLE),
            ),
        ),
        type_id="0.55.0.0.0",
        theme_id="1.3.1.0.0",
        facility_ids=("3.31.0.0.0", "3.27.0.0.0"),
        location=Place(
            "place-1",
            LanguageMap.single("Bourla"),
            Address("Antwerpen", "2000", "Komedieplaats 18"),
            GeoPoint(51.2166, 4.4),
        ),
        production_id="prod-1",
        price=PriceInfo(
            (
                Tariff(PriceCategory.BASE, LanguageMap.single("Basis"), 18.5),
                Tariff(PriceCategory.UITPAS, LanguageMap.single("UiTPAS"), 5.0),
            )
        ),
        age_range=AgeRange(12, None),
        image_url="https://example.org/e1.jpg",
    )
    card = card_from_event(event, region="BE-VAN", popularity=4.5, small_organizer=True)
    assert card == EventCard(
        event_id="e1",
        name={"nl": "Voorstelling e1"},
        occurrences=(
            Occurrence(to_us(at(3)), to_us(at(3, 22)), "Unavailable", "Available"),
            Occurrence(to_us(at(10)), to_us(at(10, 22)), "Available", "Available"),
            Occurrence(to_us(at(12)), to_us(at(12, 22)), "Available", "Unavailable"),
        ),
        calendar_type="multiple",
        production_id="prod-1",
        organizer_id="org-big",
        organizer_name="Organisator org-big",
        small_organizer=True,
        location_id="place-1",
        venue_name="Bourla",
        municipality="Antwerpen",
        postcode="2000",
        region="BE-VAN",
        lat=51.2166,
        lon=4.4,
        type_id="0.55.0.0.0",
        theme_id="1.3.1.0.0",
        type_label=card.type_label,
        facility_ids=("3.31.0.0.0", "3.27.0.0.0"),
        accessible=True,
        price_eur=18.5,
        uitpas=True,
        min_age=12,
        max_age=None,
        image_url="https://example.org/e1.jpg",
        popularity=4.5,
    )
    assert card.type_label["nl"] and card.type_label["en"]
    assert EventCard.from_dict(card.to_dict()) == card


def test_periodic_and_permanent_offers_keep_their_span() -> None:
    periodic = make("p", Calendar(CalendarType.PERIODIC, start=at(1, 10), end=dt.datetime(2026, 6, 30, 18, tzinfo=UTC)))
    card = card_from_event(periodic)
    assert card.occurrences == () and card.calendar_type == "periodic"
    assert (card.available_from_us, card.available_to_us) == (to_us(at(1, 10)), to_us(periodic.calendar.end))  # type: ignore[arg-type]
    permanent = card_from_event(make("q", Calendar(CalendarType.PERMANENT)))
    assert (permanent.available_from_us, permanent.available_to_us) == (None, None)
    assert not permanent.accessible and permanent.price_eur is None and permanent.region is None


def test_the_snapshot_finds_open_events_sources_and_small_organisers() -> None:
    def on(day: dt.datetime) -> Calendar:
        return Calendar(CalendarType.SINGLE, sub_events=(SubEvent(day, day + dt.timedelta(hours=2)),))

    events = [
        make("open-1", single(10)),
        make("open-2", single(20), organizer="org-small"),
        make("ended-recently", on(dt.datetime(2026, 2, 20, 20, tzinfo=UTC)), organizer="org-small"),
        make("ended-long-ago", on(dt.datetime(2026, 1, 1, 20, tzinfo=UTC))),
        make("cancelled", single(11), status=EventStatus.UNAVAILABLE),
        make("draft", single(12), workflow_status=WorkflowStatus.DRAFT),
        *(make(f"big-{i}", single(15)) for i in range(SMALL_ORGANIZER_MAX_EVENTS)),
    ]
    snapshot = snapshot_catalogue(reversed(events), NOW)
    open_ids = [e.id for e in snapshot.open_events]
    assert open_ids == sorted(open_ids) and "open-1" in open_ids and "open-2" in open_ids
    assert "cancelled" not in open_ids and "draft" not in open_ids and "ended-long-ago" not in open_ids
    assert "cancelled" in snapshot.similar_sources and "ended-recently" in snapshot.similar_sources
    assert "ended-long-ago" not in snapshot.similar_sources and "draft" not in snapshot.similar_sources
    assert snapshot.is_small_organizer("org-small") and not snapshot.is_small_organizer("org-big")
    assert not snapshot.is_small_organizer(None) and not snapshot.is_small_organizer("unknown")

    asked: list[tuple[str | None, str | None]] = []

    def regions(postcode: str | None, municipality: str | None) -> str | None:
        asked.append((postcode, municipality))
        return "BE-VOV"

    cards = build_cards(snapshot, regions=regions, popularity={"open-1": 3.0})
    assert [c.event_id for c in cards] == open_ids
    assert asked == [(None, None)]  # once per distinct place
    by_id = {c.event_id: c for c in cards}
    assert by_id["open-1"].popularity == 3.0 and by_id["open-2"].popularity == 0.0
    assert by_id["open-2"].small_organizer and not by_id["open-1"].small_organizer
    assert all(c.region == "BE-VOV" for c in cards)


def test_now_needs_a_time_zone() -> None:
    with pytest.raises(ValueError):
        snapshot_catalogue([], dt.datetime(2026, 3, 1))
