"""The tuning job: seeded search on validation, defaults first, a config that train and evaluate read."""

from __future__ import annotations

import tomllib
from pathlib import Path

import optuna
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.sources import FileColumns
from tests.training.test_evaluate_job import ratings_file
from training.config import parse_config
from training.eval_source import from_file
from training.search_spaces import SEARCH_SPACES, default_point
from training.tune import TuneSettings, config_toml, model_defaults, run_tuning, split_params, tuned_config
from training.tune_report import render_tune_report


def test_tuning_is_seeded_starts_from_the_defaults_and_writes_a_usable_config(tmp_path: Path) -> None:
    source = from_file(ratings_file(tmp_path), FileColumns("user", "item"))
    settings = TuneSettings(model="als", trials=4, metric="ndcg@5", protocol="stratified", seed=3)
    result = run_tuning(source, settings)
    again = run_tuning(source, settings)
    assert [t.params for t in result.trials] == [t.params for t in again.trials]
    assert result.trials[0].params["factors"] == 64  # the defaults come first
    assert result.best_value >= (result.default_value or 0.0)
    summary = result.to_json()
    assert set(summary["test"]) == {"default", "tuned"} and "ndcg@5" in summary["test"]["tuned"]
    assert "<svg" in render_tune_report(summary)
    text = config_toml(tuned_config(result), "tuned")
    config = parse_config(tomllib.loads(text))
    assert config.models[0].model == "als"
    model_params, _ = split_params(result.best_params)
    assert {k: config.models[0].params[k] for k in model_params} == model_params


def test_bad_tuning_settings_name_the_option(tmp_path: Path) -> None:
    source = from_file(ratings_file(tmp_path), FileColumns("user", "item"))
    for settings, field in (
        (TuneSettings(model="svd"), "model"),
        (TuneSettings(model="content"), "model"),
        (TuneSettings(model="ease", metric="ndcg"), "metric"),
        (TuneSettings(model="ease", trials=0), "trials"),
    ):
        with pytest.raises(InvalidFieldError) as caught:
            run_tuning(source, settings)
        assert caught.value.field == field


@pytest.mark.parametrize("model", sorted(SEARCH_SPACES))
def test_every_space_holds_its_models_defaults(model: str) -> None:
    point = default_point(model, model_defaults(model))
    assert point, model
    trial = optuna.trial.FixedTrial(point)
    assert SEARCH_SPACES[model](trial)  # the defaults are a valid point of the space
