from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from features.ranking import RANKING_FEATURES
from recsys.artifacts import ArtifactRegistry
from recsys.domain.interactions import InteractionKind
from recsys.evaluation.split import MIN_RATING, RELEVANT_KINDS, TemporalSplit
from recsys.stores.workspace import Workspace
from tests.training.conftest import FAST_CONFIG
from training import job
from training.config import ConfigError, parse_config
from training.job import TrainingError, train
from training.ranker import LearnedRanker
from training.ranking_data import RankerExamples, RankingInputs, RankingSetup, ranker_examples

DAY_US = 86_400 * 1_000_000


def run(folder: Path, raw: dict[str, Any] = FAST_CONFIG, **changes: Any) -> Any:
    config = dataclasses.replace(parse_config(raw), **changes)
    steps: list[tuple[str, int, int]] = []
    with Workspace(folder) as workspace:
        result = train(workspace, config, lambda step, done, total: steps.append((step, done, total)))
    return result, steps


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    found = {}
    for file in sorted(path.rglob("*.npz")):
        with np.load(file, allow_pickle=False) as stored:
            found |= {f"{file.relative_to(path)}:{k}": stored[k] for k in stored.files}
    return found


def assert_same_run(first: Any, second: Any) -> None:
    """Two runs of one config on one data folder: the same metrics, version digest and fitted arrays."""
    assert first.metrics == second.metrics
    assert first.artifact.manifest["data_digest"] == second.artifact.manifest["data_digest"]
    assert first.artifact.manifest["config_digest"] == second.artifact.manifest["config_digest"]
    # A version is <time>-<digest of config and data>: two runs differ in time only.
    assert first.artifact.version != second.artifact.version
    assert first.artifact.version.rpartition("-")[2] == second.artifact.version.rpartition("-")[2]
    a, b = arrays_of(first.artifact.path), arrays_of(second.artifact.path)
    assert a.keys() == b.keys() and a
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_train_writes_an_evaluated_artifact_and_is_deterministic(season: Path) -> None:
    first, steps = run(season)
    second, _ = run(season)
    assert set(first.metrics) == {"popularity", "als", "content", "hybrid", "hybrid+ranker"}
    for scores in first.metrics.values():
        assert 0.0 <= scores["ndcg@10"] <= 1.0 and scores["users"] == first.split["test_users"] > 0
    assert first.best in first.metrics and first.primary == "ndcg@10"
    assert steps[-1][1] == steps[-1][2] and any(s[0] == "fit ranker" for s in steps)
    # Same data, config and seed: the same metrics and the same fitted arrays.
    assert_same_run(first, second)

    # The other models, through the same job: BPR (seeded SGD), EASE, trending and item-kNN, the ranker on BPR.
    others = copy.deepcopy(FAST_CONFIG)
    others["models"] = {
        "bpr": {"factors": 8, "iterations": 20},
        "ease": {"l2": 100.0},
        "trending": {"by": "region"},
        "item-knn": {"k": 20},
    }
    others["ranker"] = {**FAST_CONFIG["ranker"], "base": "bpr"}
    third, _ = run(season, others)
    fourth, _ = run(season, others)
    assert set(third.metrics) == {"bpr", "ease", "trending", "item-knn", "bpr+ranker"}
    assert third.artifact.model_names == ["bpr", "ease", "trending", "item-knn"]
    assert_same_run(third, fourth)
    assert {key.split("/")[1] for key in arrays_of(third.artifact.path) if key.startswith("models/")} == set(
        third.artifact.model_names
    )

    artifact = first.artifact
    assert artifact.model_names == ["popularity", "als", "content", "hybrid"]
    assert artifact.metrics["models"] == first.metrics and artifact.metrics["split"] == first.split
    hybrid = artifact.load_model("hybrid")
    user = hybrid.users_.id_of(0)
    assert len(hybrid.recommend(user, 5)) == 5
    ranker = LearnedRanker.load(artifact.component_path("ranker"), feature_names=RANKING_FEATURES)
    assert ranker.n_trees > 0
    inputs = RankingInputs.load(artifact.component_path("ranking"))
    assert inputs.base == "hybrid" and inputs.score_models == {"als": "als", "content": "content", "hybrid": "hybrid"}
    assert inputs.popularity.shape == (len(hybrid.events_),)
    assert not first.promoted and ArtifactRegistry(season / "artifacts").active_version("fast") is None


