"""Popularity and trending: decay, groups, windows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models import PopularityRecommender, Reason, TrainingData, TrendingRecommender
from recsys.models.base import STATE_FILE, Recommender
from recsys.vocabulary import IdVocabulary
from tests.models.conftest import DAY_US, HISTORY_A, HISTORY_B, REFERENCE_US, TRENDING, event_side


def timed(cells: list[tuple[int, str, float, float]], events: list[str]) -> TrainingData:
    """Training data from (user, event, weight, days ago) cells, one cell per user and event."""
    users = sorted({u for u, *_ in cells})
    cells = sorted(cells, key=lambda c: (c[0], events.index(c[1])))
    matrix = sp.csr_matrix(
        ([w for *_, w, _ in cells], ([users.index(u) for u, *_ in cells], [events.index(e) for _, e, *_ in cells])),
        shape=(len(users), len(events)),
        dtype=np.float32,
    )
    times = np.asarray([REFERENCE_US - int(d * DAY_US) for *_, d in cells], dtype=np.int64)
    return TrainingData(
        users=IdVocabulary([f"u{u}" for u in users], "user"),
        events=IdVocabulary(events, "event"),
        matrix=matrix,
        reference_time_us=REFERENCE_US,
        interaction_time_us=times,
    )


# Three interactions two months ago against one today.
OLD_AND_NEW = [(0, "old", 1.0, 60.0), (1, "old", 1.0, 60.0), (2, "old", 1.0, 60.0), (3, "new", 1.0, 0.0)]


def test_decay_favours_recent_interactions() -> None:
    data = timed(OLD_AND_NEW, ["old", "new", "other"])
    assert PopularityRecommender(half_life_days=10.0).fit(data).top(1)[0].event_id == "new"
    assert PopularityRecommender(half_life_days=None).fit(data).top(1)[0].event_id == "old"


def test_without_cell_times_the_events_last_interaction_stands_in() -> None:
    data = timed(OLD_AND_NEW, ["old", "new", "other"])
    last_seen = np.asarray([REFERENCE_US - 60 * DAY_US, REFERENCE_US, -1], dtype=np.int64)
    coarse = replace(data, interaction_time_us=None, last_seen_us=last_seen)
    assert PopularityRecommender(half_life_days=10.0).fit(coarse).top(1)[0].event_id == "new"
    undated = replace(data, interaction_time_us=None)
    assert PopularityRecommender(half_life_days=10.0).fit(undated).top(1)[0].event_id == "old"


def test_interactions_after_the_reference_time_are_ignored() -> None:
    data = timed([(0, "past", 1.0, 1.0), (1, "future", 1.0, -1.0), (2, "future", 1.0, -2.0)], ["past", "future"])
    model = PopularityRecommender().fit(data)
    assert model.popularity_[1] == 0.0
    assert model.top(1)[0].event_id == "past"


def test_by_region_puts_the_users_region_first(data: TrainingData) -> None:
    model = PopularityRecommender(by="region").fit(data)
    recs = model.recommend("visitor", n=12, history=HISTORY_B)
    b_count = sum(e.startswith("b") for e in data.events.ids.to_pylist()) - len(HISTORY_B)
    assert [r.event_id[0] for r in recs[:b_count]] == ["b"] * b_count
    assert all(r.reason.detail == {"region": "1"} for r in recs[:b_count])
    assert recs[b_count].event_id == "a00"  # then the most popular of the rest, plainly popular
    assert recs[b_count].reason.detail == {}
    assert model.top(1, group=1)[0].event_id.startswith("b")
    assert model.top(1)[0].event_id == "a00"


def test_by_discipline(data: TrainingData) -> None:
    model = PopularityRecommender(by="discipline").fit(data)
    recs = model.recommend("ub03", n=3)
    assert all(r.event_id.startswith("b") and r.reason.detail == {"discipline": "1"} for r in recs)


def test_by_municipality_puts_the_users_municipality_before_the_rest_of_the_region(data: TrainingData) -> None:
    # Region 0 has two municipalities: 0 (a00-a05 and a-new) and 1 (a06-a09); HISTORY_A lies in municipality 0.
    municipality = dict(zip(data.events.ids.to_pylist(), data.event_side.municipality_idx.tolist(), strict=True))
    assert {municipality[e] for e in HISTORY_A} == {0} and municipality["a-new"] == 0 and municipality["a06"] == 1
    model = PopularityRecommender(by="municipality").fit(data)
    recs = model.recommend("visitor", n=8, history=HISTORY_A)
    own = [r.event_id for r in recs if r.reason.detail == {"municipality": "0"}]
    assert own == [r.event_id for r in recs[: len(own)]] and set(own) == {"a00", "a04", "a05", "a-new"}
    assert all(municipality[r.event_id] != 0 and r.reason.detail == {} for r in recs[len(own) :])
    # By region, the popular a06-a09 would come before a-new, which nobody has seen yet.
    by_region = [r.event_id for r in PopularityRecommender(by="region").fit(data).recommend("v", 8, history=HISTORY_A)]
    assert by_region.index("a-new") > by_region.index("a06")
    assert {r.event_id for r in model.top(4, group=1)} == {"a06", "a07", "a08", "a09"}


def test_trending_by_region_puts_the_users_region_first(data: TrainingData) -> None:
    model = TrendingRecommender(window_days=7.0, by="region").fit(data)
    b_fan = model.recommend("visitor", n=3, history=HISTORY_B)
    assert b_fan[0].event_id == TRENDING and b_fan[0].reason.detail == {"region": "1"}
    a_fan = model.recommend("visitor", n=12, history=HISTORY_A)
    a_count = sum(e.startswith("a") for e in data.events.ids.to_pylist()) - len(HISTORY_A)
    assert [r.event_id[0] for r in a_fan[:a_count]] == ["a"] * a_count
    assert all(r.reason == Reason("trending", detail={"region": "0"}) for r in a_fan[:a_count])
    # Then the rest in trending order: the growing event leads it, plainly trending.
    assert a_fan[a_count].event_id == TRENDING and a_fan[a_count].reason == Reason("trending")
    assert model.top(1, group=0)[0].event_id.startswith("a") and model.top(1)[0].event_id == TRENDING
    # Without a group, the list is the ungrouped model's.
    plain = TrendingRecommender(window_days=7.0).fit(data)
    assert [r.event_id for r in model.top(5)] == [r.event_id for r in plain.top(5)]


def test_trending_by_discipline(data: TrainingData) -> None:
    model = TrendingRecommender(window_days=7.0, by="discipline").fit(data)
    recs = model.recommend("ua03", n=3)
    assert all(r.event_id.startswith("a") and r.reason.detail == {"discipline": "0"} for r in recs)


def test_a_trending_model_saved_before_it_could_group_still_loads(data: TrainingData, tmp_path: Path) -> None:
    model = TrendingRecommender(window_days=7.0).fit(data)
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / STATE_FILE) as stored:
        arrays = {k: stored[k] for k in stored.files if k != "state__groups"}
    np.savez(tmp_path / "m" / STATE_FILE, **arrays)
    loaded = Recommender.load(tmp_path / "m")
    assert isinstance(loaded, TrendingRecommender) and loaded.top(5) == model.top(5)
    grouped = TrendingRecommender(window_days=7.0, by="region").fit(data)
    grouped.save(tmp_path / "g")
    np.savez(tmp_path / "g" / STATE_FILE, **arrays)
    with pytest.raises(InvalidFieldError, match="lacks the array 'state__groups'"):
        Recommender.load(tmp_path / "g")


def test_bad_grouping_is_refused(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="by"):
        PopularityRecommender(by="venue").fit(data)
    with pytest.raises(InvalidFieldError, match="by"):
        TrendingRecommender(by="organizer").fit(data)
    with pytest.raises(InvalidFieldError, match="trending by municipality needs the events' municipality codes"):
        TrendingRecommender(by="municipality").fit(replace(data, event_side=None))
    with pytest.raises(InvalidFieldError, match="group"):
        TrendingRecommender().fit(data).top(3, group=1)
    model = PopularityRecommender(by="region")
    with pytest.raises(InvalidFieldError, match="event_side"):
        model.fit(replace(data, event_side=None))
    assert not model.is_fitted
    with pytest.raises(InvalidFieldError, match="group"):
        PopularityRecommender().fit(data).top(3, group=1)


def test_trending_compares_this_window_with_the_last() -> None:
    cells: list[tuple[int, str, float, float]] = [(u, "steady", 1.0, d) for u, d in enumerate([1.0, 2.0, 8.0, 9.0])]
    cells += [(10 + u, "rising", 1.0, 1.0) for u in range(3)]
    cells += [(20 + u, "falling", 1.0, 9.0) for u in range(5)]
    data = timed(cells, ["steady", "rising", "falling", "quiet"])
    model = TrendingRecommender(window_days=7.0, half_life_days=None).fit(data)
    trend = dict(zip(data.events.ids.to_pylist(), model.trend_.tolist(), strict=True))
    assert trend["rising"] == pytest.approx(3.0)
    assert trend["steady"] == pytest.approx(0.0)
    assert trend["quiet"] == 0.0
    assert trend["falling"] < 0
    assert [r.event_id for r in model.top(4)] == ["rising", "steady", "quiet", "falling"]


def test_trending_needs_cell_times(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="interaction_time_us"):
        TrendingRecommender().fit(replace(data, interaction_time_us=None))


def test_trending_reason(data: TrainingData) -> None:
    model = TrendingRecommender().fit(data)
    rec = model.recommend("ua01", n=1)[0]
    assert rec.event_id == TRENDING and rec.reason.kind == "trending"


def test_event_side_is_optional_for_plain_popularity(data: TrainingData) -> None:
    model = PopularityRecommender().fit(replace(data, event_side=None))
    assert model.top(1)[0].event_id == "a00"
    assert len(event_side(["a00"])) == 1
