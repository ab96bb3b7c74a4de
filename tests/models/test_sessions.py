"""Time-aware models: the kernel co-occurrences, the session rows, time-aware EASE and session ALS."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models import ALSRecommender, EASERecommender, SessionALSRecommender, TimeEASERecommender, TrainingData
from recsys.models.sessions import session_rows, time_kernel_gram
from recsys.vocabulary import IdVocabulary

SECOND_US = 1_000_000


def tiny(times_s: list[list[float | None]], values: list[list[float]] | None = None) -> TrainingData:
    """Users x 4 events; ``times_s[u][e]`` the time of cell (u, e) in seconds, ``None`` = no interaction."""
    rows, cols, data, times = [], [], [], []
    for u, row in enumerate(times_s):
        for e, t in enumerate(row):
            if t is None:
                continue
            rows.append(u)
            cols.append(e)
            data.append(1.0 if values is None else values[u][e])
            times.append(-1 if t < 0 else int(t * SECOND_US))
    matrix = sp.csr_matrix((np.asarray(data, dtype=np.float32), (rows, cols)), shape=(len(times_s), 4))
    return TrainingData(
        users=IdVocabulary([f"u{u}" for u in range(len(times_s))], "user"),
        events=IdVocabulary([f"e{e}" for e in range(4)], "event"),
        matrix=matrix,
        reference_time_us=10**12,
        interaction_time_us=np.asarray(times, dtype=np.int64),
    )


def brute_gram(data: TrainingData, scale: float) -> np.ndarray:
    x = data.matrix.toarray().astype(np.float64)
    t = np.zeros_like(x)
    t[data.matrix.nonzero()] = data.interaction_time_us / SECOND_US
    gram = np.zeros((x.shape[1], x.shape[1]))
    for u in range(x.shape[0]):
        timed = (x[u] > 0) & (t[u] >= 0)
        for i in np.flatnonzero(timed):
            for j in np.flatnonzero(timed):
                gram[i, j] += x[u, i] * x[u, j] * np.exp(-abs(t[u, i] - t[u, j]) / scale)
    return gram


def test_kernel_gram_matches_the_definition() -> None:
    data = tiny(
        [[0.0, 30.0, None, 5000.0], [100.0, None, 100.0, 160.0], [None, 7.0, 9.0, None]],
        values=[[1.0, 2.0, 0.0, 1.0], [3.0, 0.0, 1.0, 1.0], [0.0, 1.0, 2.0, 0.0]],
    )
    np.testing.assert_allclose(time_kernel_gram(data, 60.0), brute_gram(data, 60.0), rtol=1e-9, atol=1e-12)


def test_kernel_gram_of_some_events_is_that_block_of_the_whole() -> None:
    data = tiny([[0.0, 30.0, None, 50.0], [100.0, None, 100.0, 160.0], [None, 7.0, 9.0, None]])
    whole = time_kernel_gram(data, 60.0)
    for items in ([3, 0], [1], [0, 1, 2, 3], []):
        chosen = np.asarray(items, dtype=np.int32)
        np.testing.assert_array_equal(time_kernel_gram(data, 60.0, chosen), whole[np.ix_(chosen, chosen)])


def test_kernel_gram_leaves_out_untimed_entries_and_far_pairs() -> None:
    data = tiny([[0.0, 1.0, -1.0, 10**6]])
    gram = time_kernel_gram(data, 1.0)
    assert gram[0, 1] == pytest.approx(np.exp(-1.0))
    assert gram[0, 2] == 0.0 and gram[2, 2] == 0.0  # no time: no pair at all
    assert gram[0, 3] == 0.0 and gram[3, 3] == 1.0  # beyond the cutoff


def test_session_rows_cut_at_pauses_and_per_user() -> None:
    data = tiny([[0.0, 50.0, 1000.0, None], [10.0, None, None, 20.0]])
    sessions = session_rows(data, 100.0).toarray()
    assert sessions.tolist() == [[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]


def test_time_ease_with_zero_weight_is_ease(data: TrainingData) -> None:
    plain = EASERecommender(l2=50.0).fit(data)
    timed = TimeEASERecommender(l2=50.0, time_weight=0.0).fit(data)
    np.testing.assert_allclose(timed.weights_, plain.weights_, rtol=1e-5, atol=1e-6)


def test_time_ease_solves_ease_on_the_kernel_gram(data: TrainingData) -> None:
    model = TimeEASERecommender(l2=30.0, time_weight=2.0, time_scale_s=86_400.0).fit(data)
    x = data.matrix.toarray().clip(min=0).astype(np.float64)
    items = np.flatnonzero(x.sum(axis=0) > 0)
    gram = x.T @ x + 2.0 * time_kernel_gram(data, 86_400.0)
    gram = gram[np.ix_(items, items)] + 30.0 * np.eye(len(items))
    inverse = np.linalg.inv(gram)
    expected = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-4, atol=1e-6)


def test_time_ease_needs_times(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="interaction_time_us"):
        TimeEASERecommender().fit(replace(data, interaction_time_us=None))
    with pytest.raises(InvalidFieldError, match="time_weight"):
        TimeEASERecommender(time_weight=-1.0).fit(data)


def test_session_als_with_zero_weight_is_als(data: TrainingData) -> None:
    params = {"factors": 4, "regularization": 1.0, "alpha": 2.0, "random_state": 5, "num_threads": 1}
    plain = ALSRecommender(**params).fit(data)
    sessions = SessionALSRecommender(**params, session_weight=0.0).fit(data)
    np.testing.assert_allclose(sessions.item_factors_, plain.item_factors_, rtol=1e-5, atol=1e-6)


def test_session_als_keeps_one_vector_per_user(data: TrainingData) -> None:
    model = SessionALSRecommender(factors=4, random_state=5, num_threads=1, session_weight=1.0, session_gap_s=3600.0)
    model.fit(data)
    assert model.user_factors_.shape == (len(data.users), 4)
    with pytest.raises(InvalidFieldError, match="session_gap_s"):
        SessionALSRecommender(session_gap_s=0.0).fit(data)


def test_time_ease_with_content_solves_ease_on_events_and_profiles(data: TrainingData) -> None:
    model = TimeEASERecommender(l2=30.0, time_weight=1.0, time_scale_s=86_400.0, content_weight=3.0).fit(data)
    assert data.event_side is not None and data.event_side.content is not None
    x = data.matrix.toarray().clip(min=0).astype(np.float64)
    content = data.event_side.content.toarray().astype(np.float64)
    items = np.flatnonzero(x.sum(axis=0) > 0)
    profiles = x @ content
    profiles /= profiles.sum(axis=1, keepdims=True)
    z = np.hstack([x[:, items], 3.0 * profiles])
    gram = z.T @ z
    gram[: len(items), : len(items)] += time_kernel_gram(data, 86_400.0)[np.ix_(items, items)]
    inverse = np.linalg.inv(gram + 30.0 * np.eye(len(gram)))
    b = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(b, 0.0)
    expected = z @ b[:, : len(items)]
    scores = model.score_users(np.arange(len(data.users), dtype=np.int32))
    np.testing.assert_allclose(scores[:, items], expected, rtol=1e-3, atol=1e-4)


def test_time_ease_with_content_needs_content(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="event_side"):
        TimeEASERecommender(content_weight=1.0).fit(replace(data, event_side=None))
    with pytest.raises(InvalidFieldError, match="content_weight"):
        TimeEASERecommender(content_weight=-1.0).fit(data)
