"""RP3beta specifics: the walk, the popularity penalty and the neighbourhood size."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.models import RP3betaRecommender, TrainingData


def test_beta_zero_alpha_one_is_the_plain_two_step_walk(data: TrainingData) -> None:
    model = RP3betaRecommender(alpha=1.0, beta=0.0, k=len(data.events)).fit(data)
    x = data.matrix.toarray().clip(min=0).astype(np.float64)
    x = (x > 0).astype(np.float64) * x
    user_to_item = x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)
    item_to_user = x.T / np.maximum(x.T.sum(axis=1, keepdims=True), 1e-12)
    walk = item_to_user @ user_to_item
    np.fill_diagonal(walk, 0.0)
    np.testing.assert_allclose(model.similarity_.toarray(), walk, rtol=1e-5, atol=1e-7)


def test_beta_penalises_popular_targets(data: TrainingData) -> None:
    plain = RP3betaRecommender(beta=0.0, k=len(data.events)).fit(data).similarity_.toarray()
    damped = RP3betaRecommender(beta=1.0, k=len(data.events)).fit(data).similarity_.toarray()
    popularity = (data.matrix.toarray() > 0).sum(axis=0).astype(np.float64)
    warm = popularity > 0
    ratio = damped[:, warm] / np.where(plain[:, warm] > 0, plain[:, warm], np.nan)
    expected = np.broadcast_to(1.0 / popularity[warm], ratio.shape)
    mask = np.isfinite(ratio)
    np.testing.assert_allclose(ratio[mask], expected[mask], rtol=1e-4)


def test_keeps_at_most_k_neighbours_and_never_itself(data: TrainingData) -> None:
    model = RP3betaRecommender(k=3).fit(data)
    assert np.diff(model.similarity_.indptr).max() <= 3
    assert not model.similarity_.diagonal().any()


def test_refuses_a_negative_beta(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="beta"):
        RP3betaRecommender(beta=-0.1).fit(data)
