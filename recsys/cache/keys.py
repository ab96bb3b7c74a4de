"""Every key name of the candidate cache, built in this one module.

Layout under a prefix (default ``recsys``)::

    <prefix>:active                     the version readers use
    <prefix>:versions                   held versions, newest first (a list)
    <prefix>:writing                    versions publishers have claimed and not finished (a set)
    <prefix>:v:<version>:info           what the publish recorded (JSON)
    <prefix>:v:<version>:events         the version's event vocabulary (lists hold indices into it)
    <prefix>:v:<version>:cards          event id -> card (a hash)
    <prefix>:v:<version>:claim          held while a publisher writes the version
    <prefix>:v:<version>:u:<user id>    a user's candidates
    <prefix>:v:<version>:s:<event id>   events similar to an event
    <prefix>:v:<version>:p:<scope>      a popular list (``all``, ``region:BE-VAN``, ``type:0.55.0.0.0``)
    <prefix>:live:cards                 cards added or changed since the last publish (a hash)
    <prefix>:recent:<user id>           a user's recent interactions (a sorted set)

Everything of one version lies under ``<prefix>:v:<version>:``, so a version
is deleted by scanning that pattern. Prefixes and versions are restricted to
characters that need no escaping (no ``:``, no glob metacharacters); ids and
scopes are escaped (``%`` and every character outside the id alphabet of
:mod:`recsys.domain.ids` other than ``:`` become ``%XX`` UTF-8 escapes), so an
escaped part never contains ``:`` and no two different (kind, version, id)
triples share a key (:func:`parse_key` inverts :meth:`CacheKeys.item`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import quote, unquote

from recsys.domain.errors import InvalidFieldError

#: Prefix used when none is configured.
DEFAULT_PREFIX: Final = "recsys"
#: Per-version list kinds and their key letters.
ITEM_KINDS: Final = {"user": "u", "similar": "s", "popular": "p"}
#: Per-version single keys.
VERSION_PARTS: Final = ("info", "events", "cards", "claim")

ItemKind = Literal["user", "similar", "popular"]

_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=~-]{0,127}")
# Id characters that stay as they are (the id alphabet without ':'); everything else is %-escaped.
_PLAIN_ID = re.compile(r"[A-Za-z0-9._@+=~!$*-]*")
_SAFE_FOR_QUOTE: Final = "@+=!$*"  # on top of quote()'s letters, digits and "_.-~"
_LETTER_OF: Final = {letter: kind for kind, letter in ITEM_KINDS.items()}


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` when it is 1-64 of ``A-Z a-z 0-9 _ . -``.

    Raises
    ------
    InvalidFieldError
        Otherwise (a ``:`` would let two prefixes share keys; glob characters would break scans).

    """
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise InvalidFieldError("prefix", f"must be 1-64 of A-Z a-z 0-9 _ . - (no ':'), got {prefix!r}")
    return prefix


def check_version(version: str) -> str:
    """Return ``version`` when it is a valid cache version id.

    A version id is 1-128 of ``A-Z a-z 0-9 . _ @ + = ~ -`` and starts with a
    letter or digit: it appears in keys and scan patterns unescaped.

    Raises
    ------
    InvalidFieldError
        Otherwise.

    """
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise InvalidFieldError(
            "version",
            f"must be 1-128 of A-Z a-z 0-9 . _ @ + = ~ - starting with a letter or digit, got {version!r}",
        )
    return version


def is_version(version: object) -> bool:
    """True when ``version`` is a valid version id (:func:`check_version` would accept it)."""
    return isinstance(version, str) and _VERSION.fullmatch(version) is not None


def escape(part: str) -> str:
    """Escape an id or scope for use inside a key (the result never contains ``:``)."""
    if _PLAIN_ID.fullmatch(part):  # nearly every id: no work
        return part
    return quote(part, safe=_SAFE_FOR_QUOTE, encoding="utf-8", errors="surrogatepass")


