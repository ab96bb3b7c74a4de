"""One contract, checked against every model (see ``FACTORIES`` in conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError, UnknownEntityError
from recsys.models import (
    ALSRecommender,
    ColdUserError,
    ContentRecommender,
    NotFittedError,
    PopularityRecommender,
    Reason,
    Recommendation,
    Recommender,
    TrainingData,
    TrendingRecommender,
)
from recsys.models.base import PARAMS_FILE, STATE_FILE
from tests.models.conftest import (
    FACTORIES,
    HISTORY_A,
    HISTORY_B,
    MOST_POPULAR,
    PERSONAL,
    TRENDING,
    Factory,
    group_of,
)

KNOWN_USER = "ua03"


def public_fitted(model: Recommender) -> set[str]:
    return {k for k in vars(model) if k.endswith("_") and not k.startswith("_")}


def seen_by(model: Recommender, user_id: str) -> set[str]:
    row = model.seen_[model.users_.index_of(user_id)]
    return set(model.events_.ids_of(row.indices))


def check_list(recs: list[Recommendation], n: int, forbidden: set[str]) -> None:
    ids = [r.event_id for r in recs]
    scores = np.asarray([r.score for r in recs])
    assert 0 < len(recs) <= n
    assert len(set(ids)) == len(ids)
    assert not set(ids) & forbidden
    assert np.isfinite(scores).all()
    assert (np.diff(scores) <= 0).all()
    assert all(isinstance(r.reason, Reason) and r.reason.kind for r in recs)


# -- every model is registered and has a factory --------------------------------------------------


def test_every_registered_model_is_under_contract() -> None:
    covered = {type(make()).name for make in FACTORIES.values()}
    # Other test modules may register stand-in models; the library's own are those of recsys.models.
    library = {name for name, cls in Recommender.registry.items() if cls.__module__.startswith("recsys.models.")}
    assert covered == library
    assert {"popularity", "trending", "als", "bpr", "item-knn", "ease", "content", "hybrid"} <= covered


# -- scikit-learn conventions ---------------------------------------------------------------------


def test_fit_returns_self_and_learns_only_trailing_underscore_attributes(factory: Factory, data: TrainingData) -> None:
    model = factory()
    assert not public_fitted(model)
    assert not model.is_fitted
    before = set(vars(model))
    assert model.fit(data) is model
    assert model.is_fitted
    learned = {k for k in set(vars(model)) - before if not k.startswith("_")}
    assert learned and all(k.endswith("_") for k in learned)
    assert learned - {"users_", "events_", "seen_"}, "the model learned nothing of its own"


def test_unfitted_model_refuses_work(factory: Factory, tmp_path: Path) -> None:
    model = factory()
    with pytest.raises(NotFittedError):
        model.recommend("ua00")
    with pytest.raises(NotFittedError):
        model.similar("a00")
    with pytest.raises(NotFittedError):
        model.score_users(np.asarray([0], dtype=np.int32))
    with pytest.raises(NotFittedError):
        model.save(tmp_path / "m")


def test_get_and_set_params(factory: Factory) -> None:
    model = factory()
    params = model.get_params()
    clone = type(model)(**params)
    assert clone.get_params() == params
    assert model.set_params(**params) is model
    assert type(model).__name__ in repr(model)
    json.dumps(params)  # saved as JSON, so must be plain values
    with pytest.raises(InvalidFieldError):
        model.set_params(no_such_parameter=1)


def test_set_params_changes_the_next_fit(data: TrainingData) -> None:
    model = ALSRecommender(factors=4, iterations=3, num_threads=1).fit(data)
    model.set_params(factors=6).fit(data)
    assert model.item_factors_.shape == (len(data.events), 6)


# -- recommending ---------------------------------------------------------------------------------


def test_recommend_known_user(fitted: Recommender) -> None:
    recs = fitted.recommend(KNOWN_USER, n=3)
    check_list(recs, 3, seen_by(fitted, KNOWN_USER))
    assert len(recs) == 3


def test_recommend_rejects_a_non_positive_n(fitted: Recommender) -> None:
    with pytest.raises(InvalidFieldError):
        fitted.recommend(KNOWN_USER, n=0)


def test_exclude_seen_false_may_return_seen_events(fitted: Recommender) -> None:
    recs = fitted.recommend(KNOWN_USER, n=len(fitted.events_), exclude_seen=False)
    check_list(recs, len(fitted.events_), set())
    if isinstance(fitted, PopularityRecommender):
        assert recs[0].event_id == MOST_POPULAR


def test_candidates_and_exclude(fitted: Recommender) -> None:
    full = [r.event_id for r in fitted.recommend(KNOWN_USER, n=100)]
    assert len(full) >= 4
    seen = sorted(seen_by(fitted, KNOWN_USER))
    candidates = [full[3], full[1], "not-an-event", seen[0], full[2]]
    recs = fitted.recommend(KNOWN_USER, n=10, candidates=candidates)
    assert [r.event_id for r in recs] == full[1:4]
    without_best = fitted.recommend(KNOWN_USER, n=len(full) - 1, exclude={full[0], "not-an-event"})
    assert [r.event_id for r in without_best] == full[1:]


def test_unknown_user_without_history_is_cold(fitted: Recommender) -> None:
    with pytest.raises(ColdUserError):
        fitted.recommend("stranger")
    with pytest.raises(ColdUserError):
        fitted.recommend("stranger", history={"not-an-event": 1.0})


def test_unknown_user_with_history(fitted: Recommender) -> None:
    recs = fitted.recommend("visitor", n=5, history=HISTORY_A)
    check_list(recs, 5, set(HISTORY_A))


def test_known_user_with_recent_history(fitted: Recommender) -> None:
    recs = fitted.recommend(KNOWN_USER, n=5, history={"b01": 3.0, "not-an-event": 1.0})
    check_list(recs, 5, seen_by(fitted, KNOWN_USER) | {"b01"})


def test_dismissed_events_count_as_seen(fitted: Recommender) -> None:
    # ua00 dismissed b00 (a negative weight): never offered again.
    recs = fitted.recommend("ua00", n=len(fitted.events_))
    assert "b00" not in {r.event_id for r in recs}


def test_score_users(fitted: Recommender) -> None:
    scores = fitted.score_users(np.asarray([0, 20], dtype=np.int32))
    assert scores.shape == (2, len(fitted.events_))
    assert scores.dtype == np.float32
    assert not np.isnan(scores).any()
    assert np.isfinite(scores).any(axis=1).all()


# -- the known answer -----------------------------------------------------------------------------


def assert_own_group_first(recs: list[Recommendation], own: str) -> None:
    groups = [group_of(r.event_id) for r in recs]
    first_other = next((i for i, g in enumerate(groups) if g != own), len(groups))
    assert first_other >= min(3, groups.count(own)), f"{groups}: the user's own group must come first"
    assert all(g != own for g in groups[first_other:]), f"{groups}: an own-group event ranked below the other group"


@pytest.mark.parametrize("factory_name", PERSONAL)
@pytest.mark.parametrize(("user", "history", "own"), [("visitor-a", HISTORY_A, "a"), ("visitor-b", HISTORY_B, "b")])
def test_personal_models_rank_the_users_group_first(
    fitted: Recommender, user: str, history: dict[str, float], own: str
) -> None:
    recs = fitted.recommend(user, n=len(fitted.events_), history=history)
    assert_own_group_first(recs, own)
    assert sum(group_of(r.event_id) == own for r in recs) >= 5


@pytest.mark.parametrize("factory_name", PERSONAL)
@pytest.mark.parametrize("user", ["ua01", "ua05", "ub02", "ub05"])
def test_personal_models_rank_a_known_users_group_first(fitted: Recommender, user: str) -> None:
    assert_own_group_first(fitted.recommend(user, n=len(fitted.events_)), user[1])


@pytest.mark.parametrize("factory_name", PERSONAL)
def test_personal_models_name_a_history_event_as_reason(fitted: Recommender) -> None:
    for rec in fitted.recommend("visitor", n=3, history=HISTORY_A):
        assert rec.reason.event_id in HISTORY_A


@pytest.mark.parametrize("factory_name", ["popularity", "popularity-region", "popularity-municipality"])
def test_popularity_ranks_the_most_popular_first(fitted: Recommender) -> None:
    recs = fitted.recommend("visitor", n=3, history=HISTORY_A)
    assert recs[0].event_id == MOST_POPULAR
    assert recs[0].reason.kind == "popular"


@pytest.mark.parametrize("factory_name", ["trending"])
def test_trending_ranks_the_growing_event_first(fitted: Recommender) -> None:
    recs = fitted.recommend("visitor", n=3, history=HISTORY_A)
    assert recs[0].event_id == TRENDING
    assert recs[0].reason.kind == "trending"


# -- similar events -------------------------------------------------------------------------------


def test_similar(fitted: Recommender) -> None:
    if not fitted.supports_similar:
        with pytest.raises(InvalidFieldError):
            fitted.similar("a01")
        return
    recs = fitted.similar("a01", n=4)
    check_list(recs, 4, {"a01"})
    assert len(recs) == 4
    assert [group_of(r.event_id) for r in recs] == ["a"] * 4
    assert all(r.reason == Reason("similar", event_id="a01") for r in recs)
    with pytest.raises(UnknownEntityError):
        fitted.similar("not-an-event")
    candidates = [r.event_id for r in recs[1:3]]
    assert [r.event_id for r in fitted.similar("a01", n=4, candidates=candidates)] == candidates


# -- persistence ----------------------------------------------------------------------------------


def test_save_load_gives_identical_results(fitted: Recommender, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    fitted.save(folder)
    assert {p.name for p in folder.iterdir()} == {PARAMS_FILE, STATE_FILE}
    for loaded in (Recommender.load(folder), type(fitted).load(folder)):
        assert type(loaded) is type(fitted)
        assert loaded.get_params() == fitted.get_params()
        assert loaded.users_ == fitted.users_ and loaded.events_ == fitted.events_
        assert loaded.recommend(KNOWN_USER, n=5) == fitted.recommend(KNOWN_USER, n=5)
        assert loaded.recommend("v", n=5, history=HISTORY_B) == fitted.recommend("v", n=5, history=HISTORY_B)
        users = np.arange(len(fitted.users_), dtype=np.int32)
        np.testing.assert_array_equal(loaded.score_users(users), fitted.score_users(users))
        if fitted.supports_similar:
            assert loaded.similar("b02", n=5) == fitted.similar("b02", n=5)


def test_load_refuses_a_model_of_another_class(fitted: Recommender, tmp_path: Path) -> None:
    fitted.save(tmp_path / "m")
    other = ContentRecommender if not isinstance(fitted, ContentRecommender) else ALSRecommender
    with pytest.raises(InvalidFieldError, match="holds a"):
        other.load(tmp_path / "m")


@pytest.mark.parametrize("missing", [PARAMS_FILE, STATE_FILE])
def test_load_refuses_a_folder_with_a_missing_file(fitted: Recommender, tmp_path: Path, missing: str) -> None:
    fitted.save(tmp_path / "m")
    (tmp_path / "m" / missing).unlink()
    with pytest.raises(InvalidFieldError, match="missing"):
        Recommender.load(tmp_path / "m")


def test_load_refuses_a_state_without_one_of_its_arrays(fitted: Recommender, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    fitted.save(folder)
    with np.load(folder / STATE_FILE) as stored:
        arrays = {k: stored[k] for k in stored.files}
    dropped = sorted(k for k in arrays if k.startswith("state__"))[-1]
    del arrays[dropped]
    np.savez(folder / STATE_FILE, **arrays)
    with pytest.raises(InvalidFieldError, match="lacks the array"):
        Recommender.load(folder)


def test_load_refuses_garbage(fitted: Recommender, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    fitted.save(folder)
    (folder / STATE_FILE).write_bytes(b"not a zip file")
    with pytest.raises(InvalidFieldError, match="unreadable"):
        Recommender.load(folder)
    (folder / PARAMS_FILE).write_text('{"model": "no-such-model", "params": {}}', encoding="utf-8")
    with pytest.raises(InvalidFieldError, match="not a saved model"):
        Recommender.load(folder)


# -- determinism ----------------------------------------------------------------------------------


def test_same_data_and_params_give_the_same_model(factory: Factory, data: TrainingData) -> None:
    users = np.arange(len(data.users), dtype=np.int32)
    first, second = factory().fit(data), factory().fit(data)
    np.testing.assert_array_equal(first.score_users(users), second.score_users(users))
    assert first.recommend("v", n=5, history=HISTORY_A) == second.recommend("v", n=5, history=HISTORY_A)


def test_non_personal_models_serve_lists_for_nobody(fitted_models: dict[str, Recommender]) -> None:
    popularity = fitted_models["popularity"]
    trending = fitted_models["trending"]
    assert isinstance(popularity, PopularityRecommender) and isinstance(trending, TrendingRecommender)
    assert popularity.top(1)[0].event_id == MOST_POPULAR
    assert trending.top(1)[0].event_id == TRENDING
