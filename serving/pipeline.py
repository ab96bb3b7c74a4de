"""The recommendation pipeline: candidates -> scores -> learned ranker -> rules.

For a user (:meth:`Pipeline.for_user`) the candidates are the user's
published list, events similar to what they just did, and fresh events
(added through the API since the last publish), all scored in one batch; the
fallback chain tops the list up to ``n`` with popular events of the user's
(or the request's) region, then popular events overall. Scores come from the
cached list's score columns, recomputed in process where they can be better:
a user with new interactions has their vector folded in from their stored
and recent history. The learned ranker orders the personal candidates from
:func:`features.ranking.ranking_rows` (what it was trained on); then
:func:`recsys.ranking.rules.apply_rules` applies eligibility, filters, one
date per production, diversity, exploration, exposure and explanations.

When the cache is unavailable every answer comes from the in-process
fallback snapshot and its source says so (``popular+fallback``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from features.regions import region_of
from recsys.cache.cards import EventCard
from recsys.cache.protocol import CacheError, CandidateList, RecentInteraction, region_scope, type_scope
from recsys.domain.errors import UnknownEntityError
from recsys.ranking.exploration import exploration_seed
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import RankedItem, ScoredCard, apply_rules
from recsys.ranking.times import to_us
from serving.card_table import CardTable
from serving.engine import Engine, UserFacts, feature_key
from serving.fallback import ALL_SCOPE
from serving.prefilter import admissible
from serving.state import ServingState

#: Interaction kinds after which an event is not recommended to the same person again.
SEEN_KINDS: Final = frozenset({"view", "click", "ticket", "check-in", "dismiss"})
#: Kinds whose events seed "similar to what you just did".
SEED_KINDS: Final = frozenset({"view", "click", "like", "bookmark", "share", "ticket", "check-in"})
#: Most recent events whose similar events become candidates.
SIMILAR_SEEDS: Final = 3
#: Similar events taken per seed.
SIMILAR_PER_SEED: Final = 30
#: Popular events per list taken into the first pass of the rules (a multiple of ``n``, at least this many);
#: the whole lists only when the first pass comes out short (tight filters).
POPULAR_HEAD: Final = 30
#: Boost of candidates similar to the most recent event (the recent-history boost), on the 0..1 relevance scale.
SIMILAR_BOOST: Final = 0.3

PERSONAL: Final = "personal"
SIMILAR: Final = "similar"
FRESH: Final = "fresh"
REGIONAL: Final = "regional-popular"
POPULAR: Final = "popular"
#: The main source of a list is the first of these its items came from.
SOURCE_ORDER: Final = (PERSONAL, SIMILAR, REGIONAL, POPULAR)
FALLBACK_SUFFIX: Final = "+fallback"
#: Most sets of popular heads a pipeline keeps (one per version, scopes and length: a few dozen in use).
HEADS_KEPT: Final = 256

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Answer:
    """A ranked list and where it came from."""

    items: list[RankedItem]
    source: str
    model_version: str | None
    cache_version: str | None


@dataclass
class _Pool:
    """Personal candidates while they are being gathered."""

    ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    because: list[str | None] = field(default_factory=list)
    similarity: list[float] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def extend(self, event_ids: Sequence[str], source: str) -> None:
        """Add events of one source (no reason, no similarity); those already held stay as they are."""
        if self.ids:
            for event_id in event_ids:
                self.add(event_id, source)
            return
        # An empty pool takes the whole list at once (the user's published list, every request).
        self.ids = list(dict.fromkeys(event_ids))
        self.index = {event_id: at for at, event_id in enumerate(self.ids)}
        self.sources = [source] * len(self.ids)
        self.because = [None] * len(self.ids)
        self.similarity = [0.0] * len(self.ids)

    def add(self, event_id: str, source: str, because: str | None = None, similarity: float = 0.0) -> int:
        at = self.index.get(event_id)
        if at is None:
            at = self.index[event_id] = len(self.ids)
            self.ids.append(event_id)
            self.sources.append(source)
            self.because.append(because)
            self.similarity.append(similarity)
        elif similarity > self.similarity[at]:
            # Known from the user's list and also like what they just viewed: say so, and boost it.
            self.similarity[at] = similarity
            self.because[at] = because
        return at


@dataclass(frozen=True, slots=True)
class _PopularHeads:
    """Scored items of some popular lists with their card-table rows, valid while neither table nor live cards change.

    Every request short of ``n`` tops up from the same few lists; they are scored and looked up
    once, and each request only runs the coarse pass over their rows.
    """

    items: list[ScoredCard]
    rows: IntArray
    table: CardTable
    live_generation: int


def rank01(values: FloatArray) -> FloatArray:
    """Each value's rank among the finite ones, scaled to [0, 1] (1 = highest); NaN -> 0."""
    out = np.zeros(len(values), dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(values))
    if len(finite) == 1:
        out[finite] = 1.0
    elif len(finite) > 1:
        order = finite[np.argsort(values[finite], kind="stable")]
        out[order] = np.arange(len(order), dtype=np.float64) / (len(order) - 1)
    return out


