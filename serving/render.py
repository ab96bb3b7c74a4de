"""Response bodies: ranked items as JSON (built by hand and serialised by orjson, the hot path) and their schema.

The pydantic models here document the responses in OpenAPI; the handlers
build plain dicts with :func:`render_answer` and return them as bytes, so a
response is not validated field by field on the way out.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Final
from zoneinfo import ZoneInfo

import orjson
from fastapi.responses import Response
from pydantic import BaseModel, Field

from recsys.ranking.rules import RankedItem
from serving.pipeline import Answer

LOCAL_ZONE: Final = ZoneInfo("Europe/Brussels")
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class JSONBytes(Response):
    """A JSON response whose body is already serialised."""

    media_type = "application/json"


def json_response(body: Any, status_code: int = 200) -> JSONBytes:
    """Serialise ``body`` with orjson (numpy scalars allowed)."""
    return JSONBytes(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status_code=status_code)


def _moment(us: int | None) -> str | None:
    return None if us is None else _local_iso(us)


@functools.lru_cache(maxsize=1 << 16)
def _local_iso(us: int) -> str:
    # Events share their dates across requests; the zone conversion costs more than the look-up.
    return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(LOCAL_ZONE).isoformat()


def render_item(item: RankedItem, lang: str) -> dict[str, Any]:
    """One item of a response."""
    card = item.card
    occurrence = item.occurrence
    start = occurrence.start_us if occurrence is not None else card.available_from_us
    end = occurrence.end_us if occurrence is not None else card.available_to_us
    types = (
        [{"id": card.type_id, "label": card.type_label.get(lang) or next(iter(card.type_label.values()), None)}]
        if card.type_id
        else []
    )
    return {
        "event_id": card.event_id,
        "title": card.title(lang),
        "url": card.url,
        "image_url": card.image_url,
        "start": _moment(start),
        "end": _moment(end),
        "venue": card.venue_name,
        "municipality": card.municipality,
        "distance_km": None if item.distance_km is None else round(item.distance_km, 1),
        "price_eur": card.price_eur,
        "free": card.is_free,
        "types": types,
        "organizer": card.organizer_name,
        "explanation": item.explanation,
        "reasons": list(item.reasons),
        "score": round(float(item.score), 6),
        "source": item.source,
    }


def render_answer(
    answer: Answer, lang: str, request_id: str | None, *, experiment: str | None = None, arm: str | None = None
) -> dict[str, Any]:
    """A whole recommendation response (with the experiment and arm that served it, if any)."""
    return {
        "items": [render_item(item, lang) for item in answer.items],
        "model_version": answer.model_version,
        "cache_version": answer.cache_version,
        "source": answer.source,
        "experiment": experiment,
        "arm": arm,
        "request_id": request_id,
    }


class TypeTerm(BaseModel):
    """An event type (publiq taxonomy)."""

    id: str = Field(description="Taxonomy id")
    label: str | None = Field(description="Label in the request's language")


class Item(BaseModel):
    """One recommended event."""

    event_id: str = Field(description="The event's id")
    title: str = Field(description="Title in the request's language (else Dutch, else any)")
    url: str | None = Field(description="The event's page")
    image_url: str | None = Field(description="Main image")
    start: str | None = Field(
        description="Start of the date shown (ISO 8601, Brussels time); the period start for running offers"
    )
    end: str | None = Field(description="End of the date shown (ISO 8601, Brussels time)")
    venue: str | None = Field(description="Venue name")
    municipality: str | None = Field(description="Municipality of the venue")
    distance_km: float | None = Field(description="Distance from the request's location or the user's home")
    price_eur: float | None = Field(description="Base price in euro (0 = free; null = unknown)")
    free: bool | None = Field(description="True for free events (null when the price is unknown)")
    types: list[TypeTerm] = Field(description="Event type")
    organizer: str | None = Field(description="Organiser name")
    explanation: str | None = Field(description="Why this event (null when explain=false)")
    reasons: list[str] = Field(description="Reason codes (because-viewed, nearby, free, this-weekend, ...)")
    score: float = Field(description="Relevance used for ordering (higher is better; comparable within a response)")
    source: str = Field(description="personal, similar, fresh, regional-popular or popular")


class Recommendations(BaseModel):
    """A recommendation response."""

    items: list[Item] = Field(description="The events, best first")
    model_version: str | None = Field(description="Artefact version of the models that ranked them")
    cache_version: str | None = Field(description="Candidate cache version read (null when answered from the fallback)")
    source: str = Field(
        description="Main source: personal, similar, regional-popular or popular; "
        "with '+fallback' when answered from the in-process fallback (cache unavailable)"
    )
    experiment: str | None = Field(
        None, description="The experiment this list was served in (null: none, or it is not running)"
    )
    arm: str | None = Field(None, description="The person's arm in that experiment (null outside an experiment)")
    request_id: str | None = Field(description="Id of this request (also in the X-Request-ID header)")
