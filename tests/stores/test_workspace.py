"""The workspace: one data folder with its catalogue, interaction log and artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsys.domain.errors import StoreError
from recsys.stores.protocols import Catalogue, InteractionLog
from recsys.stores.segment_log import SegmentLog
from recsys.stores.workspace import DATA_DIR_ENV, Workspace, resolve_data_dir


def test_layout_and_backends(tmp_path: Path) -> None:
    with Workspace(tmp_path / "world") as ws:
        assert isinstance(ws.catalogue, Catalogue)
        assert isinstance(ws.interactions, InteractionLog)
        assert ws.artifacts_dir == tmp_path / "world" / "artifacts"
    names = {p.name for p in (tmp_path / "world").iterdir()}
    assert {"catalogue.sqlite", "interactions", "artifacts"} <= names


def test_from_env_prefers_option_then_environment_then_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert resolve_data_dir() == Path("recsys-data")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert resolve_data_dir() == tmp_path / "from-env"
    assert resolve_data_dir(tmp_path / "option") == tmp_path / "option"
    with Workspace.from_env() as ws:
        assert ws.path == tmp_path / "from-env"
    monkeypatch.setenv(DATA_DIR_ENV, "")
    with Workspace.from_env() as ws:
        assert ws.path.resolve() == (tmp_path / "recsys-data").resolve()


def test_closing_releases_the_writer_lock(tmp_path: Path) -> None:
    from tests.stores.test_durability import _batch

    with Workspace(tmp_path) as ws:
        ws.interactions.append(_batch(["a"]))
    with SegmentLog(tmp_path / "interactions") as log:
        assert log.append(_batch(["a", "b"])).written == 1


def test_a_file_is_not_a_data_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError):
        Workspace(tmp_path / "file")