def main_source(items: Sequence[RankedItem], fallback: bool = False) -> str:
    """``personal``, ``similar``, ``regional-popular`` or ``popular`` (+``+fallback``)."""
    present = {PERSONAL if item.source == FRESH else item.source for item in items}
    source = next((s for s in SOURCE_ORDER if s in present), POPULAR)
    return source + FALLBACK_SUFFIX if fallback else source


def request_region(request: RecommendationRequest, facts: UserFacts) -> str | None:
    """The region popular-in-region lists are taken from: the request's municipality, else the user's home."""
    if request.municipality:
        text = request.municipality.strip()
        region = region_of(text, None) if text.isdigit() else region_of(None, text)
        if region:
            return region
    return facts.region


def score_keys(info: Mapping[str, Any], n_columns: int) -> list[str | None]:
    """The ranking-feature key of each score column of a version's lists (``None`` = not a feature)."""
    names = info.get("score_columns")
    if not isinstance(names, list):
        return [None] * n_columns
    keys = [feature_key(str(name)) for name in names][:n_columns]
    return keys + [None] * (n_columns - len(keys))


class Pipeline:
    """Answers recommendation requests from a :class:`~serving.state.ServingState`."""

    def __init__(self, state: ServingState) -> None:
        self.state = state
        self._heads: dict[tuple[str, tuple[str, ...], bool, int | None], _PopularHeads] = {}

    # -- entry points --

    def for_user(self, user_id: str, request: RecommendationRequest) -> Answer:
        """Recommendations for a known (or at least identified) user."""
        return self._personal(user_id, (), request)

    def for_visitor(self, visitor_id: str | None, viewed: Sequence[str], request: RecommendationRequest) -> Answer:
        """Recommendations for an anonymous visitor from the events they just viewed."""
        return self._personal(visitor_id, viewed, request, anonymous=True)

    def similar(self, event_id: str, request: RecommendationRequest) -> Answer:
        """Events like ``event_id`` that pass the request's rules.

        Raises
        ------
        UnknownEntityError
            When neither the cache, the models nor the catalogue know the event.

        """
        state, engine, now = self.state, self.state.engine, self.state.now()
        fallback = False
        version: str | None = None
        found: CandidateList | None = None
        try:
            version = state.active_version()
            if version is not None:
                found = state.cache.call(
                    "similar_events", lambda: state.cache.backend.similar_events(version, event_id)
                )
        except CacheError:
            fallback = True
        if found is not None:
            ids, scores = list(found.event_ids), np.asarray(found.scores[:, 0], dtype=np.float64)
        else:
            pairs = engine.similar(event_id, 300)
            ids, scores = [p[0] for p in pairs], np.asarray([p[1] for p in pairs], dtype=np.float64)
            if not pairs and not self._event_exists(event_id):
                raise UnknownEntityError("event", event_id)
        cards = self._cards(version if not fallback else None, [event_id, *ids], fallback)
        seed = cards.get(event_id)
        title = dict(seed.name) if seed is not None else None
        relevance = rank01(scores)
        items = [
            ScoredCard(cards[e], float(r), SIMILAR, because_of=event_id, because_of_title=title)
            for e, r in zip(ids, relevance, strict=True)
            if e in cards
        ]
        ranked = apply_rules(items, request, now, exclude={event_id}, seed=exploration_seed(event_id, now.date()))
        return self._answer(ranked, SIMILAR + (FALLBACK_SUFFIX if fallback else ""), engine, version, fallback)

    def popular(
        self, request: RecommendationRequest, *, region: str | None = None, type_id: str | None = None
    ) -> Answer:
        """Popular events of a scope (a type, a region, else overall) that pass the request's rules."""
        state, now = self.state, self.state.now()
        region = region or request_region(request, UserFacts())
        scopes = [type_scope(type_id)] if type_id else []
        scopes += [region_scope(region)] if region else []
        scopes.append(ALL_SCOPE)
        fallback = False
        version: str | None = None
        lists: list[tuple[str, CandidateList]] = []
        try:
            version = state.active_version()
            if version is None:
                raise CacheError("the cache holds no version yet")
            for scope in scopes:
                found = state.popular(version, scope)
                if found is not None:
                    lists.append((scope, found))
        except CacheError:
            fallback, version = True, None
            lists = [(s, found) for s in scopes if (found := state.snapshot.popular(s)) is not None]
        region_first = bool(region or type_id)

        def topping(limit: int | None) -> list[ScoredCard]:
            if version is None:
                return self._popular_items(lists, None, fallback, region_first=region_first, limit=limit)
            return self._coarse_filtered(self._popular_heads(lists, version, region_first, limit), request, to_us(now))

        ranked = self._apply([], topping, request, now, None, set(), "popular")
        source = main_source(ranked, fallback)
        return self._answer(ranked, source, self._engine_or_none(), version, fallback)

    # -- personal lists --

    def _personal(
        self, user_id: str | None, viewed: Sequence[str], request: RecommendationRequest, *, anonymous: bool = False
    ) -> Answer:
        state, engine, now = self.state, self.state.engine, self.state.now()
        now_us = to_us(now)
        forgotten = user_id is not None and user_id in state.forgotten
        facts = engine.user_facts(None if anonymous or forgotten else user_id)
        viewed_entries = [RecentInteraction(e, "view", now_us) for e in viewed]
        try:
            version = state.active_version()
            if version is None:
                raise CacheError("the cache holds no version yet")
            info = state.info(version)
            listed: CandidateList | None = None
            stored: list[RecentInteraction] = []
            if user_id is not None and not (anonymous or forgotten):
                listed, stored = state.user_view(version, user_id)
            elif user_id is not None:
                stored = state.recent(user_id)
            recent = [*viewed_entries, *stored]
            return self._ranked(user_id, request, facts, version, info, listed, recent, now, anonymous or forgotten)
        except CacheError:
            pending = state.pending.of(user_id) if user_id is not None else []
            return self._from_snapshot(user_id, request, facts, [*viewed_entries, *pending], now)

    def _ranked(
        self,
        user_id: str | None,
        request: RecommendationRequest,
        facts: UserFacts,
        version: str,
        info: Mapping[str, Any],
        listed: CandidateList | None,
        recent: Sequence[RecentInteraction],
        now: dt.datetime,
        anonymous: bool,
    ) -> Answer:
        """Rank the personal pool (``anonymous``: score from the history alone, not a learned vector)."""
        state, engine = self.state, self.state.engine
        exclude = {e.event_id for e in recent if e.kind in SEEN_KINDS}
        history = engine.history_weights([(e.event_id, e.kind) for e in recent])
        pool = _Pool()
        if listed is not None:
            pool.extend(listed.event_ids, PERSONAL)
        seeds = list(dict.fromkeys(e.event_id for e in recent if e.kind in SEED_KINDS))[:SIMILAR_SEEDS]
        for rank, seed in enumerate(seeds):
            found = state.cache.call("similar_events", partial(state.cache.backend.similar_events, version, seed))
            pairs = (
                list(zip(found.event_ids, rank01(found.scores[:, 0].astype(np.float64)), strict=True))
                if found is not None
                else [(e, 1.0) for e, _ in engine.similar(seed, SIMILAR_PER_SEED)]
            )
            for event_id, strength in pairs[:SIMILAR_PER_SEED]:
                pool.add(event_id, SIMILAR, seed, (0.5 + 0.5 * float(strength)) / (1 + rank))
        for card in state.live_cards():
            pool.add(card.event_id, FRESH)

        # Only candidates the rules would keep are scored and ranked (filters drop most of a list); cards
        # are looked up only for those the coarse pass keeps (it keeps cards it has not seen yet).
        now_us = to_us(now)
        tested = np.flatnonzero(state.coarse_mask(version, pool.ids, request, now_us))
        if exclude:
            tested = tested[[pool.ids[i] not in exclude for i in tested.tolist()]]
        tested_ids = [pool.ids[i] for i in tested.tolist()]
        cards = self._cards(version, [*tested_ids, *seeds], False)
        kept = tested[admissible([cards.get(e) for e in tested_ids], request, now_us)]
        ids = [pool.ids[i] for i in kept.tolist()]
        n_listed = 0 if listed is None else len(listed)
        listed_rows = np.where(kept < n_listed, kept, -1)
        scores = self._scores(user_id if not anonymous else None, history, ids, listed_rows, listed, info)
        base = scores.pop("base")
        sources = [pool.sources[i] for i in kept]
        relevance = self._relevance(ids, base, scores, facts, recent, now)
        relevance = relevance + SIMILAR_BOOST * np.asarray(pool.similarity, dtype=np.float64)[kept]
        titles = {s: dict(cards[s].name) for s in seeds if s in cards}
        items = [
            ScoredCard(
                cards[event_id],
                1.0 + float(relevance[j]),
                sources[j],
                because_of=pool.because[kept[j]],
                because_of_title=titles.get(pool.because[kept[j]] or ""),
            )
            for j, event_id in enumerate(ids)
            # Fresh events need a user vector to be judged; without one they wait for the popular lists.
            if not (sources[j] == FRESH and math.isnan(base[j]))
        ]

        region = request_region(request, facts)
        scopes = ([region_scope(region)] if region else []) + [ALL_SCOPE]
        popular = [(s, found) for s in scopes if (found := state.popular(version, s)) is not None]

        def topping(limit: int | None) -> list[ScoredCard]:
            heads = self._popular_heads(popular, version, region is not None, limit)
            return self._coarse_filtered(heads, request, now_us)

        origin = None if math.isnan(facts.lat) or math.isnan(facts.lon) else (facts.lat, facts.lon)
        ranked = self._apply(items, topping, request, now, origin, exclude, user_id or "visitor")
        return self._answer(ranked, main_source(ranked), engine, version, False)

    def _apply(
        self,
        items: list[ScoredCard],
        topping: Callable[[int | None], list[ScoredCard]],
        request: RecommendationRequest,
        now: dt.datetime,
        origin: tuple[float, float] | None,
        exclude: set[str],
        seed_key: str,
    ) -> list[RankedItem]:
        """The rules over the candidates, topped up from the popular lists only when they fall short of ``n``.

        First the candidates alone, then with the heads of the popular lists, then with the whole
        lists (tight filters): the rules cost about 2 µs per candidate, and most requests stop early.
        ``topping(limit)`` gives the popular items, the first ``limit`` of each list (``None``: all).
        """
        seed = exploration_seed(seed_key, now.date())
        ranked: list[RankedItem] = []
        if len(items) >= request.n:
            ranked = apply_rules(items, request, now, origin=origin, exclude=exclude, seed=seed)
            if len(ranked) >= request.n:
                return ranked
        heads = topping(max(POPULAR_HEAD, 3 * request.n))
        ranked = apply_rules([*items, *heads], request, now, origin=origin, exclude=exclude, seed=seed)
        if len(ranked) < request.n:
            every = topping(None)
            if len(every) > len(heads):
                ranked = apply_rules([*items, *every], request, now, origin=origin, exclude=exclude, seed=seed)
        return ranked

    def _scores(
        self,
        user_id: str | None,
        history: Mapping[str, float],
        ids: Sequence[str],
        listed_rows: npt.NDArray[np.int64],
        listed: CandidateList | None,
        info: Mapping[str, Any],
    ) -> dict[str, FloatArray]:
        """Per feature key (and ``base``) the score of every candidate; NaN where none is known.

        ``listed_rows[j]`` is candidate ``j``'s row in the user's cached list (-1: not in it); the
        cached columns are used as they are, unless the user's vector was folded in with new history.
        """
        engine = self.state.engine
        n = len(ids)
        columns: dict[str, FloatArray] = {}
        base = np.full(n, np.nan, dtype=np.float64)
        if listed is not None and len(listed) and n:
            at = np.flatnonzero(listed_rows >= 0)
            rows = listed_rows[at]
            base[at] = listed.scores[rows, 0]
            for j, key in enumerate(score_keys(info, listed.scores.shape[1])):
                if key is not None:
                    column = columns.setdefault(key, np.full(n, np.nan, dtype=np.float64))
                    column[at] = listed.scores[rows, j]
        computed = engine.scores(user_id, history, ids, list(engine.score_models)) if n else {}
        folded = bool(history)
        for key, values in computed.items():
            if key == "base":
                # The in-process base score is the fresher one (folded in) and covers every candidate.
                base = np.where(np.isnan(values), base, values) if not folded else values
                continue
            held = columns.get(key)
            if held is None or folded:
                columns[key] = values if held is None else np.where(np.isnan(values), held, values)
            else:
                columns[key] = np.where(np.isnan(held), values, held)
        columns["base"] = base
        return columns

    def _relevance(
        self,
        ids: Sequence[str],
        base: FloatArray,
        columns: Mapping[str, FloatArray],
        facts: UserFacts,
        recent: Sequence[RecentInteraction],
        now: dt.datetime,
    ) -> FloatArray:
        """Relevance in [0, 1] of each pool candidate: the ranker's order over the best, then the base order."""
        engine = self.state.engine
        relevance = rank01(base)
        if engine.ranker is None or not columns or not ids:
            return relevance
        # The ranker re-orders the best candidates by base score (as in training); the rest follow in base order.
        head = np.argsort(np.where(np.isnan(base), np.inf, -base), kind="stable")[: engine.rank_depth]
        predicted = engine.rank(
            facts=facts,
            now_us=to_us(now),
            history_ids=[e.event_id for e in recent],
            event_ids=[ids[i] for i in head],
            columns={key: values[head] for key, values in columns.items()},
        )
        if predicted is None:
            return relevance
        # The ranked head above everything else, in the ranker's order.
        out = 0.5 * relevance
        out[head] = 0.5 + 0.5 * rank01(predicted)
        return out

    def _coarse_filtered(self, heads: _PopularHeads, request: RecommendationRequest, now_us: int) -> list[ScoredCard]:
        """The popular items less those the vectorised first pass of the filters rules out (the rules judge the rest)."""
        if not heads.items:
            return []
        keep = heads.table.coarse_mask(heads.rows, request, now_us)
        return [item for item, kept in zip(heads.items, keep.tolist(), strict=True) if kept]

    def _popular_heads(
        self, lists: Sequence[tuple[str, CandidateList]], version: str, region_first: bool, limit: int | None
    ) -> _PopularHeads:
        """:meth:`_popular_items` of ``lists`` with their card-table rows, built once per version and live change."""
        state = self.state
        key = (version, tuple(scope for scope, _ in lists), region_first, limit)
        generation = state.live.generation
        held = self._heads.get(key)
        if held is not None and held.table is state.memo.table(version) and held.live_generation == generation:
            return held
        items = self._popular_items(lists, version, False, region_first=region_first, limit=limit)
        table, rows = state.coarse_rows(version, [item.card.event_id for item in items])
        if len(self._heads) >= HEADS_KEPT:
            self._heads.clear()
        held = self._heads[key] = _PopularHeads(items, rows, table, generation)
        return held

    # -- popular lists and the fallback --

    def _popular_items(
        self,
        lists: Sequence[tuple[str, CandidateList]],
        version: str | None,
        fallback: bool,
        *,
        region_first: bool,
        limit: int | None = None,
    ) -> list[ScoredCard]:
        """Scored cards of the first ``limit`` events of each popular list (earlier scopes score higher)."""
        cards = self._cards(version, [e for _, lst in lists for e in lst.event_ids[:limit]], fallback)
        items: list[ScoredCard] = []
        for position, (scope, found) in enumerate(lists):
            source = POPULAR if scope == ALL_SCOPE else REGIONAL if scope.startswith("region:") else POPULAR
            # Earlier scopes (type, region) rank above later ones (overall): the fallback chain.
            tier = 0.5 * (len(lists) - 1 - position) if region_first else 0.0
            relevance = rank01(np.asarray(found.scores[:, 0], dtype=np.float64)) if len(found) else np.zeros(0)
            items.extend(
                ScoredCard(cards[e], tier + 0.5 * float(r), source)
                for e, r in zip(found.event_ids[:limit], relevance[:limit].tolist(), strict=True)
                if e in cards
            )
        return items

    def _from_snapshot(
        self,
        user_id: str | None,
        request: RecommendationRequest,
        facts: UserFacts,
        recent: Sequence[RecentInteraction],
        now: dt.datetime,
    ) -> Answer:
        """The answer when the cache cannot give one: popular lists from memory, seen events still dropped."""
        state = self.state
        region = request_region(request, facts)
        scopes = ([region_scope(region)] if region else []) + [ALL_SCOPE]
        lists = [(s, found) for s in scopes if (found := state.snapshot.popular(s)) is not None]

        def topping(limit: int | None) -> list[ScoredCard]:
            return self._popular_items(lists, None, True, region_first=region is not None, limit=limit)

        exclude = {e.event_id for e in recent if e.kind in SEEN_KINDS}
        origin = None if math.isnan(facts.lat) or math.isnan(facts.lon) else (facts.lat, facts.lon)
        ranked = self._apply([], topping, request, now, origin, exclude, user_id or "visitor")
        return self._answer(ranked, main_source(ranked, True), self._engine_or_none(), None, True)

    def _cards(self, version: str | None, event_ids: Sequence[str], fallback: bool) -> dict[str, EventCard]:
        """Cards from the cache (through memory), or from the snapshot and live copies when falling back."""
        if not fallback and version is not None:
            return self.state.cards(version, event_ids)
        snapshot, live = self.state.snapshot, self.state.live
        # Cards read earlier from the snapshot's version are still in memory; they cover similar lists too.
        found = self.state.memo.held_cards(snapshot.version, event_ids)
        for event_id in event_ids:
            card = live.get(event_id) or snapshot.cards.get(event_id)
            if card is not None:
                found[event_id] = card
        return found

    def _event_exists(self, event_id: str) -> bool:
        return (
            self.state.live.get(event_id) is not None
            or self.state.engine.knows_event(event_id)
            or self.state.workspace.catalogue.get_event(event_id) is not None
        )

    def _engine_or_none(self) -> Engine | None:
        return self.state.engine if self.state.has_engine else None

    def _answer(
        self, ranked: list[RankedItem], source: str, engine: Engine | None, version: str | None, fallback: bool
    ) -> Answer:
        metrics = self.state.metrics
        if fallback:
            metrics.fallback_answers.inc()
        metrics.answer_sources.labels(source).inc()
        for item_source, count in Counter(item.source for item in ranked).items():
            metrics.item_sources.labels(item_source).inc(count)
        return Answer(ranked, source, engine.version if engine is not None else None, version)
