"""The evaluation job on the synthetic season and on a plain interactions file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.sources import FileColumns
from training.config import parse_config
from training.eval_models import select_models
from training.eval_report import render_report
from training.eval_source import EvaluationSource, from_file, from_folder
from training.evaluate_job import EvaluateSettings, run_evaluation


def ratings_file(folder: Path, n_users: int = 60, n_items: int = 40, seed: int = 0) -> Path:
    """A small ratings CSV with a latent taste structure (two groups of users, two groups of items)."""
    rng = np.random.default_rng(seed)
    lines = ["user,item,rating,ts"]
    for u in range(n_users):
        liked = range(0, n_items // 2) if u % 2 else range(n_items // 2, n_items)
        for i in rng.choice(list(liked), size=12, replace=False):
            lines.append(f"u{u},i{i},{rng.integers(1, 6)},{1_600_000_000 + int(rng.integers(0, 10**6))}")
    path = folder / "ratings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def file_source(tmp_path: Path, **columns: str) -> EvaluationSource:
    return from_file(ratings_file(tmp_path), FileColumns("user", "item", **columns))  # type: ignore[arg-type]


def test_every_fitting_model_on_a_file_with_content_models_skipped(tmp_path: Path) -> None:
    source = file_source(tmp_path, time="ts")
    run = run_evaluation(source, EvaluateSettings(protocol="stratified", k=5, models=None, seed=3))
    result = run.to_json()
    assert set(result["models"]) == {
        "popularity",
        "trending",
        "als",
        "als-session",
        "bpr",
        "item-knn",
        "ease",
        "ease-time",
        "rp3beta",
    }
    assert set(result["skipped"]) == {"content", "hybrid"}
    for metrics in result["models"].values():
        for key in ("ndcg@5", "map@5", "precision@5", "recall@5", "ms_map@5", "coverage@5", "novelty@5", "ndcg@50"):
            assert key in metrics
    # The taste structure is easy: a personal model beats popularity.
    assert result["models"]["ease"]["ndcg@5"] > result["models"]["popularity"]["ndcg@5"]
    assert "activity" in result["segments"]["ease"]
    again = run_evaluation(source, EvaluateSettings(protocol="stratified", k=5, models=("ease", "als"), seed=3))
    assert again.to_json()["models"]["ease"] == result["models"]["ease"]
    assert again.to_json()["models"]["als"] == result["models"]["als"]
    html = render_report(result)
    assert html.count("<svg") >= 3 and "ndcg@5" in html


def test_without_times_the_models_that_need_them_are_left_out(tmp_path: Path) -> None:
    source = file_source(tmp_path)
    specs, skipped = select_models(source, None, None, 0)
    for model in ("trending", "ease-time", "als-session"):
        assert model not in {s.name for s in specs} and model in skipped
        with pytest.raises(InvalidFieldError, match="--time-col"):
            select_models(source, [model], None, 0)
    with pytest.raises(InvalidFieldError, match="unknown model 'svd'"):
        select_models(source, ["ease", "svd"], None, 0)


def test_config_parameters_are_used(tmp_path: Path) -> None:
    config = parse_config({"models": {"small": {"model": "als", "factors": 4, "iterations": 2}, "ease": {"l2": 50.0}}})
    run = run_evaluation(file_source(tmp_path), EvaluateSettings(protocol="random", config=config, k=3))
    result = run.to_json()
    assert result["params"]["small"] == {"model": "als", "factors": 4, "iterations": 2, "random_state": 42}
    assert result["params"]["ease"]["l2"] == 50.0


def test_the_season_gets_disciplines_organisers_segments_and_a_cold_slice(season_template: Path) -> None:
    source = from_folder(season_template)
    settings = EvaluateSettings(
        protocol="temporal", k=10, models=("popularity", "item-knn", "content"), seed=1, holdout_days=42
    )
    result = run_evaluation(source, settings).to_json()
    assert result["split"]["candidates"] > 0
    content = result["models"]["content"]
    for key in ("diversity@10", "exposure_gini@10", "serendipity@10", "cold/ndcg@10"):
        assert key in content
    assert content["cold/users"] > 0
    assert {"activity", "age_band", "region"} <= set(result["segments"]["content"])
    random = run_evaluation(source, EvaluateSettings(protocol="leave-one-out", models=("popularity",))).to_json()
    assert random["protocol"] == "leave-one-out" and random["models"]["popularity"]["users"] > 0


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    source = file_source(tmp_path)
    with pytest.raises(InvalidFieldError) as caught:
        run_evaluation(source, EvaluateSettings(protocol="kfold"))
    assert caught.value.field == "protocol"
    with pytest.raises(InvalidFieldError) as caught:
        run_evaluation(source, EvaluateSettings(protocol="random", k=0))
    assert caught.value.field == "k"
    with pytest.raises(InvalidFieldError) as caught:
        run_evaluation(source, EvaluateSettings(protocol="temporal"))
    assert caught.value.field == "time_col"
    with pytest.raises(InvalidFieldError) as caught:
        from_folder(tmp_path / "missing")
    assert caught.value.field == "data_dir"
