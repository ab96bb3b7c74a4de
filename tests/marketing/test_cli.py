"""``recsys segments``, ``recsys audience`` and ``recsys experiments`` end to end on a small trained season."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsys.cli.main import app
from recsys.stores.workspace import Workspace

runner = CliRunner(env={"COLUMNS": "200"})
AS_OF = "2026-01-15"
TRAIN_CONFIG = """
name = "default"
seed = 3
promote = true
[split]
holdout_days = 28
[evaluation]
metrics = ["ndcg@10"]
max_users = 200
[models.als]
factors = 8
iterations = 4
[models.hybrid]
factors = 8
iterations = 4
[ranker]
enabled = false
"""


def run(data_dir: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("marketing-cli")
    data = folder / "data"
    run(data, "generate", "--users", "500", "--season-start", "2025-09-01", "--season-end", "2026-06-30")
    config = folder / "fast.toml"
    config.write_text(TRAIN_CONFIG)
    run(data, "train", "--config", str(config))
    return data


@pytest.fixture
def world(trained: Path, tmp_path: Path) -> Path:
    """A private copy of the trained data folder (tests write segments and experiments)."""
    copy = tmp_path / "data"
    shutil.copytree(trained, copy)
    return copy


def open_event(data: Path) -> str:
    import datetime as dt

    from training.marketing_context import load_context

    with Workspace(data) as workspace:
        context = load_context(workspace, as_of=dt.datetime(2026, 1, 15, tzinfo=dt.UTC))
    assert context.model is not None
    ok = context.data.events.is_open & context.model.scorable_events()
    return str(context.data.events.ids[ok][0])


def test_segments_commands(world: Path, tmp_path: Path) -> None:
    definition = tmp_path / "young.json"
    definition.write_text(
        json.dumps(
            {
                "name": "young",
                "description": "18-35",
                "rules": [
                    {"age_band": ["18-25", "26-35"]},
                    {"activity": {"levels": ["low", "medium", "high"], "days": 90}},
                ],
            }
        )
    )
    assert "young v1 saved" in run(world, "segments", "create", str(definition))
    assert "unchanged" in run(world, "segments", "create", str(definition))
    likely = '{"name": "concert", "rules": [{"likely_interested": {"type": "Concert", "top_share": 0.2}}]}'
    assert "concert v1 saved" in run(world, "segments", "create", likely)
    listing = run(world, "segments", "list")
    assert "young" in listing and "concert" in listing
    shown = run(world, "segments", "show", "young")
    assert json.loads(shown)["rules"][0] == {"age_band": ["18-25", "26-35"]}
    assert "Versions of young" in run(world, "segments", "show", "young", "--versions")
    exact = run(world, "segments", "size", "young", "--as-of", AS_OF)
    assert "of 500 users" in exact
    assert "interval" in run(world, "segments", "size", "young", "--sample", "100", "--as-of", AS_OF)
    assert "of 500 users" in run(
        world, "segments", "size", "concert", "--as-of", AS_OF
    )  # top 20% of users the model knows
    preview = run(world, "segments", "preview", "concert", "--as-of", AS_OF, "--sample", "50")
    assert "Disciplines" in preview and "small organisers" in preview and "Regions" in preview


def test_segment_errors_exit_2_and_name_the_field(world: Path) -> None:
    bad = '{"name": "bad", "rules": [{"uitpas": true}, {"age_band": ["18-25"]}, {"age_band": ["18-99"]}]}'
    output = run(world, "segments", "create", bad, code=2)
    assert "rules[2].age_band[0]" in output
    assert "not JSON" in run(world, "segments", "create", "{oops", code=2)
    assert "no segment 'ghost'" in run(world, "segments", "size", "ghost", code=2)


def test_audience_counts_and_privacy_minimum(world: Path) -> None:
    event = open_event(world)
    counts = run(world, "audience", event, "--as-of", AS_OF, "--top-share", "0.1")
    assert f"Audience of {event}" in counts and "Per region" in counts
    refused = run(world, "audience", event, "--as-of", AS_OF, "--ids", code=2)
    assert "at least 50" in refused
    listed = run(world, "audience", event, "--as-of", AS_OF, "--ids", "--top-share", "0.2", "--min-audience", "5")
    assert "pseudonymous ids" in listed and "syn-2025-user-" in listed
    assert "unknown event id 'nope'" in run(world, "audience", "nope", "--as-of", AS_OF, code=2)


def test_a_new_event_gets_an_audience_through_the_hybrid_content(world: Path) -> None:
    import datetime as dt

    from recsys.marketing.audience import event_audience
    from training.marketing_context import load_context, place_new_events

    event_id = open_event(world)
    with Workspace(world) as workspace:
        original = workspace.catalogue.get_event(event_id)
        assert original is not None
        workspace.catalogue.put_events([dataclasses.replace(original, id="brand-new-stop")])
        context = load_context(workspace, as_of=dt.datetime(2026, 1, 15, tzinfo=dt.UTC))
    assert context.model is not None and context.model.name == "hybrid"
    row = list(context.data.events.ids).index("brand-new-stop")
    assert context.model.event_rows[row] == -1
    placed = place_new_events(context, ["brand-new-stop"])
    assert placed.model is not None and placed.model.event_rows[row] >= 0
    audience = event_audience(placed.data, placed.model, ["brand-new-stop"])
    assert audience.size > 0
    output = run(world, "audience", "brand-new-stop", "--as-of", AS_OF)
    assert "Audience of brand-new-stop" in output


def test_experiments_commands(world: Path, tmp_path: Path) -> None:
    doc = {
        "id": "diversity-test",
        "status": "running",
        "arms": [
            {"name": "control", "settings": {"diversity": 0}},
            {"name": "diverse", "settings": {"diversity": 0.3}},
        ],
        "guardrails": [{"metric": "dismiss_rate", "max_degradation": 0.01}],
    }
    assert "diversity-test v1 saved" in run(world, "experiments", "create", json.dumps(doc))
    assert "arms[0].weight" in run(
        world, "experiments", "create", '{"id": "x", "arms": [{"name": "a", "weight": 0}, {"name": "b"}]}', code=2
    )
    from recsys.marketing.experiments import Experiments

    service = Experiments(world)
    for i in range(200):
        service.log_exposure("diversity-test", f"u{i}", ["e1", "e2"])
        if i % 4 == 0:
            service.log_outcome("diversity-test", f"u{i}", "e1", "click")
    listing = run(world, "experiments", "list")
    assert "diversity-test" in listing and "running" in listing
    page = tmp_path / "results.html"
    results = run(world, "experiments", "results", "diversity-test", "--out", str(page))
    assert "click-through" in results and "sample ratio" in results and page.exists()
    assert json.loads(run(world, "experiments", "results", "diversity-test", "--json"))["arms"][0]["name"] == "control"
    assert "no experiment 'ghost'" in run(world, "experiments", "results", "ghost", code=2)


def test_experiments_simulate_writes_the_results_page(tmp_path: Path) -> None:
    out = tmp_path / "sim.html"
    output = run(tmp_path / "data", "experiments", "simulate", "--users", "400", "--out", str(out))
    assert "Built in" in output and "results page written" in output
    assert out.read_text(encoding="utf-8").count("<svg") == 3
    assert not (tmp_path / "data" / "experiments").exists()  # nothing kept without --save
    assert "write an arm as" in run(tmp_path / "data", "experiments", "simulate", "--arm", "bad", code=2)


def test_a_saved_simulation_keeps_its_built_in_difference(tmp_path: Path) -> None:
    run(tmp_path / "data", "experiments", "simulate", "--users", "400", "--save", "--out", str(tmp_path / "a.html"))
    page = tmp_path / "results.html"
    output = run(tmp_path / "data", "experiments", "results", "simulated", "--out", str(page))
    assert "built in" in output  # the column of built-in differences
    assert "What the simulation built in" in page.read_text(encoding="utf-8")
