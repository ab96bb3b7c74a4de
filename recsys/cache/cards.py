"""Event cards: the flattened, cached view of an event that serving filters, ranks and shows.

A card holds what the rules need without going back to the catalogue
(dates still to come, place, price, age, access, status, organiser) and what
a widget shows (name per language, image, venue, municipality). Cards are
built from domain events when candidates are published and when an event is
added or updated through the API, and travel as JSON dicts (no pickle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

from recsys.domain.errors import InvalidFieldError

#: Event statuses (schema.org style, as UiTdatabank uses them).
STATUS_AVAILABLE: Final = "Available"
#: Booking availability that allows a visit.
BOOKING_AVAILABLE: Final = "Available"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One date of an event.

    Parameters
    ----------
    start_us, end_us : int
        Start and end, microseconds since the epoch (UTC).
    status : str
        ``Available``, ``Unavailable`` (cancelled) or ``TemporarilyUnavailable`` (postponed).
    booking : str
        ``Available`` or ``Unavailable`` (sold out).

    """

    start_us: int
    end_us: int
    status: str = STATUS_AVAILABLE
    booking: str = BOOKING_AVAILABLE

    @property
    def is_open(self) -> bool:
        """True when this date takes place and can still be booked."""
        return self.status == STATUS_AVAILABLE and self.booking == BOOKING_AVAILABLE


@dataclass(frozen=True, slots=True)
class EventCard:
    """What serving knows about one event.

    Parameters
    ----------
    event_id : str
        The event's external id.
    name : mapping of str to str
        Title per language (``nl``, ``fr``, ``en``, ``de``; at least one).
    occurrences : tuple of Occurrence
        Dated occurrences, sorted by start (single and multiple calendars; for
        periodic and permanent offers without sub-events: empty).
    available_from_us, available_to_us : int or None
        The span a periodic or permanent offer runs (``None`` = open-ended).
        Cards are only built for public events, so no publication window is kept.
    calendar_type : str
        ``single``, ``multiple``, ``periodic`` or ``permanent``.
    status : str
        Status of the event as a whole (``Available``, ``Unavailable``, ``TemporarilyUnavailable``).
    booking : str
        Booking availability of the event as a whole (``Available``, ``Unavailable``).
    production_id, organizer_id, organizer_name, location_id, venue_name : str or None
        Who and where.
    small_organizer : bool
        True for organisers with few events (exposure fairness boosts them).
    municipality, postcode, region : str or None
        Place; ``region`` is an ISO 3166-2:BE code (``features.regions.REGIONS``).
    lat, lon : float or None
        Venue coordinates.
    type_id, theme_id : str or None
        Publiq taxonomy terms (the event type is the discipline used for diversity).
    type_label : mapping of str to str
        Label of the event type per language.
    facility_ids : tuple of str
        Accessibility and other facilities (publiq taxonomy ids).
    accessible : bool
        True when a facility says the venue or event is wheelchair accessible.
    price_eur : float or None
        Base price in euro (0 = free; ``None`` unknown).
    uitpas : bool
        True when an UiTPAS tariff applies.
    min_age, max_age : int or None
        Typical age range (``None`` = open bound).
    image_url, url : str or None
        Picture and the event's own page (the widget links to the host site through its URL template).
    popularity : float
        Recent popularity (time-decayed interactions) used by ranking features.

    """

    event_id: str
    name: Mapping[str, str]
    occurrences: tuple[Occurrence, ...] = ()
    available_from_us: int | None = None
    available_to_us: int | None = None
    calendar_type: str = "single"
    status: str = STATUS_AVAILABLE
    booking: str = BOOKING_AVAILABLE
    production_id: str | None = None
    organizer_id: str | None = None
    organizer_name: str | None = None
    small_organizer: bool = False
    location_id: str | None = None
    venue_name: str | None = None
    municipality: str | None = None
    postcode: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    type_id: str | None = None
    theme_id: str | None = None
    type_label: Mapping[str, str] = field(default_factory=dict)
    facility_ids: tuple[str, ...] = ()
    accessible: bool = False
    price_eur: float | None = None
    uitpas: bool = False
    min_age: int | None = None
    max_age: int | None = None
    image_url: str | None = None
    url: str | None = None
    popularity: float = 0.0

    @property
    def is_free(self) -> bool | None:
        """True for free events, False for paying ones, None when the price is unknown."""
        return None if self.price_eur is None else self.price_eur == 0.0

    def title(self, lang: str) -> str:
        """The name in ``lang``, else Dutch, else any language given."""
        return self.name.get(lang) or self.name.get("nl") or next(iter(self.name.values()), self.event_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (occurrences as ``[start_us, end_us, status, booking]`` lists)."""
        # Field by field without type checks: cards are encoded by the ten thousand when a version is published.
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        data["occurrences"] = [[o.start_us, o.end_us, o.status, o.booking] for o in self.occurrences]
        data["name"] = dict(self.name)
        data["type_label"] = dict(self.type_label)
        data["facility_ids"] = list(self.facility_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventCard:
        """Read a dict written by :meth:`to_dict`.

        Raises
        ------
        InvalidFieldError
            When a field is unknown, the id or name is missing, or occurrences are malformed.

        """
        if not _FIELD_SET.issuperset(data):
            unknown = sorted(set(data) - _FIELD_SET)
            raise InvalidFieldError(unknown[0], "is not a field of an event card")
        if not isinstance(data.get("event_id"), str) or not data["event_id"]:
            raise InvalidFieldError("event_id", "is required and must be a non-empty string")
        name = data.get("name")
        if not isinstance(name, Mapping) or not name:
            raise InvalidFieldError("name", "must map at least one language to a title")
        values = dict(data)
        try:
            values["occurrences"] = tuple(
                Occurrence(int(o[0]), int(o[1]), str(o[2]), str(o[3])) for o in data.get("occurrences", ())
            )
        except (TypeError, ValueError, IndexError) as exc:
            raise InvalidFieldError(
                "occurrences", f"must be [start_us, end_us, status, booking] lists ({exc})"
            ) from exc
        values["name"] = dict(name)
        values["type_label"] = dict(data.get("type_label", {}))
        values["facility_ids"] = tuple(data.get("facility_ids", ()))
        return cls(**values)


_FIELDS: Final = tuple(f.name for f in fields(EventCard))
_FIELD_SET: Final = frozenset(_FIELDS)