def test_on_the_cold_start_slice_the_hybrid_finds_new_events_that_als_cannot_score(season: Path) -> None:
    raw = copy.deepcopy(FAST_CONFIG)
    raw["models"] = {key: FAST_CONFIG["models"][key] for key in ("als", "hybrid")}
    del raw["ranker"]
    result, _ = run(season, raw)
    assert result.split["cold_candidates"] > 0 and result.metrics["hybrid"]["cold/users"] > 0
    assert result.metrics["als"]["cold/recall@50"] == 0.0 < result.metrics["hybrid"]["cold/recall@50"]
    # The same seen from the models: events without a training interaction are -inf to ALS, scored by the hybrid.
    als, hybrid = (result.artifact.load_model(name) for name in ("als", "hybrid"))
    cold = np.flatnonzero(np.diff(als.seen_.tocsc().indptr) == 0)
    assert len(cold) > 0
    user = als.users_.id_of(0)
    als_scores, hybrid_scores = als.user_scores(user), hybrid.user_scores(user)
    assert als_scores is not None and hybrid_scores is not None
    assert np.isneginf(als_scores[cold]).all() and np.isfinite(hybrid_scores[cold]).all()


def test_the_ranker_learns_from_labels_of_the_window_before_the_cutoff_only(
    season: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured: list[tuple[RankingSetup, TemporalSplit, RankerExamples]] = []

    def spy(setup: RankingSetup, split: TemporalSplit, *args: Any) -> RankerExamples:
        examples = ranker_examples(setup, split, *args)
        captured.append((setup, split, examples))
        return examples

    monkeypatch.setattr(job, "ranker_examples", spy)
    result, _ = run(season)
    ((setup, inner, examples),) = captured
    cutoff = result.split["cutoff_us"]
    window_start = cutoff - FAST_CONFIG["split"]["ranker_days"] * DAY_US
    assert (inner.cutoff_us, inner.until_us) == (window_start, cutoff)
    # The models that chose the candidates learnt from before the window only.
    assert inner.train.timestamps_us.max() < window_start and setup.data.reference_time_us == window_start

    # Each label, recomputed from the raw log: a relevant interaction with the event inside the window.
    with Workspace(season) as workspace:
        log = workspace.interactions.export_arrays()
    kinds, stamps = log.kinds, log.timestamps_us
    relevant = np.isin(kinds, [int(k) for k in RELEVANT_KINDS]) | (
        (kinds == InteractionKind.RATING) & (log.values >= MIN_RATING)
    )

    def pairs(mask: np.ndarray) -> set[tuple[str, str]]:
        return set(zip(log.user_ids[log.user_codes[mask]], log.event_ids[log.event_codes[mask]], strict=True))

    in_window = pairs(relevant & (stamps >= window_start) & (stamps < cutoff))
    after_cutoff = pairs(relevant & (stamps >= cutoff))
    rows = list(
        zip(setup.data.users.ids_of(examples.user_idx), setup.data.events.ids_of(examples.event_idx), strict=True)
    )
    assert len(rows) == len(examples.rows) > 0 and examples.labels.sum() > 0
    np.testing.assert_array_equal(examples.labels, [pair in in_window for pair in rows])
    # Candidates that became relevant only after the cutoff are there, labelled 0: the hold-out does not leak in.
    assert any(pair in after_cutoff and pair not in in_window for pair in rows)


def test_promote_and_als_only_without_ranker(season: Path) -> None:
    raw = copy.deepcopy(FAST_CONFIG)
    raw["models"] = {"als": {"factors": 8, "iterations": 3}}
    del raw["ranker"]
    result, _ = run(season, raw, promote=True)
    assert set(result.metrics) == {"als"}
    assert "ranker" not in result.artifact.manifest["components"]
    assert "encoder" not in result.artifact.manifest["components"]  # no content model: no encoder fitted
    assert ArtifactRegistry(season / "artifacts").active_version("fast") == result.artifact.version


def test_time_aware_ease_with_content_gets_the_encoder_and_without_it_none(season: Path) -> None:
    raw = copy.deepcopy(FAST_CONFIG)
    del raw["ranker"]
    raw["models"] = {"ease-time": {"l2": 50.0, "content_weight": 5.0}}
    result, _ = run(season, raw)
    assert "encoder" in result.artifact.manifest["components"]
    assert np.isfinite(result.metrics["ease-time"]["ndcg@10"])
    raw["models"] = {"ease-time": {"l2": 50.0}}
    result, _ = run(season, raw)
    assert "encoder" not in result.artifact.manifest["components"]


def test_errors_name_the_problem(season: Path, tmp_path: Path) -> None:
    raw = copy.deepcopy(FAST_CONFIG)
    raw["models"]["hybrid"]["transfer_weight"] = 2.0  # the model checks this range when it fits
    with pytest.raises(ConfigError, match="models.hybrid.transfer_weight: must lie in"):
        run(season, raw)
    dense = copy.deepcopy(FAST_CONFIG)
    dense["models"] = {"item-based": {"model": "ease", "max_items": 10}}
    del dense["ranker"]
    with pytest.raises(
        ConfigError, match=r"models\.item-based\.max_items: ease cannot fit [\d,]+ events .*max_items is 10;"
    ):
        run(season, dense)
    with pytest.raises(TrainingError, match="holds no interactions"):
        run(tmp_path / "empty")
    far = copy.deepcopy(FAST_CONFIG)
    far["split"] = {"holdout_days": 1000}
    with pytest.raises(TrainingError, match="cutoff"):
        run(season, far)
