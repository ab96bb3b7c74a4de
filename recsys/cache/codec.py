"""Bytes for the cache: candidate lists, event vocabularies, cards, recent interactions and version info.

No pickle: lists are fixed little-endian binary, everything else JSON (orjson).

A *candidate list* is stored as indices into its version's *event
vocabulary* (written once per version), not as id strings: a list of 200
UUID-like ids shrinks from ~7.5 kB to 1.6 kB (one score column), which is
the difference between 8 and 2 GB of Redis memory for a million users, and
decoding is two ``numpy.frombuffer`` calls and one ``take``. Both carry the
publish's random *nonce*, so a list is never read against the vocabulary of
another publish that happened to reuse the version id.

Layouts (little-endian)::

    list        u8 tag=1 | u8 0 | u16 n_columns | u32 nonce | u32 n | i32 index[n] | f32 score[n][n_columns]
    vocabulary  u8 tag=2 | u8 0 | u16 0         | u32 nonce | u32 n | UTF-8 ids joined by U+001F

Anything that does not parse raises :class:`~recsys.cache.protocol.CacheError`.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import orjson

from recsys.cache.cards import EventCard
from recsys.cache.protocol import CacheError, CandidateList, RecentInteraction
from recsys.domain.errors import InvalidFieldError

LIST_TAG: Final = 1
VOCABULARY_TAG: Final = 2
#: Separates ids in a vocabulary (ids never contain control characters, see recsys.domain.ids).
SEPARATOR: Final = "\x1f"
_HEADER: Final = struct.Struct("<BxHII")
HEADER_BYTES: Final = _HEADER.size
_MAX_COLUMNS: Final = 0xFFFF


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A version's event ids; lists hold positions in it.

    Parameters
    ----------
    nonce : int
        The publish's random 32-bit tag (lists carry it too).
    ids : ndarray of object (str)
        The event ids, in index order.

    """

    nonce: int
    ids: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.ids)


class StaleVocabularyError(CacheError):
    """A list was read against the vocabulary of another publish (the reader should fetch it again)."""


# -- candidate lists --------------------------------------------------------------------------------


def encode_list(nonce: int, indices: npt.NDArray[np.int32], scores: npt.NDArray[np.float32]) -> bytes:
    """One list: ``indices`` (n,) into the vocabulary and ``scores`` (n, n_columns)."""
    n, columns = scores.shape
    if len(indices) != n or not 1 <= columns <= _MAX_COLUMNS:
        raise ValueError(f"{len(indices)} indices for {n} score rows of {columns} columns")
    return (
        _HEADER.pack(LIST_TAG, columns, nonce, n)
        + np.ascontiguousarray(indices, dtype="<i4").tobytes()
        + np.ascontiguousarray(scores, dtype="<f4").tobytes()
    )


def encode_rows(
    nonce: int, indices: npt.NDArray[np.int32], scores: npt.NDArray[np.float32], lengths: npt.NDArray[np.int64]
) -> list[bytes]:
    """Encode many lists at once (the rows of a :class:`~recsys.cache.protocol.CandidateBlock`).

    Parameters
    ----------
    nonce : int
        The publish's tag.
    indices : ndarray of int32, shape (rows, k)
        Vocabulary positions, row ``i`` valid up to ``lengths[i]``.
    scores : ndarray of float32, shape (rows, k, n_columns)
        Aligned scores.
    lengths : ndarray of int64, shape (rows,)
        Valid entries per row.

    Returns
    -------
    list of bytes
        One value per row, each what :func:`encode_list` gives for that row.

    """
    rows, k = indices.shape
    columns = scores.shape[2]
    full = lengths == k
    out: list[bytes] = [b""] * rows
    if full.any():
        # Full rows share one header: lay them out as one byte matrix and cut it.
        header = np.frombuffer(_HEADER.pack(LIST_TAG, columns, nonce, k), dtype=np.uint8)
        chosen = np.flatnonzero(full)
        matrix = np.hstack(
            [
                np.broadcast_to(header, (len(chosen), HEADER_BYTES)),
                np.ascontiguousarray(indices[chosen], dtype="<i4").view(np.uint8).reshape(len(chosen), -1),
                np.ascontiguousarray(scores[chosen], dtype="<f4").reshape(len(chosen), -1).view(np.uint8),
            ]
        )
        width = matrix.shape[1]
        blob = matrix.tobytes()
        for j, row in enumerate(chosen.tolist()):
            out[row] = blob[j * width : (j + 1) * width]
    for row in np.flatnonzero(~full).tolist():
        n = int(lengths[row])
        out[row] = encode_list(nonce, indices[row, :n], scores[row, :n])
    return out


