"""Cultural events, places and organisers as publiq's UiTdatabank describes them.

An *event* is one offer in the catalogue: a concert on one evening, a
theatre run with many dates, an exhibition open for months, or a permanent
offer such as a museum visit. Several events can belong to one *production*
(the same show touring several venues). Dates live in a :class:`Calendar`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LanguageMap


class CalendarType(StrEnum):
    """How an event's dates are described."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    PERIODIC = "periodic"
    PERMANENT = "permanent"


class EventStatus(StrEnum):
    """Whether an event (or one of its dates) takes place."""

    AVAILABLE = "Available"
    UNAVAILABLE = "Unavailable"  # cancelled
    TEMPORARILY_UNAVAILABLE = "TemporarilyUnavailable"  # postponed


class BookingAvailability(StrEnum):
    """Whether tickets or places can still be had."""

    AVAILABLE = "Available"
    UNAVAILABLE = "Unavailable"  # sold out / fully booked


class WorkflowStatus(StrEnum):
    """Editorial status of a record in the catalogue."""

    DRAFT = "DRAFT"
    READY_FOR_VALIDATION = "READY_FOR_VALIDATION"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    DELETED = "DELETED"
    ACTIVE = "ACTIVE"  # organisers only

    @property
    def is_public(self) -> bool:
        """True for the statuses the public Search API shows."""
        return self in (WorkflowStatus.APPROVED, WorkflowStatus.READY_FOR_VALIDATION, WorkflowStatus.ACTIVE)


class AudienceType(StrEnum):
    """Who an event is open to."""

    EVERYONE = "everyone"
    MEMBERS = "members"
    EDUCATION = "education"


