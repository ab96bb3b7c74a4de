"""Reading recommendations: for a user, for an anonymous visitor, similar events and popular events.

Every endpoint takes an optional ``experiment``: a running experiment assigns
the person an arm, whose re-ranking settings serve the list, and the list is
logged as an exposure (:mod:`serving.experiments`). Without it nothing of
the experiments is read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from features.regions import REGIONS
from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import MAX_ID_LENGTH, id_pattern
from recsys.marketing.store import NAME_PATTERN
from recsys.ranking.request import RecommendationRequest
from serving.deps import ContextDep, EventIdPath, PipelineDep, PublicKey, RequestIdDep, UserIdPath
from serving.errors import problem_responses
from serving.experiments import EXPERIMENT_DESCRIPTION, Enrolment
from serving.keys import ANONYMOUS_PREFIX
from serving.params import CONTEXT_PARAMETERS, ContextBody
from serving.pipeline import Answer, Pipeline
from serving.render import Recommendations, json_response, render_answer
from serving.workers import RankingDep

router = APIRouter(prefix="/v1", tags=["recommendations"])

#: Most recently viewed events an anonymous request may carry.
MAX_VIEWED = 50
_ERRORS = problem_responses(401, 403, 404, 409, 422, 429, 503)

ExperimentQuery = Annotated[
    str | None, Query(description=EXPERIMENT_DESCRIPTION, pattern=NAME_PATTERN.pattern, max_length=64)
]
PersonQuery = Annotated[
    str | None,
    Query(
        description="Who sees the list (a user id, or an anonymous visitor's `anon:` id); used only with "
        "`experiment`, whose arm it decides.",
        max_length=MAX_ID_LENGTH,
        pattern=id_pattern(),
    ),
]


def enrol(pipeline: Pipeline, experiment: str | None, person: str | None, request: RecommendationRequest) -> Enrolment:
    """The request as served: unchanged without an experiment (nothing is read), else with the person's arm."""
    if experiment is None:
        return Enrolment(request)
    state = pipeline.state
    model = (state.engine.name, state.engine.version) if state.has_engine else None
    return state.experiment_tracker.enrol(experiment, person, request, model)


def respond(
    pipeline: Pipeline, enrolment: Enrolment, answer: Answer, lang: str, rid: str | None, placement: str
) -> Response:
    """The response; an enrolled request's list is logged as an exposure first."""
    if enrolment.arm is not None:
        state = pipeline.state
        shown = [item.card.event_id for item in answer.items]
        state.experiment_tracker.expose(enrolment, shown, state.now(), placement)
    return json_response(render_answer(answer, lang, rid, **enrolment.fields()))


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
    experiment: str | None = Field(
        None, max_length=64, pattern=NAME_PATTERN.pattern, description=EXPERIMENT_DESCRIPTION
    )


@router.get(
    "/users/{user_id}/recommendations",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Recommendations for a user",
    openapi_extra=CONTEXT_PARAMETERS,
)
async def user_recommendations(
    user_id: UserIdPath,
    context: ContextDep,
    pipeline: PipelineDep,
    run: RankingDep,
    _key: PublicKey,
    rid: RequestIdDep,
    experiment: ExperimentQuery = None,
) -> Response:
    """The user's personal list.

    Their published candidates, events like what they just did, and fresh events, ranked by the
    learned ranker and filtered by the context; topped up with popular events of their region, then
    overall. Events they viewed, clicked, booked or dismissed are left out.
    """

    def work() -> Response:
        enrolment = enrol(pipeline, experiment, user_id, context)
        answer = pipeline.for_user(user_id, enrolment.request)
        return respond(pipeline, enrolment, answer, context.lang, rid, "for-you")

    return await run(work)


@router.post(
    "/recommendations",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Recommendations for an anonymous visitor",
)
async def visitor_recommendations(
    body: VisitorBody, pipeline: PipelineDep, run: RankingDep, _key: PublicKey, rid: RequestIdDep
) -> Response:
    """A list for someone without an account, from the events they just viewed.

    The body carries the same context fields as the user endpoint's query.
    """
    if body.visitor_id is not None and not body.visitor_id.startswith(ANONYMOUS_PREFIX):
        raise InvalidFieldError("visitor_id", f"must start with {ANONYMOUS_PREFIX!r} (ids of anonymous visitors)")

    def work() -> Response:
        enrolment = enrol(pipeline, body.experiment, body.visitor_id, body.to_request())
        answer = pipeline.for_visitor(body.visitor_id, body.viewed, enrolment.request)
        return respond(pipeline, enrolment, answer, enrolment.request.lang, rid, "for-you")

    return await run(work)


@router.get(
    "/events/{event_id}/similar",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Events similar to an event",
    openapi_extra=CONTEXT_PARAMETERS,
)
async def similar_events(
    event_id: EventIdPath,
    context: ContextDep,
    pipeline: PipelineDep,
    run: RankingDep,
    _key: PublicKey,
    rid: RequestIdDep,
    experiment: ExperimentQuery = None,
    user_id: PersonQuery = None,
) -> Response:
    """Upcoming events like this one (same production, organiser, discipline, audience), filtered by the context."""

    def work() -> Response:
        enrolment = enrol(pipeline, experiment, user_id, context)
        answer = pipeline.similar(event_id, enrolment.request)
        return respond(pipeline, enrolment, answer, context.lang, rid, "similar")

    return await run(work)


@router.get(
    "/popular",
    response_model=Recommendations,
    responses=_ERRORS,
    summary="Popular events",
    openapi_extra=CONTEXT_PARAMETERS,
)
async def popular_events(
    context: ContextDep,
    pipeline: PipelineDep,
    run: RankingDep,
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
    experiment: ExperimentQuery = None,
    user_id: PersonQuery = None,
) -> Response:
    """Popular events of a type, a region or overall (in that order of preference), filtered by the context."""
    if region is not None and region not in REGIONS:
        raise InvalidFieldError("region", f"unknown region {region!r}; expected one of {', '.join(REGIONS)}")

    def work() -> Response:
        enrolment = enrol(pipeline, experiment, user_id, context)
        answer = pipeline.popular(enrolment.request, region=region, type_id=type)
        return respond(pipeline, enrolment, answer, context.lang, rid, "popular")

    return await run(work)
