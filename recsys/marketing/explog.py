"""The experiment log: append-only exposures and outcomes, one JSON line per record.

``<experiment folder>/log/exposures.jsonl`` holds what each user was shown
(arm, user, event ids, time) and ``outcomes.jsonl`` what they did with it
(click, ticket, check-in, dismiss, ...). A batch is written under an
exclusive ``flock`` with one ``write`` and an ``fsync`` before the call
returns, so an acknowledged record survives a crash and writers in several
processes (server replicas, the widget's collector) never interleave lines.
A crash in the middle of a write can leave a torn last line: the next writer
ends it first, and readers skip lines that do not parse (and count them).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

LOG_DIR: Final = "log"
EXPOSURES_FILE: Final = "exposures.jsonl"
OUTCOMES_FILE: Final = "outcomes.jsonl"

EXPOSURE_SCHEMA: Final = {
    "arm": pl.String,
    "user_id": pl.String,
    "event_ids": pl.List(pl.String),
    "time_us": pl.Int64,
    "placement": pl.String,
}
OUTCOME_SCHEMA: Final = {
    "arm": pl.String,
    "user_id": pl.String,
    "event_id": pl.String,
    "kind": pl.String,
    "time_us": pl.Int64,
}


@dataclass(frozen=True, slots=True)
class ExposureRecord:
    """A list shown to a user in an experiment.

    Parameters
    ----------
    arm : str
        The user's arm.
    user_id : str
        Pseudonymous id.
    event_ids : tuple of str
        What was shown, in order.
    time_us : int
        When, in microseconds since the epoch (UTC).
    placement : str or None
        Where (widget placement), when known.

    """

    arm: str
    user_id: str
    event_ids: tuple[str, ...]
    time_us: int
    placement: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        record = asdict(self)
        record["event_ids"] = list(self.event_ids)
        return record


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """What a user in an experiment did with an event.

    Parameters
    ----------
    arm : str
        The user's arm.
    user_id, event_id : str
        Who and what.
    kind : str
        ``click``, ``ticket``, ``check-in``, ``dismiss``, ``like``, ``bookmark`` or ``share``.
    time_us : int
        When, in microseconds since the epoch (UTC).

    """

    arm: str
    user_id: str
    event_id: str
    kind: str
    time_us: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LogSnapshot:
    """Everything logged so far, as data frames.

    Parameters
    ----------
    exposures : polars.DataFrame
        Columns of :data:`EXPOSURE_SCHEMA`.
    outcomes : polars.DataFrame
        Columns of :data:`OUTCOME_SCHEMA`.
    skipped_lines : int
        Lines that did not parse (a torn write after a crash).

    """

    exposures: pl.DataFrame
    outcomes: pl.DataFrame
    skipped_lines: int


class ExperimentLog:
    """The exposures and outcomes of one experiment.

    Parameters
    ----------
    folder : Path
        The experiment's folder; the log lives in ``folder/log/``.

    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / LOG_DIR

    def append_exposures(self, records: Sequence[ExposureRecord]) -> int:
        """Append exposures durably; returns how many."""
        return self._append(EXPOSURES_FILE, [r.to_dict() for r in records])

    def append_outcomes(self, records: Sequence[OutcomeRecord]) -> int:
        """Append outcomes durably; returns how many."""
        return self._append(OUTCOMES_FILE, [r.to_dict() for r in records])

    def has_exposures(self) -> bool:
        """Whether anything was shown yet."""
        path = self.folder / EXPOSURES_FILE
        return path.exists() and path.stat().st_size > 0

    def exposures_since(self, offset: int) -> tuple[list[ExposureRecord], int]:
        """Exposures written from byte ``offset`` on, and the offset to read on from next time.

        Only whole lines are read: a line still being written (or torn) waits
        for its newline, and a line that does not parse is skipped. A server
        keeps the offset and reads only what was appended since, so following
        a long log costs one ``stat`` while nothing changes.
        """
        path = self.folder / EXPOSURES_FILE
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return [], 0
        if size < offset:
            offset = 0  # the file was replaced: read it again from the start
        if size == offset:
            return [], offset
        with path.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read(size - offset)
        end = chunk.rfind(b"\n") + 1
        records = []
        for line in chunk[:end].splitlines():
            try:
                row = json.loads(line)
                records.append(
                    ExposureRecord(
                        str(row["arm"]),
                        str(row["user_id"]),
                        tuple(str(e) for e in row["event_ids"]),
                        int(row["time_us"]),
                        row.get("placement"),
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue
        return records, offset + end

    def read(self) -> LogSnapshot:
        """Read both files (a consistent view of every acknowledged batch)."""
        exposures, bad_e = _read(self.folder / EXPOSURES_FILE, EXPOSURE_SCHEMA)
        outcomes, bad_o = _read(self.folder / OUTCOMES_FILE, OUTCOME_SCHEMA)
        return LogSnapshot(exposures, outcomes, bad_e + bad_o)

    def _append(self, name: str, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        payload = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / name, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                payload = b"\n" + payload  # end a line torn by a crash, so this batch starts clean
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock
        return len(rows)


def _read(path: Path, schema: dict[str, Any]) -> tuple[pl.DataFrame, int]:
    """Parse a JSON-lines file; lines that do not parse are skipped and counted."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return pl.DataFrame(schema=schema), 0
    end = raw.rfind(b"\n") + 1
    torn = 1 if raw[end:].strip() else 0  # a last line without its newline is a write in progress or torn
    body = raw[:end]
    if not body.strip():
        return pl.DataFrame(schema=schema), torn
    try:
        return pl.read_ndjson(io.BytesIO(body), schema=schema), torn
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, ValueError):
        pass
    good, bad = [], 0
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(record, dict) and all(k in record for k in ("arm", "user_id", "time_us")):
            good.append(line)
        else:
            bad += 1
    if not good:
        return pl.DataFrame(schema=schema), bad + torn
    return pl.read_ndjson(io.BytesIO(b"\n".join(good) + b"\n"), schema=schema), bad + torn
