"""Event cards from catalogue events: what a publish stores and what the server builds for a new event.

The region is not computed here (``recsys`` does not import ``features``):
callers pass a lookup with the signature of :func:`features.regions.region_of`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from recsys.cache.cards import EventCard, Occurrence
from recsys.domain.events import CalendarType, Event
from recsys.domain.taxonomy import Taxonomy, default_taxonomy

#: ``(postcode, municipality) -> ISO 3166-2:BE region or None``, e.g. :func:`features.regions.region_of`.
RegionLookup = Callable[[str | None, str | None], str | None]

#: Publiq facilities that say a wheelchair user can attend.
WHEELCHAIR_FACILITIES: Final = frozenset(
    {
        "3.27.0.0.0",  # Rolstoeltoegankelijk (accessible for wheelchairs)
        "3.23.1.0.0",  # Voorzieningen voor rolstoelgebruikers (wheelchair facilities)
        "3.30.0.0.0",  # Rolstoelpodium (viewing platform for wheelchairs)
        "3.40.0.0.0",  # Inter-Toegankelijkheidsgarantie (certified accessibility)
    }
)
#: An organiser with at most this many events in the catalogue is *small* (exposure fairness lifts
#: them). In the synthetic Flemish season half of the organisers have at most 2 events and 90% at
#: most 7, while city venues have dozens; 5 separates village associations from institutions.
SMALL_ORGANIZER_MAX_EVENTS: Final = 5
#: Events that ended at most this long ago still get "similar events" lists: recent histories name them.
SIMILAR_LOOKBACK: Final = dt.timedelta(days=30)

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_us(moment: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def card_from_event(
    event: Event,
    *,
    region: str | None = None,
    popularity: float = 0.0,
    small_organizer: bool = False,
    taxonomy: Taxonomy | None = None,
) -> EventCard:
    """The card of one event.

    Parameters
    ----------
    event : Event
        The catalogue event.
    region : str, optional
        Its ISO 3166-2:BE region (:func:`features.regions.region_of` of its postcode and municipality).
    popularity : float
        What ranking reads as the event's popularity (see :func:`recsys.cache.candidates.card_popularity`).
    small_organizer : bool
        Whether its organiser is small (:data:`SMALL_ORGANIZER_MAX_EVENTS`).
    taxonomy : Taxonomy, optional
        For the event type's labels (default: the shipped publiq taxonomy).

    Returns
    -------
    EventCard

    """
    calendar = event.calendar
    dated = calendar.type in (CalendarType.SINGLE, CalendarType.MULTIPLE)
    occurrences = (
        tuple(Occurrence(to_us(s.start), to_us(s.end), s.status.value, s.booking.value) for s in calendar.sub_events)
        if dated
        else ()
    )
    periodic = calendar.type is CalendarType.PERIODIC
    term = (taxonomy or default_taxonomy()).get(event.type_id) if event.type_id else None
    organizer, place = event.organizer, event.location
    geo = event.geo
    name = {lang: text for lang, text in event.name.texts.items() if text} or {event.main_language: event.id}
    return EventCard(
        event_id=event.id,
        name=name,
        occurrences=occurrences,
        available_from_us=to_us(calendar.start) if periodic and calendar.start else None,
        available_to_us=to_us(calendar.end) if periodic and calendar.end else None,
        calendar_type=calendar.type.value,
        status=event.status.value,
        booking=event.booking.value,
        production_id=event.production_id,
        organizer_id=organizer.id if organizer else None,
        organizer_name=(organizer.name.get() or None) if organizer else None,
        small_organizer=small_organizer,
        location_id=place.id if place else None,
        venue_name=(place.name.get() or None) if place else None,
        municipality=event.municipality,
        postcode=event.postcode,
        region=region,
        lat=geo.lat if geo else None,
        lon=geo.lon if geo else None,
        type_id=event.type_id,
        theme_id=event.theme_id,
        type_label=dict(term.label.texts) if term else {},
        facility_ids=tuple(event.facility_ids),
        accessible=not WHEELCHAIR_FACILITIES.isdisjoint(event.facility_ids),
        price_eur=event.price.base_price,
        uitpas=event.price.has_uitpas,
        min_age=event.age_range.min if event.age_range else None,
        max_age=event.age_range.max if event.age_range else None,
        image_url=event.image_url,
        url=None,
        popularity=float(popularity),
    )


@dataclass(frozen=True, slots=True)
class CatalogueSnapshot:
    """What one pass over the catalogue tells a publish.

    Parameters
    ----------
    now : datetime
        The moment it was taken for.
    open_events : list of Event
        Events recommendable at ``now`` (:meth:`Event.is_recommendable`), sorted by id.
    similar_sources : list of str
        Ids of events that get a "similar events" list: every event not over
        at ``now - SIMILAR_LOOKBACK`` (open ones, and those a recent history may name), sorted.
    organizer_events : Counter
        Events per organiser id in the whole catalogue.

    """

    now: dt.datetime
    open_events: list[Event]
    similar_sources: list[str]
    organizer_events: Counter[str]

    def is_small_organizer(self, organizer_id: str | None) -> bool:
        """True for a known organiser with at most :data:`SMALL_ORGANIZER_MAX_EVENTS` events."""
        return organizer_id is not None and 0 < self.organizer_events[organizer_id] <= SMALL_ORGANIZER_MAX_EVENTS


def snapshot_catalogue(
    events: Iterable[Event], now: dt.datetime, *, lookback: dt.timedelta = SIMILAR_LOOKBACK
) -> CatalogueSnapshot:
    """Read the catalogue once: open events, events worth similar lists, organiser sizes.

    Raises
    ------
    ValueError
        When ``now`` has no time zone.

    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    since = now - lookback
    open_events: list[Event] = []
    sources: list[str] = []
    organizers: Counter[str] = Counter()
    for event in events:
        if event.organizer is not None:
            organizers[event.organizer.id] += 1
        if event.is_recommendable(now):
            open_events.append(event)
        if event.is_searchable(now) and not event.calendar.is_over(since):
            sources.append(event.id)
    open_events.sort(key=lambda e: e.id)
    return CatalogueSnapshot(now, open_events, sorted(sources), organizers)


def build_cards(
    snapshot: CatalogueSnapshot,
    *,
    regions: RegionLookup,
    popularity: Mapping[str, float],
    taxonomy: Taxonomy | None = None,
) -> list[EventCard]:
    """Cards of the snapshot's open events, in id order.

    Parameters
    ----------
    snapshot : CatalogueSnapshot
        From :func:`snapshot_catalogue`.
    regions : callable
        ``(postcode, municipality) -> region`` (:func:`features.regions.region_of`); asked once per distinct pair.
    popularity : mapping of str to float
        Popularity per event id (missing: 0).
    taxonomy : Taxonomy, optional
        For type labels.

    """
    chosen = taxonomy or default_taxonomy()
    region_of: dict[tuple[str | None, str | None], str | None] = {}
    cards = []
    for event in snapshot.open_events:
        place = (event.postcode, event.municipality)
        if place not in region_of:
            region_of[place] = regions(*place)
        cards.append(
            card_from_event(
                event,
                region=region_of[place],
                popularity=popularity.get(event.id, 0.0),
                small_organizer=snapshot.is_small_organizer(event.organizer.id if event.organizer else None),
                taxonomy=chosen,
            )
        )
    return cards
