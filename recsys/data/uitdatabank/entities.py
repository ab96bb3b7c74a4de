"""Turn UiTdatabank JSON-LD documents into events, places and organisers.

Each parser reads one document (or one embedded object) and either returns a
domain object or raises :class:`~recsys.domain.errors.InvalidFieldError` with
the dotted path of the first field that is wrong, e.g.
``calendar.subEvent[1].startDate`` or ``location.geo.latitude``. Calendar
fields sit at the top level of a document but are reported under
``calendar.``.

Decisions worth knowing:

- An event needs an ``@id`` and a ``name`` (see :mod:`.calendar` for the
  dates). It may lack an event type (``type_id`` is then ``None``): UDB2-era
  exports and the drafts publiq's search service indexes often have no terms
  at all. More than one event type, or more than one theme, is an error
  (after the taxonomy has put mislabelled themes back in their domain, see
  :func:`~recsys.data.uitdatabank.fields.parse_terms`).
- Legacy Entry API bodies are read too: a nested ``calendar`` object and
  ``type``/``theme`` term objects.
- ``location``/``organizer`` may be embedded, a reference (only ``@id``, or
  the ``@id`` as a string), ``null`` or missing. A reference becomes a
  ``Place(id=...)``/``Organizer(id=...)`` without details; the importer fills
  them in from other documents when it can.
- A location or organiser without an ``@id`` but with a name or address is a
  legacy free-text one: it is kept as a *dummy* (``is_dummy=True``) whose id
  is ``dummy:`` plus a digest of its name and address, so the same free-text
  venue gets the same id in every record. Locations flagged
  ``isDummyPlaceForEducationEvents`` and the nil-UUID "online" location are
  dummies too.
- Missing ``workflowStatus`` reads as APPROVED (ACTIVE for organisers): the
  older projections that lack it only held published records.
- The legacy ``available`` field is read as ``availableFrom``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from recsys.data.uitdatabank.calendar import parse_calendar
from recsys.data.uitdatabank.fields import (
    expect_mapping,
    optional_datetime,
    parse_address,
    parse_age_range,
    parse_enum,
    parse_geo,
    parse_labels,
    parse_language_map,
    parse_main_language,
    parse_price_info,
    parse_terms,
    parse_typed,
    parse_url,
    type_name,
)
from recsys.data.uitdatabank.kinds import DocumentKind, classify, id_from_iri, is_reference
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import (
    Address,
    AttendanceMode,
    AudienceType,
    BookingAvailability,
    Event,
    EventStatus,
    Organizer,
    Place,
    WorkflowStatus,
)
from recsys.domain.ids import validate_id
from recsys.domain.language import LanguageMap
from recsys.domain.taxonomy import EVENT_TYPE, THEME, Taxonomy, default_taxonomy

T = TypeVar("T")

NIL_PLACE_ID = "00000000-0000-0000-0000-000000000000"  # publiq's "online" location
DUMMY_PREFIX = "dummy:"


def _within(parent: str, parse: Callable[[], T]) -> T:
    """Run ``parse`` and prefix the field of any error with ``parent``."""
    try:
        return parse()
    except InvalidFieldError as exc:
        raise exc.within(parent) from None


_ARTICLE = {DocumentKind.EVENT: "an event", DocumentKind.PLACE: "a place", DocumentKind.ORGANIZER: "an organizer"}


def _check_kind(doc: Mapping[str, Any], expected: DocumentKind) -> None:
    kind = classify(doc)
    if kind is not None and kind is not expected:
        raise InvalidFieldError("@id", f"expected {_ARTICLE[expected]} document, got {_ARTICLE[kind]} document")


def _dummy_id(kind: str, name: LanguageMap, address: Address | None) -> str:
    parts = [kind, name.get().casefold()]
    if address is not None:
        parts += [address.street.casefold(), address.postcode, address.municipality.casefold()]
    digest = hashlib.sha1("|".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{DUMMY_PREFIX}{digest[:16]}"


def _workflow(doc: Mapping[str, Any], default: WorkflowStatus) -> WorkflowStatus:
    value = doc.get("workflowStatus")
    return default if value is None else parse_enum(value, WorkflowStatus, "workflowStatus")


def _check_dates(doc: Mapping[str, Any], default_tz: dt.tzinfo | None) -> None:
    """Validate record dates that the domain object does not keep."""
    for key in ("availableFrom", "availableTo", "created", "modified"):
        optional_datetime(doc, key, default_tz)


# --- places -------------------------------------------------------------------------------


def _place(doc: Mapping[str, Any], place_id: str, main: str, default_tz: dt.tzinfo | None, taxonomy: Taxonomy) -> Place:
    main = parse_main_language(doc, default=main)
    terms = parse_terms(doc.get("terms"), taxonomy)
    _check_dates(doc, default_tz)
    return Place(
        id=place_id,
        name=parse_language_map(doc.get("name"), "name", main),
        address=parse_address(doc, main),
        geo=parse_geo(doc.get("geo")),
        type_id=terms.single(EVENT_TYPE, "a place has at most one place type"),
        workflow_status=_workflow(doc, WorkflowStatus.APPROVED),
        is_dummy=doc.get("isDummyPlaceForEducationEvents") is True or place_id == NIL_PLACE_ID,
    )


def parse_place(
    doc: Mapping[str, Any], *, default_tz: dt.tzinfo | None = None, taxonomy: Taxonomy | None = None
) -> Place:
    """Parse a place document.

    Parameters
    ----------
    doc : Mapping
        A JSON-LD place document (``@id`` ``…/place/<id>``).
    default_tz : tzinfo, optional
        Zone for date-times written without one; without it they are an error.
    taxonomy : Taxonomy, optional
        Term list used to sort terms into domains (default: the publiq taxonomy).

    Returns
    -------
    Place
        The place. Its calendar, prices and media are not part of the domain
        model; its dates (``availableFrom``, ``availableTo``, ``created``,
        ``modified``) are checked but not kept.

    Raises
    ------
    InvalidFieldError
        Naming the first field that is wrong.

    """
    _check_kind(doc, DocumentKind.PLACE)
    place_id = id_from_iri(doc.get("@id"))
    return _place(doc, place_id, parse_main_language(doc), default_tz, taxonomy or default_taxonomy())


def parse_location(
    value: object, *, main: str = "nl", default_tz: dt.tzinfo | None = None, taxonomy: Taxonomy | None = None
) -> Place | None:
    """Parse the ``location`` of an event (field paths in errors are relative to it).

    Parameters
    ----------
    value : object
        An embedded place, a reference (``{"@id": …}`` or the IRI as a
        string), a legacy free-text location without ``@id``, or ``None``.
    main : str
        Main language of the event, used when the location has none.
    default_tz : tzinfo, optional
        Zone for date-times written without one.
    taxonomy : Taxonomy, optional
        Term list (default: the publiq taxonomy).

    Returns
    -------
    Place or None
        ``None`` when there is no location or it holds nothing usable. A
        reference gives a ``Place`` with only its id.

    """
    if value is None:
        return None
    if isinstance(value, str):
        return Place(id=id_from_iri(value, "@id"))
    if not isinstance(value, Mapping):
        raise InvalidFieldError("", f"expected an object or a reference, got {type_name(value)}")
    iri = value.get("@id", value.get("id"))
    if iri is None or iri == "":
        place = _place(value, "", main, default_tz, taxonomy or default_taxonomy())
        if not (place.name or place.address or place.geo):
            return None
        return dataclasses.replace(place, id=_dummy_id("place", place.name, place.address), is_dummy=True)
    place_id = id_from_iri(iri, "@id")
    if is_reference(value):
        return Place(id=place_id)
    return _place(value, place_id, main, default_tz, taxonomy or default_taxonomy())


# --- organizers ---------------------------------------------------------------------------


def _organizer(doc: Mapping[str, Any], organizer_id: str, main: str, default_tz: dt.tzinfo | None) -> Organizer:
    main = parse_main_language(doc, default=main)
    _check_dates(doc, default_tz)
    return Organizer(
        id=organizer_id,
        name=parse_language_map(doc.get("name"), "name", main),
        address=parse_address(doc, main),
        geo=parse_geo(doc.get("geo")),
        url=parse_url(doc.get("url"), "url"),
        labels=parse_labels(doc),
        workflow_status=_workflow(doc, WorkflowStatus.ACTIVE),
    )


def parse_organizer(doc: Mapping[str, Any], *, default_tz: dt.tzinfo | None = None) -> Organizer:
    """Parse an organiser document.

    Parameters
    ----------
    doc : Mapping
        A JSON-LD organiser document (``@id`` ``…/organizers/<id>``).
    default_tz : tzinfo, optional
        Zone for date-times written without one; without it they are an error.

    Returns
    -------
    Organizer
        The organiser (``labels`` holds visible and hidden labels).

    Raises
    ------
    InvalidFieldError
        Naming the first field that is wrong.

    """
    _check_kind(doc, DocumentKind.ORGANIZER)
    organizer_id = id_from_iri(doc.get("@id"))
    return _organizer(doc, organizer_id, parse_main_language(doc), default_tz)


def parse_embedded_organizer(
    value: object, *, main: str = "nl", default_tz: dt.tzinfo | None = None
) -> Organizer | None:
    """Parse the ``organizer`` of an event or place (field paths in errors are relative to it).

    Returns ``None`` when absent or empty, an ``Organizer`` with only its id
    for a reference, and a dummy organiser for a legacy one without ``@id``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return Organizer(id=id_from_iri(value, "@id"))
    if not isinstance(value, Mapping):
        raise InvalidFieldError("", f"expected an object or a reference, got {type_name(value)}")
    iri = value.get("@id", value.get("id"))
    if iri is None or iri == "":
        organizer = _organizer(value, "", main, default_tz)
        if not (organizer.name or organizer.address):
            return None
        return dataclasses.replace(
            organizer, id=_dummy_id("organizer", organizer.name, organizer.address), is_dummy=True
        )
    organizer_id = id_from_iri(iri, "@id")
    if is_reference(value):
        return Organizer(id=organizer_id)
    return _organizer(value, organizer_id, main, default_tz)


