"""The active artefact in process: user vectors with fold-in, fresh events, scores and the learned ranker.

:class:`Engine` is loaded once per model version by the app's lifespan (and
again when an admin activates another version). It holds the models whose
scores the ranker reads, the base model (the hybrid one, which also gives
brand-new events a vector), the content encoder, the ranker and the event
side the ranking rows are built from. The row builder is
:func:`features.ranking.ranking_rows`, the very function training used.

BLAS runs single-threaded (set once by :func:`limit_blas_threads` at start-up):
requests are small matrix-vector products, and one server process serves
many requests at once; threads inside BLAS would only fight over the cores.

Thread safety: requests read concurrently; :meth:`Engine.add_events` (a new
event through the API) and :meth:`Engine.forget_user` write under a lock,
and readers take the arrays they need under the same lock once per call.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from features.content import ContentEncoder
from features.event_side import EventOffer, build_event_offer, build_event_side
from features.ranking import AGE_BAND_MIDPOINTS, SCORE_MODELS, EventColumns, RankingContext, ranking_rows
from features.regions import REGIONS, region_codes
from recsys.artifacts import Artifact, ArtifactRegistry
from recsys.domain.events import Event
from recsys.domain.interactions import DEFAULT_KIND_WEIGHTS, InteractionKind
from recsys.models.base import Recommender
from recsys.models.data import EventSide
from recsys.models.hybrid import HybridRecommender
from recsys.models.tree_ranker import RankerFormatError, TreeRanker
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, event_row, flat_table
from recsys.stores.workspace import Workspace
from recsys.vocabulary import IdVocabulary

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Most candidates the learned ranker re-orders in one request.
MAX_RANK_DEPTH: Final = 100
#: Most recent events a ranking context counts as the user's history.
HISTORY_LENGTH: Final = 20
_log = logging.getLogger("serving.engine")


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What the catalogue knows about a user (NaN / None when unknown)."""

    lat: float = float("nan")
    lon: float = float("nan")
    age: float = float("nan")
    region: str | None = None


def limit_blas_threads() -> None:
    """Make BLAS single-threaded for the whole process (once: ``threadpoolctl`` scans libraries, ~10 ms)."""
    import threadpoolctl

    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def feature_key(name: str) -> str | None:
    """The ranking-feature key of a model or score column name (``item-knn`` / ``score_item_knn`` -> ``item_knn``)."""
    key = name.removeprefix("score_").replace("-", "_")
    return key if key in SCORE_MODELS else None


class UserTable:
    """Home location, age and region of every catalogue user, as arrays behind an id vocabulary."""

    def __init__(self, users: pa.Table) -> None:
        self.ids = IdVocabulary(users.column("user_id").combine_chunks(), "user")
        self.lat = np.asarray(pc.fill_null(users.column("lat"), np.nan).to_numpy(), dtype=np.float64)
        self.lon = np.asarray(pc.fill_null(users.column("lon"), np.nan).to_numpy(), dtype=np.float64)
        bands = pc.fill_null(users.column("age_band"), "").to_pylist()
        self.age = np.asarray([AGE_BAND_MIDPOINTS.get(b, np.nan) for b in bands], dtype=np.float64)
        self.region = region_codes(users.column("home_postcode"), users.column("home_municipality"))

    def facts(self, user_id: str) -> UserFacts:
        """The user's facts, or empty facts for an unknown user."""
        idx = self.ids.get(user_id)
        if idx is None:
            return UserFacts()
        region = int(self.region[idx])
        return UserFacts(
            float(self.lat[idx]), float(self.lon[idx]), float(self.age[idx]), REGIONS[region] if region >= 0 else None
        )


@dataclass(frozen=True, slots=True)
class _Side:
    """The event side, offer and popularity aligned with the base model's (growing) vocabulary."""

    side: EventSide
    offer: EventOffer
    popularity: FloatArray
    #: The rows' per-event part, computed once here instead of in every request.
    columns: EventColumns = field(repr=False, compare=False)

    @classmethod
    def of(cls, side: EventSide, offer: EventOffer, popularity: FloatArray) -> _Side:
        """The three, with their ranking columns."""
        return cls(side, offer, popularity, EventColumns.build(side, popularity, offer))


