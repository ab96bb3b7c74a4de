"""Turn files and folders into raw JSON-LD documents.

Accepted inputs, per file:

- a single JSON document (``.json``);
- a JSON array of documents;
- a Search API v3 result page (hydra ``PagedCollection``): its ``member[]``;
- JSON Lines (``.jsonl``/``.ndjson``): one document (or array, or page) per line;
- any of these gzip-compressed (``.gz``).

A folder is searched recursively for ``.json``, ``.jsonl``, ``.ndjson`` (each
optionally ``.gz``) and read in sorted path order. A file that cannot be read
or parsed gives one :class:`RecordError` naming the file and the problem
(with line and column for bad JSON); a bad JSON line is an error for that
line only. Nothing here raises for bad input.

Positions identify records whose id cannot be read: ``#3`` is the fourth
document of a file (array element or page member), ``line 7`` the seventh line
of a JSON Lines file (``line 7 #2`` for the third document on it).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from recsys.data.uitdatabank.fields import type_name
from recsys.domain.errors import RecordError

JSON_SUFFIXES = (".json",)
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_COLLECTION_TYPES = frozenset({"PagedCollection", "hydra:PagedCollection", "Collection", "hydra:Collection"})
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One JSON object read from a file, not yet interpreted.

    Parameters
    ----------
    source : str
        The file it came from (as given, or under the folder as given).
    position : str
        Where in the file: ``#0``, ``#3``, ``line 7`` or ``line 7 #2``.
    data : Mapping
        The parsed JSON object.

    """

    source: str
    position: str
    data: Mapping[str, Any]


def _suffixes(path: Path) -> tuple[str, bool]:
    """Return the data suffix (without ``.gz``) and whether the file is gzipped."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    dot = name.rfind(".")
    return (name[dot:] if dot >= 0 else ""), gzipped


def is_supported(path: Path) -> bool:
    """True for the file names a folder scan picks up."""
    suffix, _ = _suffixes(path)
    return suffix in JSON_SUFFIXES or suffix in JSON_LINES_SUFFIXES


def iter_files(paths: Iterable[Path | str]) -> Iterator[tuple[str, Path] | RecordError]:
    """Yield ``(source, file)`` for every file to read, in order.

    ``source`` is the path as given for a file, and the file's path under the
    folder as given for a folder. A path that does not exist gives an error.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            try:
                found = sorted(p for p in path.rglob("*") if is_supported(p) and p.is_file())
            except OSError as exc:
                yield RecordError(str(given), None, "", f"cannot list folder: {exc}")
                continue
            yield from ((str(p), p) for p in found)
        elif path.is_file():
            yield str(given), path
        else:
            yield RecordError(str(given), None, "", "no such file or folder")


_WHERE = re.compile(r":? line \d+ column \d+ \(char \d+\)$")


def _json_error(exc: orjson.JSONDecodeError, *, one_line: bool = False) -> str:
    """Describe a parse error with its line and column (only the column within a JSON line)."""
    reason = _WHERE.sub("", str(exc)) or "malformed"
    if one_line:
        return f"invalid JSON at column {exc.colno}: {reason}"
    hint = "; the file looks truncated" if "end of data" in reason or "EOF" in reason else ""
    return f"invalid JSON at line {exc.lineno} column {exc.colno}: {reason}{hint}"


def _expand(value: object, source: str, position: str, numbered: bool) -> Iterator[RawDocument | RecordError]:
    """Yield the documents in a parsed JSON value (a document, an array or a page).

    ``position`` is the location of ``value`` itself; ``numbered`` says whether
    items should get ``#i`` appended (false for a whole file, whose items are
    numbered from scratch).
    """

    def at(i: int) -> str:
        return f"{position} #{i}" if numbered else f"#{i}"

    if isinstance(value, Mapping):
        members = value.get("member")
        if value.get("@type") in _COLLECTION_TYPES or (isinstance(members, list) and "totalItems" in value):
            if members is None:
                return
            if not isinstance(members, list):
                yield RecordError(
                    source, position if numbered else None, "member", f"expected an array, got {type_name(members)}"
                )
                return
            for i, member in enumerate(members):
                yield from _item(member, source, at(i))
            return
        yield RawDocument(source, position if numbered else "#0", value)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _item(item, source, at(i))
    else:
        yield RecordError(
            source, position if numbered else None, "", f"expected a JSON object or array, got {type_name(value)}"
        )


def _item(value: object, source: str, position: str) -> Iterator[RawDocument | RecordError]:
    if isinstance(value, Mapping):
        yield RawDocument(source, position, value)
    else:
        yield RecordError(source, position, "", f"expected a JSON object (a document), got {type_name(value)}")


def _read_json(path: Path, source: str, gzipped: bool) -> Iterator[RawDocument | RecordError]:
    try:
        data = gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        yield RecordError(source, None, "", f"cannot read file: {exc}")
        return
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield RecordError(source, None, "", _json_error(exc))
        return
    yield from _expand(value, source, "", numbered=False)


def _read_json_lines(path: Path, source: str, gzipped: bool) -> Iterator[RawDocument | RecordError]:
    number = 0
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1 and line.startswith(_BOM):
                    line = line[len(_BOM) :]
                if not line.strip():
                    continue
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield RecordError(source, f"line {number}", "", _json_error(exc, one_line=True))
                    continue
                yield from _expand(value, source, f"line {number}", numbered=True)
    except (OSError, EOFError, zlib.error) as exc:
        where = f" after line {number}" if number else ""
        yield RecordError(source, None, "", f"cannot read file{where}: {exc}")


def read_documents(paths: Iterable[Path | str]) -> Iterator[RawDocument | RecordError]:
    """Yield every document in ``paths``, and an error for everything unreadable.

    Parameters
    ----------
    paths : iterable of Path or str
        Files and folders (folders are searched recursively).

    Yields
    ------
    RawDocument or RecordError
        Documents in file order; errors where a file, a line or an item
        could not be read as a JSON object.

    """
    for item in iter_files(paths):
        if isinstance(item, RecordError):
            yield item
            continue
        source, path = item
        suffix, gzipped = _suffixes(path)
        if suffix in JSON_LINES_SUFFIXES:
            yield from _read_json_lines(path, source, gzipped)
        else:
            yield from _read_json(path, source, gzipped)
