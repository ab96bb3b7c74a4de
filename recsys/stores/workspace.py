"""One data folder is one world: its catalogue, its interaction log and its artefacts."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Final

from recsys.domain.errors import StoreError
from recsys.stores.segment_log import SegmentLog
from recsys.stores.sqlite_catalogue import SqliteCatalogue

#: Environment variable naming the data folder when none is given.
DATA_DIR_ENV: Final = "RECSYS_DATA_DIR"
#: Folder used when neither an option nor the environment names one.
DEFAULT_DATA_DIR: Final = Path("recsys-data")

CATALOGUE_FILE: Final = "catalogue.sqlite"
INTERACTIONS_DIR: Final = "interactions"
ARTIFACTS_DIR: Final = "artifacts"


class Workspace:
    """A data folder with the default embedded backends opened on it.

    Layout::

        <path>/catalogue.sqlite   SqliteCatalogue
        <path>/interactions/      SegmentLog
        <path>/artifacts/         model artefacts (versioned folders)

    Parameters
    ----------
    path : str or Path
        The data folder; created with its parts when absent.

    Raises
    ------
    StoreError
        When the folder cannot be created or a store cannot be opened.

    Examples
    --------
    >>> with Workspace.from_env() as ws:  # doctest: +SKIP
    ...     ws.interactions.append(batch)

    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"the data folder {self.path} exists and is not a folder")
        try:
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {self.path}: {exc}") from exc
        self.catalogue = SqliteCatalogue(self.path / CATALOGUE_FILE)
        try:
            self.interactions = SegmentLog(self.path / INTERACTIONS_DIR)
        except BaseException:
            self.catalogue.close()
            raise

    @classmethod
    def from_env(cls, path: Path | None = None) -> Workspace:
        """Open the workspace named by ``path``, else ``$RECSYS_DATA_DIR``, else ``./recsys-data``."""
        return cls(resolve_data_dir(path))

    @property
    def artifacts_dir(self) -> Path:
        """Folder for model artefacts."""
        return self.path / ARTIFACTS_DIR

    def close(self) -> None:
        """Close both stores (releasing the log's writer lock). Safe to call twice."""
        try:
            self.interactions.close()
        finally:
            self.catalogue.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"


def resolve_data_dir(path: Path | None = None) -> Path:
    """Return the data folder: ``path`` if given, else ``$RECSYS_DATA_DIR``, else ``./recsys-data``."""
    if path is not None:
        return Path(path)
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(from_env) if from_env else DEFAULT_DATA_DIR
