"""Model versions: list them, activate one, roll back (admin keys only).

Activating an artefact version validates it, promotes it in the registry,
loads its models in process (live events are re-added to them) and makes the
matching cache version active; when the cache holds none for it, the server
publishes one.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from recsys.artifacts import ArtifactRegistry
from recsys.cache.protocol import CacheError
from recsys.domain.errors import UnknownEntityError
from serving.deps import AdminKey, RequestIdDep, StateDep
from serving.engine import Engine
from serving.errors import problem_responses
from serving.render import json_response
from serving.state import ServingState

router = APIRouter(prefix="/v1/admin", tags=["admin"])

NamePath = Annotated[
    str, Path(description="Artefact name (the server's RECSYS_MODEL)", pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
]
VersionPath = Annotated[str, Path(description="Artefact version (<utc-timestamp>-<digest>)", max_length=64)]
#: Keys of a cache version's info that may name the artefact version it was published from.
MODEL_VERSION_KEYS = ("model_version", "artifact_version", "artefact_version")


class ModelVersion(BaseModel):
    """One artefact version."""

    version: str = Field(description="Version id")
    active: bool = Field(description="Active in the registry")
    serving: bool = Field(description="Loaded by this server")


class ModelVersions(BaseModel):
    """The versions of the served artefact and of the cache."""

    name: str = Field(description="Artefact name")
    serving: str | None = Field(description="Version loaded in process")
    versions: list[ModelVersion] = Field(description="Stored versions, oldest first")
    cache_active: str | None = Field(description="Active cache version (null when the cache is unavailable)")
    cache_versions: list[dict[str, Any]] = Field(description="Cache versions held, newest first, with their info")


class Activated(BaseModel):
    """The outcome of an activation or rollback."""

    model_version: str = Field(description="Artefact version now served")
    cache_version: str | None = Field(description="Cache version now active")
    request_id: str | None = Field(description="Id of this request")


def _check_name(state: ServingState, name: str) -> None:
    if name != state.settings.model:
        raise UnknownEntityError("model", name)


def cache_version_for(state: ServingState, model_version: str) -> str | None:
    """The newest cache version published from ``model_version``, or ``None``."""
    backend = state.cache.backend
    for version in state.cache.call("versions", backend.versions):
        info = state.cache.call("version_info", partial(backend.version_info, version))
        if any(info.get(key) == model_version for key in MODEL_VERSION_KEYS):
            return version
    return None


def _serve(state: ServingState, engine: Engine) -> str | None:
    """Swap the engine in, then point the cache at its candidates (publishing them when needed)."""
    state.swap_engine(engine)
    try:
        held = cache_version_for(state, engine.version)
        if held is not None:
            state.cache.call("activate", lambda: state.cache.backend.activate(held))
            state.forget_active()
            state.memo.forget()
            state.refresh_snapshot(held)
            return held
    except CacheError:
        return None
    return state.publish_now()


@router.get(
    "/models", response_model=ModelVersions, responses=problem_responses(401, 403, 429), summary="Model versions"
)
def list_models(state: StateDep, _key: AdminKey) -> Response:
    """The served artefact's versions and the cache's versions."""
    registry = ArtifactRegistry(state.workspace.artifacts_dir)
    serving = state.engine.version if state.has_engine else None
    name = state.settings.model
    versions = [
        {"version": v.version, "active": v.active, "serving": v.version == serving}
        for v in registry.list_versions(name)
    ]
    try:
        cache_active = state.cache.call("active_version", state.cache.backend.active_version)
        cache_versions = [
            {
                "version": v,
                "active": v == cache_active,
                "info": state.cache.call("version_info", partial(state.cache.backend.version_info, v)),
            }
            for v in state.cache.call("versions", state.cache.backend.versions)
        ]
    except CacheError:
        cache_active, cache_versions = None, []
    return json_response(
        {
            "name": name,
            "serving": serving,
            "versions": versions,
            "cache_active": cache_active,
            "cache_versions": cache_versions,
        }
    )


@router.post(
    "/models/{name}/activate/{version}",
    response_model=Activated,
    responses=problem_responses(401, 403, 404, 409, 429, 503),
    summary="Activate a model version",
)
def activate(name: NamePath, version: VersionPath, state: StateDep, _key: AdminKey, rid: RequestIdDep) -> Response:
    """Validate and promote the version, load it in process and activate (or publish) its candidates.

    A broken version is refused (409) and the current one keeps serving.
    """
    _check_name(state, name)
    registry = ArtifactRegistry(state.workspace.artifacts_dir)
    if version not in {v.version for v in registry.list_versions(name)}:
        raise UnknownEntityError("model version", version)
    artifact = registry.load(name, version)
    engine = Engine.load(state.workspace, name, artifact.version)
    registry.promote(name, version)
    cache_version = _serve(state, engine)
    return json_response({"model_version": engine.version, "cache_version": cache_version, "request_id": rid})


@router.post(
    "/models/{name}/rollback",
    response_model=Activated,
    responses=problem_responses(401, 403, 404, 409, 429, 503),
    summary="Roll back to the previous model version",
)
def rollback(name: NamePath, state: StateDep, _key: AdminKey, rid: RequestIdDep) -> Response:
    """Make the previously active version active again, in the registry, in process and in the cache."""
    _check_name(state, name)
    registry = ArtifactRegistry(state.workspace.artifacts_dir)
    artifact = registry.rollback(name)
    engine = Engine.load(state.workspace, name, artifact.version)
    cache_version = _serve(state, engine)
    return json_response({"model_version": engine.version, "cache_version": cache_version, "request_id": rid})
