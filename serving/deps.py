"""Typed dependencies: ``Annotated[..., Depends()]`` aliases the routers declare their needs with.

Dependencies that only read memory are ``async def``: FastAPI runs a plain
``def`` dependency in the thread pool, a hand-over that costs more than the
work (authentication, the context parameters) on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from recsys.domain.ids import MAX_ID_LENGTH, id_pattern
from recsys.ranking.request import RecommendationRequest
from serving.keys import ApiKey, Scope
from serving.params import context_query
from serving.pipeline import Pipeline
from serving.security import get_state, require
from serving.state import ServingState


async def get_pipeline(request: Request) -> Pipeline:
    """The recommendation pipeline of the running server."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


async def request_id(request: Request) -> str | None:
    """The id of this request (``X-Request-ID``)."""
    value = getattr(request.state, "request_id", None)
    return str(value) if value else None


StateDep = Annotated[ServingState, Depends(get_state)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
RequestIdDep = Annotated[str | None, Depends(request_id)]
ContextDep = Annotated[RecommendationRequest, Depends(context_query)]
PublicKey = Annotated[ApiKey, Depends(require(Scope.PUBLIC))]
ServerKey = Annotated[ApiKey, Depends(require(Scope.SERVER))]
AdminKey = Annotated[ApiKey, Depends(require(Scope.ADMIN))]

UserIdPath = Annotated[
    str,
    Path(
        description="Pseudonymous user id (letters, digits and . _ : @ + = ~ ! $ * -)",
        max_length=MAX_ID_LENGTH,
        pattern=id_pattern(),
    ),
]
EventIdPath = Annotated[
    str,
    Path(
        description="Event id (the last segment of its UiTdatabank @id)", max_length=MAX_ID_LENGTH, pattern=id_pattern()
    ),
]
