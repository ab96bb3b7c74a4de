"""Lossless conversion of catalogue entities to JSON-compatible documents and back.

The stores keep one JSON document per entity, so the field names written here
are a storage format: they are spelled out one by one (never derived from
attribute names) and must not change. Conventions:

- datetimes are ISO-8601 with their UTC offset; an IANA zone (``ZoneInfo``)
  is kept as an RFC 9557 suffix, ``2024-05-01T20:00:00+02:00[Europe/Brussels]``;
- dates and times are ISO-8601; enums are written as their values;
- tuples become lists; absent optional values are ``null``;
- non-finite floats (which strict JSON lacks) are written as strings.

:func:`dumps` gives the canonical text of a document (sorted keys, no
whitespace), so two equal entities always give identical text; the stores
rely on that to recognise unchanged records.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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
from recsys.domain.language import LanguageMap
from recsys.domain.users import AgeBand, User

#: A JSON-compatible document (the output of the ``*_to_dict`` functions).
Document = dict[str, Any]

_T = TypeVar("_T")


# -- text -----------------------------------------------------------------------------------------


def dumps(document: Mapping[str, Any]) -> str:
    """Return the canonical JSON text of a document.

    Parameters
    ----------
    document : Mapping[str, Any]
        A document made by one of the ``*_to_dict`` functions.

    Returns
    -------
    str
        Compact JSON with sorted keys; equal documents give identical text.

    """
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Document:
    """Parse JSON text into a document.

    Raises
    ------
    InvalidFieldError
        When the text is not a JSON object.

    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFieldError("", f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidFieldError("", f"expected a JSON object, got {type(value).__name__}")
    return value


# -- scalars --------------------------------------------------------------------------------------


def _datetime_out(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    if isinstance(value.tzinfo, zoneinfo.ZoneInfo):
        # The offset alone loses the zone (and with it DST rules); keep the key.
        text += f"[{value.tzinfo.key}]"
    return text


def _datetime_in(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 string, got {type(value).__name__}")
    zone_key = None
    if value.endswith("]") and "[" in value:
        value, _, zone_key = value[:-1].partition("[")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"datetime {value!r} has no UTC offset")
    if zone_key is None:
        return parsed
    zone = zoneinfo.ZoneInfo(zone_key)
    # Keep the wall time and pick the fold that gives the written offset, so
    # ambiguous and skipped local times come back exactly as they were.
    for fold in (0, 1):
        candidate = parsed.replace(tzinfo=zone, fold=fold)
        if candidate.utcoffset() == parsed.utcoffset():
            return candidate
    return parsed.astimezone(zone)  # the zone's rules changed since writing


def _date_in(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 date string, got {type(value).__name__}")
    return dt.date.fromisoformat(value)


def _time_in(value: Any) -> dt.time:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 time string, got {type(value).__name__}")
    return dt.time.fromisoformat(value)


def _float_out(value: float) -> float | str:
    return value if math.isfinite(value) else repr(float(value))


def _float_in(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("expected a number, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def _str_in(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _opt_str_in(value: Any) -> str | None:
    return None if value is None else _str_in(value)


def _int_in(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _opt_int_in(value: Any) -> int | None:
    return None if value is None else _int_in(value)


def _bool_in(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _strs_in(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(_str_in(v) for v in value)


def _list_in(value: Any, item: Callable[[Any], _T]) -> tuple[_T, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(item(v) for v in value)


def _opt(value: Any, decode: Callable[[Any], _T]) -> _T | None:
    return None if value is None else decode(value)


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


# -- small value objects --------------------------------------------------------------------------


def _language_map_out(value: LanguageMap) -> Document:
    return {"texts": dict(value.texts), "main": value.main}


def _language_map_in(value: Any) -> LanguageMap:
    doc = _object(value)
    texts = {_str_in(k): _str_in(v) for k, v in _object(doc["texts"]).items()}
    return LanguageMap(texts, main=_str_in(doc["main"]))


def _geo_out(value: GeoPoint | None) -> Document | None:
    return None if value is None else {"lat": value.lat, "lon": value.lon}


def _geo_in(value: Any) -> GeoPoint:
    doc = _object(value)
    return GeoPoint(_float_in(doc["lat"]), _float_in(doc["lon"]))


def _address_out(value: Address | None) -> Document | None:
    if value is None:
        return None
    return {
        "municipality": value.municipality,
        "postcode": value.postcode,
        "street": value.street,
        "country": value.country,
    }


def _address_in(value: Any) -> Address:
    doc = _object(value)
    return Address(
        municipality=_str_in(doc["municipality"]),
        postcode=_str_in(doc["postcode"]),
        street=_str_in(doc["street"]),
        country=_str_in(doc["country"]),
    )


def _sub_event_out(value: SubEvent) -> Document:
    return {
        "start": _datetime_out(value.start),
        "end": _datetime_out(value.end),
        "status": value.status.value,
        "booking": value.booking.value,
    }


def _sub_event_in(value: Any) -> SubEvent:
    doc = _object(value)
    start, end = _datetime_in(doc["start"]), _datetime_in(doc["end"])
    if start is None or end is None:
        raise ValueError("a dated occurrence needs a start and an end")
    return SubEvent(start, end, EventStatus(doc["status"]), BookingAvailability(doc["booking"]))


def _opening_hours_out(value: OpeningHours) -> Document:
    return {"opens": value.opens.isoformat(), "closes": value.closes.isoformat(), "weekdays": list(value.weekdays)}


def _opening_hours_in(value: Any) -> OpeningHours:
    doc = _object(value)
    return OpeningHours(_time_in(doc["opens"]), _time_in(doc["closes"]), _list_in(doc["weekdays"], _int_in))


def _date_range_out(value: DateRange) -> Document:
    return {"start": value.start.isoformat(), "end": value.end.isoformat()}


def _date_range_in(value: Any) -> DateRange:
    doc = _object(value)
    return DateRange(_date_in(doc["start"]), _date_in(doc["end"]))


def _calendar_out(value: Calendar) -> Document:
    return {
        "type": value.type.value,
        "sub_events": [_sub_event_out(s) for s in value.sub_events],
        "start": _datetime_out(value.start),
        "end": _datetime_out(value.end),
        "opening_hours": [_opening_hours_out(h) for h in value.opening_hours],
        "closed_days": [_date_range_out(d) for d in value.closed_days],
    }


def _calendar_in(value: Any) -> Calendar:
    doc = _object(value)
    return Calendar(
        type=CalendarType(doc["type"]),
        sub_events=_list_in(doc.get("sub_events", []), _sub_event_in),
        start=_datetime_in(doc.get("start")),
        end=_datetime_in(doc.get("end")),
        opening_hours=_list_in(doc.get("opening_hours", []), _opening_hours_in),
        closed_days=_list_in(doc.get("closed_days", []), _date_range_in),
    )


def _tariff_out(value: Tariff) -> Document:
    return {
        "category": value.category.value,
        "name": _language_map_out(value.name),
        "price": _float_out(value.price),
        "currency": value.currency,
    }


def _tariff_in(value: Any) -> Tariff:
    doc = _object(value)
    return Tariff(
        category=PriceCategory(doc["category"]),
        name=_language_map_in(doc["name"]),
        price=_float_in(doc["price"]),
        currency=_str_in(doc["currency"]),
    )


def _age_range_out(value: AgeRange | None) -> Document | None:
    return None if value is None else {"min": value.min, "max": value.max}


def _age_range_in(value: Any) -> AgeRange:
    doc = _object(value)
    return AgeRange(_opt_int_in(doc.get("min")), _opt_int_in(doc.get("max")))


def _term_pair_in(value: Any) -> tuple[str, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError(f"expected a [domain, id] pair, got {value!r}")
    return _str_in(value[0]), _str_in(value[1])


# -- entities -------------------------------------------------------------------------------------


def _decoding(kind: str, decode: Callable[[Mapping[str, Any]], _T], document: Mapping[str, Any]) -> _T:
    """Run ``decode`` and turn any malformed-document error into :class:`InvalidFieldError`."""
    try:
        return decode(document)
    except InvalidFieldError as exc:
        raise exc.within(kind) from None
    except KeyError as exc:
        raise InvalidFieldError(kind, f"document lacks the field {exc.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise InvalidFieldError(kind, f"malformed document: {exc}") from None


def place_to_dict(place: Place) -> Document:
    """Return the JSON-compatible document of a place.

    Parameters
    ----------
    place : Place
        The place.

    Returns
    -------
    dict
        A document that :func:`place_from_dict` turns back into an equal place.

    """
    return {
        "id": place.id,
        "name": _language_map_out(place.name),
        "address": _address_out(place.address),
        "geo": _geo_out(place.geo),
        "type_id": place.type_id,
        "workflow_status": place.workflow_status.value,
        "is_dummy": place.is_dummy,
    }


def _place_in(doc: Mapping[str, Any]) -> Place:
    return Place(
        id=_str_in(doc["id"]),
        name=_language_map_in(doc["name"]),
        address=_opt(doc.get("address"), _address_in),
        geo=_opt(doc.get("geo"), _geo_in),
        type_id=_opt_str_in(doc.get("type_id")),
        workflow_status=WorkflowStatus(doc["workflow_status"]),
        is_dummy=_bool_in(doc.get("is_dummy", False)),
    )


def place_from_dict(document: Mapping[str, Any]) -> Place:
    """Rebuild a place from its document.

    Raises
    ------
    InvalidFieldError
        When the document is malformed or describes an invalid place.

    """
    return _decoding("place", _place_in, document)


def organizer_to_dict(organizer: Organizer) -> Document:
    """Return the JSON-compatible document of an organiser.

    Parameters
    ----------
    organizer : Organizer
        The organiser.

    Returns
    -------
    dict
        A document that :func:`organizer_from_dict` turns back into an equal organiser.

    """
    return {
        "id": organizer.id,
        "name": _language_map_out(organizer.name),
        "address": _address_out(organizer.address),
        "geo": _geo_out(organizer.geo),
        "url": organizer.url,
        "labels": list(organizer.labels),
        "workflow_status": organizer.workflow_status.value,
        "is_dummy": organizer.is_dummy,
    }


def _organizer_in(doc: Mapping[str, Any]) -> Organizer:
    return Organizer(
        id=_str_in(doc["id"]),
        name=_language_map_in(doc["name"]),
        address=_opt(doc.get("address"), _address_in),
        geo=_opt(doc.get("geo"), _geo_in),
        url=_opt_str_in(doc.get("url")),
        labels=_strs_in(doc.get("labels", [])),
        workflow_status=WorkflowStatus(doc["workflow_status"]),
        is_dummy=_bool_in(doc.get("is_dummy", False)),
    )


def organizer_from_dict(document: Mapping[str, Any]) -> Organizer:
    """Rebuild an organiser from its document.

    Raises
    ------
    InvalidFieldError
        When the document is malformed or describes an invalid organiser.

    """
    return _decoding("organizer", _organizer_in, document)


def event_to_dict(event: Event) -> Document:
    """Return the JSON-compatible document of an event.

    Embedded locations and organisers are written whole, as UiTdatabank
    embeds them.

    Parameters
    ----------
    event : Event
        The event.

    Returns
    -------
    dict
        A document that :func:`event_from_dict` turns back into an equal event.

    """
    return {
        "id": event.id,
        "name": _language_map_out(event.name),
        "description": _language_map_out(event.description),
        "calendar": _calendar_out(event.calendar),
        "type_id": event.type_id,
        "theme_id": event.theme_id,
        "facility_ids": list(event.facility_ids),
        "other_terms": [[domain, term] for domain, term in event.other_terms],
        "location": None if event.location is None else place_to_dict(event.location),
        "organizer": None if event.organizer is None else organizer_to_dict(event.organizer),
        "production_id": event.production_id,
        "price": [_tariff_out(t) for t in event.price.tariffs],
        "age_range": _age_range_out(event.age_range),
        "audience": event.audience.value,
        "attendance_mode": event.attendance_mode.value,
        "status": event.status.value,
        "status_reason": _language_map_out(event.status_reason),
        "booking": event.booking.value,
        "workflow_status": event.workflow_status.value,
        "available_from": _datetime_out(event.available_from),
        "available_to": _datetime_out(event.available_to),
        "labels": list(event.labels),
        "image_url": event.image_url,
        "online_url": event.online_url,
        "created": _datetime_out(event.created),
        "modified": _datetime_out(event.modified),
    }


def _event_in(doc: Mapping[str, Any]) -> Event:
    location, organizer = doc.get("location"), doc.get("organizer")
    return Event(
        id=_str_in(doc["id"]),
        name=_language_map_in(doc["name"]),
        description=_language_map_in(doc["description"]),
        calendar=_calendar_in(doc["calendar"]),
        type_id=_opt_str_in(doc.get("type_id")),
        theme_id=_opt_str_in(doc.get("theme_id")),
        facility_ids=_strs_in(doc.get("facility_ids", [])),
        other_terms=_list_in(doc.get("other_terms", []), _term_pair_in),
        location=None if location is None else _place_in(_object(location)),
        organizer=None if organizer is None else _organizer_in(_object(organizer)),
        production_id=_opt_str_in(doc.get("production_id")),
        price=PriceInfo(_list_in(doc.get("price", []), _tariff_in)),
        age_range=_opt(doc.get("age_range"), _age_range_in),
        audience=AudienceType(doc["audience"]),
        attendance_mode=AttendanceMode(doc["attendance_mode"]),
        status=EventStatus(doc["status"]),
        status_reason=_language_map_in(doc.get("status_reason", {"texts": {}, "main": "nl"})),
        booking=BookingAvailability(doc["booking"]),
        workflow_status=WorkflowStatus(doc["workflow_status"]),
        available_from=_datetime_in(doc.get("available_from")),
        available_to=_datetime_in(doc.get("available_to")),
        labels=_strs_in(doc.get("labels", [])),
        image_url=_opt_str_in(doc.get("image_url")),
        online_url=_opt_str_in(doc.get("online_url")),
        created=_datetime_in(doc.get("created")),
        modified=_datetime_in(doc.get("modified")),
    )


def event_from_dict(document: Mapping[str, Any]) -> Event:
    """Rebuild an event from its document.

    Raises
    ------
    InvalidFieldError
        When the document is malformed or describes an invalid event.

    """
    return _decoding("event", _event_in, document)


def user_to_dict(user: User) -> Document:
    """Return the JSON-compatible document of a user.

    Parameters
    ----------
    user : User
        The user.

    Returns
    -------
    dict
        A document that :func:`user_from_dict` turns back into an equal user.

    """
    return {
        "id": user.id,
        "home": _geo_out(user.home),
        "home_municipality": user.home_municipality,
        "home_postcode": user.home_postcode,
        "age_band": None if user.age_band is None else user.age_band.value,
        "uitpas": user.uitpas,
        "consent": user.consent,
    }


def _user_in(doc: Mapping[str, Any]) -> User:
    age_band = doc.get("age_band")
    return User(
        id=_str_in(doc["id"]),
        home=_opt(doc.get("home"), _geo_in),
        home_municipality=_opt_str_in(doc.get("home_municipality")),
        home_postcode=_opt_str_in(doc.get("home_postcode")),
        age_band=None if age_band is None else AgeBand(age_band),
        uitpas=_bool_in(doc.get("uitpas", False)),
        consent=_bool_in(doc.get("consent", True)),
    )


def user_from_dict(document: Mapping[str, Any]) -> User:
    """Rebuild a user from its document.

    Raises
    ------
    InvalidFieldError
        When the document is malformed or describes an invalid user.

    """
    return _decoding("user", _user_in, document)
