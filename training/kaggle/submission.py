"""The competition's submission file: ``User,Events``, events space-separated, best first."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from training.kaggle.data import KaggleInputError

#: The header Kaggle expects.
HEADER = "User,Events"


def check_writable(path: Path) -> None:
    """Refuse an ``--out`` path that cannot be written, before any work is done.

    Raises
    ------
    KaggleInputError
        When the folder does not exist, the path is a folder, or the folder is not writable.

    """
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise KaggleInputError("--out", f"{path} is a folder; give a file name such as submission.csv")
    if not parent.is_dir():
        raise KaggleInputError("--out", f"folder {parent} does not exist")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise KaggleInputError("--out", f"cannot write in {parent} ({exc.strerror or exc})") from exc


def write_submission(path: Path, ranked: Sequence[tuple[int, Sequence[int]]]) -> None:
    """Write one row per user, atomically: a temporary file in the same folder, then a rename.

    Parameters
    ----------
    path : Path
        The submission file (replaced if present).
    ranked : sequence of (user, events)
        Each user's events, best first.

    Raises
    ------
    KaggleInputError
        When the file cannot be written; no partial file is left behind.

    """
    parent = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise KaggleInputError("--out", f"cannot write in {parent} ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(HEADER + "\n")
            for user, events in ranked:
                out.write(f"{user},{' '.join(str(e) for e in events)}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise KaggleInputError("--out", f"cannot write {path} ({exc.strerror or exc})") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
