"""Forgetting a user (right to be forgotten). There is deliberately no endpoint that lists users."""

from __future__ import annotations

from typing import Literal

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
    cache: Literal["deleted", "pending"] = Field(
        description="`deleted`: the cached lists and recent history are gone; `pending`: the cache is "
        "unavailable, they are deleted when it is back (the user is served as a stranger meanwhile)"
    )
    request_id: str | None = Field(description="Id of this request")


@router.delete(
    "/{user_id}",
    response_model=UserDeleted,
    responses={
        202: {"model": UserDeleted, "description": "Forgotten; the cache's copy is deleted when the cache is back"},
        **problem_responses(401, 403, 422, 429),
    },
    summary="Forget a user",
)
def delete_user(user_id: UserIdPath, state: StateDep, _key: ServerKey, rid: RequestIdDep) -> Response:
    """Forget a user: interactions, profile, cached lists, recent history and learned vectors.

    Until the next training the user is served as a stranger, also after a restart. Safe to repeat.
    The log, the profile and the record of the deletion are durable before the answer; when the
    cache is unavailable its copy is deleted once it is back and the answer is `202` with
    `"cache": "pending"`.
    """
    state.forgotten.add(user_id)
    with state.log_lock:
        removed = state.workspace.interactions.delete_user(user_id)
    profile = state.workspace.catalogue.delete_user(user_id)
    state.pending.forget(user_id)
    if state.has_engine:
        state.engine.forget_user(user_id)
    # A cache outage must not fail the deletion: the cache's part waits for the cache (see ServingState).
    done = state.delete_user_from_cache(user_id)
    body = {
        "user_id": user_id,
        "interactions_deleted": removed,
        "profile_deleted": profile,
        "cache": "deleted" if done else "pending",
        "request_id": rid,
    }
    return json_response(body, 200 if done else 202)
