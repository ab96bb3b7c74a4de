"""``recsys evaluate`` and ``recsys tune`` end to end, on a generated season and on plain files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsys.cli.main import app
from tests.training.test_evaluate_job import ratings_file

runner = CliRunner()


def recsys(data_dir: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evaluate") / "data"
    recsys(folder, "generate", "--users", "300", "--season-start", "2025-09-01")
    return folder


def test_evaluate_compares_models_on_the_data_folder_and_writes_json_and_report(season: Path, tmp_path: Path) -> None:
    out = recsys(
        season,
        "evaluate",
        "--protocol",
        "temporal",
        "--models",
        "popularity,als,content",
        "--json",
        str(tmp_path / "out.json"),
        "--report",
        str(tmp_path / "report"),
    )
    for text in ("Accuracy at 10", "Beyond accuracy at 10", "popularity", "content", "ndcg", "exposure Gini"):
        assert text in out, out
    result = json.loads((tmp_path / "out.json").read_text())
    assert set(result["models"]) == {"popularity", "als", "content"}
    assert {"ndcg@10", "map@10", "precision@10", "recall@10"} <= set(result["models"]["als"])
    page = (tmp_path / "report" / "index.html").read_text()
    assert page.count("<svg") >= 3 and "Per segment: age_band" in page


def test_evaluate_works_on_any_csv_and_tune_writes_a_config_train_and_evaluate_read(
    season: Path, tmp_path: Path
) -> None:
    csv = ratings_file(tmp_path)
    file_args = ["--interactions", str(csv), "--user-col", "user", "--item-col", "item", "--time-col", "ts"]
    out = recsys(
        tmp_path / "unused",
        "evaluate",
        *file_args,
        "--protocol",
        "stratified",
        "--k",
        "5",
        "--json",
        str(tmp_path / "f.json"),
    )
    result = json.loads((tmp_path / "f.json").read_text())
    expected = {"popularity", "trending", "als", "als-session", "bpr", "item-knn", "ease", "ease-time", "rp3beta"}
    assert expected == set(result["models"])
    assert "skipped: content" in out and result["models"]["ease"]["ndcg@5"] > 0
    assert not (tmp_path / "unused").exists()  # a file evaluation never creates a data folder

    config = tmp_path / "best.toml"
    out = recsys(
        tmp_path / "unused",
        "tune",
        *file_args,
        "--protocol",
        "stratified",
        "--model",
        "ease",
        "--trials",
        "3",
        "--metric",
        "ndcg@5",
        "--json",
        str(tmp_path / "tune.json"),
        "--report",
        str(tmp_path / "tune"),
        "--write-config",
        str(config),
    )
    assert "Best parameters" in out and "l2" in out
    assert len(json.loads((tmp_path / "tune.json").read_text())["trials"]) == 3
    assert "<svg" in (tmp_path / "tune" / "index.html").read_text()
    evaluated = recsys(tmp_path / "unused", "evaluate", *file_args, "--protocol", "stratified", "--config", str(config))
    assert "ease" in evaluated and "popularity" not in evaluated
    trained = recsys(season, "train", "--config", str(config))
    assert "artefact tuned-ease/" in trained


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--user-col", "nobody"], "--user-col: column 'nobody' not found"),
        (["--models", "ease,svd"], "--models: unknown model 'svd'"),
        (["--models", "content"], "--models: content needs event content"),
        (["--protocol", "kfold"], "--protocol: unknown protocol 'kfold'"),
        (["--k", "0"], "--k: must be at least 1"),
        (["--min-weight", "3"], "--min-weight: needs a weight column"),
        (["--ratios", "a,b"], "--ratios: expected numbers"),
    ],
)
def test_bad_input_is_one_clear_error_with_exit_code_2(tmp_path: Path, args: list[str], words: str) -> None:
    csv = ratings_file(tmp_path)
    out = recsys(
        tmp_path / "unused",
        "evaluate",
        "--interactions",
        str(csv),
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--protocol",
        "random",
        *args,
        code=2,
    )
    assert words in " ".join(out.split()), out


def test_an_empty_file_and_a_missing_data_folder_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = " ".join(recsys(tmp_path, "evaluate", "--interactions", str(empty), code=2).split())
    assert "--interactions:" in out and "is empty" in out
    out = recsys(tmp_path / "nothing-here", "evaluate", code=2)
    assert "--data-dir: no data folder" in " ".join(out.split())
    out = recsys(tmp_path, "tune", "--interactions", str(empty), "--model", "ease", code=2)
    assert "is empty" in " ".join(out.split())


@pytest.mark.shared_data
def test_evaluate_movielens_u_data_without_header(shared_data: Path, tmp_path: Path) -> None:
    u_data = shared_data / "movielens-100k" / "u.data"
    if not u_data.is_file():
        pytest.skip("MovieLens 100K not in the shared data")
    recsys(
        tmp_path,
        "evaluate",
        "--interactions",
        str(u_data),
        "--sep",
        "tab",
        "--no-header",
        "--user-col",
        "0",
        "--item-col",
        "1",
        "--time-col",
        "3",
        "--protocol",
        "stratified",
        "--models",
        "popularity,ease",
        "--json",
        str(tmp_path / "ml.json"),
    )
    result = json.loads((tmp_path / "ml.json").read_text())
    assert result["split"]["test_users"] == 943 and result["split"]["relevant_pairs"] == 25_008
    ease, popularity = result["models"]["ease"], result["models"]["popularity"]
    # Binary feedback, Microsoft Recommenders' split: EASE (l2 = 500) lands near 0.48, popularity near 0.25.
    assert 0.45 < ease["ndcg@10"] < 0.52 and ease["ndcg@10"] > popularity["ndcg@10"] + 0.1
