"""EASE specifics: the dense-size guard and the closed form."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.models import EASERecommender, TooManyEventsError, TrainingData


def test_refuses_more_events_than_max_items_and_stays_unfitted(data: TrainingData) -> None:
    model = EASERecommender(max_items=5)
    with pytest.raises(TooManyEventsError, match="max_items=5"):
        model.fit(data)
    assert not model.is_fitted
    assert not [k for k in vars(model) if k.endswith("_")]


def test_only_events_with_interactions_enter_the_dense_matrix(data: TrainingData) -> None:
    warm = len(data.events) - 2  # a-new and b-new have no interactions
    model = EASERecommender(l2=100.0, max_items=warm).fit(data)
    assert model.weights_.shape == (warm, warm)
    assert not np.diag(model.weights_).any()
    cold = [data.events.index_of(e) for e in ("a-new", "b-new")]
    assert np.isneginf(model.score_users(np.asarray([0], dtype=np.int32))[0, cold]).all()


def test_weights_solve_the_ridge_problem(data: TrainingData) -> None:
    model = EASERecommender(l2=100.0).fit(data)
    x = data.matrix.toarray().clip(min=0)[:, model.items_].astype(np.float64)
    gram = x.T @ x + 100.0 * np.eye(x.shape[1])
    b = model.weights_.astype(np.float64)
    # Stationarity of min ||X - XB||² + l2 ||B||² subject to diag(B) = 0: off-diagonal gradient vanishes.
    gradient = gram @ b - x.T @ x
    np.fill_diagonal(gradient, 0.0)
    assert np.abs(gradient).max() < 1e-3
