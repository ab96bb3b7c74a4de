"""The embedded durable interaction log: a folder of immutable Arrow IPC segment files.

Layout of the folder::

    MANIFEST.json                         the committed list of live segments, in append order
    LOCK                                  advisory lock (``flock``) held by the one writer
    seg-000000000007.arrow                one segment: an uncompressed Arrow IPC file
    seg-000000000007.<stamp>.idx.npy      its idempotency index: sorted id hashes and their rows
    *.tmp-*                               files being written; never read, removed by the writer

**Commit protocol.** A change writes new segment files under temporary names,
fsyncs them, renames them into place and fsyncs the folder; then it writes a
new manifest the same way. The rename of ``MANIFEST.json`` is the single
commit point: a reader sees the old list or the new one, never a partial
segment, and a change that crashed before it leaves only files no manifest
names, which the next writer deletes. Segments are never modified, so readers
memory-map them without locks and keep what they mapped even after a
compaction deletes the file.

**Idempotency.** Each segment of 65,536 rows or more has a sidecar with the
sorted 64-bit hashes of its ``interaction_id`` values (smaller segments are
rehashed when a writer opens the log) (polars' hash, stamped with
:func:`~recsys.stores.batches.hash_stamp` because that hash is stable within
one polars build only; sidecars with another stamp are rebuilt). The writer
keeps all hashes in one sorted array (8 bytes per interaction) plus a small
sorted delta for recent appends, so a 10-row append costs a few binary
searches and a million-row append a sort. A hash hit is confirmed against the
stored id strings of the segment that holds it, so a collision never drops a
real interaction.

**Compaction.** Small appends make small segments. After each append the tail
of the log is merged, size-tiered, whenever ``fanout`` neighbouring small
segments of the same size tier have gathered; :meth:`SegmentLog.compact`
merges every run of small segments. Merges keep append order.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.errors import StoreError
from recsys.domain.interactions import INTERACTION_SCHEMA
from recsys.stores.batches import (
    ARRAY_COLUMNS,
    InteractionArrays,
    arrays_from_table,
    first_occurrence_mask,
    hash_ids,
    hash_order,
    hash_stamp,
    select_columns,
    validate_batch,
)
from recsys.stores.protocols import WriteResult

MANIFEST: Final = "MANIFEST.json"
LOCK: Final = "LOCK"
FORMAT_VERSION: Final = 1
_SEGMENT_SUFFIX: Final = ".arrow"
_INDEX_SUFFIX: Final = ".idx.npy"
_TMP_MARK: Final = ".tmp-"
_READ_ATTEMPTS: Final = 50
_DELTA_MIN: Final = 1 << 16
# Smaller segments get no sidecar file: rehashing them on open is cheaper than a file per small append.
_SIDECAR_MIN_ROWS: Final = 1 << 16

Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One live segment as the manifest lists it.

    Parameters
    ----------
    name : str
        File name inside the log folder, e.g. ``seg-000000000007.arrow``.
    rows : int
        Number of interactions it holds.

    """

    name: str
    rows: int

    @property
    def stem(self) -> str:
        """The name without its suffix; sidecar files start with it."""
        return self.name.removesuffix(_SEGMENT_SUFFIX)


@dataclass(frozen=True, slots=True)
class _Manifest:
    next_seq: int
    segments: tuple[SegmentInfo, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT_VERSION,
                "next_seq": self.next_seq,
                "segments": [{"name": s.name, "rows": s.rows} for s in self.segments],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str, where: Path) -> _Manifest:
        try:
            doc = json.loads(text)
            if doc["format"] != FORMAT_VERSION:
                raise StoreError(f"{where} has format {doc['format']}; this code reads format {FORMAT_VERSION}")
            segments = tuple(SegmentInfo(str(s["name"]), int(s["rows"])) for s in doc["segments"])
            return cls(int(doc["next_seq"]), segments)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{where} is not a valid interaction log manifest: {exc}") from exc


_EMPTY: Final = _Manifest(0, ())


