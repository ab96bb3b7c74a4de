"""Bytes for the cache: lists, vocabularies and JSON values round-trip, and malformed values are CacheError."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from recsys.cache import codec
from recsys.cache.protocol import CacheError, CandidateList, RecentInteraction
from tests.cache.test_cache_contract import card

VOCAB = codec.Vocabulary(7, np.array([f"e{i}" for i in range(30)], dtype=object))


@st.composite
def lists(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 30))
    columns = draw(st.integers(1, 4))
    indices = np.asarray(draw(st.lists(st.integers(0, 29), min_size=n, max_size=n)), dtype=np.int32)
    scores = draw(hnp.arrays(np.float32, (n, columns), elements=st.floats(width=32, allow_nan=True)))
    return indices, scores


@given(lists())
def test_a_list_round_trips(pair: tuple[np.ndarray, np.ndarray]) -> None:
    indices, scores = pair
    decoded = codec.decode_list(codec.encode_list(7, indices, scores), VOCAB)
    assert decoded == CandidateList(tuple(VOCAB.ids[indices].tolist()), scores)
    assert decoded.scores.dtype == np.float32


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 3), st.data())
def test_rows_encode_like_single_lists(rows: int, k: int, columns: int, data: st.DataObject) -> None:
    lengths = np.asarray(data.draw(st.lists(st.integers(0, k), min_size=rows, max_size=rows)), dtype=np.int64)
    indices = np.asarray(data.draw(hnp.arrays(np.int32, (rows, k), elements=st.integers(0, 29))))
    scores = data.draw(hnp.arrays(np.float32, (rows, k, columns), elements=st.floats(width=32)))
    encoded = codec.encode_rows(3, indices, scores, lengths)
    assert encoded == [codec.encode_list(3, indices[r, : lengths[r]], scores[r, : lengths[r]]) for r in range(rows)]


@given(st.lists(st.text(alphabet="abcXYZ019._:@+=~!$*-ü", min_size=1, max_size=20), max_size=40))
def test_a_vocabulary_round_trips(ids: list[str]) -> None:
    array = np.empty(len(ids), dtype=object)
    array[:] = ids
    decoded = codec.decode_vocabulary(codec.encode_vocabulary(codec.Vocabulary(99, array)))
    assert decoded.nonce == 99 and decoded.ids.tolist() == ids


def test_an_id_holding_the_separator_is_refused() -> None:
    with pytest.raises(ValueError):
        codec.encode_vocabulary(codec.Vocabulary(1, np.array(["a\x1fb"], dtype=object)))


def test_malformed_lists_are_cache_errors() -> None:
    good = codec.encode_list(7, np.array([1, 2], dtype=np.int32), np.ones((2, 2), np.float32))
    for bad in (b"", b"\x01", good[:-1], good + b"\x00", b"\x02" + good[1:], "text"):
        with pytest.raises(CacheError):
            codec.decode_list(bad, VOCAB)  # type: ignore[arg-type]
    out_of_range = codec.encode_list(7, np.array([30], dtype=np.int32), np.ones((1, 1), np.float32))
    with pytest.raises(CacheError, match="outside"):
        codec.decode_list(out_of_range, VOCAB)
    with pytest.raises(codec.StaleVocabularyError):
        codec.decode_list(codec.encode_list(8, np.array([1], np.int32), np.ones((1, 1), np.float32)), VOCAB)


def test_malformed_vocabularies_are_cache_errors() -> None:
    good = codec.encode_vocabulary(VOCAB)
    for bad in (b"", good[: codec.HEADER_BYTES] + b"a", b"\x01" + good[1:], good[: codec.HEADER_BYTES] + b"\xff"):
        with pytest.raises(CacheError):
            codec.decode_vocabulary(bad)


def test_json_values_round_trip_and_refuse_garbage() -> None:
    example = card("e:1", popularity=3.5, region="BE-VAN")
    assert codec.decode_card(codec.encode_card(example)) == example
    entry = RecentInteraction("e1", "ticket", 1_700_000_000_000_000)
    assert codec.decode_recent(codec.encode_recent(entry)) == entry
    assert codec.decode_info(codec.encode_info({"a": [1, 2], "n": np.int64(3)})) == {"a": [1, 2], "n": 3}
    for bad in (b"[]", b"{", b'{"event_id": "x"}', b'{"event_id": "x", "name": {"nl": "y"}, "bogus": 1}'):
        with pytest.raises(CacheError):
            codec.decode_card(bad)
    for bad in (b"[1, 2, 3]", b'["e", "view", 1.5]', b"{}", b"["):
        with pytest.raises(CacheError):
            codec.decode_recent(bad)
    with pytest.raises(CacheError):
        codec.decode_info(b"[1]")


def test_the_order_of_recent_entries_matches_redis() -> None:
    # ZREVRANGE: score descending, equal scores by member descending.
    entries = [(5, b"b"), (7, b"a"), (5, b"c"), (7, b"b")]
    assert codec.recent_order(entries) == [(7, b"b"), (7, b"a"), (5, b"c"), (5, b"b")]
