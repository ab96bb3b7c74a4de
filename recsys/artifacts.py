"""Versioned model artefacts: write atomically, validate everything on load, promote and roll back.

Layout under an artefact root (``<data folder>/artifacts``)::

    <name>/
        active                          JSON pointer: the active version and the ones before it
        <utc-timestamp>-<digest>/       one version, never modified once written
            manifest.json               what is here and how to check it (see below)
            vocabularies.npz            user and event ids, in index order
            models/<model>/...          each model's saved folder (params.json + state.npz)
            <component>/...             other parts (content encoder, ranker, ...)

``manifest.json`` holds the format version, name, version, creation time,
each component's class and parameters, the training config and its digest,
the digest of the training data, the metrics, the library versions, and every
file with its size, sha256 and (for ``.npz``) the shape and dtype of every
array. :func:`load_artifact` checks all of it and refuses a broken or
mismatched artefact with an :class:`ArtifactError` that names the file and
the problem. A version is written under a temporary name and renamed into
place, so a reader never sees half of one; the ``active`` pointer is replaced
atomically, and :meth:`ArtifactRegistry.promote` validates a version before
it points at it, so a broken new version leaves the previous one active.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.metadata
import json
import os
import pkgutil
import platform
import re
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import RecsysError
from recsys.models.base import Recommender
from recsys.stores.batches import InteractionArrays
from recsys.vocabulary import IdVocabulary

FORMAT_VERSION: Final = 1
MANIFEST_FILE: Final = "manifest.json"
VOCABULARIES_FILE: Final = "vocabularies.npz"
ACTIVE_FILE: Final = "active"
MODELS_DIR: Final = "models"
#: Libraries whose versions every manifest records.
LIBRARIES: Final = ("numpy", "scipy", "implicit", "scikit-learn", "pyarrow", "polars")
#: How many earlier active versions the pointer remembers for rollback.
HISTORY_LENGTH: Final = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_VERSION = re.compile(r"^\d{8}T\d{6}\d{3}Z-[0-9a-f]{12}$")
_CHUNK: Final = 1 << 20
_REQUIRED: Final = (
    "format_version",
    "name",
    "version",
    "created",
    "components",
    "config",
    "config_digest",
    "data_digest",
    "metrics",
    "libraries",
    "vocabularies",
    "files",
)


class ArtifactError(RecsysError):
    """An artefact is missing, broken or does not match its manifest.

    Parameters
    ----------
    path : Path
        The artefact folder or the file at fault.
    problem : str
        What is wrong.

    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@runtime_checkable
class Persistable(Protocol):
    """Anything that saves itself into a folder (models, encoders, rankers)."""

    def save(self, folder: Path) -> object:
        """Write the object into ``folder``."""
        ...


# -- digests ----------------------------------------------------------------------------------------


