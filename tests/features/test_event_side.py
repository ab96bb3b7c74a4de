"""Side information aligned with an events vocabulary."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from features.content import ContentEncoder
from features.event_side import build_event_offer, build_event_side
from features.regions import REGIONS
from recsys.domain.errors import InvalidFieldError
from recsys.models.base import NotFittedError
from recsys.vocabulary import IdVocabulary


def test_side_follows_the_vocabulary_and_fills_missing_events(events: pa.Table) -> None:
    ids = events.column("event_id").to_pylist()
    vocabulary = IdVocabulary([ids[5], "missing-event", ids[0], ids[7]], "event")
    encoder = ContentEncoder().fit(events)
    side = build_event_side(events, vocabulary, encoder)
    assert len(side) == 4 and side.content is not None and side.content.shape == (4, len(encoder.feature_names()))
    missing = 1
    assert side.organizer_idx[missing] == side.venue_idx[missing] == side.region_idx[missing] == -1
    assert side.discipline_idx[missing] == side.production_idx[missing] == -1
    assert side.start_us[missing] == -1 and np.isnan(side.lat[missing]) and np.isnan(side.lon[missing])
    assert side.content[missing].nnz == 0
    rows = [5, 0, 7]
    known = [0, 2, 3]
    expected_content = encoder.transform(events.take(pa.array(rows)))
    assert (side.content[known] != expected_content).nnz == 0
    np.testing.assert_array_equal(side.lat[known], events.column("lat").to_numpy()[rows])
    for array in (side.organizer_idx, side.venue_idx, side.region_idx, side.discipline_idx, side.production_idx):
        assert array.dtype == np.int32
    assert side.start_us.dtype == np.int64 and side.lat.dtype == np.float64


def test_codes_come_from_sorted_vocabularies_and_not_from_row_order(events: pa.Table) -> None:
    vocabulary = IdVocabulary.from_values(events.column("event_id"), "event")
    side = build_event_side(events, vocabulary, None)
    assert side.content is None
    shuffled = events.take(pa.array(np.random.default_rng(2).permutation(events.num_rows)))
    again = build_event_side(shuffled, vocabulary, None)
    names = ("organizer_idx", "venue_idx", "production_idx", "region_idx", "municipality_idx", "discipline_idx")
    for name in (*names, "start_us"):
        np.testing.assert_array_equal(getattr(side, name), getattr(again, name), err_msg=name)
    organizers = sorted(set(events.column("organizer_id").to_pylist()) - {None})
    by_id = dict(zip(events.column("event_id").to_pylist(), events.column("organizer_id").to_pylist(), strict=True))
    first = vocabulary.id_of(0)
    assert organizers[side.organizer_idx[0]] == by_id[first]
    assert (side.production_idx >= 0).sum() == sum(p is not None for p in events.column("production_id").to_pylist())
    assert set(side.region_idx.tolist()) <= set(range(-1, len(REGIONS)))
    # Only events without an address (online ones) have no region.
    postcodes = dict(zip(events.column("event_id").to_pylist(), events.column("postcode").to_pylist(), strict=True))
    no_address = np.array([postcodes[i] is None for i in vocabulary.ids.to_pylist()])
    np.testing.assert_array_equal(side.region_idx == -1, no_address)


def test_municipality_codes_ignore_case_and_spaces_and_empty_names_have_none(events: pa.Table) -> None:
    head = events.slice(0, 4)
    names = pa.array(["Gent", " GENT ", "", "Aalst"], pa.string())
    table = head.set_column(head.schema.get_field_index("municipality"), "municipality", names)
    vocabulary = IdVocabulary(table.column("event_id").to_pylist(), "event")
    side = build_event_side(table, vocabulary, None)
    # Sorted lower-cased names: "aalst" 0, "gent" 1; an empty name is no municipality.
    assert side.municipality_idx.tolist() == [1, 1, -1, 0]
    assert side.municipality_idx.dtype == np.int32
    # A server's side over new events keeps the training table's codes.
    new = table.slice(3, 1)
    again = build_event_side(new, IdVocabulary(new.column("event_id").to_pylist(), "event"), None, codes_from=table)
    assert again.municipality_idx.tolist() == [0]


def test_a_repeated_event_id_takes_its_last_row(events: pa.Table) -> None:
    first = events.slice(0, 1)
    changed = first.set_column(first.schema.get_field_index("lat"), "lat", pa.array([1.5]))
    vocabulary = IdVocabulary(first.column("event_id").to_pylist(), "event")
    side = build_event_side(pa.concat_tables([first, changed]), vocabulary, None)
    assert side.lat.tolist() == [1.5]


def test_offer_holds_price_and_ages(events: pa.Table) -> None:
    vocabulary = IdVocabulary([*events.column("event_id").to_pylist()[:10], "missing"], "event")
    offer = build_event_offer(events, vocabulary)
    assert len(offer) == 11 and np.isnan(offer.base_price[-1]) and np.isnan(offer.min_age[-1])
    expected = np.nan_to_num(events.column("base_price").to_numpy(zero_copy_only=False)[:10], nan=np.nan)
    np.testing.assert_array_equal(offer.base_price[:10], expected)


def test_misuse_is_refused(events: pa.Table) -> None:
    vocabulary = IdVocabulary.from_values(events.column("event_id"), "event")
    with pytest.raises(InvalidFieldError, match="lat"):
        build_event_side(events.drop_columns(["lat"]), vocabulary, None)
    with pytest.raises(NotFittedError):
        build_event_side(events, vocabulary, ContentEncoder())
