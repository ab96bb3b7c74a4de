"""Publish candidate lists of a trained artefact into the candidate cache (``recsys publish``).

The computation lives in :mod:`recsys.cache.publishing` so that the server
can run the same publish at start-up (serving may not import training);
this job adds what only the offline side brings: the region of each event
from :mod:`features.regions`, and the command's defaults.
"""

from __future__ import annotations

import datetime as dt

from features.regions import region_of
from recsys.cache.protocol import CandidateCache
from recsys.cache.publishing import Progress, PublishResult, no_progress, publish_workspace
from recsys.stores.workspace import Workspace


def publish(
    workspace: Workspace,
    cache: CandidateCache,
    *,
    name: str = "default",
    artifact_version: str | None = None,
    now: dt.datetime | None = None,
    n_user_candidates: int = 200,
    n_similar: int = 50,
    n_popular: int = 200,
    progress: Progress = no_progress,
) -> PublishResult:
    """Publish the active version of artefact ``name`` into ``cache`` and make it the active cache version.

    Parameters
    ----------
    workspace : Workspace
        The data folder (catalogue, interaction log, artefacts).
    cache : CandidateCache
        Where to publish (:func:`recsys.cache.factory.open_cache`).
    name : str
        Artefact name (``default`` is what ``recsys train`` writes).
    artifact_version : str, optional
        Publish this stored version instead of the active one.
    now : datetime, optional
        Which events are open (default: the current time).
    n_user_candidates, n_similar, n_popular : int
        Lengths of the user, similar-events and popular lists (0 skips a kind).
    progress : callable
        ``progress(step, done, total)``.

    Returns
    -------
    PublishResult
        The cache version and the info recorded with it.

    Raises
    ------
    ArtifactError
        When no version is active or the artefact is broken.
    CacheError
        When the cache fails; the previous cache version keeps serving.

    """
    return publish_workspace(
        workspace,
        cache,
        regions=region_of,
        name=name,
        artifact_version=artifact_version,
        now=now,
        n_user_candidates=n_user_candidates,
        n_similar=n_similar,
        n_popular=n_popular,
        progress=progress,
    )
