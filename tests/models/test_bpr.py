"""BPR specifics: the fold-in fallback and dropped dismissals."""

from __future__ import annotations

import numpy as np

from recsys.models import BPRRecommender, TrainingData
from tests.models.conftest import FACTORIES, HISTORY_A


def fitted_bpr(data: TrainingData) -> BPRRecommender:
    model = FACTORIES["bpr"]()
    assert isinstance(model, BPRRecommender)
    return model.fit(data)


def test_fold_in_is_the_weighted_mean_of_the_history_vectors_with_bias_one(data: TrainingData) -> None:
    model = fitted_bpr(data)
    vector = model.fold_in({**HISTORY_A, "b00": -1.0, "not-an-event": 4.0})
    idx = [data.events.index_of(e) for e in HISTORY_A]
    weights = np.asarray(list(HISTORY_A.values()))
    expected = weights @ model.item_factors_[idx, :-1] / weights.sum()
    np.testing.assert_allclose(vector[:-1], expected, rtol=1e-5)
    assert vector[-1] == 1.0
    assert model.item_factors_.shape == (len(data.events), model.factors + 1)


def test_an_event_with_only_dismissals_cannot_be_ranked(data: TrainingData) -> None:
    model = fitted_bpr(data)
    # b00 is dismissed by ua00 but liked by others: warm. The cold events have nothing.
    assert model.warm_[data.events.index_of("b00")]
    assert not model.warm_[data.events.index_of("a-new")]
    scores = model.score_users(np.asarray([0], dtype=np.int32))[0]
    assert np.isneginf(scores[data.events.index_of("a-new")])
