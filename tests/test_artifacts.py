from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from recsys.artifacts import ArtifactError, ArtifactRegistry, config_digest, data_digest, load_artifact
from recsys.models.base import Recommender
from recsys.models.data import TrainingData
from recsys.vocabulary import IdVocabulary
from tests.evaluation.test_split import ARRAYS

USERS = IdVocabulary(["u1", "u2", "u3"], "user")
EVENTS = IdVocabulary(["e1", "e2", "e3", "e4"], "event")


class ItemBias(Recommender):
    """A tiny real model: one learned score per event."""

    name = "test-item-bias"

    def __init__(self, shrink: float = 1.0) -> None:
        self.shrink = shrink

    def _fit(self, data: TrainingData) -> None:
        self.bias_ = np.asarray(data.matrix.sum(axis=0)).ravel().astype(np.float32) / (1 + self.shrink)

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.tile(self.bias_, (len(user_idx), 1))

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"bias": self.bias_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.bias_ = state["bias"]


class Weights:
    """A non-model component saved as plain files."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def get_params(self) -> dict[str, Any]:
        return {"n": len(self.values)}

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        np.savez(folder / "weights.npz", allow_pickle=False, w=np.asarray(self.values))
        (folder / "meta.json").write_text("{}")


def fitted(shrink: float = 1.0) -> ItemBias:
    matrix = sp.csr_matrix(np.array([[1, 0, 2, 0], [0, 1, 0, 0], [3, 0, 0, 1]], dtype=np.float32))
    return ItemBias(shrink).fit(TrainingData(USERS, EVENTS, matrix, reference_time_us=0))


def write(registry: ArtifactRegistry, shrink: float = 1.0, **kwargs: Any) -> str:
    artifact = registry.write(
        "demo",
        models={"bias": fitted(shrink)},
        components={"weights": Weights([1.0, 2.0])},
        users=USERS,
        events=EVENTS,
        config={"shrink": shrink},
        data_digest="d" * 64,
        metrics={"hybrid": {"ndcg@10": 0.25}},
        **kwargs,
    )
    return artifact.version


def test_round_trip_keeps_models_components_vocabularies_and_manifest(tmp_path: Path) -> None:
    registry = ArtifactRegistry(tmp_path)
    version = write(registry, created=dt.datetime(2026, 3, 1, 12, 0, 0, 5000, tzinfo=dt.UTC))
    assert version.startswith("20260301T120000005Z-")
    artifact = registry.load("demo", version)
    manifest = artifact.manifest
    assert manifest["format_version"] == 1 and manifest["name"] == "demo"
    assert manifest["config_digest"] == config_digest({"shrink": 1.0})
    assert manifest["components"]["models/bias"]["class"].endswith("ItemBias")
    assert manifest["components"]["models/bias"]["params"] == {"shrink": 1.0}
    assert manifest["components"]["weights"]["params"] == {"n": 2}
    assert set(manifest["libraries"]) >= {"numpy", "scipy", "implicit", "scikit-learn", "pyarrow"}
    assert manifest["files"]["vocabularies.npz"]["arrays"]["events"]["shape"] == [4]
    assert "sha256" in manifest["files"]["models/bias/state.npz"]
    assert artifact.model_names == ["bias"]
    model = artifact.load_model("bias")
    assert [r.event_id for r in model.recommend("u2", 2, exclude_seen=False)] == ["e1", "e3"]
    users, events = artifact.vocabularies()
    assert users == USERS and events == EVENTS
    assert artifact.metrics == {"hybrid": {"ndcg@10": 0.25}}
    assert not list((tmp_path / "demo").glob(".tmp-*"))


def corrupt_checksum(folder: Path) -> None:
    path = folder / "weights" / "meta.json"
    path.write_text("[]")  # same size, other bytes


def corrupt_shape(folder: Path) -> None:
    # A consistent file with a wrong array: fix the checksum so only the shape check can catch it.
    path = folder / "models" / "bias" / "state.npz"
    with np.load(path) as stored:
        arrays = {k: stored[k] for k in stored.files}
    arrays["state__bias"] = arrays["state__bias"][:2]
    np.savez(path, **arrays)
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["files"]["models/bias/state.npz"]
    from recsys.artifacts import _describe_file

    entry["bytes"], entry["sha256"] = _describe_file(path)["bytes"], _describe_file(path)["sha256"]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def fix_checksum(folder: Path, relative: str) -> None:
    """Record a rewritten file's size and sha256, so that only a deeper check can catch the change."""
    from recsys.artifacts import _describe_file

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][relative] = _describe_file(folder / relative)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def edit_config(folder: Path) -> None:
    # The config changes, its digest (and the version name) stay as they were.
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["config"]["shrink"] = 9.0
    (folder / "manifest.json").write_text(json.dumps(manifest))


def edit_config_and_digest(folder: Path) -> None:
    # Consistent config and digest, but the version name was made from other digests.
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["config"]["shrink"] = 9.0
    manifest["config_digest"] = config_digest(manifest["config"])
    (folder / "manifest.json").write_text(json.dumps(manifest))


