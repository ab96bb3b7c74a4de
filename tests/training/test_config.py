from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.training.conftest import FAST_CONFIG
from training.config import CONFIGS_DIR, ConfigError, load_config, parse_config


def test_shipped_configs_load() -> None:
    default = load_config()
    assert [m.name for m in default.models] == ["popularity", "als", "item-knn", "content", "hybrid"]
    assert default.ranker.enabled and default.ranker.base == "hybrid"
    assert default.model("als").params["random_state"] == default.seed  # the seed fills random_state
    als_only = load_config(CONFIGS_DIR / "als-only.toml")
    assert [m.model for m in als_only.models] == ["als"] and not als_only.ranker.enabled
    json.dumps(default.to_dict())  # JSON-able, for the manifest


def test_two_models_of_one_kind_and_a_fixed_cutoff() -> None:
    raw = copy.deepcopy(FAST_CONFIG)
    raw["models"]["als-small"] = {"model": "als", "factors": 4}
    raw["split"] = {"cutoff": dt.datetime(2026, 5, 1, tzinfo=dt.UTC), "test_days": 14}
    config = parse_config(raw)
    assert config.model("als-small").model == "als"
    assert config.split.cutoff == dt.datetime(2026, 5, 1, tzinfo=dt.UTC) and config.split.test_days == 14


def broken(path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(FAST_CONFIG)
    *parents, last = path.split(".")
    target = raw
    for key in parents:
        target = target.setdefault(key, {})
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (broken("models.nope", {}), "models.nope: unknown model 'nope'"),
        (broken("models.x", {"model": "nope"}), "models.x.model: unknown model 'nope'"),
        (broken("models.als.factors", -8), "models.als.factors: must be at least 1, got -8"),
        (broken("models.als.factors", "64"), "models.als.factors: must be a number, got '64'"),
        (broken("models.als.factors", 6.5), "models.als.factors: must be an integer, got 6.5"),
        (broken("models.als.regularization", -0.1), "models.als.regularization: must not be negative"),
        (broken("models.als.colour", 1), "models.als.colour: unknown parameter of ALSRecommender"),
        (broken("models", {}), "models: the config names no model"),
        (broken("colour", 1), "colour: unknown key"),
        (broken("seed", -1), "seed: must be at least 0"),
        (broken("name", "Not Valid"), "name: 'Not Valid' is not an artefact name"),
        (broken("split.holdout_days", 0), "split.holdout_days: must be positive"),
        (broken("split.cutoff", dt.datetime(2026, 5, 1)), "split.cutoff: needs a time zone"),
        (broken("split.cutof", 1), "split.cutof: unknown key"),
        (broken("evaluation.metrics", ["ndcg"]), "evaluation.metrics: metric 'ndcg' needs a cut-off"),
        (broken("evaluation.metrics", ["hits@10"]), "evaluation.metrics: unknown metric"),
        (
            broken("weighting.kind_weights", {"tickets": 3.0}),
            "weighting.kind_weights.tickets: unknown interaction kind",
        ),
        (broken("weighting.half_life_days", -1.0), "weighting.half_life_days"),
        (broken("weighting.decay", 1.0), "weighting.decay: unknown parameter"),
        (broken("encoder.min_df", 0), "encoder.min_df"),
        (broken("ranker.base", "als-big"), "ranker.base: names no configured model"),
        (broken("ranker.learning_rate", 0.0), "ranker.learning_rate: must be greater than 0.0"),
        (broken("ranker.candidates", 0), "ranker.candidates: must be at least 1"),
    ],
)
def test_bad_values_name_their_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, source="test.toml")
    text = str(caught.value)
    assert text.startswith("test.toml: ")
    assert message in text, text


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    good = tmp_path / "good.toml"
    good.write_text('name = "x"\n[models.als]\nfactors = 4\n')
    config = load_config(good)
    assert config.source == str(good) and not config.ranker.enabled