def config_digest(config: Mapping[str, Any]) -> str:
    """sha256 of a config's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_digest(arrays: InteractionArrays) -> str:
    """sha256 of training arrays: every column and both id vocabularies, in order."""
    digest = hashlib.sha256()
    for column in (arrays.user_codes, arrays.event_codes, arrays.kinds, arrays.timestamps_us, arrays.values):
        digest.update(np.ascontiguousarray(column).view(np.uint8).data)
    for ids in (arrays.user_ids, arrays.event_ids):
        digest.update(len(ids).to_bytes(8, "little"))
        digest.update("\x1f".join(str(v) for v in ids.tolist()).encode("utf-8"))
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python and of the numerical libraries an artefact depends on."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def load_model_registry() -> dict[str, type[Recommender]]:
    """Import every module of :mod:`recsys.models` so each model class registers itself; return the registry."""
    import recsys.models

    for module in pkgutil.iter_modules(recsys.models.__path__):
        importlib.import_module(f"recsys.models.{module.name}")
    return dict(Recommender.registry)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _npz_arrays(path: Path) -> dict[str, dict[str, Any]]:
    """Shape and dtype of every array in an ``.npz``, from the headers only."""
    found: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            with archive.open(member) as handle:
                major, _minor = np.lib.format.read_magic(handle)
                if major == 1:
                    shape, _fortran, dtype = np.lib.format.read_array_header_1_0(handle)
                else:
                    shape, _fortran, dtype = np.lib.format.read_array_header_2_0(handle)
            found[member.removesuffix(".npy")] = {"shape": list(shape), "dtype": dtype.str}
    return found


def _describe_file(path: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    if path.suffix == ".npz":
        entry["arrays"] = _npz_arrays(path)
    return entry


# -- writing ----------------------------------------------------------------------------------------


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _params(obj: object) -> dict[str, Any]:
    get_params = getattr(obj, "get_params", None)
    return dict(get_params()) if callable(get_params) else {}


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ArtifactError(
            Path(name), "an artefact name is 1-100 of a-z, 0-9, '.', '_', '-' and starts with a letter or digit"
        )
    return name


def _version_digest(digest_of_config: str, digest_of_data: str) -> str:
    """The digest a version name ends in: of the config and the training data together."""
    return hashlib.sha256(f"{digest_of_config}:{digest_of_data}".encode()).hexdigest()


def _new_version(digest: str, created: dt.datetime) -> str:
    return f"{created:%Y%m%dT%H%M%S}{created.microsecond // 1000:03d}Z-{digest[:12]}"


# -- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Artifact:
    """A validated artefact version.

    Parameters
    ----------
    path : Path
        Its folder.
    manifest : dict
        The parsed ``manifest.json``.

    """

    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        """The artefact name."""
        return str(self.manifest["name"])

    @property
    def version(self) -> str:
        """The version (folder name)."""
        return str(self.manifest["version"])

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics recorded at training time."""
        return dict(self.manifest["metrics"])

    @property
    def model_names(self) -> list[str]:
        """Names of the models it holds, in training order."""
        return [k.removeprefix(f"{MODELS_DIR}/") for k in self.manifest["components"] if k.startswith(f"{MODELS_DIR}/")]

    def component_path(self, key: str) -> Path:
        """Folder of a component (``"encoder"``, ``"ranker"``, ``"models/als"``)."""
        if key not in self.manifest["components"]:
            raise ArtifactError(self.path, f"holds no component {key!r}; it has {sorted(self.manifest['components'])}")
        return self.path / key

    def load_model(self, name: str) -> Recommender:
        """Load one of its models (the class comes from the model registry, never from a file)."""
        load_model_registry()
        folder = self.component_path(f"{MODELS_DIR}/{name}")
        try:
            return Recommender.load(folder)
        except (RecsysError, OSError, ValueError) as exc:
            raise ArtifactError(folder, f"cannot load model {name!r}: {exc}") from exc

    def vocabularies(self) -> tuple[IdVocabulary, IdVocabulary]:
        """The user and event vocabularies the models were trained with."""
        with np.load(self.path / VOCABULARIES_FILE, allow_pickle=False) as stored:
            return IdVocabulary.from_numpy(stored["users"], "user"), IdVocabulary.from_numpy(stored["events"], "event")


