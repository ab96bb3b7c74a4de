"""The documented event schema of ``PUT /v1/events/{event_id}`` and its conversion to a domain event.

A flat, explicit alternative to UiTdatabank JSON-LD for systems that are not
UiTdatabank: names per language, dates, place, organiser, price, age and
access. Validation errors name the field (``dates[1].end``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from recsys.domain.errors import InvalidFieldError
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
)
from recsys.domain.geo import GeoPoint
from recsys.domain.ids import MAX_ID_LENGTH, id_pattern, validate_id
from recsys.domain.language import LanguageMap

Status = Literal["Available", "Unavailable", "TemporarilyUnavailable"]
Booking = Literal["Available", "Unavailable"]


class DateIn(BaseModel):
    """One date of the event."""

    model_config = ConfigDict(extra="forbid")

    start: dt.datetime = Field(description="Start (ISO 8601 with a zone)")
    end: dt.datetime = Field(description="End (ISO 8601 with a zone), not before the start")
    status: Status = Field("Available", description="Available, Unavailable (cancelled) or TemporarilyUnavailable")
    booking: Booking = Field("Available", description="Available or Unavailable (sold out)")


class PeriodIn(BaseModel):
    """The period of an exhibition or other offer that runs over a span of days."""

    model_config = ConfigDict(extra="forbid")

    start: dt.datetime = Field(description="First day (ISO 8601 with a zone)")
    end: dt.datetime = Field(description="Last day (ISO 8601 with a zone)")


class PlaceIn(BaseModel):
    """Where the event takes place."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=MAX_ID_LENGTH, pattern=id_pattern(), description="Place id")
    name: str | None = Field(None, max_length=300, description="Venue name")
    street: str | None = Field(None, max_length=300, description="Street and number")
    postcode: str | None = Field(None, pattern=r"^\d{4}$", description="Belgian postcode")
    municipality: str | None = Field(None, max_length=100, description="Municipality")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude (WGS84)")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude (WGS84)")


class OrganizerIn(BaseModel):
    """Who organises the event."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=MAX_ID_LENGTH, pattern=id_pattern(), description="Organiser id")
    name: str | None = Field(None, max_length=300, description="Organiser name")


class EventIn(BaseModel):
    """An event in the API's own schema (alternatively send UiTdatabank JSON-LD, recognised by its `@id`)."""

    model_config = ConfigDict(extra="forbid")

    name: dict[str, str] = Field(min_length=1, description="Title per language (`nl`, `fr`, `en`, `de`)")
    description: dict[str, str] = Field(default_factory=dict, description="Description per language")
    main_language: str = Field("nl", pattern="^(nl|fr|en|de)$", description="The authoritative language")
    type_id: str | None = Field(None, max_length=64, description="Event type (publiq taxonomy id)")
    theme_id: str | None = Field(None, max_length=64, description="Theme (publiq taxonomy id)")
    facility_ids: list[str] = Field(default_factory=list, max_length=50, description="Facilities (taxonomy ids)")
    dates: list[DateIn] = Field(default_factory=list, max_length=500, description="Dates (single or multiple)")
    period: PeriodIn | None = Field(None, description="A running period instead of dates")
    permanent: bool = Field(False, description="A permanent offer (no dates, no period)")
    location: PlaceIn | None = Field(None, description="The venue")
    organizer: OrganizerIn | None = Field(None, description="The organiser")
    production_id: str | None = Field(
        None, max_length=MAX_ID_LENGTH, pattern=id_pattern(), description="Production it belongs to"
    )
    price_eur: float | None = Field(None, ge=0, description="Base price in euro (0 = free)")
    uitpas_price_eur: float | None = Field(None, ge=0, description="UiTPAS price in euro, when offered")
    min_age: int | None = Field(None, ge=0, le=120, description="Typical minimum age")
    max_age: int | None = Field(None, ge=0, le=120, description="Typical maximum age")
    status: Status = Field("Available", description="Status of the event as a whole")
    booking: Booking = Field("Available", description="Booking availability of the event as a whole")
    image_url: str | None = Field(None, max_length=2000, description="Main image")

    def to_event(self, event_id: str) -> Event:
        """The domain event (raises :class:`InvalidFieldError` naming the field)."""
        validate_id(event_id, "event_id")
        main = self.main_language if self.name.get(self.main_language) else next(iter(self.name))
        calendar = self._calendar()
        tariffs = []
        if self.price_eur is not None:
            tariffs.append(Tariff(PriceCategory.BASE, LanguageMap.single("Basistarief", main), self.price_eur))
        if self.uitpas_price_eur is not None:
            tariffs.append(Tariff(PriceCategory.UITPAS, LanguageMap.single("UiTPAS", main), self.uitpas_price_eur))
        return Event(
            id=event_id,
            name=LanguageMap(dict(self.name), main=main),
            calendar=calendar,
            description=LanguageMap(dict(self.description), main=main),
            type_id=self.type_id,
            theme_id=self.theme_id,
            facility_ids=tuple(self.facility_ids),
            location=self._place(),
            organizer=None
            if self.organizer is None
            else Organizer(self.organizer.id, LanguageMap.single(self.organizer.name or "", main)),
            production_id=self.production_id,
            price=PriceInfo(tuple(tariffs)),
            age_range=None if self.min_age is None and self.max_age is None else _age(self.min_age, self.max_age),
            status=EventStatus(self.status),
            booking=BookingAvailability(self.booking),
            image_url=self.image_url,
        )

    def _calendar(self) -> Calendar:
        chosen = sum([bool(self.dates), self.period is not None, self.permanent])
        if chosen != 1:
            raise InvalidFieldError("dates", "give exactly one of: dates, period, permanent=true")
        if self.period is not None:
            return Calendar(CalendarType.PERIODIC, start=self.period.start, end=self.period.end)
        if self.permanent:
            return Calendar(CalendarType.PERMANENT)
        subs = []
        for i, date in enumerate(self.dates):
            try:
                subs.append(SubEvent(date.start, date.end, EventStatus(date.status), BookingAvailability(date.booking)))
            except InvalidFieldError as exc:
                raise exc.within(f"dates[{i}]") from None
        kind = CalendarType.SINGLE if len(subs) == 1 else CalendarType.MULTIPLE
        return Calendar(kind, sub_events=tuple(subs))

    def _place(self) -> Place | None:
        place = self.location
        if place is None:
            return None
        geo = None
        if place.lat is not None and place.lon is not None:
            geo = GeoPoint(place.lat, place.lon)
        elif (place.lat is None) != (place.lon is None):
            raise InvalidFieldError("location.lat", "give lat and lon together")
        address = (
            Address(municipality=place.municipality or "", postcode=place.postcode or "", street=place.street or "")
            if place.municipality or place.postcode or place.street
            else None
        )
        return Place(place.id, LanguageMap.single(place.name or "", self.main_language), address, geo)


def _age(low: int | None, high: int | None) -> AgeRange:
    try:
        return AgeRange(low, high)
    except InvalidFieldError as exc:
        raise InvalidFieldError("max_age", exc.problem) from None