# -- files ----------------------------------------------------------------------------------------


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(final: Path, write: Callable[[Path], None]) -> None:
    """Write ``final`` through a temporary file: write, fsync, rename. The caller fsyncs the folder."""
    tmp = final.with_name(f"{final.name}{_TMP_MARK}{os.getpid()}")
    try:
        write(tmp)
        _fsync_file(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_ipc(table: pa.Table) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, INTERACTION_SCHEMA) as writer:
            writer.write_table(table)

    return write


def _write_npy(array: npt.NDArray[Any]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with path.open("wb") as f:
            np.save(f, array, allow_pickle=False)

    return write


def _write_text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


# -- the writer's hash index ----------------------------------------------------------------------


class _HashIndex:
    """A sorted multiset of id hashes: one large array and a small delta merged into it now and then."""

    def __init__(self, hashes: Hashes) -> None:
        self.main: Hashes = np.sort(hashes, kind="stable")  # stable sort is fast on sorted runs
        self.delta: Hashes = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.main) + len(self.delta)

    def contains_sorted(self, sorted_hashes: Hashes) -> npt.NDArray[np.bool_]:
        """Membership of each of ``sorted_hashes`` (sorted queries keep the searches cache-friendly)."""
        found = np.zeros(len(sorted_hashes), dtype=np.bool_)
        for part in (self.main, self.delta):
            if len(part):
                pos = np.searchsorted(part, sorted_hashes)
                found |= part[np.minimum(pos, len(part) - 1)] == sorted_hashes
        return found

    def add_sorted(self, sorted_hashes: Hashes) -> None:
        """Add hashes (sorted); amortised cost stays near the size of what is added."""
        self.delta = _merge_sorted(self.delta, sorted_hashes)
        if len(self.delta) > max(_DELTA_MIN, len(self.main) >> 4):
            self.main = _merge_sorted(self.main, self.delta)
            self.delta = np.empty(0, dtype=np.uint64)


def _merge_sorted(a: Hashes, b: Hashes) -> Hashes:
    if len(a) == 0:
        return b.copy()
    if len(b) == 0:
        return a
    return np.insert(a, np.searchsorted(a, b), b)


@dataclass(slots=True)
class _Sidecar:
    """Sorted hashes of one segment's ids and, for each, its row in the segment."""

    hashes: Hashes
    rows: npt.NDArray[np.uint64]


def _sidecar_from(hashes: Hashes, order: npt.NDArray[np.int64]) -> _Sidecar:
    return _Sidecar(hashes[order], order.astype(np.uint64))


# -- the log --------------------------------------------------------------------------------------


class _WriterState:
    """What only the process holding the lock has: the lock itself, the index and the sidecars."""

    def __init__(self, lock_fd: int, manifest: _Manifest, stamp: str) -> None:
        self.lock_fd = lock_fd
        self.manifest = manifest
        self.next_seq = manifest.next_seq
        self.stamp = stamp
        self.sidecars: dict[str, _Sidecar] = {}
        self.index = _HashIndex(np.empty(0, dtype=np.uint64))