def load_artifact(path: Path) -> Artifact:
    """Open an artefact version after checking its manifest and every file.

    Checks: the manifest parses and has every key with the supported format
    version; its name and version match the folder; the config digest is
    the digest of the recorded config, and the version name ends in the
    digest of the config and data digests; every listed file exists with the
    recorded size and sha256 and no unlisted file is present; every ``.npz``
    holds exactly the recorded arrays with their shapes and dtypes; the
    vocabularies have the recorded sizes, and every ``users``/``events`` array
    of a component holds the vocabulary's ids in the vocabulary's order.

    Raises
    ------
    ArtifactError
        Naming the file and the problem.

    """
    path = Path(path)
    manifest_path = path / MANIFEST_FILE
    if not path.is_dir():
        raise ArtifactError(path, "no such artefact folder")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(manifest_path, "missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(manifest_path, f"unreadable: {exc}") from exc
    _check_manifest(path, manifest)
    _check_digests(path, manifest)
    _check_files(path, manifest["files"])
    _check_vocabularies(path, manifest)
    _check_ids(path, manifest)
    return Artifact(path=path, manifest=manifest)


def _check_manifest(path: Path, manifest: Any) -> None:
    where = path / MANIFEST_FILE
    if not isinstance(manifest, dict):
        raise ArtifactError(where, "is not a JSON object")
    missing = [k for k in _REQUIRED if k not in manifest]
    if missing:
        raise ArtifactError(where, f"lacks {missing}")
    if manifest["format_version"] != FORMAT_VERSION:
        raise ArtifactError(
            where, f"format version {manifest['format_version']!r} is not supported (expected {FORMAT_VERSION})"
        )
    if manifest["version"] != path.name:
        raise ArtifactError(where, f"names version {manifest['version']!r} but lies in folder {path.name!r}")
    if manifest["name"] != path.parent.name:
        raise ArtifactError(where, f"names artefact {manifest['name']!r} but lies under {path.parent.name!r}")
    for key in ("components", "files", "vocabularies", "metrics", "libraries"):
        if not isinstance(manifest[key], dict):
            raise ArtifactError(where, f"{key!r} is not a JSON object")


def _check_digests(path: Path, manifest: dict[str, Any]) -> None:
    """The config digest matches the config, and the version's suffix matches both digests."""
    where = path / MANIFEST_FILE
    if not isinstance(manifest["config"], dict):
        raise ArtifactError(where, "'config' is not a JSON object")
    recorded = manifest["config_digest"]
    actual = config_digest(manifest["config"])
    if recorded != actual:
        raise ArtifactError(
            where,
            f"config_digest {str(recorded)[:16]}... does not match the recorded config (sha256 {actual[:16]}...): "
            "the config was changed after training",
        )
    suffix = str(manifest["version"]).rpartition("-")[2]
    expected = _version_digest(actual, str(manifest["data_digest"]))[:12]
    if suffix != expected:
        raise ArtifactError(
            where,
            f"version {manifest['version']!r} ends in {suffix!r}, but its config and data digests give {expected!r}",
        )


def _check_files(path: Path, files: dict[str, Any]) -> None:
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST_FILE}
    for unlisted in sorted(present - set(files)):
        raise ArtifactError(path / unlisted, "is not listed in the manifest")
    for relative, expected in sorted(files.items()):
        file = path / relative
        if relative not in present:
            raise ArtifactError(file, "is listed in the manifest but missing")
        size = file.stat().st_size
        if size != expected.get("bytes"):
            raise ArtifactError(file, f"has {size} bytes, the manifest says {expected.get('bytes')}")
        checksum = _sha256(file)
        if checksum != expected.get("sha256"):
            raise ArtifactError(
                file,
                f"checksum mismatch: sha256 {checksum[:16]}..., the manifest says {str(expected.get('sha256'))[:16]}...",
            )
        if "arrays" in expected:
            try:
                arrays = _npz_arrays(file)
            except (zipfile.BadZipFile, ValueError, OSError) as exc:
                raise ArtifactError(file, f"is not a readable .npz: {exc}") from exc
            if arrays != expected["arrays"]:
                raise ArtifactError(
                    file, f"arrays do not match the manifest: {_array_difference(arrays, expected['arrays'])}"
                )


def _array_difference(found: dict[str, Any], expected: dict[str, Any]) -> str:
    problems = [f"missing {k!r}" for k in expected if k not in found]
    problems += [f"unexpected {k!r}" for k in found if k not in expected]
    problems += [
        f"{k!r} has shape {found[k]['shape']} dtype {found[k]['dtype']}, expected shape {v['shape']} dtype {v['dtype']}"
        for k, v in expected.items()
        if k in found and found[k] != v
    ]
    return "; ".join(problems)


def _check_vocabularies(path: Path, manifest: dict[str, Any]) -> None:
    sizes = manifest["vocabularies"]
    vocab = manifest["files"].get(VOCABULARIES_FILE, {}).get("arrays")
    if vocab is None:
        raise ArtifactError(path / VOCABULARIES_FILE, "is not listed in the manifest")
    for key in ("users", "events"):
        if key not in vocab or vocab[key]["shape"] != [sizes.get(key)]:
            raise ArtifactError(
                path / VOCABULARIES_FILE, f"{key} do not have the {sizes.get(key)} ids the manifest records"
            )
    for relative, entry in manifest["files"].items():
        for key in ("users", "events"):
            arrays = entry.get("arrays", {})
            if relative != VOCABULARIES_FILE and key in arrays and arrays[key]["shape"][:1] != [sizes[key]]:
                raise ArtifactError(
                    path / relative,
                    f"holds {arrays[key]['shape'][0]} {key}, the artefact's vocabulary has {sizes[key]}",
                )