# --- events -------------------------------------------------------------------------------


def _production_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return validate_id(value, "production") if value else None
    production = expect_mapping(value, "production")
    raw = production.get("id")
    return None if raw is None or raw == "" else validate_id(raw, "production.id")


def _audience(value: object) -> AudienceType:
    if value is None:
        return AudienceType.EVERYONE
    audience = expect_mapping(value, "audience")
    raw = audience.get("audienceType")
    return AudienceType.EVERYONE if raw is None else parse_enum(raw, AudienceType, "audience.audienceType")


def _status_reason(value: object, main: str) -> LanguageMap:
    if isinstance(value, Mapping):
        return parse_language_map(value.get("reason"), "status.reason", main)
    return LanguageMap(main=main)


def parse_event(
    doc: Mapping[str, Any], *, default_tz: dt.tzinfo | None = None, taxonomy: Taxonomy | None = None
) -> Event:
    """Parse one JSON-LD event document.

    Parameters
    ----------
    doc : Mapping
        The document as served by the Search or Entry API (``@id``
        ``…/event/<id>``), in the current model or an older projection.
    default_tz : tzinfo, optional
        Zone for date-times written without one; without it (the default)
        such a date-time is an error naming its field.
    taxonomy : Taxonomy, optional
        Term list used to sort terms into domains (default: the publiq taxonomy).

    Returns
    -------
    Event
        The event. A referenced-only location or organiser is a ``Place`` /
        ``Organizer`` holding only the id.

    Raises
    ------
    InvalidFieldError
        Naming the first field that is wrong, e.g. ``calendar.subEvent[1].endDate``.

    """
    event_id = id_from_iri(doc.get("@id"))
    _check_kind(doc, DocumentKind.EVENT)
    terms_source = taxonomy or default_taxonomy()
    main = parse_main_language(doc)
    name = parse_language_map(doc.get("name"), "name", main)
    if not name:
        raise InvalidFieldError("name", "missing; an event needs a name")
    # Status and booking are top-level fields that the calendar also reads
    # (as the default of every date); parse them first so errors name them.
    status = parse_typed(doc.get("status"), EventStatus, "status", EventStatus.AVAILABLE)
    booking = parse_typed(
        doc.get("bookingAvailability"), BookingAvailability, "bookingAvailability", BookingAvailability.AVAILABLE
    )
    status_reason = _status_reason(doc.get("status"), main)
    # Legacy Entry API bodies nest the calendar and give type/theme as objects.
    nested = doc.get("calendar")
    calendar_doc = nested if isinstance(nested, Mapping) and "calendarType" not in doc else doc
    calendar = _within("calendar", lambda: parse_calendar(calendar_doc, default_tz=default_tz))
    legacy_terms = [(key, doc[key]) for key in ("type", "theme") if isinstance(doc.get(key), Mapping)]
    terms = parse_terms(doc.get("terms"), terms_source, extra=legacy_terms)
    attendance = doc.get("attendanceMode")
    return Event(
        id=event_id,
        name=name,
        calendar=calendar,
        description=parse_language_map(doc.get("description"), "description", main),
        type_id=terms.single(EVENT_TYPE, "an event has exactly one event type"),
        theme_id=terms.single(THEME, "an event has at most one theme"),
        facility_ids=terms.facilities,
        other_terms=terms.other,
        location=_within(
            "location",
            lambda: parse_location(doc.get("location"), main=main, default_tz=default_tz, taxonomy=terms_source),
        ),
        organizer=_within(
            "organizer", lambda: parse_embedded_organizer(doc.get("organizer"), main=main, default_tz=default_tz)
        ),
        production_id=_production_id(doc.get("production")),
        price=parse_price_info(doc.get("priceInfo"), main),
        age_range=parse_age_range(doc.get("typicalAgeRange")),
        audience=_audience(doc.get("audience")),
        attendance_mode=(
            AttendanceMode.OFFLINE if attendance is None else parse_enum(attendance, AttendanceMode, "attendanceMode")
        ),
        status=status,
        booking=booking,
        workflow_status=_workflow(doc, WorkflowStatus.APPROVED),
        available_from=(
            optional_datetime(doc, "availableFrom", default_tz) or optional_datetime(doc, "available", default_tz)
        ),
        available_to=optional_datetime(doc, "availableTo", default_tz),
        labels=parse_labels(doc),
        image_url=parse_url(doc.get("image"), "image"),
        online_url=parse_url(doc.get("onlineUrl"), "onlineUrl"),
        created=optional_datetime(doc, "created", default_tz),
        modified=optional_datetime(doc, "modified", default_tz),
        status_reason=status_reason,
    )


__all__ = [
    "DUMMY_PREFIX",
    "NIL_PLACE_ID",
    "parse_embedded_organizer",
    "parse_event",
    "parse_location",
    "parse_organizer",
    "parse_place",
]