def _grow_side(old: _Side, new_side: EventSide, new_offer: EventOffer, positions: IntArray, size: int) -> _Side:
    """``old`` extended to ``size`` events with the new or edited events' rows placed at ``positions``."""

    def place(old_values: npt.NDArray[Any], new_values: npt.NDArray[Any], fill: float) -> npt.NDArray[Any]:
        out = np.full(size, fill, dtype=old_values.dtype)
        out[: len(old_values)] = old_values
        out[positions] = new_values
        return out

    side = EventSide(
        content=None,
        organizer_idx=place(old.side.organizer_idx, new_side.organizer_idx, -1),
        venue_idx=place(old.side.venue_idx, new_side.venue_idx, -1),
        production_idx=place(old.side.production_idx, new_side.production_idx, -1),
        region_idx=place(old.side.region_idx, new_side.region_idx, -1),
        municipality_idx=place(old.side.municipality_idx, new_side.municipality_idx, -1),
        discipline_idx=place(old.side.discipline_idx, new_side.discipline_idx, -1),
        start_us=place(old.side.start_us, new_side.start_us, -1),
        lat=place(old.side.lat, new_side.lat, np.nan),
        lon=place(old.side.lon, new_side.lon, np.nan),
    )
    offer = EventOffer(
        base_price=place(old.offer.base_price, new_offer.base_price, np.nan),
        min_age=place(old.offer.min_age, new_offer.min_age, np.nan),
        max_age=place(old.offer.max_age, new_offer.max_age, np.nan),
    )
    # New events have no interactions yet; an edited one keeps its own.
    popularity = np.zeros(size, dtype=old.popularity.dtype)
    popularity[: len(old.popularity)] = old.popularity
    return _Side(side, offer, popularity, old.columns.updated(side, popularity, offer, positions))


