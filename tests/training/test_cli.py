"""``recsys train`` and ``recsys models`` end to end on a generated 300-user season."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsys.artifacts import ArtifactRegistry
from recsys.cli.main import app

runner = CliRunner()

CONFIG = """
name = "demo"
seed = 3

[split]
holdout_days = 42
ranker_days = 42

[evaluation]
metrics = ["ndcg@10", "recall@50"]
max_users = 0

[models.popularity]

[models.als]
factors = 8
iterations = 4

[models.content]

[models.hybrid]
factors = 8
iterations = 4

[ranker]
base = "hybrid"
candidates = 40
max_iter = 20
min_samples_leaf = 5
"""


def recsys(data_dir: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == code, result.output
    return result.output


def test_train_list_show_promote_rollback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With REDIS_URL set, --promote would also publish into the shared test Redis; this test is about artefacts.
    monkeypatch.delenv("REDIS_URL", raising=False)
    data = tmp_path / "data"
    recsys(data, "generate", "--users", "300", "--season-start", "2025-09-01")
    config = tmp_path / "demo.toml"
    config.write_text(CONFIG)

    out = recsys(data, "train", "--config", str(config), "--promote")
    for text in ("Hold-out", "ndcg@10", "recall@50", "hybrid+ranker", "popularity", "Cold-start slice", "is active"):
        assert text in out, out
    registry = ArtifactRegistry(data / "artifacts")
    first = registry.active_version("demo")
    assert first is not None

    out = recsys(data, "train", "--config", str(config), "--no-promote")
    assert "recsys models promote demo" in out
    second = registry.list_versions("demo")[-1].version
    assert second != first and registry.active_version("demo") == first

    listing = recsys(data, "models", "list")
    assert "demo" in listing and "*" in listing
    shown = recsys(data, "models", "show", f"demo/{second}")
    assert "valid" in shown and "models/hybrid" in shown and "ranker" in shown and "(active)" not in shown
    assert "(active)" in recsys(data, "models", "show", "demo")

    assert "is active" in recsys(data, "models", "promote", "demo", second)
    assert registry.active_version("demo") == second
    assert f"{first} is active again" in recsys(data, "models", "rollback", "demo")
    assert "no earlier active version" in recsys(data, "models", "rollback", "demo", code=1)

    # A broken version is refused and the active one stays.
    (data / "artifacts" / "demo" / second / "models" / "als" / "state.npz").write_bytes(b"broken")
    refused = recsys(data, "models", "promote", "demo", second, code=1)
    assert "state.npz" in refused
    assert registry.active_version("demo") == first


def test_train_refuses_a_bad_config_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        CONFIG.replace("factors = 8\niterations = 4\n\n[models.content]", "factors = -8\n\n[models.content]")
    )
    out = recsys(tmp_path / "data", "train", "--config", str(config), code=2)
    assert "models.als.factors: must be at least 1, got -8" in out
    assert "no such artefact" in recsys(tmp_path / "data", "models", "show", "nothing", code=1)
    assert "No artefacts yet" in recsys(tmp_path / "data", "models", "list")


def test_train_refuses_an_ease_model_the_catalogue_outgrew_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    recsys(data, "generate", "--users", "300", "--season-start", "2025-09-01")
    config = tmp_path / "ease.toml"
    config.write_text(
        'name = "dense"\n[split]\nholdout_days = 42\n[evaluation]\nmetrics = ["ndcg@10"]\n'
        "[models.ease]\nmax_items = 10\n"
    )
    result = runner.invoke(app, ["--data-dir", str(data), "train", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: ") and "models.ease.max_items: ease cannot fit" in lines[0]
    assert "max_items is 10;" in lines[0]
    assert ArtifactRegistry(data / "artifacts").list_versions("dense") == []
