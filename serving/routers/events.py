"""Writing events: one event in the API's schema or JSON-LD, or a JSON-LD import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, Field

from recsys.domain.errors import InvalidFieldError
from serving.deps import EventIdPath, RequestIdDep, ServerKey, StateDep
from serving.errors import problem_responses
from serving.event_schema import EventIn
from serving.ingest import ingest_events, parse_document
from serving.render import json_response

router = APIRouter(prefix="/v1/events", tags=["events"])

_JSON_LD = {
    "type": "object",
    "description": "A UiTdatabank JSON-LD event document (Search API v3 / Entry API), recognised by its `@id`",
    "required": ["@id"],
    "additionalProperties": True,
}


class EventWritten(BaseModel):
    """What happened to one event."""

    event_id: str = Field(description="The event")
    written: bool = Field(description="False when the catalogue already held exactly this event")
    recommendable: bool = Field(description="Open, bookable and still to come: it can appear in lists now")


class EventsImported(BaseModel):
    """What an import did."""

    imported: int = Field(description="Events stored")
    events: list[EventWritten] = Field(description="Per event")
    request_id: str | None = Field(description="Id of this request")


@router.put(
    "/{event_id}",
    response_model=EventWritten,
    responses=problem_responses(401, 403, 413, 422, 429, 503),
    summary="Create or replace an event",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [{"$ref": "#/components/schemas/EventIn"}, _JSON_LD]},
                }
            },
        }
    },
)
def put_event(
    event_id: EventIdPath,
    document: Annotated[dict[str, Any], Body(description="The event (EventIn or JSON-LD)")],
    state: StateDep,
    _key: ServerKey,
) -> Response:
    """Store the event in the catalogue and make it recommendable at once.

    Its card goes live and the hybrid model gives it a vector from its content, organiser, venue
    and production (source `fresh`). A cancelled or sold-out event (status / booking `Unavailable`)
    leaves every list at once.
    """
    event = parse_document(document, event_id)
    (done,) = ingest_events(state, [event])
    return json_response({"event_id": done.event_id, "written": done.written, "recommendable": done.recommendable})


@router.post(
    "/import",
    response_model=EventsImported,
    responses=problem_responses(401, 403, 413, 422, 429, 503),
    summary="Import UiTdatabank JSON-LD events",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _JSON_LD,
                            {"type": "array", "items": _JSON_LD, "maxItems": 500},
                            {
                                "type": "object",
                                "description": "A Search API result page",
                                "properties": {"member": {"type": "array", "items": _JSON_LD}},
                                "required": ["member"],
                            },
                        ]
                    }
                }
            },
        }
    },
)
def import_events(
    document: Annotated[Any, Body(description="A JSON-LD document, an array of them, or a result page")],
    state: StateDep,
    _key: ServerKey,
    rid: RequestIdDep,
) -> Response:
    """Import events: parse every document first, then store them all as `PUT` does.

    One bad document fails the whole import with a 422 naming the document and field; nothing is stored then.
    """
    if isinstance(document, dict) and isinstance(document.get("member"), list):
        documents: list[Any] = document["member"]
    elif isinstance(document, list):
        documents = document
    else:
        documents = [document]
    if not documents:
        raise InvalidFieldError("body", "no event documents given")
    if len(documents) > state.settings.max_batch:
        raise InvalidFieldError(
            "body", f"at most {state.settings.max_batch} documents per import, got {len(documents)}"
        )
    events = [parse_document(doc, None, f"[{i}]") for i, doc in enumerate(documents)]
    results = ingest_events(state, events)
    body = {
        "imported": len(results),
        "events": [{"event_id": r.event_id, "written": r.written, "recommendable": r.recommendable} for r in results],
        "request_id": rid,
    }
    return json_response(body)


__all__ = ["EventIn", "router"]
