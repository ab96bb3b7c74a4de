"""Options every command shares: which data folder is the world it works on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "RECSYS_DATA_DIR"
DEFAULT_DATA_DIR = Path("recsys-data")


@dataclass(frozen=True, slots=True)
class CliContext:
    """Settings resolved once by the root command.

    Parameters
    ----------
    data_dir : Path
        The data folder: ``--data-dir``, else ``$RECSYS_DATA_DIR``, else ``./recsys-data``.

    """

    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: Path | None) -> CliContext:
        """Apply the precedence option > environment > default."""
        chosen = data_dir or (Path(os.environ[DATA_DIR_ENV]) if os.environ.get(DATA_DIR_ENV) else DEFAULT_DATA_DIR)
        return cls(data_dir=chosen)
