"""Users who asked to be forgotten, remembered by the hash of their id only.

An artefact trained before a deletion still holds the user's learned vector;
until the next training the server must treat the user as unknown, also
after a restart. The file ``<data folder>/forgotten-users.txt`` keeps one
sha256 per line (not the id), appended durably.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Final

FILE_NAME: Final = "forgotten-users.txt"


def _digest(user_id: str) -> str:
    return hashlib.sha256(user_id.encode("utf-8")).hexdigest()


class ForgottenUsers:
    """The set of deleted users (by hash), backed by an append-only file.

    Parameters
    ----------
    path : Path
        The file (created on the first deletion).

    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            lines = self.path.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            lines = []
        self._hashes = set(lines)

    def __contains__(self, user_id: object) -> bool:
        return bool(self._hashes) and isinstance(user_id, str) and _digest(user_id) in self._hashes

    def add(self, user_id: str) -> None:
        """Remember a deletion durably."""
        digest = _digest(user_id)
        with self._lock:
            if digest in self._hashes:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(digest + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._hashes.add(digest)
