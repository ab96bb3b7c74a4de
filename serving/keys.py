"""API keys: scopes, the hashed key file, creating and checking keys.

A key is shown once, when it is created; the file keeps only its sha256, so
a leaked file gives no working key. The file is JSON (one object per key)
written atomically with mode 0600; the server re-reads it when it changes,
so ``recsys keys create`` works while a server runs.

Scopes grow: ``public`` reads (recommendations, similar, popular) and posts
impressions and clicks of anonymous visitors (the widget); ``server`` also
writes interactions and events and deletes users; ``admin`` also manages
model versions. ``marketer`` keys stand beside these: they open only the
marketer tools and the dashboard (see :class:`Scope`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from recsys.domain.errors import InvalidFieldError, RecsysError

#: Every key starts with this, so secret scanners can find leaked keys.
KEY_PREFIX: Final = "rk_"
#: User ids of anonymous visitors start with this (what a public key may post interactions for).
ANONYMOUS_PREFIX: Final = "anon:"
#: How often (seconds) the server looks at the key file for changes.
RELOAD_EVERY_S: Final = 1.0


class Scope(IntEnum):
    """What a key may do; a higher scope includes the lower ones.

    ``marketer`` stands beside the ladder (value 0): it passes none of the
    public/server/admin checks and opens only the marketer tools
    (``/v1/segments``, audiences, experiments, ``/dashboard``), which admin
    keys may use too.
    """

    MARKETER = 0
    PUBLIC = 1
    SERVER = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The name used in files and on the command line."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Read ``public``, ``server``, ``admin`` or ``marketer``."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise InvalidFieldError("scope", f"expected public, server, admin or marketer, got {text!r}") from None


class KeyFileError(RecsysError):
    """The API key file cannot be read or written."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One stored key (without the secret).

    Parameters
    ----------
    key_id : str
        Public identifier (shown in listings, logs and metrics).
    name : str
        What it is for.
    scope : Scope
        What it may do.
    origins : tuple of str
        Web origins a public key is bound to (``https://agenda.example``); empty = any.
    sha256 : str
        Hex digest of the key.
    created : str
        ISO 8601 creation time.
    rate : str or None
        Its own rate limit (``RATE/BURST``) instead of its scope's.

    """

    key_id: str
    name: str
    scope: Scope
    origins: tuple[str, ...] = ()
    sha256: str = ""
    created: str = ""
    rate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in the file."""
        return {
            "id": self.key_id,
            "name": self.name,
            "scope": self.scope.label,
            "origins": list(self.origins),
            "sha256": self.sha256,
            "created": self.created,
            **({"rate": self.rate} if self.rate else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiKey:
        """Read one entry of the file."""
        return cls(
            key_id=str(data["id"]),
            name=str(data.get("name", "")),
            scope=Scope.parse(str(data["scope"])),
            origins=tuple(str(o) for o in data.get("origins", ())),
            sha256=str(data["sha256"]),
            created=str(data.get("created", "")),
            rate=str(data["rate"]) if data.get("rate") else None,
        )

    def allows_origin(self, origin: str | None) -> bool:
        """True when the key is not bound to origins, or ``origin`` is one of them."""
        return not self.origins or (origin is not None and normalize_origin(origin) in self.origins)


def hash_key(key: str) -> str:
    """The sha256 hex digest under which a key is stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, as browsers send it in the ``Origin`` header.

    Raises
    ------
    InvalidFieldError
        When ``origin`` is not an http(s) URL with a host.

    """
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidFieldError("origin", f"expected an http(s) origin such as https://agenda.example, got {origin!r}")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


@dataclass
class KeyStore:
    """The keys of one file, re-read when the file changes.

    Parameters
    ----------
    path : Path
        The JSON file (absent = no keys yet).

    """

    path: Path
    _by_hash: dict[str, ApiKey] = field(default_factory=dict, init=False)
    _mtime: float = field(default=-1.0, init=False)
    _checked: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.reload()

    # -- reading --

    def entries(self) -> list[ApiKey]:
        """Every stored key, oldest first."""
        self._maybe_reload()
        return sorted(self._by_hash.values(), key=lambda k: (k.created, k.key_id))

    def lookup(self, key: str) -> ApiKey | None:
        """The stored key matching the secret ``key``, or ``None``."""
        self._maybe_reload()
        return self._by_hash.get(hash_key(key))

    def origins(self) -> frozenset[str]:
        """Every origin some key is bound to (what CORS allows)."""
        self._maybe_reload()
        return frozenset(o for k in self._by_hash.values() for o in k.origins)

    def reload(self) -> None:
        """Read the file now.

        Raises
        ------
        KeyFileError
            When the file exists but is not a valid key file.

        """
        with self._lock:
            self._checked = time.monotonic()
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                self._by_hash, self._mtime = {}, -1.0
                return
            if mtime == self._mtime:
                return
            entries = _read_entries(self.path)
            self._by_hash = {entry.sha256: entry for entry in entries}
            self._mtime = mtime

    def _maybe_reload(self) -> None:
        if time.monotonic() - self._checked >= RELOAD_EVERY_S:
            # A half-edited file must not lock everyone out: keep the keys read before.
            with contextlib.suppress(KeyFileError):
                self.reload()

    # -- writing --

    def create(
        self, scope: Scope, *, name: str = "", origins: Sequence[str] = (), rate: str | None = None
    ) -> tuple[str, ApiKey]:
        """Make a new key, store its hash and return ``(secret, entry)``; the secret is not kept.

        Raises
        ------
        InvalidFieldError
            For an origin that is not an http(s) origin, or origins on a non-public key.

        """
        bound = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        if bound and scope is not Scope.PUBLIC:
            raise InvalidFieldError(
                "origin", "only public keys are bound to origins (server and admin keys stay secret)"
            )
        secret = f"{KEY_PREFIX}{secrets.token_urlsafe(30)}"
        entry = ApiKey(
            key_id=f"k_{secrets.token_hex(4)}",
            name=name or f"{scope.label} key",
            scope=scope,
            origins=bound,
            sha256=hash_key(secret),
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            rate=rate,
        )
        with self._lock:
            entries = _read_entries(self.path) if self.path.exists() else []
            _write_entries(self.path, [*entries, entry])
        self.reload()
        return secret, entry

    def revoke(self, key_id: str) -> bool:
        """Remove a key by its id; True when it existed."""
        with self._lock:
            entries = _read_entries(self.path) if self.path.exists() else []
            kept = [e for e in entries if e.key_id != key_id]
            if len(kept) == len(entries):
                return False
            _write_entries(self.path, kept)
        self.reload()
        return True


def _read_entries(path: Path) -> list[ApiKey]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("keys"), list):
            raise ValueError("expected an object with a 'keys' list")
        return [ApiKey.from_dict(item) for item in raw["keys"]]
    except (OSError, ValueError, KeyError, TypeError, InvalidFieldError) as exc:
        raise KeyFileError(f"{path}: not a valid API key file ({exc})") from exc


def _write_entries(path: Path, entries: Sequence[ApiKey]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    text = json.dumps({"format": 1, "keys": [e.to_dict() for e in entries]}, indent=2) + "\n"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
