"""Marketer tools over HTTP: segments, event audiences and A/B/n experiments.

Marketer and admin keys may use the routes here, except three that are for
the serving back end (server or admin keys): logging exposures and outcomes,
and asking a person's arm. Pseudonymous user ids of an audience are listed
only for admin keys and never for an audience below the privacy minimum
(``RECSYS_MIN_AUDIENCE``, default 50).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Security
from fastapi.responses import Response
from pydantic import BaseModel, Field

from recsys.domain.ids import MAX_ID_LENGTH, id_pattern
from recsys.marketing.audience import DEFAULT_MIN_AUDIENCE, DEFAULT_TOP_SHARE, event_audience, resolve_events
from recsys.marketing.errors import AudienceTooSmallError
from recsys.marketing.experiments import Experiments
from recsys.marketing.results import experiment_results
from recsys.marketing.segments import Segments
from serving.deps import ServerKey, StateDep
from serving.errors import ForbiddenError, ServingError, problem_responses
from serving.experiments import serves_model
from serving.keys import ApiKey, Scope
from serving.marketing_context import ContextCache, ServingMarketingContext
from serving.render import json_response
from serving.security import _api_key_header, authenticate, get_state
from serving.state import ServingState

router = APIRouter(tags=["marketing"])

#: Environment variable with the privacy minimum for listing audience ids.
MIN_AUDIENCE_ENV = "RECSYS_MIN_AUDIENCE"
MARKETER_SCOPES = frozenset({Scope.MARKETER, Scope.ADMIN})
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


async def require_marketer(
    request: Request,
    state: Annotated[ServingState, Depends(get_state)],
    presented: Annotated[str | None, Security(_api_key_header)],
) -> ApiKey:
    """Authenticate and demand a marketer or admin key (403 otherwise)."""
    key = authenticate(request, state, presented)
    if key.scope not in MARKETER_SCOPES:
        raise ForbiddenError(f"this endpoint needs a marketer or admin key; this one is {key.scope.label}")
    return key


MarketerKey = Annotated[ApiKey, Depends(require_marketer)]
SegmentName = Annotated[str, Path(description="Segment name (a-z, 0-9, '.', '_', '-')", pattern=NAME_PATTERN)]
ExperimentId = Annotated[str, Path(description="Experiment id (a-z, 0-9, '.', '_', '-')", pattern=NAME_PATTERN)]
EventIdPath = Annotated[str, Path(description="Event id, or a production id (all of its events)", max_length=200)]


def min_audience() -> int:
    """The privacy minimum: ``$RECSYS_MIN_AUDIENCE`` or :data:`DEFAULT_MIN_AUDIENCE`."""
    text = os.environ.get(MIN_AUDIENCE_ENV, "").strip()
    return max(1, int(text)) if text.isdigit() else int(DEFAULT_MIN_AUDIENCE)


def marketing_context(request: Request, state: ServingState) -> ServingMarketingContext:
    """The shared data and model of the marketer tools (built once a minute at most)."""
    cache: ContextCache | None = getattr(request.app.state, "marketing_context", None)
    if cache is None:
        cache = request.app.state.marketing_context = ContextCache()
    return cache.get(state)


def segments_of(state: ServingState) -> Segments:
    """The segments of the server's data folder."""
    return Segments(state.settings.data_dir)


def experiments_of(state: ServingState) -> Experiments:
    """The experiments of the server's data folder."""
    return Experiments(state.settings.data_dir)


# -- segments --

SEGMENT_EXAMPLE: dict[str, Any] = {
    "name": "jong-gent",
    "description": "18-35 in Gent",
    "match": "all",
    "rules": [{"age_band": ["18-25", "26-35"]}, {"municipality": ["Gent"]}],
}


@router.post(
    "/v1/segments",
    status_code=201,
    responses={200: {"description": "Unchanged: the latest version"}, **problem_responses(401, 403, 422, 429)},
    summary="Create a segment or a new version of it",
)
def create_segment(
    state: StateDep,
    _key: MarketerKey,
    body: Annotated[
        dict[str, Any],
        Body(description="A segment definition (see docs/marketing.md)", examples=[SEGMENT_EXAMPLE]),
    ],
) -> Response:
    """Validate and save; 201 with the new version, 200 when it equals the latest version."""
    saved = segments_of(state).save(body)
    return json_response(saved.to_dict(), status_code=201 if saved.new else 200)


@router.get("/v1/segments", responses=problem_responses(401, 403, 429), summary="List segments")
def list_segments(state: StateDep, _key: MarketerKey) -> Response:
    """The latest version of every segment, by name."""
    return json_response({"segments": [s.to_dict() for s in segments_of(state).list()]})


@router.get("/v1/segments/{name}", responses=problem_responses(401, 403, 404, 422, 429), summary="Show a segment")
def get_segment(
    name: SegmentName,
    state: StateDep,
    _key: MarketerKey,
    version: Annotated[int | None, Query(ge=1, description="A version (default: the latest)")] = None,
) -> Response:
    """One version of a segment, with the list of its versions."""
    segments = segments_of(state)
    saved = segments.get(name, version)
    return json_response({**saved.to_dict(), "versions": [s.version for s in segments.versions(name)]})


