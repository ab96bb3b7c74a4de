"""Publish a whole version of candidate lists into a cache, then flip it active.

Three levels, each usable on its own:

- :func:`publish_version`: models + cards of the open events -> one cache version;
- :func:`publish_artifact`: a loaded artefact + catalogue events -> cards -> :func:`publish_version`;
- :func:`publish_workspace`: a data folder's active artefact, catalogue and
  interaction log -> :func:`publish_artifact` (what ``recsys publish`` and
  the server's start-up run).

Regions come from a lookup the caller passes (``features.regions.region_of``),
because ``recsys`` does not import ``features``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from recsys.artifacts import Artifact, ArtifactRegistry
from recsys.cache.candidates import as_id_array, known_users, popular_lists, similar_blocks, user_candidate_blocks
from recsys.cache.cards import EventCard
from recsys.cache.event_cards import RegionLookup, build_cards, snapshot_catalogue
from recsys.cache.protocol import CandidateCache
from recsys.cache.publish_models import PublishModels, card_popularity, load_publish_models, popular_scores
from recsys.domain.events import Event
from recsys.stores.protocols import InteractionLog
from recsys.stores.workspace import Workspace

#: ``progress(step, done, total)``, called as each step advances (the training job's convention).
Progress = Callable[[str, int, int], None]
#: Cards written per call.
CARDS_PER_BATCH: Final = 5000


def no_progress(step: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publish wrote.

    Parameters
    ----------
    version : str
        The cache version, now active.
    info : dict
        What was recorded with it (:meth:`CandidateCache.version_info`).
    seconds : float
        Wall-clock time of the publish.

    """

    version: str
    info: dict[str, Any]
    seconds: float


def version_id(artifact_version: str, published_at: dt.datetime) -> str:
    """A cache version id: the artefact version and the publish time (UTC, milliseconds).

    >>> version_id("20261125T062814123Z-0123456789ab", dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC))
    '20261125T062814123Z-0123456789ab.p20261125T070000000Z'

    """
    moment = published_at.astimezone(dt.UTC)
    return f"{artifact_version}.p{moment:%Y%m%dT%H%M%S}{moment.microsecond // 1000:03d}Z"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def publish_version(
    cache: CandidateCache,
    version: str,
    models: PublishModels,
    cards: Sequence[EventCard],
    *,
    now: dt.datetime,
    similar_sources: Sequence[str] | None = None,
    user_ids: Sequence[str] | pa.Array | None = None,
    n_user_candidates: int = 200,
    n_similar: int = 50,
    n_popular: int = 200,
    info: dict[str, Any] | None = None,
    progress: Progress = no_progress,
) -> PublishResult:
    """Write one version: cards, user candidates, similar events and popular lists; then flip it active.

    Parameters
    ----------
    cache : CandidateCache
        Where to publish.
    version : str
        The new version id (:func:`version_id`).
    models : PublishModels
        The models (:func:`~recsys.cache.publish_models.load_publish_models`).
    cards : sequence of EventCard
        Cards of the events open at ``now``; every list holds only these events.
    now : datetime
        The moment the open events were chosen for (recorded in the info).
    similar_sources : sequence of str, optional
        Events that get a similar-events list (default: the open events).
    user_ids : sequence of str, optional
        Users to publish candidates for (default: all the base model knows).
    n_user_candidates, n_similar, n_popular : int
        List lengths; 0 skips that kind of list.
    info : dict, optional
        More facts for the version info (model name, artefact version).
    progress : callable
        ``progress(step, done, total)``.

    Returns
    -------
    PublishResult

    Raises
    ------
    CacheError
        When the cache fails; nothing of the version is visible then.

    """
    started = time.perf_counter()
    event_ids = as_id_array([c.event_id for c in cards])
    counts = {"open_events": len(cards), "cards": 0, "users": 0, "similar": 0, "popular": 0}
    with cache.publisher(version) as publisher:
        for start in range(0, len(cards), CARDS_PER_BATCH):
            progress("cards", start, len(cards))
            publisher.put_cards(cards[start : start + CARDS_PER_BATCH])
        counts["cards"] = len(cards)
        progress("cards", len(cards), len(cards))

        if n_user_candidates > 0:
            users = known_users(models.base, user_ids)
            done = 0
            progress("user candidates", 0, len(users))
            for block in user_candidate_blocks(models, event_ids, n=n_user_candidates, users=users):
                publisher.put_user_candidates(block)
                counts["users"] += len(block)
                done = min(len(users), done + max(len(block), 1))
                progress("user candidates", done, len(users))
            progress("user candidates", len(users), len(users))

        if n_similar > 0 and models.similar is not None:
            sources = list(similar_sources) if similar_sources is not None else [str(e) for e in event_ids.tolist()]
            production_of = {c.event_id: c.production_id for c in cards}
            progress("similar events", 0, len(sources))
            for lists in similar_blocks(
                models.similar,
                sources,
                event_ids,
                n=n_similar,
                productions=[c.production_id for c in cards],
                source_productions=[production_of.get(s) for s in sources],
            ):
                publisher.put_similar(lists)
                counts["similar"] += len(lists)
                progress("similar events", counts["similar"], len(sources))

        popularity, popularity_source = popular_scores(models, pa.array(event_ids.tolist(), pa.string()))
        if n_popular > 0:
            progress("popular lists", 0, 1)
            popular = popular_lists(cards, popularity, n=n_popular)
            publisher.put_popular(popular)
            counts["popular"] = len(popular)
            progress("popular lists", 1, 1)

        recorded = {
            **(info or {}),
            "version": version,
            "base_model": models.base_name,
            "score_columns": models.score_columns,
            "score_models": models.score_models,
            "similar_model": models.similar_name if n_similar > 0 else None,
            "popularity_model": popularity_source,
            "now": _iso(now),
            "created": _iso(dt.datetime.now(dt.UTC)),
            "counts": counts,
            "lengths": {"user_candidates": n_user_candidates, "similar": n_similar, "popular": n_popular},
        }
        progress("commit", 0, 1)
        publisher.commit(recorded)
        progress("commit", 1, 1)
    return PublishResult(version, recorded, round(time.perf_counter() - started, 3))


