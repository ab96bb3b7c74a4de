"""Interactions -> weighted matrix: kind weights, decay, negatives, BM25/TF-IDF, vocabularies, windows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from implicit.nearest_neighbours import bm25_weight, tfidf_weight

from features.interactions import (
    MIN_IDF,
    InteractionWeighting,
    build_interaction_matrix,
    interaction_weights,
)
from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import DEFAULT_KIND_WEIGHTS, InteractionKind
from recsys.stores.batches import InteractionArrays
from recsys.vocabulary import IdVocabulary

K = InteractionKind
DAY = 86_400 * 1_000_000
REF = 100 * DAY


def make_arrays(rows: list[tuple[str, str, InteractionKind, float, float]]) -> InteractionArrays:
    """Arrays from ``(user, event, kind, day, value)`` rows, with sorted vocabularies as the log exports them."""
    users = sorted({r[0] for r in rows})
    events = sorted({r[1] for r in rows})
    return InteractionArrays(
        user_codes=np.array([users.index(r[0]) for r in rows], dtype=np.int32),
        event_codes=np.array([events.index(r[1]) for r in rows], dtype=np.int32),
        kinds=np.array([int(r[2]) for r in rows], dtype=np.int8),
        timestamps_us=np.array([round(r[3] * DAY) for r in rows], dtype=np.int64),
        values=np.array([r[4] for r in rows], dtype=np.float32),
        user_ids=np.array(users, dtype=object),
        event_ids=np.array(events, dtype=object),
    )


NAN = float("nan")
SMALL = make_arrays(
    [
        ("u1", "e1", K.VIEW, 90, NAN),
        ("u1", "e1", K.TICKET, 95, NAN),
        ("u1", "e2", K.DISMISS, 96, NAN),
        ("u1", "e2", K.VIEW, 96, NAN),
        ("u2", "e1", K.CLICK, 80, NAN),
        ("u2", "e3", K.RATING, 99, 4.5),
        ("u2", "e2", K.IMPRESSION, 99, NAN),
        ("u3", "e2", K.IMPRESSION, 99, NAN),
    ]
)


def dense(weighting: InteractionWeighting, arrays: InteractionArrays = SMALL, **kwargs: object) -> np.ndarray:
    built = build_interaction_matrix(arrays, weighting, reference_time_us=REF, **kwargs)  # type: ignore[arg-type]
    return np.asarray(built.matrix.toarray())


def test_kind_weights_sum_per_cell_and_impressions_leave_no_cell() -> None:
    built = build_interaction_matrix(SMALL, InteractionWeighting(), reference_time_us=REF)
    assert built.users.ids.to_pylist() == ["u1", "u2", "u3"]
    assert built.events.ids.to_pylist() == ["e1", "e2", "e3"]
    expected = np.array(
        [
            [1 + 8, -4 + 1, 0],  # view + ticket; dismiss + view
            [2, 0, 4.5],  # click; impression leaves nothing; rating uses its value
            [0, 0, 0],  # only an impression: a row, but empty
        ],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(built.matrix.toarray(), expected)
    assert built.matrix.dtype == np.float32
    assert built.matrix.has_canonical_format
    assert built.matrix.nnz == 4


def test_cell_times_are_the_latest_contributing_interaction() -> None:
    built = build_interaction_matrix(SMALL, InteractionWeighting(), reference_time_us=REF, with_times=True)
    assert built.times_us is not None and len(built.times_us) == built.matrix.nnz
    times = sp.csr_matrix((built.times_us.astype(np.float64) / DAY, built.matrix.indices, built.matrix.indptr))
    # u1/e1: view day 90, ticket day 95; u1/e2: day 96; u2/e1: day 80; u2/e3: day 99 (impressions never count).
    np.testing.assert_array_equal(times.toarray(), [[95, 96, 0], [80, 0, 99], [0, 0, 0]])
    dropped = build_interaction_matrix(
        SMALL, InteractionWeighting(negatives="drop"), reference_time_us=REF, until_us=99 * DAY, with_times=True
    )
    assert dropped.times_us is not None and (dropped.times_us // DAY).tolist() == [95, 80]
    assert build_interaction_matrix(SMALL, InteractionWeighting(), reference_time_us=REF).times_us is None


def test_negatives_drop_removes_net_negative_cells() -> None:
    m = dense(InteractionWeighting(negatives="drop"))
    assert m[0, 1] == 0 and m[0, 0] == 9 and (m >= 0).all()
    # A cell whose positives outweigh a dismissal stays.
    arrays = make_arrays([("u", "e", K.DISMISS, 1, NAN), ("u", "e", K.TICKET, 2, NAN)])
    assert dense(InteractionWeighting(negatives="drop"), arrays)[0, 0] == 4


def test_rating_value_can_be_ignored_and_missing_values_count_as_one() -> None:
    assert dense(InteractionWeighting(rating_as_value=False))[1, 2] == 1.0
    arrays = make_arrays([("u", "e", K.RATING, 1, NAN)])
    assert dense(InteractionWeighting(), arrays)[0, 0] == 1.0


def test_custom_kind_weights_and_left_out_kinds_weigh_nothing() -> None:
    m = dense(InteractionWeighting(kind_weights={K.TICKET: 3.0, K.CLICK: 0.5}))
    np.testing.assert_array_equal(m, [[3, 0, 0], [0.5, 0, 0], [0, 0, 0]])


def test_half_life_decay_is_relative_to_the_reference_time() -> None:
    arrays = make_arrays(
        [
            ("u", "a", K.VIEW, 90, NAN),  # 10 days old: half
            ("u", "b", K.TICKET, 80, NAN),  # 20 days old: a quarter of 8
            ("u", "c", K.VIEW, 105, NAN),  # after the reference: counted fully, never boosted
            ("u", "d", K.CLICK, 100, NAN),  # at the reference: full
        ]
    )
    m = dense(InteractionWeighting(half_life_days=10), arrays)
    np.testing.assert_allclose(m[0], [0.5, 2.0, 1.0, 2.0], rtol=1e-6)
    w = interaction_weights(arrays, InteractionWeighting(half_life_days=5), REF)
    np.testing.assert_allclose(w, [0.25, 8 / 16, 1.0, 2.0])


def test_until_drops_interactions_at_and_after_it_and_shrinks_the_default_vocabularies() -> None:
    built = build_interaction_matrix(SMALL, InteractionWeighting(), reference_time_us=REF, until_us=96 * DAY)
    # u1's day-96 rows and u2's/u3's day-99 rows are gone; u3 had nothing else.
    assert built.users.ids.to_pylist() == ["u1", "u2"]
    assert built.events.ids.to_pylist() == ["e1"]
    np.testing.assert_array_equal(built.matrix.toarray(), [[9], [2]])


def test_given_vocabularies_fix_rows_and_columns_and_drop_outsiders() -> None:
    users = IdVocabulary(["u2", "zz", "u1"], "user")
    events = IdVocabulary(["e3", "e1", "new"], "event")
    built = build_interaction_matrix(SMALL, InteractionWeighting(), reference_time_us=REF, users=users, events=events)
    assert built.users is users and built.events is events
    np.testing.assert_array_equal(built.matrix.toarray(), [[4.5, 2, 0], [0, 0, 0], [0, 9, 0]])


def test_a_vocabulary_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(InvalidFieldError) as err:
        build_interaction_matrix(
            SMALL, InteractionWeighting(), reference_time_us=REF, users=IdVocabulary(["e1"], "event")
        )
    assert err.value.field == "users"


# -- item weighting -------------------------------------------------------------------------------

BM25_ARRAYS = make_arrays(
    [
        ("u1", "e1", K.TICKET, 1, NAN),  # 8
        ("u1", "e2", K.VIEW, 1, NAN),  # 1
        ("u2", "e1", K.CLICK, 1, NAN),  # 2
        ("u3", "e3", K.LIKE, 1, NAN),  # 4
        ("u4", "e3", K.CHECK_IN, 1, NAN),  # 10
    ]
)


def test_bm25_by_hand() -> None:
    m = dense(InteractionWeighting(weighting="bm25", bm25_k1=1.2, bm25_b=0.75), BM25_ARRAYS)
    # 4 users; e1 and e3 have 2 users each, e2 one; row lengths 9, 2, 4, 10 with mean 6.25.
    idf_common, idf_rare = math.log(4) - math.log(3), math.log(4) - math.log(2)

    def bm25(x: float, row_length: float, idf: float) -> float:
        return x * 2.2 / (1.2 * (0.25 + 0.75 * row_length / 6.25) + x) * idf

    expected = [
        [bm25(8, 9, idf_common), bm25(1, 9, idf_rare), 0],
        [bm25(2, 2, idf_common), 0, 0],
        [0, 0, bm25(4, 4, idf_common)],
        [0, 0, bm25(10, 10, idf_common)],
    ]
    np.testing.assert_allclose(m, expected, rtol=1e-6)


def test_tfidf_by_hand() -> None:
    m = dense(InteractionWeighting(weighting="tfidf"), BM25_ARRAYS)
    idf_common, idf_rare = math.log(4 / 3), math.log(2)
    np.testing.assert_allclose(m[0], [math.sqrt(8) * idf_common, 1 * idf_rare, 0], rtol=1e-6)
    np.testing.assert_allclose(m[3], [0, 0, math.sqrt(10) * idf_common], rtol=1e-6)


def test_item_weighting_matches_the_implicit_library_on_positive_data() -> None:
    rng = np.random.default_rng(3)
    n = 3_000
    arrays = InteractionArrays(
        user_codes=(np.arange(n) % 200).astype(np.int32),  # every user has cells
        event_codes=np.minimum(rng.exponential(15.0, n), 59).astype(np.int32),  # a long tail of events
        kinds=rng.choice([0, 1, 2, 5, 6], n).astype(np.int8),
        timestamps_us=rng.integers(0, REF, n),
        values=np.full(n, np.nan, dtype=np.float32),
        user_ids=np.array([f"u{i:03d}" for i in range(200)], dtype=object),
        event_ids=np.array([f"e{i:02d}" for i in range(60)], dtype=object),
    )
    raw = build_interaction_matrix(arrays, InteractionWeighting(), reference_time_us=REF).matrix.astype(np.float64)
    assert (np.diff(raw.indptr) > 0).all()  # implicit averages over every row; here every row has cells
    # implicit lets the IDF go negative for an event nearly everyone touched; no event here comes close.
    assert np.bincount(raw.indices).max() < raw.shape[0] - 1
    references = {"bm25": bm25_weight(raw, K1=100, B=0.8), "tfidf": tfidf_weight(raw)}
    for mode in ("bm25", "tfidf"):
        reference = references[mode]
        ours = build_interaction_matrix(arrays, InteractionWeighting(weighting=mode), reference_time_us=REF).matrix
        np.testing.assert_allclose(ours.toarray(), sp.csr_matrix(reference).toarray(), rtol=1e-5)


def test_item_weighting_keeps_the_sign_of_dismissals() -> None:
    for mode in ("bm25", "tfidf"):
        m = dense(InteractionWeighting(weighting=mode), SMALL)
        assert m[0, 1] < 0 < m[0, 0]


def test_an_event_everyone_touched_keeps_a_small_positive_weight() -> None:
    arrays = make_arrays([("u1", "e", K.VIEW, 1, NAN), ("u2", "e", K.TICKET, 1, NAN)])
    for mode in ("bm25", "tfidf"):
        m = dense(InteractionWeighting(weighting=mode), arrays)
        assert (m > 0).all() and m.max() < 20 * MIN_IDF


# -- properties and validation --------------------------------------------------------------------

interaction_rows = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.integers(0, 5),
        st.sampled_from(list(InteractionKind)),
        st.integers(0, 150),
        st.floats(0.5, 5.0),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(interaction_rows, st.sampled_from([None, 7.0]), st.sampled_from(["keep", "drop"]))
def test_matrix_equals_a_naive_sum(
    rows: list[tuple[int, int, InteractionKind, int, float]], half_life: float | None, negatives: str
) -> None:
    arrays = make_arrays([(f"u{u}", f"e{e}", k, d, v) for u, e, k, d, v in rows])
    weighting = InteractionWeighting(half_life_days=half_life, negatives=negatives)  # type: ignore[arg-type]
    built = build_interaction_matrix(arrays, weighting, reference_time_us=REF, with_times=True)
    expected = np.zeros((len(arrays.user_ids), len(arrays.event_ids)))
    latest = np.full(expected.shape, -1.0)
    users, events = list(arrays.user_ids), list(arrays.event_ids)
    for u, e, k, d, v in rows:
        w = DEFAULT_KIND_WEIGHTS[k] * (np.float32(v) if k == K.RATING else 1.0)
        if half_life is not None:
            w *= 0.5 ** (max(REF - d * DAY, 0) / DAY / half_life)
        cell = users.index(f"u{u}"), events.index(f"e{e}")
        expected[cell] += w
        if w != 0:
            latest[cell] = max(latest[cell], d)
    if negatives == "drop":
        expected[expected < 0] = 0
    np.testing.assert_allclose(built.matrix.toarray(), expected, rtol=1e-5, atol=1e-6)
    assert not (built.matrix.data == 0).any()
    assert built.times_us is not None
    entry_rows = np.repeat(np.arange(built.matrix.shape[0]), np.diff(built.matrix.indptr))
    np.testing.assert_array_equal(built.times_us // DAY, latest[entry_rows, built.matrix.indices])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"half_life_days": 0}, "half_life_days"),
        ({"half_life_days": float("inf")}, "half_life_days"),
        ({"weighting": "bm42"}, "weighting"),
        ({"negatives": "flip"}, "negatives"),
        ({"bm25_k1": 0}, "bm25_k1"),
        ({"bm25_b": 1.5}, "bm25_b"),
        ({"kind_weights": {K.VIEW: float("nan")}}, "kind_weights.view"),
        ({"kind_weights": {"view": 1.0}}, "kind_weights"),
        ({"rating_as_value": "yes"}, "rating_as_value"),
    ],
)
def test_bad_parameters_name_their_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFieldError) as err:
        InteractionWeighting(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_unknown_kind_codes_are_refused() -> None:
    bad = make_arrays([("u", "e", K.VIEW, 1, NAN)])
    bad.kinds[0] = 42
    with pytest.raises(InvalidFieldError) as err:
        build_interaction_matrix(bad, InteractionWeighting(), reference_time_us=REF)
    assert err.value.field == "kinds"


def test_weighting_is_frozen_hashable_and_copies_its_kind_weights() -> None:
    weights = {K.VIEW: 1.0, K.TICKET: 5.0}
    a = InteractionWeighting(kind_weights=weights)
    weights[K.VIEW] = 100.0
    assert a.kind_weights[K.VIEW] == 1.0
    assert a == InteractionWeighting(kind_weights={K.TICKET: 5.0, K.VIEW: 1.0})
    assert hash(a) == hash(InteractionWeighting(kind_weights={K.TICKET: 5.0, K.VIEW: 1.0}))
    assert InteractionWeighting() == InteractionWeighting(kind_weights=dict(DEFAULT_KIND_WEIGHTS))


def test_empty_arrays_give_an_empty_matrix() -> None:
    empty = InteractionArrays(
        user_codes=np.empty(0, np.int32),
        event_codes=np.empty(0, np.int32),
        kinds=np.empty(0, np.int8),
        timestamps_us=np.empty(0, np.int64),
        values=np.empty(0, np.float32),
        user_ids=np.empty(0, object),
        event_ids=np.empty(0, object),
    )
    for mode in ("none", "bm25", "tfidf"):
        built = build_interaction_matrix(empty, InteractionWeighting(weighting=mode), reference_time_us=REF)
        assert built.matrix.shape == (0, 0)
