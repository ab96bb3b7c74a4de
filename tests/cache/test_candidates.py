"""Candidate lists from fitted models agree with the models' own answers (small known-answer data)."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.cache.candidates import as_id_array, known_users, popular_lists, similar_blocks, user_candidate_blocks
from recsys.cache.cards import EventCard
from recsys.cache.protocol import CandidateBlock, CandidateList
from recsys.cache.publish_models import RankerInputs, card_popularity, choose_models, popular_scores
from recsys.models.base import Recommender
from tests.models.conftest import EVENTS, FACTORIES, build_data

SIMILAR_MODELS = ("hybrid", "als", "bpr", "content", "item-knn-cosine", "ease")


@pytest.fixture(scope="module")
def models() -> dict[str, Recommender]:
    data = build_data()
    wanted = ("hybrid", "als", "bpr", "content", "item-knn-cosine", "ease", "popularity", "trending")
    return {name: FACTORIES[name]().fit(data) for name in wanted}


def lists_of(blocks: list[CandidateBlock | dict[str, CandidateList]]) -> dict[str, CandidateList]:
    found: dict[str, CandidateList] = {}
    for block in blocks:
        found.update(block.lists() if isinstance(block, CandidateBlock) else block.items())
    return found


@pytest.mark.parametrize("name", SIMILAR_MODELS)
def test_similar_lists_hold_the_models_own_best_scores(models: dict[str, Recommender], name: str) -> None:
    model = models[name]
    targets = as_id_array([e for e in EVENTS if e != "b07"] + ["not-in-the-model"])
    sources = [*EVENTS, "unknown"]
    found = lists_of(list(similar_blocks(model, sources, targets, n=5, batch=3)))
    assert "unknown" not in found and found
    for source, listed in found.items():
        assert source not in listed.event_ids and "b07" not in listed.event_ids
        full = {r.event_id: r.score for r in model.similar(source, len(EVENTS), candidates=list(targets))}
        for event_id, score in zip(listed.event_ids, listed.scores[:, 0].tolist(), strict=True):
            assert full[event_id] == pytest.approx(score, abs=1e-5)
        best = sorted(full.values(), reverse=True)[: len(listed)]
        np.testing.assert_allclose(listed.scores[:, 0], best, atol=1e-5)


def test_als_lists_leave_out_events_it_cannot_rank(models: dict[str, Recommender]) -> None:
    found = lists_of(list(similar_blocks(models["als"], EVENTS, as_id_array(EVENTS), n=30)))
    assert "a-new" not in found and "b-new" not in found
    assert all("a-new" not in lst.event_ids and "b-new" not in lst.event_ids for lst in found.values())


@pytest.mark.parametrize("name", ["hybrid", "ease"])
def test_similar_lists_skip_other_dates_of_the_same_production(models: dict[str, Recommender], name: str) -> None:
    productions = [f"p{int(e[1:3]) // 2}" if e[1:3].isdigit() else None for e in EVENTS]
    production_of = dict(zip(EVENTS, productions, strict=True))
    found = lists_of(
        list(
            similar_blocks(
                models[name], EVENTS, as_id_array(EVENTS), n=8, productions=productions, source_productions=productions
            )
        )
    )
    for source, listed in found.items():
        if production_of[source] is not None:
            assert all(production_of[e] != production_of[source] for e in listed.event_ids)


def test_user_candidates_match_recommend_and_carry_extra_columns(models: dict[str, Recommender]) -> None:
    chosen = choose_models(
        models, ranker=RankerInputs("hybrid", 10, {"als": "als", "hybrid": "hybrid"}, np.zeros(len(EVENTS)))
    )
    assert chosen.score_columns == ["hybrid", "als"] and chosen.score_models == {"hybrid": "hybrid", "als": "als"}
    base, als = models["hybrid"], models["als"]
    open_ids = as_id_array([e for e in EVENTS if e not in ("a05", "b05")] + ["new-event"])
    users = known_users(base, ["ua00", "ub03", "nobody"])
    assert base.users_.ids_of(users) == ["ua00", "ub03"]
    found = lists_of(list(user_candidate_blocks(chosen, open_ids, n=6, users=users, batch=1)))
    assert set(found) == {"ua00", "ub03"}
    for user, listed in found.items():
        expected = base.recommend(user, 6, candidates=list(open_ids))
        assert listed.event_ids == tuple(r.event_id for r in expected)
        np.testing.assert_allclose(listed.scores[:, 0], [r.score for r in expected], atol=1e-5)
        assert listed.scores.shape == (6, 2)
        als_scores = als.score_users(np.asarray([als.users_.index_of(user)], dtype=np.int32))[0]
        for event_id, value in zip(listed.event_ids, listed.scores[:, 1].tolist(), strict=True):
            truth = float(als_scores[als.events_.index_of(event_id)])
            assert (np.isnan(value) and not np.isfinite(truth)) or value == pytest.approx(truth, abs=1e-5)
    seen_by_ua00 = {base.events_.id_of(i) for i in base.seen_[base.users_.index_of("ua00")].indices}
    assert not seen_by_ua00 & set(found["ua00"].event_ids)  # the dismissed b00 included


def test_the_choice_of_models(models: dict[str, Recommender]) -> None:
    plain = choose_models(models)
    assert plain.base_name == "hybrid" and plain.score_columns == ["hybrid"] and not plain.extra
    assert plain.similar_name == "hybrid" and plain.popularity_name == "popularity"
    without_hybrid = {k: v for k, v in models.items() if k not in ("hybrid", "popularity")}
    chosen = choose_models(without_hybrid, best="ease")
    assert chosen.base_name == "ease" and chosen.similar_name == "content" and chosen.popularity_name == "trending"
    assert choose_models(without_hybrid).base_name == "als"  # the first personal model
    ranker = RankerInputs("als", 10, {"als": "als", "content": "content", "item_knn": "gone"}, np.zeros(1))
    with_ranker = choose_models(models, ranker=ranker)
    assert with_ranker.base_name == "als" and with_ranker.score_columns == ["als", "content"]
    assert choose_models(models, base="content").base_name == "content"
    with pytest.raises(ValueError):
        choose_models({})


def test_popularity_sources(models: dict[str, Recommender]) -> None:
    import pyarrow as pa

    ids = pa.array(["a00", "b05", "unknown"], pa.string())
    values, source = popular_scores(choose_models(models), ids)
    assert source == "popularity" and values[0] == values.max() > 0 and values[2] == 0
    trending = {k: v for k, v in models.items() if k != "popularity"}
    values, source = popular_scores(choose_models(trending), ids)
    assert source == "trending" and values[1] == values.max()
    personal_only = {"als": models["als"]}
    values, source = popular_scores(choose_models(personal_only), ids)
    assert source == "interactions" and values[0] == 15  # every "a" user liked a00
    ranker = RankerInputs("hybrid", 10, {}, np.arange(len(EVENTS), dtype=np.float64))
    values, source = card_popularity(choose_models(models, ranker=ranker), ids)
    assert source == "ranker" and values.tolist() == [0.0, float(EVENTS.index("b05")), 0.0]


def test_popular_lists_per_scope() -> None:
    cards = [
        EventCard(f"e{i}", {"nl": f"E{i}"}, region="BE-VAN" if i % 2 else "BE-VOV", type_id="t1" if i < 3 else None)
        for i in range(6)
    ]
    scores = np.array([1.0, 5.0, 3.0, np.nan, 5.0, 0.5])
    lists = popular_lists(cards, scores, n=2)
    assert set(lists) == {"all", "region:BE-VAN", "region:BE-VOV", "type:t1"}
    assert lists["all"].event_ids == ("e1", "e4")  # ties keep card order
    assert lists["region:BE-VAN"].event_ids == ("e1", "e5")
    assert lists["region:BE-VOV"].event_ids == ("e4", "e2")
    assert lists["type:t1"].event_ids == ("e1", "e2")
    assert lists["all"].scores.tolist() == [[5.0], [5.0]]