@router.get(
    "/v1/segments/{name}/size", responses=problem_responses(401, 403, 404, 422, 429, 503), summary="Segment size"
)
def segment_size(
    name: SegmentName,
    request: Request,
    state: StateDep,
    _key: MarketerKey,
    version: Annotated[int | None, Query(ge=1, description="A version (default: the latest)")] = None,
    sample: Annotated[
        int | None, Query(ge=1, description="Estimate from this many users (default: exact count)")
    ] = None,
    confidence: Annotated[float, Query(gt=0, lt=1, description="Level of the estimate's interval")] = 0.95,
) -> Response:
    """Exact size, or an estimate from a sample with its confidence interval; also the consenting members."""
    segments = segments_of(state)
    definition = segments.get(name, version).definition
    context = marketing_context(request, state)
    model = context.require_model() if definition.needs_model else context.model
    size = segments.size(definition, context.data, model, sample=sample, confidence=confidence)
    return json_response({"segment": name, **size.to_dict()})


@router.get(
    "/v1/segments/{name}/preview",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
    summary="What a segment gets recommended",
)
def segment_preview(
    name: SegmentName,
    request: Request,
    state: StateDep,
    _key: MarketerKey,
    version: Annotated[int | None, Query(ge=1, description="A version (default: the latest)")] = None,
    sample: Annotated[int, Query(ge=1, le=5000, description="Members whose lists are computed")] = 200,
    n: Annotated[int, Query(ge=1, le=100, description="List length per member")] = 10,
) -> Response:
    """Mix of disciplines, regions and organisers in the lists of a sample of members; small organisers' share."""
    segments = segments_of(state)
    definition = segments.get(name, version).definition
    context = marketing_context(request, state)
    preview = segments.preview(definition, context.data, context.require_model(), sample=sample, n=n)
    return json_response(preview.to_dict())


# -- audiences --


@router.get(
    "/v1/events/{event_id}/audience",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
    summary="Who is most likely to be interested in an event",
)
def audience(
    event_id: EventIdPath,
    request: Request,
    state: StateDep,
    key: MarketerKey,
    segment: Annotated[
        list[str] | None, Query(description="Saved segments to count the audience in (repeatable)")
    ] = None,
    within: Annotated[str | None, Query(description="Restrict the audience to this saved segment")] = None,
    production: Annotated[bool, Query(description="Score all events of the event's production")] = False,
    top_share: Annotated[
        float, Query(gt=0, le=1, description="Share of the eligible users in the audience")
    ] = DEFAULT_TOP_SHARE,
    limit: Annotated[int | None, Query(ge=1, description="Keep at most this many users (the best)")] = None,
    ids: Annotated[
        bool,
        Query(description="List pseudonymous user ids: admin keys only, never below the privacy minimum"),
    ] = False,
) -> Response:
    """Counts per region and per segment; ids only for admin keys and audiences of at least the minimum."""
    minimum = min_audience()
    if ids and key.scope is not Scope.ADMIN:
        raise ServingError(
            403,
            f"ids: listing user ids needs an admin key; this one is {key.scope.label}",
            slug="forbidden",
            field="ids",
        )
    segments = segments_of(state)
    context = marketing_context(request, state)
    model = context.require_model()
    event_ids, production_id = resolve_events(context.data, event_id, production=production)
    masks = {}
    for name in dict.fromkeys([*(segment or []), *([within] if within else [])]):
        masks[name] = segments.members(segments.get(name).definition, context.data, model)
    try:
        result = event_audience(
            context.data,
            model,
            event_ids,
            production_id=production_id,
            within=masks[within] if within else None,
            within_name=within,
            segments={name: masks[name] for name in segment or []},
            top_share=top_share,
            limit=limit,
            include_ids=ids,
            min_audience=minimum,
        )
    except AudienceTooSmallError as exc:
        raise ServingError(403, f"ids: {exc}", slug="audience-too-small", field="ids") from exc
    return json_response(result.to_dict())


# -- experiments --


class Exposure(BaseModel):
    """One list shown to a user in an experiment."""

    user_id: str = Field(description="Pseudonymous user id")
    event_ids: list[str] = Field(description="Events shown, in order", min_length=1)
    arm: str | None = Field(default=None, description="The arm served (checked against the assignment)")
    time: dt.datetime | None = Field(default=None, description="When (default now)")
    placement: str | None = Field(default=None, description="The widget placement")


class Exposures(BaseModel):
    """A batch of exposures."""

    exposures: list[Exposure] = Field(description="Exposures, written in one durable append", min_length=1)


class Outcome(BaseModel):
    """What a user did with an event."""

    user_id: str = Field(description="Pseudonymous user id")
    event_id: str = Field(description="The event")
    kind: str = Field(description="click, like, bookmark, share, ticket, check-in or dismiss")
    time: dt.datetime | None = Field(default=None, description="When (default now)")