class SegmentLog:
    """An :class:`~recsys.stores.protocols.InteractionLog` in a folder of immutable Arrow IPC segments.

    Parameters
    ----------
    path : str or Path
        The log folder (``interactions/`` in a workspace); created when absent.
    auto_compact : bool
        Merge small tail segments after appends (size-tiered, see the module notes).
    fanout : int
        How many neighbouring small segments of one size tier trigger a merge.
    small_segment_rows : int
        Segments with at least this many rows are left alone by compaction.

    Notes
    -----
    Any number of processes may open the same folder to read. The first
    write (``append``, ``delete_user``, ``compact``) takes an exclusive
    ``flock`` on ``LOCK`` and keeps it until :meth:`close`; another process
    (or another instance in this process) that tries to write meanwhile gets
    a :class:`StoreError`. Reads take no lock and see whole committed batches.

    """

    def __init__(
        self,
        path: str | Path,
        *,
        auto_compact: bool = True,
        fanout: int = 8,
        small_segment_rows: int = 1_000_000,
    ) -> None:
        if fanout < 2:
            raise ValueError(f"fanout must be at least 2, got {fanout}")
        self.path = Path(path)
        self.auto_compact = auto_compact
        self.fanout = fanout
        self.small_segment_rows = small_segment_rows
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the interaction log folder {self.path}: {exc}") from exc
        self._write_lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self._tables: dict[str, pa.Table] = {}  # memory-mapped segments by name; valid forever
        self._writer: _WriterState | None = None
        self._closed = False

    # -- reading ----------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the interaction log at {self.path} is closed")

    def _read_manifest(self) -> _Manifest:
        writer = self._writer
        if writer is not None:
            return writer.manifest  # the lock holder's copy is the committed one
        where = self.path / MANIFEST
        try:
            text = where.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _EMPTY
        except OSError as exc:
            raise StoreError(f"cannot read {where}: {exc}") from exc
        return _Manifest.from_json(text, where)

    def _segment(self, info: SegmentInfo) -> pa.Table:
        """Return a segment, memory-mapped (zero copy) and cached; FileNotFoundError when it is gone."""
        with self._cache_lock:
            table = self._tables.get(info.name)
        if table is not None:
            return table
        where = self.path / info.name
        try:
            source = pa.memory_map(str(where), "r")
            table = pa.ipc.open_file(source).read_all()
        except FileNotFoundError:
            raise
        except (OSError, pa.ArrowInvalid) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
                raise FileNotFoundError(str(where)) from exc
            raise StoreError(f"segment {where} cannot be read: {exc}") from exc
        if len(table) != info.rows or not table.schema.equals(INTERACTION_SCHEMA):
            raise StoreError(f"segment {where} does not match the manifest ({len(table)} rows, {info.rows} listed)")
        with self._cache_lock:
            self._tables[info.name] = table
        return table

    def _snapshot(self) -> list[tuple[SegmentInfo, pa.Table]]:
        """Map every segment of one manifest; retried when a compaction removes files meanwhile."""
        for attempt in range(_READ_ATTEMPTS):
            manifest = self._read_manifest()
            try:
                tables = [(info, self._segment(info)) for info in manifest.segments]
            except FileNotFoundError:
                time.sleep(0.001 * attempt)
                continue
            live = {info.name for info in manifest.segments}
            with self._cache_lock:
                for name in [n for n in self._tables if n not in live]:
                    del self._tables[name]
            return tables
        raise StoreError(f"the interaction log at {self.path} kept changing under the reader; try again")

    def export(self, columns: list[str] | None = None) -> pa.Table:
        """Return a consistent snapshot of every stored interaction, in append order.

        Parameters
        ----------
        columns : list of str, optional
            Columns to return (all by default).

        Returns
        -------
        pyarrow.Table
            Memory-mapped, so no data is copied until it is used.

        """
        self._check_open()
        snapshot = self._snapshot()
        empty = INTERACTION_SCHEMA.empty_table()
        tables = [select_columns(t, columns) for _, t in snapshot] or [select_columns(empty, columns)]
        return pa.concat_tables(tables)

    def export_arrays(self) -> InteractionArrays:
        """Return the stored interactions as training arrays (see :class:`~recsys.stores.batches.InteractionArrays`)."""
        return arrays_from_table(self.export(ARRAY_COLUMNS))

    def count(self) -> int:
        """Number of stored interactions (from the manifest; nothing is read)."""
        self._check_open()
        return sum(s.rows for s in self._read_manifest().segments)

    def segments(self) -> list[SegmentInfo]:
        """The live segments in append order."""
        self._check_open()
        return list(self._read_manifest().segments)

    # -- becoming the writer ----------------------------------------------------------------------

    def _become_writer(self) -> _WriterState:
        self._check_open()
        if self._writer is not None:
            return self._writer
        lock_path = self.path / LOCK
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot open {lock_path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(
                    f"another writer (pid {holder}) holds the interaction log at {self.path}; "
                    "only one process may write at a time"
                ) from None
            raise StoreError(f"cannot lock {lock_path}: {exc}") from exc
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            state = self._recover(fd)
        except BaseException as exc:
            os.close(fd)  # also releases the lock
            if isinstance(exc, OSError | pa.ArrowException):
                raise StoreError(f"cannot open the interaction log at {self.path} for writing: {exc}") from exc
            raise
        self._writer = state
        return state

    def _recover(self, lock_fd: int) -> _WriterState:
        """Under the lock: clean up after crashes, bring sidecars up to date, load the index."""
        manifest_path = self.path / MANIFEST
        names = os.listdir(self.path)
        if not manifest_path.exists():
            if any(n.endswith(_SEGMENT_SUFFIX) for n in names):
                raise StoreError(f"{self.path} holds segments but no {MANIFEST}; refusing to guess which are live")
            _write_durably(manifest_path, _write_text(_EMPTY.to_json()))
            _fsync_dir(self.path)
        manifest = self._read_manifest()
        state = _WriterState(lock_fd, manifest, hash_stamp())
        live = {s.stem for s in manifest.segments}
        removed = False
        for name in names:
            stem = name.split(".", 1)[0]
            stale_index = name.endswith(_INDEX_SUFFIX) and (
                stem not in live or name != f"{stem}.{state.stamp}{_INDEX_SUFFIX}"
            )
            orphan = name.endswith(_SEGMENT_SUFFIX) and stem not in live
            if _TMP_MARK in name or stale_index or orphan:
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()
                removed = True
        if removed:
            _fsync_dir(self.path)
        for info in manifest.segments:
            state.sidecars[info.name] = self._load_sidecar(info, state.stamp)
        state.index = _HashIndex(
            np.concatenate([s.hashes for s in state.sidecars.values()])
            if state.sidecars
            else np.empty(0, dtype=np.uint64)
        )
        return state

    def _sidecar_path(self, info: SegmentInfo, stamp: str) -> Path:
        return self.path / f"{info.stem}.{stamp}{_INDEX_SUFFIX}"

    def _load_sidecar(self, info: SegmentInfo, stamp: str) -> _Sidecar:
        where = self._sidecar_path(info, stamp)
        try:
            stored = np.load(where, mmap_mode="r", allow_pickle=False)
            if stored.shape == (2, info.rows) and stored.dtype == np.uint64:
                return _Sidecar(stored[0], stored[1])
        except (OSError, ValueError):
            pass  # absent (new stamp) or unreadable: rebuild it below
        hashes = hash_ids(self._segment(info).column("interaction_id"))
        sidecar = _sidecar_from(hashes, hash_order(hashes))
        if info.rows >= _SIDECAR_MIN_ROWS:
            _write_durably(where, _write_npy(np.stack([sidecar.hashes, sidecar.rows])))
            _fsync_dir(self.path)
        return sidecar

    # -- writing ----------------------------------------------------------------------------------

    def _write_segment(self, state: _WriterState, table: pa.Table, sidecar: _Sidecar | None = None) -> SegmentInfo:
        """Write one new segment and its sidecar durably; not yet live until the manifest names it."""
        info = SegmentInfo(f"seg-{state.next_seq:012d}{_SEGMENT_SUFFIX}", len(table))
        state.next_seq += 1
        if sidecar is None:
            hashes = hash_ids(table.column("interaction_id"))
            sidecar = _sidecar_from(hashes, hash_order(hashes))
        _write_durably(self.path / info.name, _write_ipc(table))
        if info.rows >= _SIDECAR_MIN_ROWS:
            _write_durably(self._sidecar_path(info, state.stamp), _write_npy(np.stack([sidecar.hashes, sidecar.rows])))
        state.sidecars[info.name] = sidecar
        return info

    def _commit(self, state: _WriterState, segments: Sequence[SegmentInfo]) -> None:
        """Make ``segments`` the live list: fsync the new files' names, then swap the manifest."""
        _fsync_dir(self.path)
        manifest = _Manifest(state.next_seq, tuple(segments))
        _write_durably(self.path / MANIFEST, _write_text(manifest.to_json()))
        _fsync_dir(self.path)
        live = {s.name for s in manifest.segments}
        dropped = [s for s in state.manifest.segments if s.name not in live]
        state.manifest = manifest
        for info in dropped:
            # Readers that mapped these keep their mappings; new readers never look for them.
            state.sidecars.pop(info.name, None)
            for name in (info.name, self._sidecar_path(info, state.stamp).name):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[_WriterState]:
        """Be the writer for one change; on failure forget the in-memory state and report a StoreError."""
        with self._write_lock:
            state = self._become_writer()
            try:
                yield state
            except BaseException as exc:
                # Memory may now disagree with the folder (say, the manifest was renamed but the
                # folder fsync failed): drop everything so the next write recovers from disk.
                self._release_writer()
                if isinstance(exc, OSError | pa.ArrowException):
                    raise StoreError(f"interaction log {action} failed at {self.path}: {exc}") from exc
                raise

    def _release_writer(self) -> None:
        if self._writer is not None:
            os.close(self._writer.lock_fd)  # closing the descriptor releases the flock
            self._writer = None

    def append(self, batch: pa.Table) -> WriteResult:
        """Append a batch with :data:`~recsys.domain.interactions.INTERACTION_SCHEMA`, durably.

        Rows whose ``interaction_id`` is already stored, or repeats an earlier
        row of the batch, are skipped and counted as unchanged; the result's
        ``new_rows`` are the positions of the rows stored. When this returns,
        the batch is on disk and survives a killed process.

        Raises
        ------
        StoreError
            When the schema differs (nothing is written), another process is
            the writer, or the disk refuses the write.

        """
        table = validate_batch(batch)
        with self._writing("append") as state:
            if len(table) == 0:
                return WriteResult(0, 0)
            ids = table.column("interaction_id")
            hashes = hash_ids(ids)
            order = hash_order(hashes)
            keep = first_occurrence_mask(ids, hashes, order)
            sorted_hashes = hashes[order]
            candidates = order[state.index.contains_sorted(sorted_hashes)]
            candidates = candidates[keep[candidates]]
            if len(candidates):
                keep[candidates[self._stored(state, ids, hashes, candidates)]] = False
            kept = int(keep.sum())
            if kept == 0:
                return WriteResult(0, len(table))
            fresh = table if kept == len(table) else table.filter(pa.array(keep))
            if kept == len(table):
                sidecar = _sidecar_from(hashes, order)
            else:
                # The batch's hash order, restricted to kept rows and renumbered, is the new sidecar.
                kept_order = order[keep[order]]
                renumber = np.cumsum(keep) - 1
                sidecar = _Sidecar(hashes[kept_order], renumber[kept_order].astype(np.uint64))
            info = self._write_segment(state, fresh.combine_chunks(), sidecar)
            self._commit(state, [*state.manifest.segments, info])
            state.index.add_sorted(sidecar.hashes)
            if self.auto_compact:
                self._compact_tail(state)
        return WriteResult(kept, len(table) - kept, tuple(np.flatnonzero(keep).tolist()))

    def _stored(
        self, state: _WriterState, ids: pa.ChunkedArray, hashes: Hashes, candidates: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Check exactly whether batch rows whose hash the index holds are really stored."""
        found = np.zeros(len(candidates), dtype=np.bool_)
        wanted = hashes[candidates]
        for info in state.manifest.segments:
            sidecar = state.sidecars[info.name]
            lo = np.searchsorted(sidecar.hashes, wanted, "left")
            hi = np.searchsorted(sidecar.hashes, wanted, "right")
            open_ = np.flatnonzero((hi > lo) & ~found)
            if len(open_) == 0:
                continue
            stored_ids = self._segment(info).column("interaction_id")
            rows = np.asarray(sidecar.rows[lo[open_]], dtype=np.int64)
            same = pc.equal(ids.take(pa.array(candidates[open_])), stored_ids.take(pa.array(rows)))
            same_np = np.asarray(same.to_numpy(zero_copy_only=False), dtype=np.bool_)
            found[open_[same_np]] = True
            # Several stored ids share this hash (a collision): look at the others one by one.
            for j in open_[~same_np & (hi[open_] - lo[open_] > 1)]:
                value = ids[int(candidates[j])].as_py()
                others = sidecar.rows[lo[j] + 1 : hi[j]]
                found[j] = any(stored_ids[int(r)].as_py() == value for r in others)
            if found.all():
                break
        return found

    # -- compaction -------------------------------------------------------------------------------

    def _tier(self, rows: int) -> int:
        tier = 0
        while rows >= self.fanout:
            rows //= self.fanout
            tier += 1
        return tier

    def _merge(self, state: _WriterState, run: Sequence[SegmentInfo]) -> SegmentInfo:
        merged = pa.concat_tables([self._segment(info) for info in run]).combine_chunks()
        return self._write_segment(state, merged)

    def _replace(self, state: _WriterState, start: int, stop: int, new: Sequence[SegmentInfo]) -> None:
        segments = list(state.manifest.segments)
        segments[start:stop] = new
        self._commit(state, segments)

    def _compact_tail(self, state: _WriterState) -> None:
        """Size-tiered merging at the tail: each row is rewritten about once per tier."""
        while True:
            segments = state.manifest.segments
            if len(segments) < self.fanout or segments[-1].rows >= self.small_segment_rows:
                return
            tier = self._tier(segments[-1].rows)
            start = len(segments) - 1
            while (
                start > 0
                and segments[start - 1].rows < self.small_segment_rows
                and self._tier(segments[start - 1].rows) <= tier
            ):
                start -= 1
            if len(segments) - start < self.fanout:
                return
            self._replace(state, start, len(segments), [self._merge(state, segments[start:])])

    def compact(self) -> int:
        """Merge every run of neighbouring small segments into one segment.

        Returns
        -------
        int
            How many segments fewer there are.

        """
        with self._writing("compaction") as state:
            before = len(state.manifest.segments)
            position = 0
            while position < len(state.manifest.segments):
                segments = state.manifest.segments
                stop = position
                while stop < len(segments) and segments[stop].rows < self.small_segment_rows:
                    stop += 1
                if stop - position >= 2:
                    self._replace(state, position, stop, [self._merge(state, segments[position:stop])])
                    position += 1
                else:
                    position = max(stop, position + 1)
            return before - len(state.manifest.segments)

    # -- deletion ---------------------------------------------------------------------------------

    def delete_user(self, user_id: str) -> int:
        """Remove every interaction of ``user_id`` (right to be forgotten), atomically.

        Affected segments are rewritten without the user's rows and swapped
        in with one manifest change; readers see all of the deletion or none.

        Returns
        -------
        int
            How many interactions were removed.

        """
        with self._writing("deletion") as state:
            removed = 0
            segments: list[SegmentInfo] = []
            for info in state.manifest.segments:
                table = self._segment(info)
                mine = pc.equal(table.column("user_id"), user_id)
                hits = int(pc.sum(mine).as_py() or 0)
                if hits == 0:
                    segments.append(info)
                    continue
                removed += hits
                rest = table.filter(pc.invert(mine)).combine_chunks()
                if len(rest):
                    segments.append(self._write_segment(state, rest))
            if removed:
                self._commit(state, segments)
                state.index = _HashIndex(
                    np.concatenate([state.sidecars[s.name].hashes for s in segments])
                    if segments
                    else np.empty(0, dtype=np.uint64)
                )
            return removed

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the writer lock (if held) and the mapped segments. Safe to call twice."""
        with self._write_lock:
            self._release_writer()
            with self._cache_lock:
                self._tables.clear()
            self._closed = True

    def __enter__(self) -> SegmentLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
