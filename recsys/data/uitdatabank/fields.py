"""Parsers for the individual fields of UiTdatabank JSON-LD documents.

Every parser takes the raw JSON value and the dotted path of the field it came
from, and either returns a domain value or raises
:class:`~recsys.domain.errors.InvalidFieldError` naming that path. Older
documents use plain strings where newer ones use language maps, flat addresses
where newer ones translate them, and numbers as strings; the parsers accept
both forms.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import Address, AgeRange, PriceCategory, PriceInfo, Tariff
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LanguageMap
from recsys.domain.taxonomy import EVENT_TYPE, FACILITY, THEME, Taxonomy

E = TypeVar("E", bound=StrEnum)

DEFAULT_LANGUAGE = "nl"

# ISO-8601 extended date-time, seconds and fraction optional, zone optional
# (a missing zone is reported separately so the message can say so).
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def type_name(value: object) -> str:
    """Name a JSON value's type the way a JSON author would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def expect_mapping(value: object, field: str) -> Mapping[str, Any]:
    """Return ``value`` as a JSON object or raise."""
    if not isinstance(value, Mapping):
        raise InvalidFieldError(field, f"expected an object, got {type_name(value)}")
    return value


def expect_list(value: object, field: str) -> list[Any]:
    """Return ``value`` as a JSON array or raise."""
    if not isinstance(value, list | tuple):
        raise InvalidFieldError(field, f"expected an array, got {type_name(value)}")
    return list(value)


def expect_text(value: object, field: str) -> str:
    """Return ``value`` as a string or raise."""
    if not isinstance(value, str):
        raise InvalidFieldError(field, f"expected text, got {type_name(value)}")
    return value


def optional_text(doc: Mapping[str, Any], key: str, field: str | None = None) -> str | None:
    """Return ``doc[key]`` as a non-empty string, or ``None`` when absent, null or empty."""
    value = doc.get(key)
    if value is None:
        return None
    text = expect_text(value, field or key).strip()
    return text or None


def parse_datetime(value: object, field: str, default_tz: dt.tzinfo | None = None) -> dt.datetime:
    """Parse an ISO-8601 date-time with a time zone.

    Parameters
    ----------
    value : object
        The JSON value, e.g. ``"2021-01-21T23:00:00+00:00"`` or
        ``"2018-02-20T15:11:26.034Z"``.
    field : str
        Dotted path used in errors.
    default_tz : tzinfo, optional
        Zone for date-times written without one; without it they are an error.

    Returns
    -------
    datetime
        A time-zone aware date-time.

    Raises
    ------
    InvalidFieldError
        When the value is not an ISO-8601 date-time, or has no zone and no
        ``default_tz`` was given.

    """
    text = expect_text(value, field).strip()
    match = _DATETIME.match(text)
    if match is None:
        raise InvalidFieldError(
            field, f"expected an ISO-8601 date-time such as 2021-01-21T20:00:00+01:00, got {text!r}"
        )
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidFieldError(field, f"{text!r} is not a valid date-time ({exc})") from None
    if moment.tzinfo is None:
        if default_tz is None:
            raise InvalidFieldError(
                field,
                f"{text!r} has no time zone; add an offset such as +01:00 "
                "or pass a default time zone (e.g. --default-tz Europe/Brussels)",
            )
        moment = moment.replace(tzinfo=default_tz)
    return moment


def optional_datetime(
    doc: Mapping[str, Any], key: str, default_tz: dt.tzinfo | None = None, field: str | None = None
) -> dt.datetime | None:
    """Parse ``doc[key]`` as a date-time; ``None`` when absent, null or empty."""
    value = doc.get(key)
    if value is None or value == "":
        return None
    return parse_datetime(value, field or key, default_tz)