class Outcomes(BaseModel):
    """A batch of outcomes."""

    outcomes: list[Outcome] = Field(description="Outcomes, written in one durable append", min_length=1)


@router.post(
    "/v1/experiments",
    status_code=201,
    responses={200: {"description": "Unchanged: the latest version"}, **problem_responses(401, 403, 422, 429)},
    summary="Create an experiment or a new version of it",
)
def create_experiment(
    state: StateDep,
    _key: MarketerKey,
    body: Annotated[dict[str, Any], Body(description="An experiment definition (see docs/marketing.md)")],
) -> Response:
    """Validate and save; 201 with the new version, 200 when it equals the latest version."""
    saved = experiments_of(state).save(body)
    if saved.new:
        state.experiment_tracker.invalidate()  # a started or stopped experiment counts from the next request
    return json_response(saved.to_dict(), status_code=201 if saved.new else 200)


@router.get("/v1/experiments", responses=problem_responses(401, 403, 429), summary="List experiments")
def list_experiments(state: StateDep, _key: MarketerKey) -> Response:
    """The latest version of every experiment."""
    return json_response({"experiments": [e.to_dict() for e in experiments_of(state).list()]})


@router.get("/v1/experiments/{experiment_id}", responses=problem_responses(401, 403, 404, 422, 429), summary="Show one")
def get_experiment(
    experiment_id: ExperimentId,
    state: StateDep,
    _key: MarketerKey,
    version: Annotated[int | None, Query(ge=1, description="A version (default: the latest)")] = None,
) -> Response:
    """One version of an experiment."""
    return json_response(experiments_of(state).get(experiment_id, version).to_dict())


@router.get(
    "/v1/experiments/{experiment_id}/results",
    responses=problem_responses(401, 403, 404, 429),
    summary="Results per arm",
)
def get_results(experiment_id: ExperimentId, state: StateDep, _key: MarketerKey) -> Response:
    """Click-through and conversion per arm with confidence intervals, tests, sample-ratio check, guardrails."""
    experiments = experiments_of(state)
    results = experiment_results(experiments.get(experiment_id).definition, experiments.read_log(experiment_id))
    return json_response(results.to_dict())


class Assignment(BaseModel):
    """A person's arm in an experiment, for a back end that serves it."""

    experiment: str = Field(description="The experiment")
    status: str = Field(description="draft, running or stopped (exposures are logged only while running)")
    user_id: str = Field(description="The person")
    arm: str = Field(description="The arm the hash of the experiment and the person assigns")
    model: str | None = Field(description="The artefact that serves the arm (name or name/version; null: the active)")
    settings: dict[str, Any] = Field(description="The arm's re-ranking settings")
    served_here: bool = Field(
        description="Whether this server serves the arm itself when a recommendation request names the "
        "experiment (it runs the arm's model); otherwise serve it elsewhere and log through /exposures"
    )


@router.get(
    "/v1/experiments/{experiment_id}/assignment",
    response_model=Assignment,
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="A person's arm and its settings (server keys)",
)
def get_assignment(
    experiment_id: ExperimentId,
    state: StateDep,
    _key: ServerKey,
    user_id: Annotated[
        str,
        Query(
            description="The person: a user id or an anonymous visitor's id",
            max_length=MAX_ID_LENGTH,
            pattern=id_pattern(),
        ),
    ],
) -> Response:
    """The arm of ``user_id`` (the same in every process, for ever), its model and its settings."""
    definition = experiments_of(state).get(experiment_id).definition
    arm = definition.assign(user_id)
    model = (state.engine.name, state.engine.version) if state.has_engine else None
    body = {
        "experiment": definition.id,
        "status": definition.status.value,
        "user_id": user_id,
        "arm": arm.name,
        "model": arm.model,
        "settings": dict(arm.settings),
        "served_here": serves_model(arm, model),
    }
    return json_response(body)


@router.post(
    "/v1/experiments/{experiment_id}/exposures",
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="Log exposures (server keys)",
)
def log_exposures(experiment_id: ExperimentId, body: Exposures, state: StateDep, _key: ServerKey) -> Response:
    """Record lists shown to users of a running experiment; the arm is the user's assignment."""
    rows = [(e.user_id, e.event_ids, e.arm, e.time, e.placement) for e in body.exposures]
    records = experiments_of(state).log_exposures(experiment_id, rows)
    return json_response({"logged": len(records), "arms": [r.arm for r in records]})


@router.post(
    "/v1/experiments/{experiment_id}/outcomes",
    responses=problem_responses(401, 403, 404, 422, 429),
    summary="Log outcomes (server keys)",
)
def log_outcomes(experiment_id: ExperimentId, body: Outcomes, state: StateDep, _key: ServerKey) -> Response:
    """Record clicks, tickets, check-ins and dismissals of users of an experiment."""
    rows = [(o.user_id, o.event_id, o.kind, o.time) for o in body.outcomes]
    records = experiments_of(state).log_outcomes(experiment_id, rows)
    return json_response({"logged": len(records), "arms": [r.arm for r in records]})
