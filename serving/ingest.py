"""New and changed events: parse, store in the catalogue, card them live, give them vectors.

After :func:`ingest_events` an event is in the catalogue (durable), its card
is a live card (cache and in-process copy), and the hybrid model has a
vector for it, so the next request of a matching user can get it (source
``fresh``). A cancelled, sold-out or withdrawn event gets its card too: the
rules then keep it out of every list at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from features.regions import region_of
from recsys.cache.cards import EventCard
from recsys.cache.event_cards import card_from_event
from recsys.cache.protocol import CacheError
from recsys.data.uitdatabank import parse_event
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import Event, EventStatus
from serving.event_schema import EventIn
from serving.state import ServingState

#: JSON-LD date-times without a zone are Brussels time.
DEFAULT_ZONE: Final = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True, slots=True)
class Ingested:
    """What happened to one event."""

    event_id: str
    written: bool
    recommendable: bool


def is_json_ld(document: Mapping[str, Any]) -> bool:
    """True for a UiTdatabank JSON-LD document (it has ``@id``, ``@type`` or ``@context``)."""
    return any(key in document for key in ("@id", "@type", "@context"))


def parse_document(document: Any, event_id: str | None, field: str = "body") -> Event:
    """A domain event from JSON-LD or the API's own schema.

    Parameters
    ----------
    document : Any
        The decoded JSON.
    event_id : str or None
        The id from the URL (``PUT``); JSON-LD must name the same one in its ``@id``.
    field : str
        Prefix of error fields (``[3]`` in an import array).

    Raises
    ------
    InvalidFieldError
        Naming the field at fault.

    """
    if not isinstance(document, Mapping):
        raise InvalidFieldError(field, "expected a JSON object")
    if is_json_ld(document):
        try:
            event = parse_event(document, default_tz=DEFAULT_ZONE)
        except InvalidFieldError as exc:
            raise (exc.within(field) if field != "body" else exc) from None
        if event_id is not None and event.id != event_id:
            raise InvalidFieldError("@id", f"names event {event.id!r}, the URL {event_id!r}")
        return event
    if event_id is None:
        raise InvalidFieldError(field, "an import takes UiTdatabank JSON-LD documents (with @id)")
    try:
        parsed = EventIn.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in first["loc"]).replace(".[", "[")
        raise InvalidFieldError(location or field, str(first["msg"])) from None
    return parsed.to_event(event_id)


def _resolve(state: ServingState, event: Event) -> Event:
    """Fill a location or organiser given only by id from the catalogue."""
    catalogue = state.workspace.catalogue
    location, organizer = event.location, event.organizer
    if location is not None and location.address is None and location.geo is None:
        stored = catalogue.get_place(location.id)
        if stored is not None:
            event = dataclasses.replace(event, location=stored)
    if organizer is not None and not organizer.name:
        stored_organizer = catalogue.get_organizer(organizer.id)
        if stored_organizer is not None:
            event = dataclasses.replace(event, organizer=stored_organizer)
    return event


def card_of(event: Event, now: dt.datetime) -> EventCard:
    """The live card of an event; an event the public may not see is carded as unavailable."""
    card = card_from_event(event, region=region_of(event.postcode, event.municipality))
    if not event.is_searchable(now):
        card = dataclasses.replace(card, status=EventStatus.UNAVAILABLE.value)
    return card


def ingest_events(state: ServingState, events: Sequence[Event]) -> list[Ingested]:
    """Store events, put their live cards and give them vectors (see the module docstring)."""
    now = state.now()
    events = [_resolve(state, event) for event in events]
    catalogue = state.workspace.catalogue
    places = [e.location for e in events if e.location is not None and (e.location.address or e.location.geo)]
    organizers = [e.organizer for e in events if e.organizer is not None and e.organizer.name]
    if places:
        catalogue.put_places(places)
    if organizers:
        catalogue.put_organizers(organizers)
    before = {e.id: catalogue.get_event(e.id) for e in events}
    catalogue.put_events(events)
    cards = [card_of(event, now) for event in events]
    state.live.put(cards)
    # When the cache is down the in-process copy serves them; it is written back when the cache returns.
    with contextlib.suppress(CacheError):
        state.cache.call("put_live_cards", lambda: state.cache.backend.put_live_cards(cards))
    if state.has_engine:
        state.engine.add_events(events)
    return [Ingested(event.id, before[event.id] != event, event.is_recommendable(now)) for event in events]
