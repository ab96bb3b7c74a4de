"""Import UiTdatabank JSON-LD files: read, classify, parse, filter, resolve.

One pass reads every document (see :mod:`.reader`), sorts it into event,
place or organiser (see :mod:`.kinds`), parses it (see :mod:`.entities`) and
applies the Search API filter (see :mod:`.filters`). A second, linear pass
completes events whose location or organiser was only referenced (or
embedded with fewer details) from the places and organisers found anywhere
in the same import, then from ``resolve_place``.

Bad data never raises: each record that cannot be imported becomes one
:class:`~recsys.domain.errors.RecordError` and the import goes on. Records are
parsed before they are filtered, so the errors are the same with or without
``keep_all``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from recsys.data.uitdatabank.entities import parse_event, parse_organizer, parse_place
from recsys.data.uitdatabank.filters import event_hidden_reason, organizer_hidden_reason, place_hidden_reason
from recsys.data.uitdatabank.kinds import DocumentKind, classify, is_reference, readable_id
from recsys.data.uitdatabank.reader import RawDocument, read_documents
from recsys.data.uitdatabank.result import SkippedRecord, UitdatabankImport
from recsys.domain.errors import InvalidFieldError, RecordError
from recsys.domain.events import Event, Organizer, Place
from recsys.domain.taxonomy import Taxonomy, default_taxonomy

PlaceResolver = Callable[[str], Place | None]

NOT_A_DOCUMENT = "not an event/place/organizer document"
REFERENCE_ONLY = "reference only, not embedded"

E = TypeVar("E", Place, Organizer)


def place_detail(place: Place) -> int:
    """How much a place record tells (0 for a bare reference)."""
    return bool(place.name) + (place.address is not None) + (place.geo is not None) + (place.type_id is not None)


def organizer_detail(organizer: Organizer) -> int:
    """How much an organiser record tells (0 for a bare reference)."""
    return (
        bool(organizer.name)
        + (organizer.address is not None)
        + (organizer.geo is not None)
        + (organizer.url is not None)
        + bool(organizer.labels)
    )


class _Index(Generic[E]):
    """The most detailed record per id; a whole document beats an embedded copy of equal detail."""

    def __init__(self, detail: Callable[[E], int]) -> None:
        self._detail: Callable[[E], int] = detail
        self._best: dict[str, tuple[tuple[int, bool], E]] = {}

    def add(self, record: E, *, document: bool) -> None:
        if record.is_dummy:
            return
        score = (self._detail(record), document)
        if score[0] == 0 and not document:
            return  # a bare reference adds nothing
        current = self._best.get(record.id)
        if current is None or score > current[0]:
            self._best[record.id] = (score, record)

    def get(self, record_id: str) -> E | None:
        found = self._best.get(record_id)
        return found[1] if found else None

    def records(self) -> list[E]:
        return [record for _, record in self._best.values()]


class _Importer:
    """State of one import run."""

    def __init__(
        self,
        *,
        keep_all: bool,
        as_of: dt.datetime,
        default_tz: dt.tzinfo | None,
        resolve_place: PlaceResolver | None,
        taxonomy: Taxonomy,
    ) -> None:
        self.keep_all = keep_all
        self.as_of = as_of
        self.default_tz = default_tz
        self.resolve_place = resolve_place
        self.taxonomy = taxonomy
        self.result = UitdatabankImport()
        self.places: _Index[Place] = _Index(place_detail)
        self.organizers: _Index[Organizer] = _Index(organizer_detail)
        # Event id -> (position in result.events, source): a later document
        # with the same id replaces the earlier one, as the catalogue's upsert
        # would, so importing the same files twice stores nothing new.
        self.event_positions: dict[str, tuple[int, str]] = {}

    def skip(self, raw: RawDocument, record_id: str, reason: str) -> None:
        self.result.skipped.append(SkippedRecord(raw.source, record_id, reason))

    def add(self, raw: RawDocument) -> None:
        doc: Mapping[str, Any] = raw.data
        record_id = readable_id(doc) or raw.position
        if is_reference(doc):
            self.skip(raw, record_id, REFERENCE_ONLY)
            return
        kind = classify(doc)
        if kind is None:
            self.skip(raw, record_id, NOT_A_DOCUMENT)
            return
        try:
            if kind is DocumentKind.EVENT:
                self.add_event(raw, record_id, parse_event(doc, default_tz=self.default_tz, taxonomy=self.taxonomy))
            elif kind is DocumentKind.PLACE:
                self.add_place(raw, record_id, parse_place(doc, default_tz=self.default_tz, taxonomy=self.taxonomy))
            else:
                self.add_organizer(raw, record_id, parse_organizer(doc, default_tz=self.default_tz))
        except InvalidFieldError as exc:
            self.result.errors.append(RecordError(raw.source, record_id, exc.field, exc.problem))

    def add_event(self, raw: RawDocument, record_id: str, event: Event) -> None:
        if not self.keep_all:
            reason = event_hidden_reason(event, self.as_of)
            if reason is not None:
                self.skip(raw, record_id, reason)
                return
        earlier = self.event_positions.get(event.id)
        if earlier is None:
            self.event_positions[event.id] = (len(self.result.events), raw.source)
            self.result.events.append(event)
        else:
            position, earlier_source = earlier
            self.result.skipped.append(
                SkippedRecord(earlier_source, event.id, f"superseded: the same id appears again in {raw.source}")
            )
            self.result.events[position] = event
            self.event_positions[event.id] = (position, raw.source)
        if event.location is not None and (self.keep_all or place_hidden_reason(event.location) is None):
            self.places.add(event.location, document=False)
        if event.organizer is not None and (self.keep_all or organizer_hidden_reason(event.organizer) is None):
            self.organizers.add(event.organizer, document=False)

    def add_place(self, raw: RawDocument, record_id: str, place: Place) -> None:
        reason = None if self.keep_all else place_hidden_reason(place)
        if reason is not None:
            self.skip(raw, record_id, reason)
        else:
            self.places.add(place, document=True)

    def add_organizer(self, raw: RawDocument, record_id: str, organizer: Organizer) -> None:
        reason = None if self.keep_all else organizer_hidden_reason(organizer)
        if reason is not None:
            self.skip(raw, record_id, reason)
        else:
            self.organizers.add(organizer, document=True)

    def resolved_place(self, place: Place, cache: dict[str, Place | None]) -> Place:
        best = self.places.get(place.id)
        if best is not None and place_detail(best) > place_detail(place):
            return best
        if place_detail(place) == 0 and self.resolve_place is not None:
            if place.id not in cache:
                try:
                    cache[place.id] = self.resolve_place(place.id)
                except LookupError:  # a store that raises for unknown ids
                    cache[place.id] = None
            found = cache[place.id]
            if found is not None:
                return found
        return place

    def finish(self) -> UitdatabankImport:
        cache: dict[str, Place | None] = {}
        events = self.result.events
        for i, event in enumerate(events):
            location, organizer = event.location, event.organizer
            if location is not None and not location.is_dummy:
                location = self.resolved_place(location, cache)
            if organizer is not None and not organizer.is_dummy:
                best = self.organizers.get(organizer.id)
                if best is not None and organizer_detail(best) > organizer_detail(organizer):
                    organizer = best
            if location is not event.location or organizer is not event.organizer:
                events[i] = dataclasses.replace(event, location=location, organizer=organizer)
        self.result.places = self.places.records()
        self.result.organizers = self.organizers.records()
        return self.result


def import_uitdatabank(
    paths: Iterable[Path | str],
    *,
    keep_all: bool = False,
    as_of: dt.datetime | None = None,
    default_tz: dt.tzinfo | None = None,
    resolve_place: PlaceResolver | None = None,
) -> UitdatabankImport:
    """Import UiTdatabank JSON-LD events, places and organisers.

    Parameters
    ----------
    paths : iterable of Path or str
        Files or folders (searched recursively, in sorted order, for
        ``.json``, ``.jsonl``, ``.ndjson``, optionally gzipped). A file may
        hold one document, an array of documents, a Search API v3 result page
        or JSON Lines.
    keep_all : bool
        Keep every record that parses. By default only what the public Search
        API would show at ``as_of`` is kept: events APPROVED or
        READY_FOR_VALIDATION, for everyone, with ``availableFrom <= as_of <=
        availableTo``; places and organisers that are not DELETED. The others
        are listed in ``skipped`` with the reason.
    as_of : datetime, optional
        Time-zone aware moment for the availability filter (default: now).
    default_tz : tzinfo, optional
        Zone for date-times written without one (e.g.
        ``ZoneInfo("Europe/Brussels")``). Without it such a date-time is an
        error naming its field.
    resolve_place : callable, optional
        ``resolve_place(place_id)`` returns the ``Place`` for an event whose
        location is only referenced and not found in this import, or
        ``None`` (raising ``LookupError`` counts as ``None``). Called at most
        once per id.

    Returns
    -------
    UitdatabankImport
        Events, places and organisers imported, errors and skipped records.

    Raises
    ------
    ValueError
        When ``as_of`` has no time zone (a programming error, not bad data).

    """
    if as_of is None:
        as_of = dt.datetime.now(dt.UTC)
    elif as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, got {as_of.isoformat()}")
    importer = _Importer(
        keep_all=keep_all,
        as_of=as_of,
        default_tz=default_tz,
        resolve_place=resolve_place,
        taxonomy=default_taxonomy(),
    )
    for item in read_documents(paths):
        if isinstance(item, RecordError):
            importer.result.errors.append(item)
        else:
            importer.add(item)
    return importer.finish()
