"""The context parameters shared by every recommendation endpoint, documented once for OpenAPI.

Query strings (``GET``) and JSON bodies (``POST``) carry the same fields; both
end as a :class:`recsys.ranking.request.RecommendationRequest`, whose checks
raise an :class:`~recsys.domain.errors.InvalidFieldError` naming the field
(answered as 422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recsys.domain.errors import InvalidFieldError
from recsys.ranking.request import LANGUAGES, MAX_N, MAX_RADIUS_KM, RecommendationRequest

#: Dates without a time are days in this zone.
LOCAL_ZONE: Final = ZoneInfo("Europe/Brussels")
#: Most taxonomy ids one include or exclude list may hold.
MAX_TERMS: Final = 50

DESCRIPTIONS: Final = {
    "n": f"How many events to return (1 to {MAX_N}).",
    "lang": f"Language of titles and explanations: {', '.join(LANGUAGES)}.",
    "lat": "Latitude of the visitor (WGS84, with `lon`). With `radius_km` a hard filter; "
    "otherwise only used for distances.",
    "lon": "Longitude of the visitor (WGS84, with `lat`).",
    "radius_km": f"Keep events within this many km of `lat`/`lon` (above 0, at most {MAX_RADIUS_KM:g}).",
    "municipality": "Keep events in this municipality (name, case and accents ignored, or a 4-digit postcode); "
    "also picks the region of the popular lists.",
    "date_from": "Keep events with a date (or a running period) on or after this moment: ISO 8601 date-time "
    "with a zone, or a date (midnight in Brussels).",
    "date_to": "Keep events with a date (or a running period) on or before this moment: ISO 8601 date-time "
    "with a zone, or a date (the end of that day in Brussels).",
    "max_price": "Keep events whose base price is at most this many euro (free events included; "
    "events without a known price are left out).",
    "free": "Keep free events only.",
    "age": "Keep events whose typical age range admits this age (0 to 120).",
    "types": "Keep events of any of these event types (publiq taxonomy ids, comma separated).",
    "exclude_types": "Leave out events of these event types (publiq taxonomy ids, comma separated).",
    "themes": "Keep events with any of these themes (publiq taxonomy ids, comma separated).",
    "exclude_themes": "Leave out events with these themes (publiq taxonomy ids, comma separated).",
    "accessible": "Keep wheelchair-accessible events only.",
    "uitpas": "Keep events with an UiTPAS tariff only.",
    "diversity": "0 = pure relevance, 1 = the strongest spread over disciplines and organisers (MMR).",
    "explain": "Add a short explanation per item (`Omdat je ... bekeek`, `Op 4 km`, `Gratis`, `Dit weekend`).",
}


def parse_moment(text: str | None, field: str, *, end_of_day: bool) -> dt.datetime | None:
    """An aware datetime from an ISO 8601 date-time with zone, or a date (a Brussels day)."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min, LOCAL_ZONE)
            return moment
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidFieldError(field, f"expected an ISO 8601 date or date-time, got {value!r}") from None
    if parsed.tzinfo is None:
        raise InvalidFieldError(field, "a date-time needs a zone, for example 2026-12-01T20:00:00+01:00")
    return parsed


def split_terms(values: str | Iterable[str] | None, field: str) -> frozenset[str]:
    """Taxonomy ids from a comma-separated string (or a list of them)."""
    if values is None:
        return frozenset()
    parts = values.split(",") if isinstance(values, str) else [p for v in values for p in str(v).split(",")]
    terms = frozenset(p.strip() for p in parts if p.strip())
    if len(terms) > MAX_TERMS:
        raise InvalidFieldError(field, f"at most {MAX_TERMS} ids, got {len(terms)}")
    return terms


def build_request(
    *,
    n: int = 10,
    lang: str = "nl",
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    municipality: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    max_price: float | None = None,
    free: bool = False,
    age: int | None = None,
    types: str | Iterable[str] | None = None,
    exclude_types: str | Iterable[str] | None = None,
    themes: str | Iterable[str] | None = None,
    exclude_themes: str | Iterable[str] | None = None,
    accessible: bool = False,
    uitpas: bool = False,
    diversity: float = 0.3,
    explain: bool = True,
) -> RecommendationRequest:
    """A validated request from raw parameters (raises :class:`InvalidFieldError` naming the field)."""
    return RecommendationRequest(
        n=n,
        lang=lang,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        municipality=municipality.strip() if municipality and municipality.strip() else None,
        date_from=parse_moment(date_from, "date_from", end_of_day=False),
        date_to=parse_moment(date_to, "date_to", end_of_day=True),
        max_price=max_price,
        free=free,
        age=age,
        include_types=split_terms(types, "types"),
        exclude_types=split_terms(exclude_types, "exclude_types"),
        include_themes=split_terms(themes, "themes"),
        exclude_themes=split_terms(exclude_themes, "exclude_themes"),
        accessible=accessible,
        uitpas=uitpas,
        diversity=diversity,
        explain=explain,
    )


