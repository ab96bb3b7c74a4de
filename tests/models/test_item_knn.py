"""Item-kNN specifics: sparsity and parameters."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.models import ItemKNNRecommender, TrainingData


@pytest.mark.parametrize("similarity", ["cosine", "bm25"])
def test_keeps_at_most_k_neighbours_and_never_the_event_itself(data: TrainingData, similarity: str) -> None:
    model = ItemKNNRecommender(k=3, similarity=similarity).fit(data)
    per_row = np.diff(model.similarity_.indptr)
    assert per_row.max() <= 3
    assert not model.similarity_.diagonal().any()
    assert len(model.similar("a01", n=10)) <= 3


def test_cosine_of_identical_audiences_is_one(data: TrainingData) -> None:
    model = ItemKNNRecommender(k=20).fit(data)
    assert model.similarity_.max() <= 1.0 + 1e-6
    assert model.similarity_.min() >= 0.0


def test_refuses_unknown_parameters(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="similarity"):
        ItemKNNRecommender(similarity="jaccard").fit(data)
    with pytest.raises(InvalidFieldError, match="k"):
        ItemKNNRecommender(k=0).fit(data)
