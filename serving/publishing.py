"""How the server publishes candidates into its cache: the data folder's publish, for the loaded artefact.

Used at start-up (the embedded cache starts empty), when an admin activates
a version the cache holds no lists for, and when a Redis that restarted
empty comes back. The work is :func:`recsys.cache.publishing.publish_workspace`,
the same as ``recsys publish``.
"""

from __future__ import annotations

import datetime as dt
import logging

from features.regions import region_of
from recsys.cache.protocol import CandidateCache
from recsys.cache.publishing import publish_workspace
from recsys.stores.workspace import Workspace
from serving.engine import Engine
from serving.state import Publish

_log = logging.getLogger("serving.publishing")


def publisher_for(workspace: Workspace, cache: CandidateCache, now: dt.datetime | None = None) -> Publish:
    """A ``publish(engine) -> cache version`` for the server's workspace and cache.

    Parameters
    ----------
    workspace : Workspace
        The data folder (catalogue, log, artefacts).
    cache : CandidateCache
        The backend to write into (unguarded: a failure raises ``CacheError``).
    now : datetime, optional
        A fixed clock (the settings'); default: the time of each publish.

    """

    def publish(engine: Engine) -> str:
        moment = now or dt.datetime.now(dt.UTC)
        result = publish_workspace(
            workspace, cache, regions=region_of, name=engine.name, artifact_version=engine.version, now=moment
        )
        _log.info("published %s in %.1f s (%s)", result.version, result.seconds, result.info.get("counts"))
        return result.version

    return publish
