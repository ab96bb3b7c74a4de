"""The cold-start model: vectors for events nobody has seen, and events added after fit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models import ALSRecommender, HybridRecommender, Recommender, TrainingData
from tests.models.conftest import FACTORIES, event_side

NEW = ["a-brand-new", "b-brand-new"]  # productions of a00/a01 and b00/b01, like a-new and b-new


def fitted_hybrid(data: TrainingData) -> HybridRecommender:
    model = FACTORIES["hybrid"]()
    assert isinstance(model, HybridRecommender)
    return model.fit(data)


def rank_of(model: Recommender, event_id: str, user_id: str, history: dict[str, float] | None = None) -> int:
    ids = [r.event_id for r in model.recommend(user_id, n=len(model.events_), history=history)]
    return ids.index(event_id)


def test_a_cold_event_in_the_vocabulary_gets_a_score_als_cannot_give(data: TrainingData) -> None:
    hybrid = fitted_hybrid(data)
    als = FACTORIES["als"]().fit(data)
    cold = data.events.index_of("a-new")
    users = np.arange(len(data.users), dtype=np.int32)
    assert np.isfinite(hybrid.score_users(users)[:, cold]).all()
    assert np.isneginf(als.score_users(users)[:, cold]).all()
    assert als.recommend("ua01", candidates=["a-new"]) == []
    (rec,) = hybrid.recommend("ua01", candidates=["a-new"])
    assert rec.reason.kind == "cold-start"
    assert rec.reason.detail == {"via": "production"}


def test_a_new_event_of_a_liked_production_ranks_high(data: TrainingData) -> None:
    model = fitted_hybrid(data)
    assert model.recommend("ua01", candidates=NEW) == []  # unknown before add_events
    assert model.add_events(NEW, event_side(NEW)) is model
    history = {"a00": 3.0, "a01": 3.0}
    assert rank_of(model, "a-brand-new", "visitor", history) < 3
    assert rank_of(model, "b-brand-new", "visitor", history) > rank_of(model, "a09", "visitor", history)
    for user in ("ua02", "ua07"):
        assert rank_of(model, "a-brand-new", user) < 3
    rec = model.recommend("visitor", n=1, history=history)[0]
    assert rec.event_id == "a-brand-new"
    assert rec.reason.kind == "cold-start"
    assert rec.reason.event_id in history
    similar = [r.event_id for r in model.similar("a-brand-new", n=3)]
    assert all(e.startswith("a") for e in similar)


def test_a_history_with_a_brand_new_event_folds_in(data: TrainingData) -> None:
    model = fitted_hybrid(data).add_events(NEW, event_side(NEW))
    recs = model.recommend("visitor", n=3, history={"b-brand-new": 3.0})
    assert recs and all(r.event_id.startswith("b") for r in recs)


def test_pure_als_cannot_rank_an_event_it_was_not_fitted_on(data: TrainingData) -> None:
    als = FACTORIES["als"]().fit(data)
    assert not hasattr(als, "add_events")
    assert als.recommend("ua01", candidates=NEW) == []


def test_add_events_grows_everything_and_survives_save_load(data: TrainingData, tmp_path: Path) -> None:
    model = fitted_hybrid(data)
    model.add_events(NEW, event_side(NEW))
    n = len(data.events) + len(NEW)
    assert len(model.events_) == n
    assert model.seen_.shape == (len(data.users), n)
    assert model.item_factors_.shape[0] == n
    assert model.score_users(np.asarray([0], dtype=np.int32)).shape == (1, n)
    model.save(tmp_path / "m")
    loaded = Recommender.load(tmp_path / "m")
    assert loaded.events_ == model.events_
    assert loaded.recommend("ua01", n=5) == model.recommend("ua01", n=5)


def test_add_events_keeps_warm_vectors_and_repredicts_cold_ones(data: TrainingData) -> None:
    model = fitted_hybrid(data)
    warm, cold = data.events.index_of("a02"), data.events.index_of("a-new")
    before = model.item_factors_.copy()
    # Pretend a-new lost its production and a02 changed production: only the cold one moves.
    side = event_side(["a02", "a-new"])
    side = replace(side, production_idx=np.asarray([9, -1], dtype=np.int32))
    model.add_events(["a02", "a-new"], side)
    assert len(model.events_) == len(data.events)
    np.testing.assert_array_equal(model.item_factors_[warm], before[warm])
    assert not np.array_equal(model.item_factors_[cold], before[cold])
    assert model.recommend("ua01", candidates=["a-new"])[0].reason.detail == {"via": "organizer"}


def test_add_events_refuses_mismatched_side_without_changing_the_model(data: TrainingData) -> None:
    model = fitted_hybrid(data)
    side = event_side(NEW)
    with pytest.raises(InvalidFieldError, match="content"):
        model.add_events(NEW, replace(side, content=sp.csr_matrix((2, 3), dtype=np.float32)))
    with pytest.raises(InvalidFieldError, match="side"):
        model.add_events(NEW[:1], side)
    with pytest.raises(InvalidFieldError, match="content"):
        model.add_events(NEW, replace(side, content=None))
    assert len(model.events_) == len(data.events)


def test_hybrid_needs_content(data: TrainingData) -> None:
    model = HybridRecommender(factors=4)
    with pytest.raises(InvalidFieldError, match="content"):
        model.fit(replace(data, event_side=None))
    assert not model.is_fitted


def test_without_blending_warm_events_keep_their_als_vectors(data: TrainingData) -> None:
    params: dict[str, Any] = {"factors": 8, "regularization": 5.0, "alpha": 5.0, "random_state": 3, "num_threads": 1}
    hybrid = HybridRecommender(**params, blend_count=0.0).fit(data)
    als = ALSRecommender(**params).fit(data)
    warm = als.warm_
    np.testing.assert_allclose(hybrid.item_factors_[warm], als.item_factors_[warm], atol=1e-6)
    np.testing.assert_allclose(hybrid.user_factors_, als.user_factors_, atol=1e-6)
    assert (hybrid.source_[warm] == 0).all() and (hybrid.source_[~warm] > 0).all()