def decode_list(value: bytes, vocabulary: Vocabulary) -> CandidateList:
    """Read a list written by :func:`encode_list` against its version's vocabulary.

    Raises
    ------
    StaleVocabularyError
        When the list belongs to another publish than ``vocabulary``.
    CacheError
        When the value is malformed.

    """
    _, columns, nonce, n = _header(value, LIST_TAG, "candidate list")
    expected = HEADER_BYTES + 4 * n + 4 * n * columns
    if len(value) != expected or columns < 1:
        raise CacheError(f"malformed candidate list: {len(value)} bytes for {n} entries of {columns} columns")
    if nonce != vocabulary.nonce:
        raise StaleVocabularyError("the candidate list belongs to another publish of this version id")
    indices = np.frombuffer(value, dtype="<i4", count=n, offset=HEADER_BYTES)
    if n and (int(indices.min()) < 0 or int(indices.max()) >= len(vocabulary)):
        raise CacheError(f"malformed candidate list: an index lies outside the {len(vocabulary)} events of its version")
    scores = np.frombuffer(value, dtype="<f4", count=n * columns, offset=HEADER_BYTES + 4 * n)
    return CandidateList(tuple(vocabulary.ids[indices].tolist()), scores.reshape(n, columns))


def encode_vocabulary(vocabulary: Vocabulary) -> bytes:
    """A version's event ids."""
    ids = [str(i) for i in vocabulary.ids.tolist()]
    if any(SEPARATOR in i for i in ids):
        raise ValueError("an event id contains U+001F, which the vocabulary uses as separator")
    return _HEADER.pack(VOCABULARY_TAG, 0, vocabulary.nonce, len(ids)) + SEPARATOR.join(ids).encode("utf-8")


def decode_vocabulary(value: bytes) -> Vocabulary:
    """Read what :func:`encode_vocabulary` wrote.

    Raises
    ------
    CacheError
        When the value is malformed.

    """
    _, _, nonce, n = _header(value, VOCABULARY_TAG, "event vocabulary")
    try:
        text = value[HEADER_BYTES:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CacheError(f"malformed event vocabulary: {exc}") from exc
    ids = text.split(SEPARATOR) if n else []
    if len(ids) != n:
        raise CacheError(f"malformed event vocabulary: {len(ids)} ids, the header says {n}")
    array = np.empty(n, dtype=object)
    # Interned, like the ids of decoded cards: look-ups of a list's ids in tables keyed by card ids
    # then meet the very same string object and skip comparing characters.
    array[:] = [sys.intern(i) for i in ids]
    return Vocabulary(nonce, array)


def _header(value: bytes, tag: int, what: str) -> tuple[int, int, int, int]:
    if not isinstance(value, bytes | bytearray | memoryview) or len(value) < HEADER_BYTES:
        raise CacheError(f"malformed {what}: too short or not bytes")
    found: tuple[int, int, int, int] = _HEADER.unpack_from(value)
    if found[0] != tag:
        raise CacheError(f"malformed {what}: tag {found[0]}, expected {tag}")
    return found


# -- JSON values ------------------------------------------------------------------------------------


def encode_card(card: EventCard) -> bytes:
    """A card as JSON."""
    return orjson.dumps(card.to_dict())


def decode_card(value: bytes) -> EventCard:
    """Read a card written by :func:`encode_card` (raises :class:`CacheError` when malformed)."""
    try:
        data = orjson.loads(value)
        if not isinstance(data, dict):
            raise CacheError("malformed card: not a JSON object")
        if isinstance(event_id := data.get("event_id"), str):
            data["event_id"] = sys.intern(event_id)  # the same object as the vocabulary's id (see there)
        return EventCard.from_dict(data)
    except (orjson.JSONDecodeError, InvalidFieldError, TypeError, ValueError) as exc:
        raise CacheError(f"malformed card: {exc}") from exc


def encode_recent(entry: RecentInteraction) -> bytes:
    """One recent interaction (also its identity: the same event, kind and time is stored once)."""
    return orjson.dumps([entry.event_id, entry.kind, entry.timestamp_us])


def decode_recent(value: bytes) -> RecentInteraction:
    """Read what :func:`encode_recent` wrote (raises :class:`CacheError` when malformed)."""
    try:
        event_id, kind, timestamp_us = orjson.loads(value)
    except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
        raise CacheError(f"malformed recent interaction: {exc}") from exc
    if not isinstance(event_id, str) or not isinstance(kind, str) or type(timestamp_us) is not int:
        raise CacheError("malformed recent interaction: expected [event_id, kind, timestamp_us]")
    return RecentInteraction(event_id, kind, timestamp_us)


def recent_order(entries: Sequence[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Newest first, ties by encoded value descending: the order Redis' ZREVRANGE gives."""
    return sorted(entries, reverse=True)


def encode_info(info: Any) -> bytes:
    """Version info as JSON.

    Raises
    ------
    InvalidFieldError
        When ``info`` is not JSON-able.

    """
    try:
        return orjson.dumps(dict(info), option=orjson.OPT_SERIALIZE_NUMPY)
    except (TypeError, ValueError) as exc:
        raise InvalidFieldError("info", f"must be JSON-able: {exc}") from exc


def decode_info(value: bytes) -> dict[str, Any]:
    """Read what :func:`encode_info` wrote (raises :class:`CacheError` when malformed)."""
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise CacheError(f"malformed version info: {exc}") from exc
    if not isinstance(data, dict):
        raise CacheError("malformed version info: not a JSON object")
    return data