class Engine:
    """The models of one artefact version, ready to score requests.

    Build it with :meth:`load`. ``base`` orders candidates when there is no
    ranker; ``hybrid`` (when the artefact has one) gives new events a vector.
    """

    def __init__(
        self,
        *,
        artifact: Artifact,
        models: Mapping[str, Recommender],
        base: str,
        score_models: Mapping[str, str],
        ranker: TreeRanker | None,
        encoder: ContentEncoder | None,
        reference: pa.Table,
        side: _Side,
        users: UserTable,
        kind_weights: Mapping[str, float],
    ) -> None:
        self.artifact = artifact
        self.models = dict(models)
        self.base_name = base
        self.score_models = dict(score_models)
        self.ranker = ranker
        self.encoder = encoder
        self._reference = reference
        self._side = side
        self.users = users
        self.kind_weights = dict(kind_weights)
        #: Candidates the ranker re-orders per request: as many as it was trained on, at most 100.
        self.rank_depth = MAX_RANK_DEPTH
        self._lock = threading.Lock()

    # -- loading --

    @classmethod
    def load(cls, workspace: Workspace, name: str, version: str | None = None) -> Engine:
        """Load the active (or the given) version of artefact ``name`` from the workspace.

        Raises
        ------
        ArtifactError
            When nothing is active, or the version is broken.

        """
        registry = ArtifactRegistry(workspace.artifacts_dir)
        artifact = registry.load(name, version) if version else registry.load_active(name, fallback=True)
        return cls.from_artifact(artifact, workspace.catalogue.events_table(), workspace.catalogue.users_table())

    @classmethod
    def from_artifact(cls, artifact: Artifact, events: pa.Table, users: pa.Table) -> Engine:
        """Build the engine of an artefact over the catalogue's events and users tables."""
        names = artifact.model_names
        inputs = _ranking_inputs(artifact)
        base = str(inputs.get("base") or ("hybrid" if "hybrid" in names else names[0]))
        score_models: dict[str, str] = {}
        for key, model_name in dict(inputs.get("score_models", {})).items():
            if model_name in names:
                score_models[str(key)] = str(model_name)
        if not score_models:
            for model_name in names:
                key = feature_key(model_name)
                if key is not None and key not in score_models:
                    score_models[key] = model_name
        wanted = {base, *score_models.values()}
        if "hybrid" in names:
            wanted.add("hybrid")
        models = {model_name: artifact.load_model(model_name) for model_name in sorted(wanted)}
        encoder = (
            ContentEncoder.load(artifact.component_path("encoder"))
            if "encoder" in artifact.manifest["components"]
            else None
        )
        ranker = _load_ranker(artifact)
        vocabulary = models[base].events_
        # The rows of the events the models were trained on: their distinct ids define the codes.
        keep = pc.is_in(events.column("event_id"), value_set=vocabulary.ids)
        reference = events.filter(keep)
        side = build_event_side(reference, vocabulary, None)
        offer = build_event_offer(reference, vocabulary)
        popularity = _popularity(artifact, len(vocabulary))
        config = artifact.manifest.get("config", {})
        weights = dict(config.get("weighting", {}).get("kind_weights", {})) if isinstance(config, dict) else {}
        kind_weights = {k.label: float(weights.get(k.label, DEFAULT_KIND_WEIGHTS[k])) for k in InteractionKind}
        engine = cls(
            artifact=artifact,
            models=models,
            base=base,
            score_models=score_models,
            ranker=ranker,
            encoder=encoder,
            reference=reference,
            side=_Side.of(side, offer, popularity),
            users=UserTable(users),
            kind_weights=kind_weights,
        )
        engine.rank_depth = max(1, min(MAX_RANK_DEPTH, int(inputs.get("candidates", MAX_RANK_DEPTH))))
        return engine

    # -- facts --

    @property
    def version(self) -> str:
        """The artefact version served."""
        return self.artifact.version

    @property
    def name(self) -> str:
        """The artefact name."""
        return self.artifact.name

    @property
    def base(self) -> Recommender:
        """The model that orders candidates without a ranker."""
        return self.models[self.base_name]

    @property
    def hybrid(self) -> HybridRecommender | None:
        """The hybrid model (new events get vectors from it), when the artefact has one."""
        model = self.models.get("hybrid")
        return model if isinstance(model, HybridRecommender) else None

    def knows_event(self, event_id: str) -> bool:
        """True when the base model can score ``event_id``."""
        return event_id in self.base.events_

    def user_facts(self, user_id: str | None) -> UserFacts:
        """Home, age and region of a catalogue user (empty for others)."""
        return UserFacts() if user_id is None else self.users.facts(user_id)

    def history_weights(self, entries: Sequence[tuple[str, str]]) -> dict[str, float]:
        """Summed kind weights per event of ``(event_id, kind)`` pairs (what fold-in reads)."""
        weights: dict[str, float] = {}
        for event_id, kind in entries:
            weight = self.kind_weights.get(kind, 0.0)
            if weight:
                weights[event_id] = weights.get(event_id, 0.0) + weight
        return weights

    # -- scoring --

    def _index(self, vocabulary: IdVocabulary, event_ids: Sequence[str]) -> IntArray:
        lookup = vocabulary.get
        return np.fromiter(((-1 if (i := lookup(e)) is None else i) for e in event_ids), np.int64, len(event_ids))

    def scores(
        self, user_id: str | None, history: Mapping[str, float], event_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[str, FloatArray]:
        """Scores of ``event_ids`` by the models behind the given feature keys (and ``base``), NaN where unscorable.

        A user the models know is scored from their vector, folded in with
        ``history`` when it is not empty; an unknown user from ``history``
        alone; a user without either gets nothing (no key in the result).
        """
        wanted: dict[str, str] = {k: self.score_models[k] for k in keys if k in self.score_models}
        wanted["base"] = self.base_name
        out: dict[str, FloatArray] = {}
        computed: dict[str, FloatArray | None] = {}
        for key, model_name in wanted.items():
            if model_name not in computed:
                computed[model_name] = self._model_scores(self.models[model_name], user_id, history, event_ids)
            values = computed[model_name]
            if values is not None:
                out[key] = values
        return out

    def _model_scores(
        self, model: Recommender, user_id: str | None, history: Mapping[str, float], event_ids: Sequence[str]
    ) -> FloatArray | None:
        if not history and (user_id is None or user_id not in model.users_):
            return None  # nothing to score from (the common case of a user the artefact never saw)
        # Under the lock: add_events grows the vocabulary and the vectors in two steps.
        with self._lock:
            vocabulary = model.events_
            dense = model.user_scores(user_id, history=history or None)
        if dense is None:
            return None
        idx = self._index(vocabulary, event_ids)
        known = (idx >= 0) & (idx < len(dense))
        values = np.full(len(event_ids), np.nan, dtype=np.float64)
        values[known] = dense[idx[known]]
        values[~np.isfinite(values)] = np.nan
        return values

    def similar(self, event_id: str, n: int) -> list[tuple[str, float]]:
        """Events like ``event_id`` by the base (or hybrid) model, for when the cache cannot say."""
        model = self.hybrid or self.base
        if not model.supports_similar or event_id not in model.events_:
            return []
        return [(r.event_id, r.score) for r in model.similar(event_id, n)]

    def rank(
        self,
        *,
        facts: UserFacts,
        now_us: int,
        history_ids: Sequence[str],
        event_ids: Sequence[str],
        columns: Mapping[str, FloatArray],
    ) -> FloatArray | None:
        """The learned ranker's output for one request's candidates, or ``None`` without a ranker.

        Parameters
        ----------
        facts : UserFacts
            Where the user lives (or the request's location) and their age.
        now_us : int
            Request time.
        history_ids : sequence of str
            Recent events of the user, newest first.
        event_ids : sequence of str
            Candidates.
        columns : mapping of str to ndarray
            Model scores per feature key (:data:`features.ranking.SCORE_MODELS`), aligned with ``event_ids``.

        """
        if self.ranker is None or not event_ids:
            return None
        rows = self.ranking_rows(
            facts=facts, now_us=now_us, history_ids=history_ids, event_ids=event_ids, columns=columns
        )
        return np.asarray(self.ranker.predict(rows), dtype=np.float64)

    def ranking_rows(
        self,
        *,
        facts: UserFacts,
        now_us: int,
        history_ids: Sequence[str],
        event_ids: Sequence[str],
        columns: Mapping[str, FloatArray],
    ) -> npt.NDArray[np.float32]:
        """The ranker's feature rows of one request's candidates (what :meth:`rank` scores; parameters as there).

        Built by :func:`features.ranking.ranking_rows`, the function training builds its rows with.
        """
        with self._lock:
            state = self._side
            vocabulary = self.base.events_
        idx = self._index(vocabulary, event_ids)
        idx[idx >= len(state.popularity)] = -1
        history = self._index(vocabulary, list(history_ids[:HISTORY_LENGTH]))
        context = RankingContext(
            request_time_us=now_us,
            home_lat=facts.lat,
            home_lon=facts.lon,
            user_age=facts.age,
            history_event_idx=history[history >= 0] if len(history_ids) else None,
        )
        model_scores = {key: values for key, values in columns.items() if key in SCORE_MODELS}
        return ranking_rows(
            context, idx, state.side, model_scores, state.popularity, offer=state.offer, events=state.columns
        )

    # -- changes --

    def add_events(self, events: Sequence[Event]) -> int:
        """Give new or changed events vectors (hybrid ``add_events``) and side rows; return how many.

        Events the artefact trained on keep their learned vectors; new ones get
        content- and metadata-predicted vectors, so they can be recommended at once.
        """
        hybrid = self.hybrid
        if not events:
            return 0
        table = flat_table(EVENTS_TABLE_SCHEMA, [event_row(e) for e in events])
        ids = [e.id for e in events]
        vocabulary = IdVocabulary(ids, "event")
        with self._lock:
            if hybrid is not None and self.encoder is not None:
                content_side = build_event_side(table, vocabulary, self.encoder, codes_from=self._reference)
                hybrid.add_events(ids, content_side)
            else:
                content_side = build_event_side(table, vocabulary, None, codes_from=self._reference)
            base_vocabulary = self.base.events_
            positions = self._index(base_vocabulary, ids)
            known = positions >= 0
            if known.any():
                new_side = _subset(content_side, known)
                new_offer = _offer_subset(build_event_offer(table, vocabulary), known)
                size = max(len(base_vocabulary), len(self._side.popularity))
                self._side = _grow_side(self._side, new_side, new_offer, positions[known], size)
        return len(ids)

    def forget_user(self, user_id: str) -> None:
        """Zero a deleted user's learned vectors and training history in memory."""
        with self._lock:
            for model in self.models.values():
                idx = model.users_.get(user_id) if model.is_fitted else None
                factors = getattr(model, "user_factors_", None)
                if idx is not None and isinstance(factors, np.ndarray):
                    factors[idx] = 0.0
                if idx is not None:
                    seen = model.seen_
                    seen.data[seen.indptr[idx] : seen.indptr[idx + 1]] = 0.0


def _subset(side: EventSide, keep: npt.NDArray[np.bool_]) -> EventSide:
    return dataclasses.replace(
        side,
        content=None,
        **{
            f.name: getattr(side, f.name)[keep]
            for f in dataclasses.fields(side)
            if f.name != "content" and isinstance(getattr(side, f.name), np.ndarray)
        },
    )


def _offer_subset(offer: EventOffer, keep: npt.NDArray[np.bool_]) -> EventOffer:
    return EventOffer(offer.base_price[keep], offer.min_age[keep], offer.max_age[keep])


def _ranking_inputs(artifact: Artifact) -> dict[str, Any]:
    """``ranking/inputs.json`` (base model, score models), or ``{}`` without a ranker."""
    if "ranking" not in artifact.manifest["components"]:
        return {}
    path = artifact.component_path("ranking") / "inputs.json"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _popularity(artifact: Artifact, n_events: int) -> FloatArray:
    """The ranker's popularity input (``ranking/popularity.npz``), zeros without one."""
    if "ranking" in artifact.manifest["components"]:
        path: Path = artifact.component_path("ranking") / "popularity.npz"
        try:
            with np.load(path, allow_pickle=False) as stored:
                values = np.asarray(stored["popularity"], dtype=np.float64)
            if len(values) == n_events:
                return values
        except (OSError, KeyError, ValueError):
            pass
    return np.zeros(n_events, dtype=np.float64)


def _load_ranker(artifact: Artifact) -> TreeRanker | None:
    if "ranker" not in artifact.manifest["components"]:
        return None
    from features.ranking import RANKING_FEATURES

    try:
        return TreeRanker.load(artifact.component_path("ranker"), feature_names=RANKING_FEATURES)
    except RankerFormatError as exc:
        # Serve without the ranker rather than not at all; the base model still orders well.
        _log.warning("ranker of %s/%s not used: %s", artifact.name, artifact.version, exc)
        return None
