"""Ranking rows: shape, NaN handling, distances, time, price, history and model scores."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest

from features.event_side import EventOffer, build_event_offer, build_event_side
from features.ranking import (
    FEATURE_DESCRIPTIONS,
    RANKING_FEATURES,
    SCORE_MODELS,
    EventColumns,
    RankingContext,
    ranking_rows,
)
from recsys.domain.errors import InvalidFieldError
from recsys.models.data import EventSide
from recsys.vocabulary import IdVocabulary

BRUSSELS = ZoneInfo("Europe/Brussels")
ANTWERPEN = (51.2194, 4.4025)
GENT = (51.0543, 3.7174)
DAY_US = 86_400 * 1_000_000


def us(value: dt.datetime) -> int:
    return int(value.timestamp() * 1_000_000)


REQUEST = us(dt.datetime(2025, 7, 1, 12, 0, tzinfo=BRUSSELS))
SATURDAY_EVENING = us(dt.datetime(2025, 7, 5, 20, 30, tzinfo=BRUSSELS))
TUESDAY_MORNING = us(dt.datetime(2025, 7, 8, 10, 0, tzinfo=BRUSSELS))


def col(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, RANKING_FEATURES.index(name)]


@pytest.fixture
def side() -> EventSide:
    """Three events: in Gent on Saturday evening, in Antwerpen on a Tuesday morning, nowhere and undated."""
    return EventSide(
        content=None,
        organizer_idx=np.array([0, 1, -1], dtype=np.int32),
        venue_idx=np.array([4, 2, -1], dtype=np.int32),
        production_idx=np.array([7, -1, 7], dtype=np.int32),
        region_idx=np.array([4, 1, -1], dtype=np.int32),
        municipality_idx=np.array([0, 1, -1], dtype=np.int32),
        discipline_idx=np.array([0, 1, 2], dtype=np.int32),
        start_us=np.array([SATURDAY_EVENING, TUESDAY_MORNING, -1], dtype=np.int64),
        lat=np.array([GENT[0], ANTWERPEN[0], np.nan]),
        lon=np.array([GENT[1], ANTWERPEN[1], np.nan]),
    )


OFFER = EventOffer(
    base_price=np.array([0.0, 25.0, np.nan]),
    min_age=np.array([np.nan, 18.0, 6.0]),
    max_age=np.array([np.nan, np.nan, 12.0]),
)
POPULARITY = np.array([0.0, np.e - 1, 10.0])


def test_feature_list_is_documented_and_fixed() -> None:
    assert len(set(RANKING_FEATURES)) == len(RANKING_FEATURES)
    assert set(FEATURE_DESCRIPTIONS) == set(RANKING_FEATURES)
    assert RANKING_FEATURES[-len(SCORE_MODELS) :] == tuple(f"score_{m}" for m in SCORE_MODELS)


def test_shape_dtype_and_order_of_rows(side: EventSide) -> None:
    context = RankingContext(request_time_us=REQUEST, home_lat=ANTWERPEN[0], home_lon=ANTWERPEN[1])
    rows = ranking_rows(context, np.array([2, 0, 1, 0]), side, {}, POPULARITY, offer=OFFER)
    assert rows.shape == (4, len(RANKING_FEATURES)) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[1], rows[3])
    empty = ranking_rows(context, np.array([], dtype=np.int64), side, {}, POPULARITY)
    assert empty.shape == (0, len(RANKING_FEATURES))


def test_distance_antwerpen_gent_is_about_fifty_km(side: EventSide) -> None:
    context = RankingContext(request_time_us=REQUEST, home_lat=ANTWERPEN[0], home_lon=ANTWERPEN[1])
    rows = ranking_rows(context, [0, 1, 2], side, {}, POPULARITY)
    distance = col(rows, "distance_km")
    assert 49.0 < distance[0] < 53.0
    assert distance[1] == pytest.approx(0.0, abs=1e-3)
    assert np.isnan(distance[2])
    np.testing.assert_array_equal(col(rows, "distance_unknown"), [0, 0, 1])


def test_unknown_home_gives_unknown_distance(side: EventSide) -> None:
    rows = ranking_rows(RankingContext(request_time_us=REQUEST), [0, 1], side, {}, POPULARITY)
    assert np.isnan(col(rows, "distance_km")).all()
    np.testing.assert_array_equal(col(rows, "distance_unknown"), [1, 1])


def test_time_features(side: EventSide) -> None:
    rows = ranking_rows(RankingContext(request_time_us=REQUEST), [0, 1, 2], side, {}, POPULARITY)
    lead = col(rows, "lead_time_days")
    assert lead[0] == pytest.approx((SATURDAY_EVENING - REQUEST) / DAY_US, rel=1e-6)
    assert lead[0] == pytest.approx(4 + 8.5 / 24, rel=1e-6)
    assert np.isnan(lead[2])
    np.testing.assert_array_equal(col(rows, "date_unknown"), [0, 0, 1])
    np.testing.assert_array_equal(col(rows, "start_weekend")[:2], [1, 0])
    np.testing.assert_array_equal(col(rows, "start_hour")[:2], [20.5, 10.0])
    assert np.isnan(col(rows, "start_weekend")[2]) and np.isnan(col(rows, "start_hour")[2])


def test_price_age_and_popularity(side: EventSide) -> None:
    context = RankingContext(request_time_us=REQUEST, user_age=30.0)
    rows = ranking_rows(context, [0, 1, 2], side, {}, POPULARITY, offer=OFFER)
    np.testing.assert_array_equal(col(rows, "price_eur")[:2], [0, 25])
    np.testing.assert_array_equal(col(rows, "is_free")[:2], [1, 0])
    assert np.isnan(col(rows, "price_eur")[2]) and np.isnan(col(rows, "is_free")[2])
    np.testing.assert_array_equal(col(rows, "user_age"), [30, 30, 30])
    np.testing.assert_array_equal(col(rows, "age_fit"), [1, 1, 0])  # all ages; 18+; 6-12
    np.testing.assert_allclose(col(rows, "log_popularity"), [0, 1, np.log(11)], rtol=1e-6)
    no_offer = ranking_rows(RankingContext(request_time_us=REQUEST), [0], side, {}, POPULARITY)
    assert np.isnan(col(no_offer, "price_eur")).all() and np.isnan(col(no_offer, "age_fit")).all()
    no_age = ranking_rows(RankingContext(request_time_us=REQUEST), [0], side, {}, POPULARITY, offer=OFFER)
    assert np.isnan(col(no_age, "age_fit")).all() and np.isnan(col(no_age, "user_age")).all()


def test_history_counts(side: EventSide) -> None:
    history = np.array([0, 2, -1, 0])
    context = RankingContext(request_time_us=REQUEST, history_event_idx=history)
    rows = ranking_rows(context, [0, 1, 2], side, {}, POPULARITY)
    np.testing.assert_array_equal(col(rows, "same_organizer_recent"), [2, 0, 0])  # event 2 has no organiser
    np.testing.assert_array_equal(col(rows, "same_venue_recent"), [2, 0, 0])
    np.testing.assert_array_equal(col(rows, "same_production_recent"), [3, 0, 3])
    without = ranking_rows(RankingContext(request_time_us=REQUEST), [0], side, {}, POPULARITY)
    assert np.isnan(col(without, "same_production_recent")).all()
    empty = ranking_rows(
        RankingContext(request_time_us=REQUEST, history_event_idx=np.array([], dtype=np.int64)),
        [0],
        side,
        {},
        POPULARITY,
    )
    assert col(empty, "same_production_recent").tolist() == [0]


def test_model_scores_in_fixed_order_and_missing_as_nan(side: EventSide) -> None:
    scores: dict[str, list[float] | np.ndarray] = {"content": [0.1, 0.2, 0.3], "als": np.array([1.0, 2.0, 3.0])}
    rows = ranking_rows(RankingContext(request_time_us=REQUEST), [0, 1, 2], side, scores, POPULARITY)
    np.testing.assert_allclose(col(rows, "score_content"), [0.1, 0.2, 0.3], rtol=1e-6)
    np.testing.assert_array_equal(col(rows, "score_als"), [1, 2, 3])
    assert np.isnan(col(rows, "score_bpr")).all()


def test_events_unknown_to_the_side_get_nan_features(side: EventSide) -> None:
    context = RankingContext(
        request_time_us=REQUEST, home_lat=GENT[0], home_lon=GENT[1], user_age=40, history_event_idx=np.array([0])
    )
    rows = ranking_rows(context, [-1, 0], side, {"als": [0.5, 0.7]}, POPULARITY, offer=OFFER)
    unknown = rows[0]
    for name in ("distance_km", "lead_time_days", "price_eur", "age_fit", "log_popularity", "same_venue_recent"):
        assert np.isnan(col(rows, name)[0]), name
    assert col(rows, "distance_unknown")[0] == 1 and col(rows, "date_unknown")[0] == 1
    assert unknown[RANKING_FEATURES.index("score_als")] == pytest.approx(0.5)
    assert col(rows, "distance_km")[1] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event_idx": [3]}, "event_idx"),
        ({"event_idx": [-2]}, "event_idx"),
        ({"popularity": np.zeros(2)}, "popularity"),
        ({"model_scores": {"magic": [1.0]}}, "model_scores"),
        ({"model_scores": {"als": [1.0, 2.0]}}, "model_scores.als"),
        ({"offer": EventOffer(np.zeros(1), np.zeros(1), np.zeros(1))}, "offer"),
    ],
)
def test_bad_inputs_name_their_field(side: EventSide, kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"event_idx": [0], "model_scores": {}, "popularity": POPULARITY, "offer": None}
    arguments.update(kwargs)
    with pytest.raises(InvalidFieldError) as err:
        ranking_rows(RankingContext(request_time_us=REQUEST), side=side, **arguments)  # type: ignore[arg-type]
    assert err.value.field == field


def test_rows_from_a_real_side(events: pa.Table) -> None:
    vocabulary = IdVocabulary.from_values(events.column("event_id"), "event")
    side = build_event_side(events, vocabulary, None)
    offer = build_event_offer(events, vocabulary)
    context = RankingContext(request_time_us=REQUEST, home_lat=ANTWERPEN[0], home_lon=ANTWERPEN[1], user_age=35)
    candidates = np.arange(len(vocabulary))
    rows = ranking_rows(
        context, candidates, side, {"als": np.zeros(len(candidates))}, np.ones(len(vocabulary)), offer=offer
    )
    assert rows.shape == (len(vocabulary), len(RANKING_FEATURES))
    distance = col(rows, "distance_km")
    assert np.nanmax(distance) < 250  # Flanders and Brussels
    np.testing.assert_array_equal(np.isnan(distance), np.isnan(side.lat))
    assert not np.isnan(col(rows, "age_fit")).any()


@pytest.mark.parametrize("offer", [OFFER, None])
@pytest.mark.parametrize("age", [30.0, np.nan])
def test_precomputed_event_columns_give_the_same_rows(side: EventSide, offer: EventOffer | None, age: float) -> None:
    context = RankingContext(
        request_time_us=REQUEST,
        home_lat=GENT[0],
        home_lon=GENT[1],
        user_age=age,
        history_event_idx=np.array([0, 2]),
    )
    idx = np.array([2, -1, 0, 1, 1, -1])
    scores = {"als": np.linspace(0.1, 0.6, len(idx))}
    events = EventColumns.build(side, POPULARITY, offer)
    assert len(events) == len(side)
    computed = ranking_rows(context, idx, side, scores, POPULARITY, offer=offer)
    gathered = ranking_rows(context, idx, side, scores, POPULARITY, offer=offer, events=events)
    np.testing.assert_array_equal(gathered, computed)


def test_event_columns_of_another_side_are_refused(side: EventSide) -> None:
    other = EventColumns.build(side, POPULARITY, OFFER)
    shorter = EventSide(
        content=None,
        **{
            name: getattr(side, name)[:2]
            for name in side.__dataclass_fields__
            if name != "content" and isinstance(getattr(side, name), np.ndarray)
        },
    )
    with pytest.raises(InvalidFieldError, match="events"):
        ranking_rows(RankingContext(request_time_us=REQUEST), [0], shorter, {}, POPULARITY[:2], events=other)


def _random_side(n: int, rng: np.random.Generator) -> tuple[EventSide, EventOffer, np.ndarray]:
    start = rng.integers(REQUEST - 5 * DAY_US, REQUEST + 60 * DAY_US, n)
    start[rng.random(n) < 0.2] = -1  # undated
    lat, lon = rng.uniform(50.7, 51.4, n), rng.uniform(2.6, 5.8, n)
    lat[rng.random(n) < 0.2] = np.nan
    codes = {
        name: rng.integers(-1, 5, n).astype(np.int32)
        for name in ("organizer_idx", "venue_idx", "production_idx", "region_idx", "municipality_idx", "discipline_idx")
    }
    side = EventSide(content=None, start_us=start.astype(np.int64), lat=lat, lon=lon, **codes)
    price = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(3, 40, n))
    price[rng.random(n) < 0.2] = np.nan
    offer = EventOffer(base_price=price, min_age=np.where(rng.random(n) < 0.5, np.nan, 6.0), max_age=np.full(n, np.nan))
    return side, offer, rng.uniform(0, 30, n)


@pytest.mark.parametrize("with_offer", [True, False])
def test_updated_event_columns_equal_a_fresh_build(with_offer: bool) -> None:
    rng = np.random.default_rng(5)
    old_side, old_offer, old_pop = _random_side(40, rng)
    grown_side, grown_offer, grown_pop = _random_side(55, rng)
    changed = np.array([3, 17, 41, 50])  # two edited events, two new ones; rows 40-54 are new anyway
    keep = np.setdiff1d(np.arange(40), changed)
    for name in ("start_us", "lat", "lon"):
        getattr(grown_side, name)[keep] = getattr(old_side, name)[keep]
    for name in ("base_price", "min_age", "max_age"):
        getattr(grown_offer, name)[keep] = getattr(old_offer, name)[keep]
    grown_pop[:40] = old_pop
    offer, new_offer = (old_offer, grown_offer) if with_offer else (None, None)
    old = EventColumns.build(old_side, old_pop, offer)
    updated = old.updated(grown_side, grown_pop, new_offer, changed)
    fresh = EventColumns.build(grown_side, grown_pop, new_offer)
    np.testing.assert_array_equal(updated.values, fresh.values)
    assert updated.has_offer == fresh.has_offer == with_offer
    with pytest.raises(InvalidFieldError, match="changed"):
        old.updated(grown_side, grown_pop, new_offer, [55])