def swap_event_ids(folder: Path) -> None:
    path = folder / "vocabularies.npz"
    with np.load(path) as stored:
        users, events = stored["users"], stored["events"].copy()
    events[[0, 1]] = events[[1, 0]]
    np.savez(path, users=users, events=events)
    fix_checksum(folder, "vocabularies.npz")


def corrupt_vocabulary(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["vocabularies"]["events"] = 5
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (corrupt_checksum, "weights/meta.json: checksum mismatch"),
        (lambda f: (f / "models" / "bias" / "state.npz").unlink(), "state.npz: is listed in the manifest but missing"),
        (lambda f: (f / "stray.txt").write_text("x"), "stray.txt: is not listed"),
        (lambda f: (f / "weights" / "meta.json").write_text("{}\n"), "meta.json: has 3 bytes"),
        (corrupt_shape, "state__bias' has shape [2]"),
        (corrupt_vocabulary, "vocabularies.npz: events do not have the 5 ids"),
        (edit_config, "manifest.json: config_digest .* does not match the recorded config"),
        (edit_config_and_digest, "manifest.json: version .* but its config and data digests give"),
        (swap_event_ids, "models/bias/state.npz: events differ from the artefact's vocabularies.npz: position 0"),
        (lambda f: (f / "manifest.json").write_text("{"), "manifest.json: unreadable"),
        (lambda f: (f / "manifest.json").unlink(), "manifest.json: missing"),
    ],
)
def test_broken_versions_are_refused_and_the_previous_one_stays_active(
    tmp_path: Path, damage: Any, message: str
) -> None:
    registry = ArtifactRegistry(tmp_path)
    good = write(registry, 1.0)
    registry.promote("demo", good)
    bad = write(registry, 2.0)
    damage(tmp_path / "demo" / bad)
    with pytest.raises(ArtifactError, match=message.replace("[", r"\[").replace("]", r"\]")):
        registry.promote("demo", bad)
    assert registry.active_version("demo") == good
    assert registry.load_active("demo").version == good


def test_models_with_other_vocabulary_sizes_are_refused_before_anything_is_visible(tmp_path: Path) -> None:
    registry = ArtifactRegistry(tmp_path)
    with pytest.raises(ArtifactError, match="holds 4 events, the artefact's vocabulary has 3"):
        registry.write(
            "demo",
            models={"bias": fitted()},
            components={},
            users=USERS,
            events=IdVocabulary(["e1", "e2", "e3"], "event"),
            config={},
            data_digest="x",
            metrics={},
        )
    assert list((tmp_path / "demo").iterdir()) == []


def test_models_with_the_same_ids_in_another_order_are_refused_before_anything_is_visible(tmp_path: Path) -> None:
    registry = ArtifactRegistry(tmp_path)
    with pytest.raises(ArtifactError, match="users differ from the artefact's vocabularies.npz: position 0 holds 'u1'"):
        registry.write(
            "demo",
            models={"bias": fitted()},
            components={},
            users=IdVocabulary(["u2", "u1", "u3"], "user"),
            events=EVENTS,
            config={},
            data_digest="x",
            metrics={},
        )
    assert list((tmp_path / "demo").iterdir()) == []


def test_promote_rollback_and_fallback(tmp_path: Path) -> None:
    registry = ArtifactRegistry(tmp_path)
    first, second, third = (write(registry, s) for s in (1.0, 2.0, 3.0))
    assert [v.version for v in registry.list_versions("demo")] == [first, second, third]
    with pytest.raises(ArtifactError, match="no version is active"):
        registry.load_active("demo")
    registry.promote("demo", first)
    registry.promote("demo", second)
    registry.promote("demo", third)
    assert registry.history("demo") == [second, first]
    assert [v.active for v in registry.list_versions("demo")] == [False, False, True]
    assert registry.rollback("demo").version == second
    assert registry.rollback("demo").version == first
    with pytest.raises(ArtifactError, match="no earlier active version"):
        registry.rollback("demo")
    registry.promote("demo", third)
    # The active version breaks on disk: loading refuses it, the fallback serves the one before.
    shutil.rmtree(tmp_path / "demo" / third / "weights")
    with pytest.raises(ArtifactError):
        registry.load_active("demo")
    assert registry.load_active("demo", fallback=True).version == first
    assert registry.rollback("demo").version == first


def test_names_and_versions_are_checked(tmp_path: Path) -> None:
    registry = ArtifactRegistry(tmp_path)
    with pytest.raises(ArtifactError, match="artefact name"):
        registry.folder("../etc")
    with pytest.raises(ArtifactError, match="not a version name"):
        registry.load("demo", "latest")
    with pytest.raises(ArtifactError, match="no such artefact folder"):
        load_artifact(tmp_path / "nothing")
    assert registry.list_versions("demo") == [] and registry.list_names() == []


def test_data_digest_changes_with_the_data() -> None:
    assert data_digest(ARRAYS) == data_digest(ARRAYS)
    other = type(ARRAYS)(
        ARRAYS.user_codes,
        ARRAYS.event_codes,
        ARRAYS.kinds,
        ARRAYS.timestamps_us + 1,
        ARRAYS.values,
        ARRAYS.user_ids,
        ARRAYS.event_ids,
    )
    assert data_digest(other) != data_digest(ARRAYS)