def unescape(part: str) -> str:
    """Invert :func:`escape`."""
    return unquote(part, encoding="utf-8", errors="surrogatepass") if "%" in part else part


@dataclass(frozen=True, slots=True)
class CacheKeys:
    """The key names under one prefix.

    Parameters
    ----------
    prefix : str
        Namespace of every key (:func:`check_prefix`).

    """

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        check_prefix(self.prefix)

    @property
    def active(self) -> str:
        """The active-version pointer."""
        return f"{self.prefix}:active"

    @property
    def versions(self) -> str:
        """The list of held versions, newest first."""
        return f"{self.prefix}:versions"

    @property
    def writing(self) -> str:
        """The set of versions claimed by publishers that have not committed or discarded (yet)."""
        return f"{self.prefix}:writing"

    @property
    def live_cards(self) -> str:
        """The hash of live cards."""
        return f"{self.prefix}:live:cards"

    def recent(self, user_id: str) -> str:
        """A user's recent interactions."""
        return f"{self.prefix}:recent:{escape(user_id)}"

    def version_root(self, version: str) -> str:
        """What every key of ``version`` starts with."""
        return f"{self.prefix}:v:{check_version(version)}:"

    def version_pattern(self, version: str | None = None) -> str:
        """A SCAN pattern for the keys of ``version`` (of every version when ``None``)."""
        return f"{self.version_root(version)}*" if version is not None else f"{self.prefix}:v:*"

    def version_part(self, version: str, part: str) -> str:
        """One of a version's single keys (:data:`VERSION_PARTS`)."""
        if part not in VERSION_PARTS:
            raise InvalidFieldError("part", f"must be one of {VERSION_PARTS}, got {part!r}")
        return f"{self.version_root(version)}{part}"

    def info(self, version: str) -> str:
        """The info recorded at commit."""
        return self.version_part(version, "info")

    def events(self, version: str) -> str:
        """The version's event vocabulary."""
        return self.version_part(version, "events")

    def cards(self, version: str) -> str:
        """The hash of the version's cards."""
        return self.version_part(version, "cards")

    def claim(self, version: str) -> str:
        """The marker a publisher holds while it writes ``version``."""
        return self.version_part(version, "claim")

    def item(self, kind: ItemKind, version: str, item_id: str) -> str:
        """The key of one list: a user's candidates, an event's similar events or a popular scope."""
        return f"{self.version_root(version)}{ITEM_KINDS[kind]}:{escape(item_id)}"

    def items(self, kind: ItemKind, version: str, item_ids: list[str]) -> list[str]:
        """:meth:`item` for many ids of one kind and version (the version is checked once)."""
        head = f"{self.version_root(version)}{ITEM_KINDS[kind]}:"
        return [head + (i if _PLAIN_ID.fullmatch(i) else escape(i)) for i in item_ids]

    def version_of(self, key: str | bytes) -> str | None:
        """The version a key belongs to, or ``None`` for keys outside any version."""
        text = key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key
        parts = text.split(":", 3)
        if len(parts) < 4 or parts[0] != self.prefix or parts[1] != "v":
            return None
        return parts[2]


def parse_key(keys: CacheKeys, key: str) -> tuple[ItemKind, str, str]:
    """Split a list key built by :meth:`CacheKeys.item` back into ``(kind, version, id)``.

    Raises
    ------
    InvalidFieldError
        When ``key`` is not such a key.

    """
    parts = key.split(":")
    if len(parts) != 5 or parts[0] != keys.prefix or parts[1] != "v" or parts[3] not in _LETTER_OF:
        raise InvalidFieldError("key", f"{key!r} is not a list key under prefix {keys.prefix!r}")
    kind: ItemKind = _LETTER_OF[parts[3]]  # type: ignore[assignment]
    return kind, check_version(parts[2]), unescape(parts[4])
