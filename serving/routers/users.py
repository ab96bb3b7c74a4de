"""Forgetting a user (right to be forgotten). There is deliberately no endpoint that lists users."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from serving.deps import RequestIdDep, ServerKey, StateDep, UserIdPath
from serving.errors import problem_responses
from serving.render import json_response

router = APIRouter(prefix="/v1/users", tags=["users"])


class UserDeleted(BaseModel):
    """What a deletion removed."""

    user_id: str = Field(description="The user")
    interactions_deleted: int = Field(description="Interactions removed from the log")
    profile_deleted: bool = Field(description="Whether the catalogue held a profile")
    request_id: str | None = Field(description="Id of this request")


@router.delete(
    "/{user_id}",
    response_model=UserDeleted,
    responses=problem_responses(401, 403, 422, 429, 503),
    summary="Forget a user",
)
def delete_user(user_id: UserIdPath, state: StateDep, _key: ServerKey, rid: RequestIdDep) -> Response:
    """Forget a user: interactions, profile, cached lists, recent history and learned vectors.

    Until the next training the user is served as a stranger. Safe to repeat (a 503 means the
    cache could not be reached: repeat the call).
    """
    state.forgotten.add(user_id)
    with state.log_lock:
        removed = state.workspace.interactions.delete_user(user_id)
    profile = state.workspace.catalogue.delete_user(user_id)
    state.pending.forget(user_id)
    if state.has_engine:
        state.engine.forget_user(user_id)
    state.cache.call("delete_user", lambda: state.cache.backend.delete_user(user_id))
    return json_response(
        {"user_id": user_id, "interactions_deleted": removed, "profile_deleted": profile, "request_id": rid}
    )
