"""Training data from a real workspace filled by the synthetic generator."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from features.content import ContentEncoder
from features.interactions import InteractionWeighting, build_interaction_matrix
from features.training_data import build_training_data
from recsys.domain.interactions import InteractionKind
from recsys.models.data import TrainingData
from tests.features.conftest import StoredSeason

DAY = 86_400 * 1_000_000


@pytest.fixture(scope="module")
def encoder(stored: StoredSeason) -> ContentEncoder:
    return ContentEncoder().fit(stored.events)


@pytest.fixture(scope="module")
def data(stored: StoredSeason, encoder: ContentEncoder) -> TrainingData:
    reference = int(stored.arrays.timestamps_us.max())
    weighting = InteractionWeighting(half_life_days=60)
    return build_training_data(
        stored.events, stored.arrays, weighting=weighting, reference_time_us=reference, encoder=encoder
    )


def test_every_catalogue_event_has_a_column_and_content(data: TrainingData, stored: StoredSeason) -> None:
    catalogue = set(stored.events.column("event_id").to_pylist())
    interacted = set(stored.arrays.event_ids.tolist())
    assert set(data.events.ids.to_pylist()) == catalogue | interacted
    assert data.events.ids.to_pylist() == sorted(data.events.ids.to_pylist())
    assert data.event_side is not None and data.event_side.content is not None
    column_nnz = np.bincount(data.matrix.indices, minlength=len(data.events))
    cold = column_nnz == 0
    assert cold.sum() > 0, "the season should leave some events without interactions"
    content_nnz = np.diff(data.event_side.content.indptr)
    assert (content_nnz[cold] > 0).all()  # cold events: an empty column, but content
    assert (data.last_seen_us[cold] == -1).all() if data.last_seen_us is not None else False


def test_users_and_matrix_agree_with_the_plain_builder(data: TrainingData, stored: StoredSeason) -> None:
    assert data.users.ids.to_pylist() == stored.arrays.user_ids.tolist()
    plain = build_interaction_matrix(
        stored.arrays, InteractionWeighting(half_life_days=60), reference_time_us=data.reference_time_us
    )
    columns = data.events.indices_of(plain.events.ids)
    assert (columns >= 0).all()
    np.testing.assert_allclose(data.matrix[:, columns].toarray(), plain.matrix.toarray(), rtol=1e-6)
    assert data.matrix.dtype == np.float32


def test_last_seen_is_the_latest_positive_interaction(data: TrainingData, stored: StoredSeason) -> None:
    arrays = stored.arrays
    assert data.last_seen_us is not None
    positive = ~np.isin(arrays.kinds, [int(InteractionKind.IMPRESSION), int(InteractionKind.DISMISS)])
    for code in np.unique(arrays.event_codes)[:40]:
        mine = positive & (arrays.event_codes == code)
        expected = arrays.timestamps_us[mine].max() if mine.any() else -1
        assert data.last_seen_us[data.events.index_of(str(arrays.event_ids[code]))] == expected


def test_cell_times_align_with_the_matrix(data: TrainingData, stored: StoredSeason) -> None:
    assert data.interaction_time_us is not None and len(data.interaction_time_us) == data.matrix.nnz
    arrays = stored.arrays
    entry_rows = np.repeat(np.arange(data.matrix.shape[0]), np.diff(data.matrix.indptr))
    for entry in np.linspace(0, data.matrix.nnz - 1, 25).astype(int):
        user = data.users.id_of(int(entry_rows[entry]))
        event = data.events.id_of(int(data.matrix.indices[entry]))
        mine = (arrays.user_ids[arrays.user_codes] == user) & (arrays.event_ids[arrays.event_codes] == event)
        mine &= arrays.kinds != int(InteractionKind.IMPRESSION)
        assert data.interaction_time_us[entry] == arrays.timestamps_us[mine].max()


def test_a_temporal_split_and_interacted_events_only(stored: StoredSeason, encoder: ContentEncoder) -> None:
    arrays = stored.arrays
    until = int(np.quantile(arrays.timestamps_us, 0.5))
    split = build_training_data(
        stored.events,
        arrays,
        weighting=InteractionWeighting(),
        reference_time_us=until,
        encoder=None,
        until_us=until,
        include_all_events=False,
    )
    before = arrays.timestamps_us < until
    assert set(split.events.ids.to_pylist()) == set(arrays.event_ids[np.unique(arrays.event_codes[before])].tolist())
    assert set(split.users.ids.to_pylist()) == set(arrays.user_ids[np.unique(arrays.user_codes[before])].tolist())
    assert split.event_side is not None and split.event_side.content is None
    assert split.last_seen_us is not None and split.last_seen_us.max() < until
    assert np.diff(split.matrix.indptr).sum() < len(arrays) // 2 + 1
    full = build_training_data(
        stored.events,
        arrays,
        weighting=InteractionWeighting(),
        reference_time_us=until,
        encoder=encoder,
        until_us=until,
    )
    assert len(full.events) >= stored.events.num_rows and len(full.events) > len(split.events)


def test_events_only_known_to_the_log_get_a_column_without_side(stored: StoredSeason) -> None:
    dropped = stored.arrays.event_ids[stored.arrays.event_codes[0]]
    catalogue = stored.events.filter(pa.compute.not_equal(stored.events.column("event_id"), dropped))
    data = build_training_data(
        catalogue,
        stored.arrays,
        weighting=InteractionWeighting(),
        reference_time_us=int(stored.arrays.timestamps_us.max()),
        encoder=None,
    )
    position = data.events.index_of(str(dropped))
    assert data.matrix[:, position].nnz > 0
    assert data.event_side is not None and data.event_side.organizer_idx[position] == -1