def publish_artifact(
    cache: CandidateCache,
    artifact: Artifact,
    events: Iterable[Event],
    *,
    regions: RegionLookup,
    now: dt.datetime | None = None,
    models: PublishModels | None = None,
    user_ids: Sequence[str] | pa.Array | None = None,
    n_user_candidates: int = 200,
    n_similar: int = 50,
    n_popular: int = 200,
    progress: Progress = no_progress,
) -> PublishResult:
    """Publish the lists of ``artifact`` for the events of a catalogue open at ``now``.

    Parameters
    ----------
    cache : CandidateCache
        Where to publish.
    artifact : Artifact
        A loaded, validated artefact version.
    events : iterable of Event
        The whole catalogue (open events, organiser sizes and recently ended events come from it).
    regions : callable
        ``(postcode, municipality) -> region`` (:func:`features.regions.region_of`).
    now : datetime, optional
        Which events are open (default: the current time).
    models : PublishModels, optional
        Models already loaded from ``artifact`` (default: load them).
    user_ids : sequence of str, optional
        Users to publish candidates for (default: all the base model knows).
    n_user_candidates, n_similar, n_popular : int
        List lengths; 0 skips that kind of list.
    progress : callable
        ``progress(step, done, total)``.

    """
    published_at = dt.datetime.now(dt.UTC)
    now = now or published_at
    progress("load models", 0, 1)
    chosen = models or load_publish_models(artifact)
    progress("load models", 1, 1)
    progress("read catalogue", 0, 1)
    snapshot = snapshot_catalogue(events, now)
    progress("read catalogue", 1, 1)
    open_ids = pa.array([e.id for e in snapshot.open_events], pa.string())
    values, source = card_popularity(chosen, open_ids)
    cards = build_cards(
        snapshot, regions=regions, popularity=dict(zip(open_ids.to_pylist(), values.tolist(), strict=True))
    )
    return publish_version(
        cache,
        version_id(artifact.version, published_at),
        chosen,
        cards,
        now=now,
        similar_sources=snapshot.similar_sources,
        user_ids=user_ids,
        n_user_candidates=n_user_candidates,
        n_similar=n_similar,
        n_popular=n_popular,
        info={"model": artifact.name, "artifact_version": artifact.version, "card_popularity": source},
        progress=progress,
    )


def interacting_users(log: InteractionLog) -> pa.Array:
    """Distinct users with at least one interaction in the log (a deleted user has none)."""
    unique: pa.Array = pc.unique(log.export(["user_id"]).column("user_id"))
    return unique


def publish_workspace(
    workspace: Workspace,
    cache: CandidateCache,
    *,
    regions: RegionLookup,
    name: str = "default",
    artifact_version: str | None = None,
    now: dt.datetime | None = None,
    n_user_candidates: int = 200,
    n_similar: int = 50,
    n_popular: int = 200,
    progress: Progress = no_progress,
) -> PublishResult:
    """Publish the active (or given) version of artefact ``name`` of a data folder.

    Candidates go to the users the model knows who still have interactions in
    the log: a user deleted since training gets no list back.

    Parameters
    ----------
    workspace : Workspace
        The data folder (catalogue, interaction log, artefacts).
    cache : CandidateCache
        Where to publish.
    regions : callable
        ``(postcode, municipality) -> region`` (:func:`features.regions.region_of`).
    name : str
        Artefact name.
    artifact_version : str, optional
        A stored version (default: the active one).
    now, n_user_candidates, n_similar, n_popular, progress
        As in :func:`publish_artifact`.

    Raises
    ------
    ArtifactError
        When nothing is active or the artefact is broken.
    CacheError
        When the cache fails (nothing of the new version is visible then).

    """
    registry = ArtifactRegistry(workspace.artifacts_dir)
    artifact = registry.load(name, artifact_version) if artifact_version else registry.load_active(name)
    return publish_artifact(
        cache,
        artifact,
        workspace.catalogue.iter_events(),
        regions=regions,
        now=now,
        user_ids=interacting_users(workspace.interactions) if n_user_candidates > 0 else None,
        n_user_candidates=n_user_candidates,
        n_similar=n_similar,
        n_popular=n_popular,
        progress=progress,
    )
