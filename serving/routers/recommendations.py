"""Reading recommendations: for a user, for an anonymous visitor, similar events and popular events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from features.regions import REGIONS
from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import MAX_ID_LENGTH, id_pattern
from serving.deps import ContextDep, EventIdPath, PipelineDep, PublicKey, RequestIdDep, UserIdPath
from serving.errors import problem_responses
from serving.keys import ANONYMOUS_PREFIX
from serving.params import ContextBody
from serving.render import Recommendations, json_response, render_answer

router = APIRouter(prefix="/v1", tags=["recommendations"])

#: Most recently viewed events an anonymous request may carry.
MAX_VIEWED = 50
_ERRORS = problem_responses(401, 403, 404, 422, 429, 503)


class VisitorBody(ContextBody):
    """An anonymous visitor: what they just viewed, plus the recommendation context."""

    viewed: list[str] = Field(
        default_factory=list,
        max_length=MAX_VIEWED,
        description=f"Event ids the visitor viewed recently, newest first (at most {MAX_VIEWED}).",
    )
    visitor_id: str | None = Field(
        None,
        max_length=MAX_ID_LENGTH,
        pattern=id_pattern(),
        description=f"The visitor's id, starting with `{ANONYMOUS_PREFIX}`, when the widget also posts their "
        "interactions; their recent interactions then count too.",
    )


@router.get(
    "/users/{user_id}/recommendations",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Recommendations for a user",
)
def user_recommendations(
    user_id: UserIdPath, context: ContextDep, pipeline: PipelineDep, _key: PublicKey, rid: RequestIdDep
) -> Response:
    """The user's personal list.

    Their published candidates, events like what they just did, and fresh events, ranked by the
    learned ranker and filtered by the context; topped up with popular events of their region, then
    overall. Events they viewed, clicked, booked or dismissed are left out.
    """
    answer = pipeline.for_user(user_id, context)
    return json_response(render_answer(answer, context.lang, rid))


@router.post(
    "/recommendations",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Recommendations for an anonymous visitor",
)
def visitor_recommendations(body: VisitorBody, pipeline: PipelineDep, _key: PublicKey, rid: RequestIdDep) -> Response:
    """A list for someone without an account, from the events they just viewed.

    The body carries the same context fields as the user endpoint's query.
    """
    if body.visitor_id is not None and not body.visitor_id.startswith(ANONYMOUS_PREFIX):
        raise InvalidFieldError("visitor_id", f"must start with {ANONYMOUS_PREFIX!r} (ids of anonymous visitors)")
    request = body.to_request()
    answer = pipeline.for_visitor(body.visitor_id, body.viewed, request)
    return json_response(render_answer(answer, request.lang, rid))


@router.get(
    "/events/{event_id}/similar",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Events similar to an event",
)
def similar_events(
    event_id: EventIdPath, context: ContextDep, pipeline: PipelineDep, _key: PublicKey, rid: RequestIdDep
) -> Response:
    """Upcoming events like this one (same production, organiser, discipline, audience), filtered by the context."""
    answer = pipeline.similar(event_id, context)
    return json_response(render_answer(answer, context.lang, rid))


@router.get("/popular", response_model=Recommendations, responses=_ERRORS, summary="Popular events")
def popular_events(
    context: ContextDep,
    pipeline: PipelineDep,
    _key: PublicKey,
    rid: RequestIdDep,
    region: Annotated[
        str | None,
        Query(
            description=f"Region (ISO 3166-2:BE code: {', '.join(REGIONS)}); default: the region of `municipality`, "
            "else all of Flanders and Brussels.",
            pattern="^BE-[A-Z]{3}$",
        ),
    ] = None,
    type: Annotated[
        str | None,
        Query(description="Only this event type's popular list (publiq taxonomy id).", max_length=64),
    ] = None,
) -> Response:
    """Popular events of a type, a region or overall (in that order of preference), filtered by the context."""
    if region is not None and region not in REGIONS:
        raise InvalidFieldError("region", f"unknown region {region!r}; expected one of {', '.join(REGIONS)}")
    answer = pipeline.popular(context, region=region, type_id=type)
    return json_response(render_answer(answer, context.lang, rid))