class AttendanceMode(StrEnum):
    """Whether an event takes place on site, online or both."""

    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class PriceCategory(StrEnum):
    """Kind of a price line."""

    BASE = "base"
    TARIFF = "tariff"
    UITPAS = "uitpas"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address (in the record's main language).

    Parameters
    ----------
    municipality : str
        Locality as written in the address (``addressLocality``).
    postcode : str
        Belgian postcode, e.g. ``3000``.
    street : str
        Street and number.
    country : str
        ISO country code.

    """

    municipality: str = ""
    postcode: str = ""
    street: str = ""
    country: str = "BE"


@dataclass(frozen=True, slots=True)
class Place:
    """A venue or location.

    Parameters
    ----------
    id : str
        Place id.
    name : LanguageMap
        Venue name.
    address : Address or None
        Postal address.
    geo : GeoPoint or None
        Coordinates.
    type_id : str or None
        Place type term (``eventtype`` domain, places scope).
    workflow_status : WorkflowStatus
        Editorial status.
    is_dummy : bool
        True for placeholder locations (online events, legacy dummies).

    """

    id: str
    name: LanguageMap = field(default_factory=LanguageMap)
    address: Address | None = None
    geo: GeoPoint | None = None
    type_id: str | None = None
    workflow_status: WorkflowStatus = WorkflowStatus.APPROVED
    is_dummy: bool = False


@dataclass(frozen=True, slots=True)
class Organizer:
    """An organiser: from one big city venue to a village association.

    Parameters
    ----------
    id : str
        Organiser id.
    name : LanguageMap
        Name.
    address : Address or None
        Postal address.
    geo : GeoPoint or None
        Coordinates.
    url : str or None
        Website.
    labels : tuple of str
        Free-text labels.
    workflow_status : WorkflowStatus
        Editorial status.
    is_dummy : bool
        True for placeholder organisers (legacy records that name an
        organiser without an id).

    """

    id: str
    name: LanguageMap = field(default_factory=LanguageMap)
    address: Address | None = None
    geo: GeoPoint | None = None
    url: str | None = None
    labels: tuple[str, ...] = ()
    workflow_status: WorkflowStatus = WorkflowStatus.ACTIVE
    is_dummy: bool = False


@dataclass(frozen=True, slots=True)
class SubEvent:
    """One dated occurrence of an event.

    Parameters
    ----------
    start, end : datetime
        Time-zone aware start and end; ``end >= start``.
    status : EventStatus
        Whether this date takes place.
    booking : BookingAvailability
        Whether this date can still be booked.

    """

    start: dt.datetime
    end: dt.datetime
    status: EventStatus = EventStatus.AVAILABLE
    booking: BookingAvailability = BookingAvailability.AVAILABLE

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidFieldError(name, f"datetime {value.isoformat()} has no time zone")
        if self.end < self.start:
            raise InvalidFieldError("end", f"end {self.end.isoformat()} is before start {self.start.isoformat()}")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly opening hours of a periodic or permanent offer.

    Parameters
    ----------
    opens, closes : time
        Local opening and closing time; ``closes <= opens`` means past midnight.
    weekdays : tuple of int
        Days of the week, Monday = 0.

    """

    opens: dt.time
    closes: dt.time
    weekdays: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise InvalidFieldError("dayOfWeek", "opening hours need at least one day of the week")
        for day in self.weekdays:
            if not 0 <= day <= 6:
                raise InvalidFieldError("dayOfWeek", f"day of week must be 0..6 (Monday = 0), got {day}")


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of calendar days (closed or adjusted days)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidFieldError("endDate", f"{self.end} is before {self.start}")

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` lies within the range."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Calendar:
    """When an event takes place.

    Parameters
    ----------
    type : CalendarType
        single/multiple: ``sub_events`` hold the dates; periodic: ``start`` and
        ``end`` bound a period with optional ``opening_hours``; permanent: no
        dates, optional ``opening_hours``.
    sub_events : tuple of SubEvent
        Dated occurrences, sorted by start.
    start, end : datetime or None
        Period bounds (periodic) or first start / last end (single, multiple).
    opening_hours : tuple of OpeningHours
        Weekly hours for periodic and permanent offers.
    closed_days : tuple of DateRange
        Days a periodic or permanent offer is closed.

    """

    type: CalendarType
    sub_events: tuple[SubEvent, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    opening_hours: tuple[OpeningHours, ...] = ()
    closed_days: tuple[DateRange, ...] = ()

    def __post_init__(self) -> None:
        if self.type in (CalendarType.SINGLE, CalendarType.MULTIPLE):
            if not self.sub_events:
                raise InvalidFieldError("subEvent", f"a {self.type.value} calendar needs at least one date")
            if self.type is CalendarType.SINGLE and len(self.sub_events) != 1:
                raise InvalidFieldError("subEvent", f"a single calendar has one date, got {len(self.sub_events)}")
            ordered = tuple(sorted(self.sub_events, key=lambda s: s.start))
            object.__setattr__(self, "sub_events", ordered)
            object.__setattr__(self, "start", ordered[0].start)
            object.__setattr__(self, "end", max(s.end for s in ordered))
        elif self.type is CalendarType.PERIODIC:
            if self.start is None or self.end is None:
                raise InvalidFieldError(
                    "startDate" if self.start is None else "endDate",
                    "a periodic calendar needs a start and an end date",
                )
            if self.end < self.start:
                raise InvalidFieldError(
                    "endDate", f"end {self.end.isoformat()} is before start {self.start.isoformat()}"
                )
        elif self.sub_events:
            raise InvalidFieldError("subEvent", "a permanent calendar has no dates")

    def is_over(self, now: dt.datetime) -> bool:
        """True when the last date (or the period) has ended before ``now``."""
        if self.type is CalendarType.PERMANENT:
            return False
        return self.end is not None and self.end < now

    def upcoming(self, now: dt.datetime) -> tuple[SubEvent, ...]:
        """Dated occurrences that have not ended yet and take place."""
        return tuple(s for s in self.sub_events if s.end >= now and s.status is EventStatus.AVAILABLE)

    def next_start(self, now: dt.datetime) -> dt.datetime | None:
        """Start of the next occurrence that has not ended (``now`` for running periods)."""
        if self.type in (CalendarType.SINGLE, CalendarType.MULTIPLE):
            upcoming = self.upcoming(now)
            return min((s.start for s in upcoming), default=None)
        if self.type is CalendarType.PERIODIC:
            assert self.start is not None and self.end is not None
            if self.end < now:
                return None
            return max(self.start, now)
        return now


@dataclass(frozen=True, slots=True)
class Tariff:
    """One price line."""

    category: PriceCategory
    name: LanguageMap
    price: float
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not (self.price >= 0.0):
            raise InvalidFieldError("price", f"a price must be zero or more, got {self.price}")


@dataclass(frozen=True, slots=True)
class PriceInfo:
    """All price lines of an event; the first ``base`` line is the price shown."""

    tariffs: tuple[Tariff, ...] = ()

    @property
    def base_price(self) -> float | None:
        """The base price, or ``None`` when unknown."""
        for tariff in self.tariffs:
            if tariff.category is PriceCategory.BASE:
                return tariff.price
        return None

    @property
    def is_free(self) -> bool:
        """True when the base price is zero."""
        return self.base_price == 0.0

    @property
    def has_uitpas(self) -> bool:
        """True when a UiTPAS price is offered."""
        return any(t.category is PriceCategory.UITPAS for t in self.tariffs)


_AGE_RANGE = re.compile(r"^\s*(\d{1,3})?\s*-\s*(\d{1,3})?\s*$")


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Typical age range; either bound may be open (``"18-"``, ``"-12"``, ``"-"``)."""

    min: int | None = None
    max: int | None = None

    def __post_init__(self) -> None:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise InvalidFieldError("typicalAgeRange", f"maximum age {self.max} is below minimum age {self.min}")

    @classmethod
    def parse(cls, text: str) -> AgeRange:
        """Parse UiTdatabank's ``"min-max"`` notation.

        Raises
        ------
        InvalidFieldError
            When ``text`` is not of the form ``min-max`` with optional bounds.

        """
        match = _AGE_RANGE.match(text)
        if not match:
            raise InvalidFieldError(
                "typicalAgeRange", f"expected 'min-max' with optional bounds such as '18-' or '6-12', got {text!r}"
            )
        low, high = (int(g) if g is not None else None for g in match.groups())
        return cls(low, high)

    def admits(self, age: int) -> bool:
        """True when a person of ``age`` falls inside the range."""
        return (self.min is None or age >= self.min) and (self.max is None or age <= self.max)

    def __str__(self) -> str:
        return f"{'' if self.min is None else self.min}-{'' if self.max is None else self.max}"


@dataclass(frozen=True, slots=True)
class Event:
    """A cultural offer in the catalogue.

    Parameters
    ----------
    id : str
        Event id (last path segment of the UiTdatabank ``@id``).
    name, description : LanguageMap
        Title and description in one or more languages.
    type_id : str or None
        The event type term. UiTdatabank requires exactly one; legacy or draft
        records may lack it.
    theme_id : str or None
        Optional theme term.
    facility_ids : tuple of str
        Accessibility and other facility terms.
    other_terms : tuple of (str, str)
        ``(domain, id)`` pairs from domains the model does not interpret.
    calendar : Calendar
        Dates.
    location : Place or None
        Where it takes place (embedded or only referenced by id).
    organizer : Organizer or None
        Who organises it.
    production_id : str or None
        The production (one show, many dates and venues) it belongs to.
    price : PriceInfo
        Price lines.
    age_range : AgeRange or None
        Typical age range.
    audience : AudienceType
        Who may attend.
    attendance_mode : AttendanceMode
        On site, online or both.
    status : EventStatus
        Whether it takes place.
    booking : BookingAvailability
        Whether it can still be booked.
    workflow_status : WorkflowStatus
        Editorial status.
    available_from, available_to : datetime or None
        Publication window.
    labels : tuple of str
        Free-text labels (visible and hidden).
    image_url : str or None
        Main image.
    online_url : str or None
        Link for online attendance.
    created, modified : datetime or None
        Record timestamps.
    status_reason : LanguageMap
        Why the event is (temporarily) unavailable, when given.

    """

    id: str
    name: LanguageMap
    calendar: Calendar
    description: LanguageMap = field(default_factory=LanguageMap)
    type_id: str | None = None
    theme_id: str | None = None
    facility_ids: tuple[str, ...] = ()
    other_terms: tuple[tuple[str, str], ...] = ()
    location: Place | None = None
    organizer: Organizer | None = None
    production_id: str | None = None
    price: PriceInfo = field(default_factory=PriceInfo)
    age_range: AgeRange | None = None
    audience: AudienceType = AudienceType.EVERYONE
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    status: EventStatus = EventStatus.AVAILABLE
    booking: BookingAvailability = BookingAvailability.AVAILABLE
    workflow_status: WorkflowStatus = WorkflowStatus.APPROVED
    available_from: dt.datetime | None = None
    available_to: dt.datetime | None = None
    labels: tuple[str, ...] = ()
    image_url: str | None = None
    online_url: str | None = None
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    status_reason: LanguageMap = field(default_factory=LanguageMap)

    @property
    def main_language(self) -> str:
        """The authoritative language of the texts."""
        return self.name.main

    @property
    def geo(self) -> GeoPoint | None:
        """Coordinates of the location, when known."""
        return self.location.geo if self.location else None

    @property
    def municipality(self) -> str | None:
        """Municipality of the location, when known."""
        if self.location and self.location.address and self.location.address.municipality:
            return self.location.address.municipality
        return None

    @property
    def postcode(self) -> str | None:
        """Postcode of the location, when known."""
        if self.location and self.location.address and self.location.address.postcode:
            return self.location.address.postcode
        return None

    def is_searchable(self, now: dt.datetime) -> bool:
        """True when the public Search API would show this event at ``now``.

        That is: approved or ready for validation, inside its publication
        window and open to everyone.
        """
        if not self.workflow_status.is_public or self.audience is not AudienceType.EVERYONE:
            return False
        if self.available_from is not None and self.available_from > now:
            return False
        return self.available_to is None or self.available_to >= now

    def is_recommendable(self, now: dt.datetime) -> bool:
        """True when the event can be suggested to someone at ``now``.

        Searchable, taking place, bookable, and not over yet (periodic and
        permanent offers count while they run).
        """
        return (
            self.is_searchable(now)
            and self.status is EventStatus.AVAILABLE
            and self.booking is BookingAvailability.AVAILABLE
            and not self.calendar.is_over(now)
            and self.calendar.next_start(now) is not None
        )
