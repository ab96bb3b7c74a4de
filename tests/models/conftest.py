"""Small synthetic training data with a known answer, and a factory per model.

Two audiences with disjoint tastes: group ``a`` (theatre in region 0) and
group ``b`` (music in region 1). Ten warm events each, pairs of them sharing
a production; two cold events (``a-new``, ``b-new``) with content and a
production shared with warm events but no interactions. ``a00`` is liked by
every ``a`` user (the most popular event); ``b05`` is the only event with
interactions in the last week (the trending one).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.models import (
    ALSRecommender,
    BPRRecommender,
    ContentRecommender,
    EASERecommender,
    EventSide,
    HybridRecommender,
    ItemKNNRecommender,
    PopularityRecommender,
    Recommender,
    RP3betaRecommender,
    SessionALSRecommender,
    TimeEASERecommender,
    TrainingData,
    TrendingRecommender,
)
from recsys.vocabulary import IdVocabulary

REFERENCE_US = 1_740_787_200_000_000  # 2025-03-01T00:00:00Z
DAY_US = 86_400 * 1_000_000
A_WARM = [f"a{i:02d}" for i in range(10)]
B_WARM = [f"b{i:02d}" for i in range(10)]
EVENTS = [*A_WARM, *B_WARM, "a-new", "b-new"]
A_USERS = [f"ua{i:02d}" for i in range(15)]
B_USERS = [f"ub{i:02d}" for i in range(15)]
USERS = [*A_USERS, *B_USERS]
HISTORY_A = {"a01": 2.0, "a02": 1.0, "a03": 3.0}
HISTORY_B = {"b01": 2.0, "b02": 1.0, "b03": 3.0}
MOST_POPULAR = "a00"
TRENDING = "b05"
N_WORDS = 6


def group_of(event_id: str) -> str:
    return event_id[0]


def event_side(event_ids: list[str], seed: int = 11) -> EventSide:
    """Side information for events named like the synthetic ones (``a..``/``b..``, ``*-new``)."""
    rng = np.random.default_rng(seed)
    n = len(event_ids)
    production = np.empty(n, dtype=np.int32)
    for i, event in enumerate(event_ids):
        offset = 0 if group_of(event) == "a" else 5
        # a-new shares a00/a01's production, b-new b00/b01's.
        production[i] = offset if event.endswith("-new") else offset + int(event[1:3]) // 2
    in_b = np.asarray([group_of(e) == "b" for e in event_ids], dtype=np.int32)
    # Content: group, production one-hot, a few noisy "words".
    columns = [in_b == 0, in_b == 1] + [production == p for p in range(10)]
    dense = np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])
    words = (rng.random((n, N_WORDS)) < 0.3) * rng.random((n, N_WORDS))
    content = sp.csr_matrix(np.hstack([dense, words.astype(np.float32)]))
    return EventSide(
        content=content,
        organizer_idx=(production // 2 % 2 + 2 * in_b).astype(np.int32),
        venue_idx=in_b.astype(np.int32),
        production_idx=production,
        region_idx=in_b.astype(np.int32),
        # Region 0 has two municipalities (productions 0-2 in the first), region 1 one.
        municipality_idx=np.where(in_b == 1, 2, production >= 3).astype(np.int32),
        discipline_idx=in_b.astype(np.int32),
        start_us=np.full(n, REFERENCE_US + 10 * DAY_US, dtype=np.int64),
        lat=np.full(n, 51.05),
        lon=np.full(n, 3.72),
    )


def build_data(seed: int = 7) -> TrainingData:
    rng = np.random.default_rng(seed)
    col = {e: i for i, e in enumerate(EVENTS)}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    times: list[int] = []

    def add(user: int, event: str, weight: float, days_ago: float) -> None:
        rows.append(user)
        cols.append(col[event])
        weights.append(weight)
        times.append(REFERENCE_US - int(days_ago * DAY_US))

    rng_activity = rng.uniform(0.35, 0.9, size=len(USERS))
    for u, user in enumerate(USERS):
        own = A_WARM if user.startswith("ua") else B_WARM
        if user.startswith("ua"):
            add(u, MOST_POPULAR, 5.0, rng.uniform(8, 13))
        elif rng.random() < 0.8:
            add(u, TRENDING, float(rng.choice([1.0, 2.0, 3.0])), rng.uniform(0, 2))
        # Activity varies between people (not a fixed basket size), so events of a group co-occur.
        others = [e for e in own if e not in (MOST_POPULAR, TRENDING)]
        chosen = [e for e in others if rng.random() < rng_activity[u]] or others[:3]
        for event in chosen:
            add(u, event, float(rng.choice([1.0, 2.0, 3.0])), rng.uniform(8, 13))
    # A dismissal: a negative weight.
    add(USERS.index("ua00"), "b00", -1.0, 3.0)
    order = np.lexsort((cols, rows))
    matrix = sp.csr_matrix(
        (np.asarray(weights, dtype=np.float32)[order], (np.asarray(rows)[order], np.asarray(cols)[order])),
        shape=(len(USERS), len(EVENTS)),
    )
    assert matrix.nnz == len(rows)  # no duplicate cells, so entries align with `times`
    last_seen = np.full(len(EVENTS), -1, dtype=np.int64)
    np.maximum.at(last_seen, np.asarray(cols), np.asarray(times, dtype=np.int64))
    return TrainingData(
        users=IdVocabulary(USERS, "user"),
        events=IdVocabulary(EVENTS, "event"),
        matrix=matrix,
        reference_time_us=REFERENCE_US,
        event_side=event_side(EVENTS),
        last_seen_us=last_seen,
        interaction_time_us=np.asarray(times, dtype=np.int64)[order],
    )


Factory = Callable[[], Recommender]

# Small, fast settings for ten-event groups; every model named in the registry appears here.
FACTORIES: dict[str, Factory] = {
    "popularity": lambda: PopularityRecommender(half_life_days=14.0),
    "popularity-region": lambda: PopularityRecommender(half_life_days=14.0, by="region"),
    "popularity-municipality": lambda: PopularityRecommender(half_life_days=14.0, by="municipality"),
    "trending": lambda: TrendingRecommender(window_days=7.0),
    "trending-region": lambda: TrendingRecommender(window_days=7.0, by="region"),
    "trending-discipline": lambda: TrendingRecommender(window_days=7.0, by="discipline"),
    "als": lambda: ALSRecommender(factors=8, regularization=5.0, alpha=5.0, random_state=3, num_threads=1),
    "bpr": lambda: BPRRecommender(factors=8, learning_rate=0.05, iterations=200, random_state=3),
    "item-knn-cosine": lambda: ItemKNNRecommender(k=10),
    "item-knn-bm25": lambda: ItemKNNRecommender(k=10, similarity="bm25"),
    "ease": lambda: EASERecommender(l2=100.0),
    "rp3beta": lambda: RP3betaRecommender(alpha=1.0, beta=0.3, k=10),
    "ease-time": lambda: TimeEASERecommender(l2=100.0, time_weight=1.0, time_scale_s=86_400.0),
    "ease-time-content": lambda: TimeEASERecommender(
        l2=100.0, time_weight=1.0, time_scale_s=86_400.0, content_weight=2.0
    ),
    "als-session": lambda: SessionALSRecommender(
        factors=8,
        regularization=5.0,
        alpha=5.0,
        random_state=3,
        num_threads=1,
        session_weight=0.5,
        session_gap_s=86_400.0,
    ),
    "content": lambda: ContentRecommender(),
    "hybrid": lambda: HybridRecommender(factors=8, regularization=5.0, alpha=5.0, random_state=3, num_threads=1),
}
#: Models that rank by the user's own taste (the known-answer test on groups applies to them).
PERSONAL = (
    "als",
    "als-session",
    "bpr",
    "item-knn-cosine",
    "item-knn-bm25",
    "ease",
    "ease-time",
    "ease-time-content",
    "rp3beta",
    "content",
    "hybrid",
)


@pytest.fixture(scope="session")
def data() -> TrainingData:
    return build_data()


@pytest.fixture(params=sorted(FACTORIES))
def factory_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def factory(factory_name: str) -> Factory:
    return FACTORIES[factory_name]


@pytest.fixture(scope="session")
def fitted_models(data: TrainingData) -> dict[str, Recommender]:
    """One fitted model per factory, shared by the read-only tests (fitting is the slow part)."""
    return {name: make().fit(data) for name, make in FACTORIES.items()}


@pytest.fixture
def fitted(fitted_models: dict[str, Recommender], factory_name: str) -> Recommender:
    return fitted_models[factory_name]
