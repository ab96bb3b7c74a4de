"""Versioned JSON documents in a folder: ``<root>/<name>/v<N>.json``, never overwritten.

Segments and experiment definitions are saved here. A new version is written
to a temporary file, flushed to disk and then *linked* to its final name:
``link`` fails when the name exists, so two writers can never overwrite each
other's version (the loser takes the next number), and a reader never sees
half a file. Saving a document identical to the latest version returns that
version instead of adding a copy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from recsys.domain.errors import InvalidFieldError, StoreError
from recsys.marketing.errors import NotFoundError

#: Names of saved documents: lower case, digits, '.', '_', '-'; what folders and URLs can hold.
NAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_VERSION_FILE: Final = re.compile(r"^v(\d+)\.json$")
#: Attempts at taking the next version number when writers race.
_MAX_RACES: Final = 100


def check_name(name: object, field: str = "name") -> str:
    """Return ``name`` when it is a valid document name.

    Raises
    ------
    InvalidFieldError
        When it is not 1-64 characters of ``a-z 0-9 . _ -`` starting with a letter or digit.

    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InvalidFieldError(
            field, f"must be 1-64 characters of a-z, 0-9, '.', '_', '-' starting with a letter or digit, got {name!r}"
        )
    return name


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """One saved version.

    Parameters
    ----------
    name : str
        The document's name (its folder).
    version : int
        1, 2, ...
    created : datetime
        When this version was written (UTC).
    body : dict
        The document as saved.
    new : bool
        Whether :meth:`VersionedStore.save` wrote it (False: it returned the unchanged latest version).

    """

    name: str
    version: int
    created: dt.datetime
    body: dict[str, Any]
    new: bool = False


class VersionedStore:
    """A folder of named documents with numbered, immutable versions.

    Parameters
    ----------
    root : Path
        The folder (created on first write).
    kind : str
        What the documents are (``segment``, ``experiment``), for error messages.

    """

    def __init__(self, root: Path, kind: str) -> None:
        self.root = Path(root)
        self.kind = kind

    def save(self, name: str, body: Mapping[str, Any]) -> StoredDocument:
        """Store ``body`` as the next version of ``name``; an unchanged body returns the latest version.

        Raises
        ------
        InvalidFieldError
            For a bad name.
        StoreError
            When the file cannot be written.

        """
        check_name(name)
        body = dict(body)
        latest = self.latest(name)
        if latest is not None and latest.body == _roundtrip(body):
            return latest
        folder = self.root / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for _ in range(_MAX_RACES):
                version = (self.versions(name) or [0])[-1] + 1
                created = dt.datetime.now(dt.UTC)
                record = {"version": version, "created": created.isoformat(), "body": body}
                if _write_new(folder / f"v{version}.json", record):
                    return StoredDocument(name, version, created, _roundtrip(body), new=True)
        except OSError as exc:
            raise StoreError(f"cannot save {self.kind} {name!r} in {folder}: {exc}") from exc
        raise StoreError(f"cannot save {self.kind} {name!r}: too many concurrent writers")

    def names(self) -> list[str]:
        """Names with at least one version, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and NAME_PATTERN.match(p.name) and self.versions(p.name)
        )

    def versions(self, name: str) -> list[int]:
        """Version numbers of ``name``, oldest first (empty when unknown)."""
        folder = self.root / check_name(name)
        if not folder.is_dir():
            return []
        found = (_VERSION_FILE.match(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def load(self, name: str, version: int | None = None) -> StoredDocument:
        """One version of ``name`` (default: the latest).

        Raises
        ------
        NotFoundError
            When the name or the version does not exist.
        StoreError
            When the file is unreadable.

        """
        versions = self.versions(name)
        if not versions:
            raise NotFoundError(self.kind, name)
        chosen = versions[-1] if version is None else version
        path = self.root / name / f"v{chosen}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(self.kind, f"{name} v{chosen}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{path}: unreadable {self.kind}: {exc}") from exc
        if not isinstance(record, dict) or not isinstance(record.get("body"), dict):
            raise StoreError(f"{path}: not a saved {self.kind}")
        return StoredDocument(
            name, int(record["version"]), dt.datetime.fromisoformat(record["created"]), record["body"]
        )

    def latest(self, name: str) -> StoredDocument | None:
        """The latest version of ``name``, or ``None``."""
        try:
            return self.load(name)
        except NotFoundError:
            return None


def _roundtrip(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as it reads back from JSON (tuples become lists), for comparisons."""
    loaded: dict[str, Any] = json.loads(json.dumps(body))
    return loaded


def _write_new(path: Path, record: Mapping[str, Any]) -> bool:
    """Write ``record`` to ``path`` unless it exists; False when another writer took the name."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if the version exists: never overwrite
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