def parse_day(value: object, field: str) -> dt.date:
    """Parse a calendar day written ``YYYY-MM-DD``."""
    text = expect_text(value, field).strip()
    if not _DAY.match(text):
        raise InvalidFieldError(field, f"expected a day written YYYY-MM-DD, got {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidFieldError(field, f"{text!r} is not a valid day ({exc})") from None


def parse_time_of_day(value: object, field: str) -> dt.time:
    """Parse a local time written ``HH:MM`` (``24:00`` is read as midnight)."""
    text = expect_text(value, field).strip()
    match = _TIME_OF_DAY.match(text)
    if match is None:
        raise InvalidFieldError(field, f"expected a time written HH:MM, got {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    if (hour, minute, second) == (24, 0, 0):
        # Closing "at 24:00" is closing at midnight; the domain reads
        # closes <= opens as "past midnight".
        return dt.time(0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidFieldError(field, f"{text!r} is not a valid time of day")
    return dt.time(hour, minute, second)


def parse_main_language(doc: Mapping[str, Any], default: str = DEFAULT_LANGUAGE) -> str:
    """Return the document's ``mainLanguage`` (``default`` when absent)."""
    value = doc.get("mainLanguage")
    if value is None or value == "":
        return default
    text = expect_text(value, "mainLanguage").strip().lower()
    if not _LANGUAGE.match(text):
        raise InvalidFieldError("mainLanguage", f"expected a language code such as nl, fr, de or en, got {value!r}")
    return text


def parse_language_map(value: object, field: str, main: str) -> LanguageMap:
    """Parse a translatable text: a language map or a legacy plain string.

    Parameters
    ----------
    value : object
        ``{"nl": "...", "fr": "..."}``, a plain string (read as text in the main
        language), or ``None``.
    field : str
        Dotted path used in errors.
    main : str
        The document's main language.

    Returns
    -------
    LanguageMap
        The texts, without empty translations; empty when ``value`` is ``None``.

    """
    if value is None:
        return LanguageMap(main=main)
    if isinstance(value, str):
        text = value.strip()
        return LanguageMap({main: text} if text else {}, main=main)
    if not isinstance(value, Mapping):
        raise InvalidFieldError(field, f"expected text or an object of texts per language, got {type_name(value)}")
    texts: dict[str, str] = {}
    for lang, text in value.items():
        if text is None:
            continue
        if not isinstance(text, str):
            raise InvalidFieldError(f"{field}.{lang}", f"expected text, got {type_name(text)}")
        stripped = text.strip()
        if stripped:
            texts[str(lang)] = stripped
    return LanguageMap(texts, main=main)


def parse_enum(value: object, enum: type[E], field: str) -> E:
    """Parse one of the values of a string enum, naming the allowed values on failure."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    raise InvalidFieldError(field, f"expected one of {allowed}, got {value!r}")


def parse_typed(value: object, enum: type[E], field: str, default: E) -> E:
    """Parse a ``{"type": ...}`` object (or a legacy plain string) into ``enum``; ``default`` when absent."""
    if value is None:
        return default
    if isinstance(value, str):
        return parse_enum(value, enum, field)
    obj = expect_mapping(value, field)
    if obj.get("type") is None:
        return default  # e.g. a bookingAvailability that only gives a capacity
    return parse_enum(obj["type"], enum, f"{field}.type")


def parse_number(value: object, field: str) -> float:
    """Parse a finite number (numbers written as text are accepted)."""
    if isinstance(value, bool) or value is None:
        raise InvalidFieldError(field, f"expected a number, got {type_name(value)}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            raise InvalidFieldError(field, f"expected a number, got {value!r}") from None
    else:
        raise InvalidFieldError(field, f"expected a number, got {type_name(value)}")
    if not math.isfinite(number):
        raise InvalidFieldError(field, f"expected a finite number, got {value!r}")
    return number


def _address_part(obj: Mapping[str, Any], key: str, field: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # postcodes written as numbers
    return expect_text(value, f"{field}.{key}").strip()


_ADDRESS_KEYS = frozenset({"addressCountry", "addressLocality", "postalCode", "streetAddress"})


def parse_address(doc: Mapping[str, Any], main: str) -> Address | None:
    """Parse the address of a place or organiser, in its main language.

    Accepts the translated form ``{"nl": {...}, "fr": {...}}`` (the main
    language wins, then Dutch, then any other), the legacy flat form
    ``{"addressLocality": ..., ...}`` and the legacy list ``addresses[]``.
    Empty translations are ignored; ``None`` when no address is given.
    """
    field = "address"
    value = doc.get("address")
    if value is None and doc.get("addresses") is not None:
        items = expect_list(doc["addresses"], "addresses")
        if not items:
            return None
        field, value = "addresses[0]", items[0]
    if value is None:
        return None
    obj = expect_mapping(value, field)
    if obj and not _ADDRESS_KEYS.isdisjoint(obj.keys()):
        chosen, where = obj, field
    else:
        translations = {str(lang): expect_mapping(v, f"{field}.{lang}") for lang, v in obj.items() if v}
        if not translations:
            return None
        lang = next((c for c in (main, DEFAULT_LANGUAGE) if c in translations), next(iter(translations)))
        chosen, where = translations[lang], f"{field}.{lang}"
    address = Address(
        municipality=_address_part(chosen, "addressLocality", where),
        postcode=_address_part(chosen, "postalCode", where),
        street=_address_part(chosen, "streetAddress", where),
        country=_address_part(chosen, "addressCountry", where) or "BE",
    )
    if not (address.municipality or address.postcode or address.street):
        return None
    return address


def parse_geo(value: object, field: str = "geo") -> GeoPoint | None:
    """Parse ``{"latitude": ..., "longitude": ...}``; ``None`` when absent.

    Coordinates written as text are accepted. ``(0, 0)`` is a placeholder in
    legacy records (the sea off West Africa, far from Flanders) and is read as
    unknown.
    """
    if value is None:
        return None
    obj = expect_mapping(value, field)
    if not obj:
        return None
    for key in ("latitude", "longitude"):
        if obj.get(key) is None:
            raise InvalidFieldError(f"{field}.{key}", "missing")
    lat = parse_number(obj["latitude"], f"{field}.latitude")
    lon = parse_number(obj["longitude"], f"{field}.longitude")
    if lat == 0.0 and lon == 0.0:
        return None
    try:
        return GeoPoint(lat, lon)
    except InvalidFieldError as exc:
        key = "latitude" if exc.field == "lat" else "longitude"
        raise InvalidFieldError(f"{field}.{key}", exc.problem) from None


@dataclass(frozen=True, slots=True)
class Terms:
    """The taxonomy terms of one record, sorted by domain.

    Parameters
    ----------
    types : tuple of str
        ``eventtype`` terms (event types, or place types for places).
    themes : tuple of str
        ``theme`` terms.
    facilities : tuple of str
        ``facility`` terms.
    other : tuple of (str, str)
        ``(domain, id)`` of every other term (legacy regions, target audiences...).

    """

    types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    other: tuple[tuple[str, str], ...] = ()

    def single(self, domain: str, what: str) -> str | None:
        """Return the only term of ``domain`` (``None`` when there is none).

        Raises
        ------
        InvalidFieldError
            When the record has more than one term of ``domain``.

        """
        ids = self.types if domain == EVENT_TYPE else self.themes
        if len(ids) > 1:
            shown = ", ".join(ids)
            raise InvalidFieldError("terms", f"{len(ids)} {domain} terms ({shown}); {what}")
        return ids[0] if ids else None


def _term(raw: object, where: str, taxonomy: Taxonomy) -> tuple[str, str]:
    """Return ``(domain, id)`` of one term object."""
    term = expect_mapping(raw, where)
    term_id = term.get("id")
    if term_id is None or (isinstance(term_id, str) and not term_id.strip()):
        raise InvalidFieldError(f"{where}.id", "missing")
    term_id = expect_text(term_id, f"{where}.id").strip()
    known = taxonomy.get(term_id)
    if known is not None:
        return known.domain, term_id
    if term.get("domain") is None:
        raise InvalidFieldError(f"{where}.domain", f"missing, and {term_id!r} is not in the publiq taxonomy")
    return expect_text(term["domain"], f"{where}.domain").strip(), term_id


def parse_terms(
    value: object, taxonomy: Taxonomy, field: str = "terms", extra: Sequence[tuple[str, object]] = ()
) -> Terms:
    """Parse ``terms[]`` into event types, themes, facilities and other terms.

    Term ids are opaque strings; unknown ids and unknown domains are kept. For
    an id the publiq taxonomy knows, the taxonomy's domain is used rather than
    the document's label: records migrated from UDB2 list themes such as
    ``1.8.1.0.0`` (Klassieke muziek) under ``eventtype``. A term without a
    ``domain`` is accepted when the taxonomy knows its id. ``extra`` holds
    ``(field, term object)`` pairs given outside the list (the legacy Entry
    API's ``type`` and ``theme``).
    """
    items: list[tuple[str, object]] = []
    if value is not None:
        items = [(f"{field}[{i}]", raw) for i, raw in enumerate(expect_list(value, field))]
    items += extra
    types: list[str] = []
    themes: list[str] = []
    facilities: list[str] = []
    other: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for where, raw in items:
        domain, term_id = _term(raw, where, taxonomy)
        if (domain, term_id) in seen:
            continue
        seen.add((domain, term_id))
        if domain == EVENT_TYPE:
            types.append(term_id)
        elif domain == THEME:
            themes.append(term_id)
        elif domain == FACILITY:
            facilities.append(term_id)
        else:
            other.append((domain, term_id))
    return Terms(tuple(types), tuple(themes), tuple(facilities), tuple(other))


def parse_age_range(value: object, field: str = "typicalAgeRange") -> AgeRange | None:
    """Parse ``typicalAgeRange`` (``"6-12"``, ``"18-"``, ``"-12"``, ``"-"``); ``None`` when absent."""
    if value is None or value == "":
        return None
    text = expect_text(value, field)
    try:
        return AgeRange.parse(text)
    except InvalidFieldError as exc:
        raise InvalidFieldError(field, exc.problem) from None


def parse_price_info(value: object, main: str, field: str = "priceInfo") -> PriceInfo:
    """Parse ``priceInfo[]`` into price lines.

    ``category`` is ``base``, ``tariff`` or ``uitpas``; when absent (legacy
    data) the first line is the base price and the others are tariffs.
    ``name`` may be a language map or a plain string; ``priceCurrency``
    defaults to EUR.
    """
    if value is None:
        return PriceInfo()
    tariffs: list[Tariff] = []
    for i, raw in enumerate(expect_list(value, field)):
        where = f"{field}[{i}]"
        line = expect_mapping(raw, where)
        if line.get("category") is None:
            category = PriceCategory.BASE if i == 0 else PriceCategory.TARIFF
        else:
            category = parse_enum(line["category"], PriceCategory, f"{where}.category")
        if line.get("price") is None:
            raise InvalidFieldError(f"{where}.price", "missing")
        price = parse_number(line["price"], f"{where}.price")
        if price < 0:
            raise InvalidFieldError(f"{where}.price", f"a price must be zero or more, got {price}")
        currency = optional_text(line, "priceCurrency", f"{where}.priceCurrency") or "EUR"
        name = parse_language_map(line.get("name"), f"{where}.name", main)
        tariffs.append(Tariff(category=category, name=name, price=price, currency=currency))
    return PriceInfo(tuple(tariffs))


def parse_labels(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Return ``labels`` followed by ``hiddenLabels``, without duplicates or empty labels."""
    labels: dict[str, None] = {}
    for key in ("labels", "hiddenLabels"):
        value = doc.get(key)
        if value is None:
            continue
        for i, label in enumerate(expect_list(value, key)):
            if label is None:
                continue
            text = expect_text(label, f"{key}[{i}]").strip()
            if text:
                labels[text] = None
    return tuple(labels)


def parse_url(value: object, field: str) -> str | None:
    """Return a URL as given (protocol-relative ``//host/...`` gets ``https:``); ``None`` when empty."""
    if value is None:
        return None
    text = expect_text(value, field).strip()
    if not text:
        return None
    return f"https:{text}" if text.startswith("//") else text