class ContextQuery(BaseModel):
    """The recommendation context as query parameters (one model: validated in one pass)."""

    n: int = Field(10, ge=1, le=MAX_N, description=DESCRIPTIONS["n"])
    lang: str = Field("nl", pattern="^(nl|fr|en)$", description=DESCRIPTIONS["lang"])
    lat: float | None = Field(None, ge=-90, le=90, description=DESCRIPTIONS["lat"])
    lon: float | None = Field(None, ge=-180, le=180, description=DESCRIPTIONS["lon"])
    radius_km: float | None = Field(None, gt=0, le=MAX_RADIUS_KM, description=DESCRIPTIONS["radius_km"])
    municipality: str | None = Field(None, max_length=100, description=DESCRIPTIONS["municipality"])
    date_from: str | None = Field(None, max_length=40, description=DESCRIPTIONS["date_from"])
    date_to: str | None = Field(None, max_length=40, description=DESCRIPTIONS["date_to"])
    max_price: float | None = Field(None, ge=0, description=DESCRIPTIONS["max_price"])
    free: bool = Field(False, description=DESCRIPTIONS["free"])
    age: int | None = Field(None, ge=0, le=120, description=DESCRIPTIONS["age"])
    types: str | None = Field(None, max_length=2000, description=DESCRIPTIONS["types"])
    exclude_types: str | None = Field(None, max_length=2000, description=DESCRIPTIONS["exclude_types"])
    themes: str | None = Field(None, max_length=2000, description=DESCRIPTIONS["themes"])
    exclude_themes: str | None = Field(None, max_length=2000, description=DESCRIPTIONS["exclude_themes"])
    accessible: bool = Field(False, description=DESCRIPTIONS["accessible"])
    uitpas: bool = Field(False, description=DESCRIPTIONS["uitpas"])
    diversity: float = Field(0.3, ge=0, le=1, description=DESCRIPTIONS["diversity"])
    explain: bool = Field(True, description=DESCRIPTIONS["explain"])


async def context_query(request: Request) -> RecommendationRequest:
    """The recommendation context of a ``GET`` request, validated by :class:`ContextQuery` in one call.

    FastAPI would look each of the 19 fields up in the query string on its
    own, which costs more than the rest of a cheap request; the fields are
    documented in OpenAPI by :data:`CONTEXT_PARAMETERS` instead. A bad value is
    the same 422 problem naming the field.
    """
    try:
        query = ContextQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None
    return build_request(**query.model_dump())


def _context_parameters() -> list[dict[str, Any]]:
    """OpenAPI parameter objects of the :class:`ContextQuery` fields (what FastAPI writes for a query model)."""
    properties = ContextQuery.model_json_schema()["properties"]
    parameters = []
    for name, schema in properties.items():
        schema = dict(schema)
        description = schema.pop("description", "")
        parameters.append(
            {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        )
    return parameters


#: The context fields as OpenAPI parameters, for ``openapi_extra`` of the routes that take :func:`context_query`.
CONTEXT_PARAMETERS: Final = {"parameters": _context_parameters()}


class ContextBody(BaseModel):
    """The recommendation context in a JSON body (the same fields as the query parameters)."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(10, ge=1, le=MAX_N, description=DESCRIPTIONS["n"])
    lang: str = Field("nl", pattern="^(nl|fr|en)$", description=DESCRIPTIONS["lang"])
    lat: float | None = Field(None, ge=-90, le=90, description=DESCRIPTIONS["lat"])
    lon: float | None = Field(None, ge=-180, le=180, description=DESCRIPTIONS["lon"])
    radius_km: float | None = Field(None, gt=0, le=MAX_RADIUS_KM, description=DESCRIPTIONS["radius_km"])
    municipality: str | None = Field(None, max_length=100, description=DESCRIPTIONS["municipality"])
    date_from: str | None = Field(None, max_length=40, description=DESCRIPTIONS["date_from"])
    date_to: str | None = Field(None, max_length=40, description=DESCRIPTIONS["date_to"])
    max_price: float | None = Field(None, ge=0, description=DESCRIPTIONS["max_price"])
    free: bool = Field(False, description=DESCRIPTIONS["free"])
    age: int | None = Field(None, ge=0, le=120, description=DESCRIPTIONS["age"])
    types: list[str] = Field(default_factory=list, max_length=MAX_TERMS, description=DESCRIPTIONS["types"])
    exclude_types: list[str] = Field(
        default_factory=list, max_length=MAX_TERMS, description=DESCRIPTIONS["exclude_types"]
    )
    themes: list[str] = Field(default_factory=list, max_length=MAX_TERMS, description=DESCRIPTIONS["themes"])
    exclude_themes: list[str] = Field(
        default_factory=list, max_length=MAX_TERMS, description=DESCRIPTIONS["exclude_themes"]
    )
    accessible: bool = Field(False, description=DESCRIPTIONS["accessible"])
    uitpas: bool = Field(False, description=DESCRIPTIONS["uitpas"])
    diversity: float = Field(0.3, ge=0, le=1, description=DESCRIPTIONS["diversity"])
    explain: bool = Field(True, description=DESCRIPTIONS["explain"])

    def to_request(self) -> RecommendationRequest:
        """The validated request."""
        return build_request(**self.model_dump(include=set(ContextBody.model_fields)))
