"""Content specifics: cold events and content similarity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.models import ContentRecommender, TrainingData
from tests.models.conftest import HISTORY_A


def test_scores_cold_events(data: TrainingData) -> None:
    model = ContentRecommender().fit(data)
    scores = model.score_users(np.arange(len(data.users), dtype=np.int32))
    assert np.isfinite(scores).all()
    assert model.recommend("visitor", n=1, history=HISTORY_A)[0].event_id == "a-new"


def test_similar_by_content(data: TrainingData) -> None:
    model = ContentRecommender().fit(data)
    # a-new shares group and production with a00 and a01 only.
    assert {r.event_id for r in model.similar("a-new", n=2)} == {"a00", "a01"}


def test_needs_content(data: TrainingData) -> None:
    model = ContentRecommender()
    with pytest.raises(InvalidFieldError, match="content"):
        model.fit(replace(data, event_side=None))
    assert not model.is_fitted