def _check_ids(path: Path, manifest: dict[str, Any]) -> None:
    """Every component's ``users``/``events`` arrays hold the artefact's ids in the same order (not only as many)."""
    vocab_path = path / VOCABULARIES_FILE
    try:
        with np.load(vocab_path, allow_pickle=False) as stored:
            vocabularies = {key: stored[key] for key in ("users", "events")}
    except (KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(vocab_path, f"is not a readable vocabulary file: {exc}") from exc
    for relative, entry in sorted(manifest["files"].items()):
        keys = [k for k in ("users", "events") if k in entry.get("arrays", {})]
        if relative == VOCABULARIES_FILE or not keys:
            continue
        try:
            with np.load(path / relative, allow_pickle=False) as stored:
                for key in keys:
                    _compare_ids(path / relative, key, stored[key], vocabularies[key])
        except (KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
            raise ArtifactError(path / relative, f"is not a readable .npz: {exc}") from exc


def _compare_ids(file: Path, key: str, found: npt.NDArray[Any], expected: npt.NDArray[Any]) -> None:
    if found.shape == expected.shape and np.array_equal(found, expected):
        return
    if found.shape != expected.shape:
        raise ArtifactError(file, f"holds {found.shape[0]} {key}, the artefact's vocabulary has {expected.shape[0]}")
    first = int(np.flatnonzero(found != expected)[0])
    raise ArtifactError(
        file,
        f"{key} differ from the artefact's {VOCABULARIES_FILE}: position {first} holds {str(found[first])!r}, "
        f"the vocabulary {str(expected[first])!r}",
    )


# -- the registry -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored version of an artefact (not validated: listing stays cheap)."""

    name: str
    version: str
    path: Path
    active: bool


class ArtifactRegistry:
    """The artefacts under one root folder: write versions, list them, promote and roll back.

    Parameters
    ----------
    root : Path
        The folder holding one subfolder per artefact name (``Workspace.artifacts_dir``).

    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, name: str) -> Path:
        """The folder of artefact ``name``."""
        return self.root / _check_name(name)

    # -- writing --

    def write(
        self,
        name: str,
        *,
        models: Mapping[str, Recommender],
        components: Mapping[str, Persistable],
        users: IdVocabulary,
        events: IdVocabulary,
        config: Mapping[str, Any],
        data_digest: str,
        metrics: Mapping[str, Any],
        extra: Mapping[str, Any] | None = None,
        created: dt.datetime | None = None,
    ) -> Artifact:
        """Write a new version atomically and return it; the active pointer is not touched.

        Parameters
        ----------
        name : str
            Artefact name.
        models : mapping of str to Recommender
            Fitted models by name, saved under ``models/<name>``.
        components : mapping of str to Persistable
            Other parts by folder name (``encoder``, ``ranker``).
        users, events : IdVocabulary
            The vocabularies of the training data.
        config : mapping
            The training config (JSON-able); its digest goes into the version name.
        data_digest : str
            :func:`data_digest` of the training arrays.
        metrics : mapping
            Evaluation results (JSON-able).
        extra : mapping, optional
            More JSON-able facts for the manifest (split summary, timings).
        created : datetime, optional
            Creation time (default: now, UTC).

        """
        folder = self.folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        created = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        digest_of_config = config_digest(config)
        digest = _version_digest(digest_of_config, data_digest)
        version = _new_version(digest, created)
        while (folder / version).exists():  # two writes in one millisecond
            created += dt.timedelta(milliseconds=1)
            version = _new_version(digest, created)
        staging = folder / f".tmp-{version}-{os.getpid()}"
        try:
            entries = self._stage(staging, models, components, users, events)
            manifest: dict[str, Any] = {
                "format_version": FORMAT_VERSION,
                "name": name,
                "version": version,
                "created": created.isoformat().replace("+00:00", "Z"),
                "components": entries,
                "config": dict(config),
                "config_digest": digest_of_config,
                "data_digest": data_digest,
                "metrics": dict(metrics),
                "libraries": library_versions(),
                "vocabularies": {"users": len(users), "events": len(events)},
                "files": {
                    p.relative_to(staging).as_posix(): _describe_file(p)
                    for p in sorted(staging.rglob("*"))
                    if p.is_file()
                },
                **({"extra": dict(extra)} if extra else {}),
            }
            text = json.dumps(manifest, indent=2, sort_keys=False, default=str)
            (staging / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
            # Refuse an inconsistent version before it is visible (e.g. a model of other vocabularies).
            # The checksums were taken from these very files a moment ago; hashing again would only cost time.
            _check_vocabularies(staging, manifest)
            _check_ids(staging, manifest)
            _fsync_tree(staging)
            os.rename(staging, folder / version)
            _fsync_dir(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # The manifest as a reader will see it (JSON turns tuples into lists, dates into text).
        return Artifact(path=folder / version, manifest=json.loads(text))

    @staticmethod
    def _stage(
        staging: Path,
        models: Mapping[str, Recommender],
        components: Mapping[str, Persistable],
        users: IdVocabulary,
        events: IdVocabulary,
    ) -> dict[str, Any]:
        staging.mkdir()
        np.savez(staging / VOCABULARIES_FILE, allow_pickle=False, users=users.to_numpy(), events=events.to_numpy())
        entries: dict[str, Any] = {}
        for model_name, model in models.items():
            key = f"{MODELS_DIR}/{_check_name(model_name)}"
            model.save(staging / key)
            entries[key] = {"kind": "model", "model": model.name, "class": _class_name(model), "params": _params(model)}
        for key, component in components.items():
            if key == MODELS_DIR or key.startswith(".") or key != _check_name(key):
                raise ArtifactError(Path(key), "a component needs a plain lower-case folder name other than 'models'")
            component.save(staging / key)
            entries[key] = {"kind": "component", "class": _class_name(component), "params": _params(component)}
        return entries

    # -- reading --

    def list_names(self) -> list[str]:
        """Artefact names under the root, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name))

    def list_versions(self, name: str) -> list[VersionInfo]:
        """Stored versions of ``name``, oldest first (names sort by creation time)."""
        folder = self.folder(name)
        if not folder.is_dir():
            return []
        active = self.active_version(name)
        return [
            VersionInfo(name=name, version=p.name, path=p, active=p.name == active)
            for p in sorted(folder.iterdir())
            if p.is_dir() and _VERSION.match(p.name)
        ]

    def active_version(self, name: str) -> str | None:
        """The active version of ``name``, or ``None`` when none was promoted."""
        pointer = self._read_pointer(name)
        return pointer["version"] if pointer else None

    def history(self, name: str) -> list[str]:
        """Earlier active versions, most recent first (what :meth:`rollback` goes back to)."""
        pointer = self._read_pointer(name)
        return list(pointer["previous"]) if pointer else []

    def load(self, name: str, version: str) -> Artifact:
        """Load and validate one version."""
        return load_artifact(self._version_path(name, version))

    def load_active(self, name: str, *, fallback: bool = False) -> Artifact:
        """Load the active version of ``name``.

        Parameters
        ----------
        name : str
            Artefact name.
        fallback : bool
            When the active version is broken, return the most recent earlier
            active version that validates instead of raising.

        Raises
        ------
        ArtifactError
            When nothing is active, or the active version (and, with
            ``fallback``, every earlier one) is broken.

        """
        pointer = self._read_pointer(name)
        if pointer is None:
            raise ArtifactError(self.folder(name), "no version is active; promote one first")
        try:
            return self.load(name, pointer["version"])
        except ArtifactError as first:
            if not fallback:
                raise
            for earlier in pointer["previous"]:
                try:
                    return self.load(name, earlier)
                except ArtifactError:
                    continue
            raise first from None

    # -- the active pointer --

    def promote(self, name: str, version: str) -> Artifact:
        """Validate ``version`` and make it active; the one active before is remembered for rollback.

        Raises
        ------
        ArtifactError
            When the version is missing or broken; the active pointer is then unchanged.

        """
        artifact = self.load(name, version)
        pointer = self._read_pointer(name)
        if pointer is None:
            previous: list[str] = []
        elif pointer["version"] == version:
            return artifact
        else:
            previous = [pointer["version"], *(v for v in pointer["previous"] if v != pointer["version"])]
        previous = [v for v in previous if v != version][:HISTORY_LENGTH]
        self._write_pointer(name, {"version": version, "previous": previous})
        return artifact

    def rollback(self, name: str) -> Artifact:
        """Make the previously active version active again (validated first).

        Raises
        ------
        ArtifactError
            When there is no earlier version, or it is broken (nothing changes then).

        """
        pointer = self._read_pointer(name)
        if pointer is None or not pointer["previous"]:
            raise ArtifactError(self.folder(name), "no earlier active version to roll back to")
        target, *rest = pointer["previous"]
        artifact = self.load(name, target)
        self._write_pointer(name, {"version": target, "previous": rest})
        return artifact

    def _version_path(self, name: str, version: str) -> Path:
        if not _VERSION.match(version):
            raise ArtifactError(self.folder(name) / version, "not a version name (<utc-timestamp>-<digest>)")
        path = self.folder(name) / version
        if not path.is_dir():
            raise ArtifactError(path, f"no version {version!r} of {name!r}")
        return path

    def _read_pointer(self, name: str) -> dict[str, Any] | None:
        path = self.folder(name) / ACTIVE_FILE
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArtifactError(path, f"unreadable active pointer: {exc}") from exc
        if (
            not isinstance(pointer, dict)
            or not isinstance(pointer.get("version"), str)
            or not isinstance(pointer.get("previous"), list)
        ):
            raise ArtifactError(path, "the active pointer needs a 'version' string and a 'previous' list")
        return pointer

    def _write_pointer(self, name: str, pointer: dict[str, Any]) -> None:
        folder = self.folder(name)
        tmp = folder / f".{ACTIVE_FILE}.tmp-{os.getpid()}"
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(pointer, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / ACTIVE_FILE)
        _fsync_dir(folder)
