"""ALS specifics: fold-in, explanations, cold events, threads."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models import ALSRecommender, TrainingData
from tests.models.conftest import FACTORIES, HISTORY_A


def fitted_als(data: TrainingData) -> ALSRecommender:
    model = FACTORIES["als"]()
    assert isinstance(model, ALSRecommender)
    return model.fit(data)


def test_fold_in_of_a_users_history_gives_their_fitted_vector(data: TrainingData) -> None:
    model = fitted_als(data)
    for user in ("ua02", "ub07"):
        u = data.users.index_of(user)
        row = data.matrix[u]
        history = {data.events.id_of(j): float(w) for j, w in zip(row.indices, row.data, strict=True)}
        np.testing.assert_allclose(model.fold_in(history), model.user_factors_[u], atol=1e-4)
        # ... and so a stranger bringing that history gets that user's list.
        as_stranger = model.recommend("stranger", n=5, history=history)
        as_user = model.recommend(user, n=5)
        assert [r.event_id for r in as_stranger] == [r.event_id for r in as_user]
        np.testing.assert_allclose([r.score for r in as_stranger], [r.score for r in as_user], atol=1e-4)


def test_events_without_interactions_cannot_be_ranked(data: TrainingData) -> None:
    model = fitted_als(data)
    cold = [data.events.index_of(e) for e in ("a-new", "b-new")]
    scores = model.score_users(np.arange(len(data.users), dtype=np.int32))
    assert np.isneginf(scores[:, cold]).all()
    assert np.isfinite(np.delete(scores, cold, axis=1)).all()
    assert not model.item_factors_[cold].any()
    assert model.similar("a-new") == []
    assert model.recommend("ua01", candidates=["a-new", "b-new"]) == []


def test_explanation_names_the_event_implicit_credits_most(data: TrainingData) -> None:
    from implicit.cpu.als import AlternatingLeastSquares

    model = fitted_als(data)
    reference = AlternatingLeastSquares(
        factors=model.factors, regularization=model.regularization, alpha=model.alpha, random_state=0
    )
    reference.item_factors = model.item_factors_
    reference.user_factors = model.user_factors_
    cols = [data.events.index_of(e) for e in HISTORY_A]
    row = sp.csr_matrix((list(HISTORY_A.values()), ([0] * len(cols), cols)), shape=(1, len(data.events)))
    for rec in model.recommend("visitor", n=4, history=HISTORY_A):
        _, contributions, _ = reference.explain(0, row, data.events.index_of(rec.event_id), N=1)
        assert rec.reason.kind == "collaborative"
        assert rec.reason.event_id == data.events.id_of(contributions[0][0])


def test_fitting_does_not_depend_on_the_thread_count(data: TrainingData) -> None:
    one = ALSRecommender(factors=8, regularization=5.0, num_threads=1).fit(data)
    two = ALSRecommender(factors=8, regularization=5.0, num_threads=2).fit(data)
    np.testing.assert_array_equal(one.item_factors_, two.item_factors_)
    np.testing.assert_array_equal(one.user_factors_, two.user_factors_)


def test_a_different_seed_gives_a_different_model(data: TrainingData) -> None:
    first = ALSRecommender(factors=8, random_state=1, num_threads=1).fit(data)
    second = ALSRecommender(factors=8, random_state=2, num_threads=1).fit(data)
    assert not np.array_equal(first.item_factors_, second.item_factors_)


def test_without_the_exact_solve_user_vectors_are_implicits_own(data: TrainingData) -> None:
    exact = fitted_als(data)
    plain = ALSRecommender(**{**exact.get_params(), "exact_users": False}).fit(data)
    # Same event vectors (the extra solve touches users only), user vectors close but not re-solved.
    np.testing.assert_array_equal(plain.item_factors_, exact.item_factors_)
    assert not np.array_equal(plain.user_factors_, exact.user_factors_)
    cosine = np.sum(plain.user_factors_ * exact.user_factors_, axis=1) / (
        np.linalg.norm(plain.user_factors_, axis=1) * np.linalg.norm(exact.user_factors_, axis=1)
    )
    assert cosine.min() > 0.9


def test_exact_users_must_be_a_boolean(data: TrainingData) -> None:
    with pytest.raises(InvalidFieldError, match="exact_users"):
        ALSRecommender(exact_users="yes").fit(data)  # type: ignore[arg-type]
