"""The parts of the contract no single model owns: training data checks and growing vocabularies."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models import ContentRecommender, Recommender, TrainingData
from recsys.models.data import positive_part


def test_training_data_refuses_misaligned_times(data: TrainingData) -> None:
    assert data.interaction_time_us is not None
    with pytest.raises(InvalidFieldError, match="interaction_time_us"):
        replace(data, interaction_time_us=data.interaction_time_us[:-1])
    assert data.last_seen_us is not None
    with pytest.raises(InvalidFieldError, match="last_seen_us"):
        replace(data, last_seen_us=data.last_seen_us[:-1])


def test_positive_part_drops_dismissals() -> None:
    matrix = sp.csr_matrix(np.asarray([[1.0, -1.0, 0.0], [0.0, 2.0, -3.0]], dtype=np.float32))
    assert positive_part(matrix).toarray().tolist() == [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    assert positive_part(matrix).nnz == 2


def test_seen_keeps_the_training_weights(data: TrainingData) -> None:
    model = ContentRecommender().fit(data)
    assert (model.seen_ != data.matrix).nnz == 0
    assert model.seen_.dtype == np.float32


def test_append_events_grows_the_vocabulary_and_seen(data: TrainingData) -> None:
    model = ContentRecommender().fit(data)
    indices = model._append_events(["a00", "fresh-1", "fresh-2", "fresh-1"])
    n = len(data.events)
    assert indices.tolist() == [0, n, n + 1, n]
    assert len(model.events_) == n + 2
    assert model.seen_.shape == (len(data.users), n + 2)


def test_the_registry_knows_every_model_by_name() -> None:
    assert Recommender.registry["content"] is ContentRecommender
