"""The ``recsys`` command end to end, on real stores in a temporary data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsys.cli.main import app
from recsys.stores.workspace import Workspace

runner = CliRunner()


def recsys(data_dir: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_generate_then_stats_show_a_flemish_season(tmp_path: Path) -> None:
    out = recsys(tmp_path, "generate", "--users", "300", "--season-start", "2026-09-01")
    assert "interactions:" in out
    stats = recsys(tmp_path, "stats")
    for heading in ("Events per discipline", "Events per municipality", "Interactions per kind", "Users per age band"):
        assert heading in stats
    assert "Concert" in stats and "ticket" in stats
    with Workspace(tmp_path) as workspace:
        assert workspace.catalogue.counts()["users"] == 300
        assert workspace.interactions.count() > 1000


def test_generate_refuses_a_folder_with_data_and_is_idempotent_with_force(tmp_path: Path) -> None:
    recsys(tmp_path, "generate", "--users", "100", "--season-start", "2026-09-01")
    with Workspace(tmp_path) as workspace:
        before = workspace.interactions.count()
    refused = runner.invoke(app, ["--data-dir", str(tmp_path), "generate", "--users", "100"])
    assert refused.exit_code == 2
    assert "already holds" in refused.output and "--force" in refused.output
    again = recsys(tmp_path, "generate", "--users", "100", "--season-start", "2026-09-01", "--force")
    assert f"interactions: 0 stored, {before:,} already stored" in again


def test_data_folder_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECSYS_DATA_DIR", str(tmp_path / "world"))
    result = runner.invoke(app, ["generate", "--users", "50", "--season-start", "2026-09-01"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "world").is_dir()


def test_bad_interactions_file_loses_nothing_already_stored(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "user_id,event_id,kind,timestamp\nu1,e1,view,2026-10-01T12:00:00Z\nu1,e1,ticket,2026-10-01T12:05:00Z\n"
    )
    recsys(tmp_path, "import", "interactions", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "user_id,event_id,kind,timestamp\n"
        "u2,e1,buy,2026-10-01T12:00:00Z\n"  # unknown kind
        "u2,e1,view,2026-10-01 12:00:00\n"  # no zone
        "u/3,e1,view,2026-10-01T12:00:00Z\n"  # odd id
        "u4,e1,view\n"  # malformed line
        "u5,e2,click,2026-10-02T09:00:00+02:00\n"
    )
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "interactions", str(bad)])
    assert result.exit_code == 0, result.output
    assert "4 record(s) refused" in result.output
    for fragment in ("unknown interaction kind 'buy'", "has no time zone", "not allowed", "malformed line"):
        assert fragment in result.output
    with Workspace(tmp_path) as workspace:
        table = workspace.interactions.export(["user_id"])
    assert sorted(table.column("user_id").to_pylist()) == ["u1", "u1", "u5"]
    # The same file again stores nothing new.
    assert "interactions: 0 stored, 2 already stored" in recsys(tmp_path, "import", "interactions", str(good))


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("who,what,when\nu1,e1,2026-10-01T12:00:00Z\n")
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "interactions", str(path)])
    assert result.exit_code == 2
    assert "column 'user_id' not found" in result.output and "who, what, when" in result.output


def test_uitdatabank_truncated_file_is_one_error_and_good_files_import(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text(
        '{"@id": "https://io.uitdatabank.be/event/e-1", "mainLanguage": "nl", "name": {"nl": "Jazz op het plein"},'
        ' "calendarType": "permanent", "workflowStatus": "APPROVED",'
        ' "terms": [{"id": "0.50.4.0.0", "label": "Concert", "domain": "eventtype"}]}'
    )
    (folder / "b.json").write_text('{"@id": "https://io.uitdatabank.be/event/e-2", "name": {"nl": "Half')
    data = tmp_path / "data"
    result = runner.invoke(app, ["--data-dir", str(data), "import", "uitdatabank", str(folder)])
    assert result.exit_code == 0, result.output
    assert "events: 1 stored" in result.output
    assert "1 record(s) refused" in result.output and "b.json" in result.output
    again = runner.invoke(app, ["--data-dir", str(data), "import", "uitdatabank", str(folder)])
    assert "events: 0 stored, 1 already stored" in again.output


def test_uitdatabank_corpus_twice_changes_nothing(tmp_path: Path, shared_data: Path) -> None:
    corpus = shared_data / "uitdatabank" / "jsonld"
    first = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "uitdatabank", str(corpus)])
    assert first.exit_code == 0, first.output
    assert "record(s) refused" in first.output
    second = runner.invoke(app, ["--data-dir", str(tmp_path), "import", "uitdatabank", str(corpus)])
    for what in ("places", "organisers", "events"):
        assert f"{what}: 0 stored" in second.output


def test_public_data_set_loaders_from_the_cli(tmp_path: Path, shared_data: Path) -> None:
    out = recsys(tmp_path, "import", "movielens", str(shared_data / "movielens-100k"))
    assert "interactions: 100,000 stored" in out
    out = recsys(tmp_path / "k", "import", "kaggle-events", str(shared_data / "kaggle-event-recommendation"))
    assert "interactions: 15,398 stored" in out
