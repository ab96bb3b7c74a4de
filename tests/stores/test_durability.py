"""Durability of the embedded backends: killed writers, concurrent readers, one writer at a time.

Writers run in child processes (``sys.executable``) so that ``SIGKILL`` hits a
real process at a random moment; the test process is the reader.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from recsys.domain.errors import StoreError
from recsys.domain.events import Calendar, CalendarType, Event
from recsys.domain.interactions import INTERACTION_SCHEMA
from recsys.domain.language import LanguageMap
from recsys.stores import segment_log
from recsys.stores.batches import TRANSLATION_COLUMNS
from recsys.stores.segment_log import MANIFEST, SegmentLog
from recsys.stores.sqlite_catalogue import SCHEMA_VERSION, SqliteCatalogue

ROOT = Path(__file__).resolve().parents[2]

# Builds batch k of the interaction log: ids "b<k>-<j>", so a reader can tell batches apart.
_BATCH_CODE = """
import sys, time
import numpy as np
import pyarrow as pa
from recsys.domain.interactions import INTERACTION_SCHEMA

def make_batch(k, size):
    j = np.arange(size)
    return pa.Table.from_arrays(
        [
            pa.array([f"b{k}-{i}" for i in range(size)]),
            pa.array([f"u{i % 7}" for i in range(size)]),
            pa.array([f"e{k % 5}"] * size),
            pa.array((j % 10).astype(np.int8)),
            pa.array(k * 1_000_000 + j, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array(np.full(size, np.nan, dtype=np.float32)),
            pa.array([None] * size, pa.string()),
            pa.array([None] * size, pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )
"""

LOG_WRITER = (
    _BATCH_CODE
    + """
from recsys.stores.segment_log import SegmentLog
path, size, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
log = SegmentLog(path, fanout=3)
print("ready", flush=True)
for k in range(first, last):
    log.append(make_batch(k, size))
    print(f"ack {k}", flush=True)
print("done", flush=True)
time.sleep(float(sys.argv[5]) if len(sys.argv) > 5 else 0)
"""
)

CATALOGUE_WRITER = """
import sys, datetime as dt
from recsys.domain.events import Calendar, CalendarType, Event
from recsys.domain.language import LanguageMap
from recsys.stores.sqlite_catalogue import SqliteCatalogue
path, size, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
catalogue = SqliteCatalogue(path)
print("ready", flush=True)
for k in range(first, last):
    events = [
        Event(f"b{k}-{i}", LanguageMap.single(f"Event {k}/{i} " + "x" * 200), Calendar(CalendarType.PERMANENT))
        for i in range(size)
    ]
    catalogue.put_events(events)
    print(f"ack {k}", flush=True)
print("done", flush=True)
"""


def _spawn(code: str, *args: object) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _kill_after_acks(proc: subprocess.Popen[str], acks: int, rng: random.Random) -> list[int]:
    """Let the child acknowledge ``acks`` batches, then SIGKILL it a random moment later."""
    assert proc.stdout is not None
    acked: list[int] = []
    while len(acked) < acks:
        line = proc.stdout.readline().strip()
        assert line.startswith("ack "), f"writer stopped early: {line!r}"
        acked.append(int(line.split()[1]))
    time.sleep(rng.uniform(0.0, 0.03))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Acknowledgements already in the pipe were given before the kill.
    acked += [int(line.split()[1]) for line in proc.stdout.read().split("\n") if line.startswith("ack ")]
    proc.stdout.close()
    return acked


def _batches_seen(ids: list[str]) -> Counter[int]:
    return Counter(int(i.split("-", 1)[0][1:]) for i in ids)


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Child processes a test starts; any left running are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


# -- killed writers -------------------------------------------------------------------------------


def test_segment_log_survives_sigkill(tmp_path: Path, children: list[subprocess.Popen[str]]) -> None:
    rng = random.Random(1234)
    path, size, acked_all, first = tmp_path / "log", 2500, set(), 0
    for _ in range(3):  # each round also recovers from the previous round's kill
        proc = _spawn(LOG_WRITER, path, size, first, first + 1000)
        children.append(proc)
        acked_all |= set(_kill_after_acks(proc, rng.randint(2, 9), rng))
        reader = SegmentLog(path)
        ids = reader.export(["interaction_id"]).column("interaction_id").to_pylist()
        seen = _batches_seen(ids)
        assert acked_all <= set(seen), "an acknowledged batch was lost"
        assert set(seen.values()) == {size}, "a batch is partly visible"
        assert len(ids) == len(set(ids)) == reader.count()
        reader.close()
        first = max(seen) + 1
    writer = SegmentLog(path)
    assert writer.append(pa.Table.from_batches([], INTERACTION_SCHEMA)).written == 0  # becomes the writer
    assert not [n for n in os.listdir(path) if ".tmp-" in n], "temporary files were left behind"
    assert writer.count() == sum(
        _batches_seen(writer.export(["interaction_id"])["interaction_id"].to_pylist()).values()
    )
    writer.close()


def test_sqlite_catalogue_survives_sigkill(tmp_path: Path, children: list[subprocess.Popen[str]]) -> None:
    rng = random.Random(99)
    path, size, first, acked_all = tmp_path / "catalogue.sqlite", 60, 0, set()
    for _ in range(2):
        proc = _spawn(CATALOGUE_WRITER, path, size, first, first + 10_000)
        children.append(proc)
        acked_all |= set(_kill_after_acks(proc, rng.randint(3, 12), rng))
        with SqliteCatalogue(path) as catalogue:
            seen = _batches_seen([e.id for e in catalogue.iter_events()])
            assert catalogue.counts()["events"] == sum(seen.values())
        assert acked_all <= set(seen)
        assert set(seen.values()) == {size}
        first = max(seen) + 1


# -- readers while a writer writes ----------------------------------------------------------------


def test_reader_sees_whole_batches_while_writer_appends(tmp_path: Path, children: list[subprocess.Popen[str]]) -> None:
    path, size, total = tmp_path / "log", 400, 60
    proc = _spawn(LOG_WRITER, path, size, 0, total)
    children.append(proc)
    reader = SegmentLog(path)
    exports, last_count = 0, 0
    while proc.poll() is None or exports == 0:
        ids = reader.export(["interaction_id"]).column("interaction_id").to_pylist()
        seen = _batches_seen(ids)
        # Whole batches only, in append order, and never fewer than before.
        assert set(seen.values()) <= {size}
        assert list(seen) == list(range(len(seen)))
        assert len(ids) >= last_count
        last_count = len(ids)
        if exports % 5 == 0:
            arrays = reader.export_arrays()
            assert len(arrays) % size == 0
        exports += 1
    assert proc.wait(timeout=60) == 0
    assert reader.count() == size * total
    assert exports >= 2  # usually dozens; kept loose for a loaded machine
    reader.close()


def test_catalogue_reader_sees_whole_transactions(tmp_path: Path, children: list[subprocess.Popen[str]]) -> None:
    path, size = tmp_path / "catalogue.sqlite", 50
    SqliteCatalogue(path).close()  # create the file before the race starts
    proc = _spawn(CATALOGUE_WRITER, path, size, 0, 40)
    children.append(proc)
    reads = 0
    with SqliteCatalogue(path) as catalogue:
        while proc.poll() is None or reads == 0:
            assert catalogue.counts()["events"] % size == 0
            assert catalogue.events_table().num_rows % size == 0
            reads += 1
        assert catalogue.counts()["events"] == size * 40
    assert proc.wait(timeout=60) == 0


# -- one writer -----------------------------------------------------------------------------------


def test_second_writer_process_is_refused(tmp_path: Path, children: list[subprocess.Popen[str]]) -> None:
    path = tmp_path / "log"
    proc = _spawn(LOG_WRITER, path, 10, 0, 1, 60)  # appends one batch, then holds the lock
    children.append(proc)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ack 0"
    assert proc.stdout.readline().strip() == "done"
    log = SegmentLog(path)
    with pytest.raises(StoreError, match="another writer"):
        log.append(_batch(["x"]))
    assert log.count() == 10  # reading needs no lock
    proc.kill()
    proc.wait(timeout=30)
    assert log.append(_batch(["x"])).written == 1  # the lock died with its holder
    log.close()


def test_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    first, second = SegmentLog(tmp_path), SegmentLog(tmp_path)
    first.append(_batch(["a"]))
    with pytest.raises(StoreError, match="another writer"):
        second.append(_batch(["b"]))
    with pytest.raises(StoreError):
        second.delete_user("u")
    first.close()
    assert second.append(_batch(["b"])).written == 1
    second.close()


# -- the folder after crashes ---------------------------------------------------------------------


def _batch(ids: list[str], user: str = "u") -> pa.Table:
    n = len(ids)
    return pa.Table.from_arrays(
        [
            pa.array(ids, pa.string()),
            pa.array([user] * n, pa.string()),
            pa.array(["e"] * n, pa.string()),
            pa.array([1] * n, pa.int8()),
            pa.array(range(n), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array([np.nan] * n, pa.float32()),
            pa.array([None] * n, pa.string()),
            pa.array([None] * n, pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )


def test_leftovers_are_ignored_by_readers_and_removed_by_the_writer(tmp_path: Path) -> None:
    with SegmentLog(tmp_path) as log:
        log.append(_batch(["a", "b"]))
    junk = ["seg-000000000042.arrow.tmp-999", "MANIFEST.json.tmp-999", "seg-000000000043.arrow"]
    for name in junk:  # a crashed append: half-written files and an uncommitted segment
        (tmp_path / name).write_bytes(b"partial")
    with SegmentLog(tmp_path) as reader:
        assert reader.export()["interaction_id"].to_pylist() == ["a", "b"]
    with SegmentLog(tmp_path) as writer:
        assert writer.append(_batch(["b", "c"])).written == 1
        assert not set(junk) & set(os.listdir(tmp_path))
        assert writer.export()["interaction_id"].to_pylist() == ["a", "b", "c"]


def test_survives_reopen(tmp_path: Path) -> None:
    with SegmentLog(tmp_path) as log:
        log.append(_batch(["a", "b"]))
        log.append(_batch(["c"]))
    with SegmentLog(tmp_path) as log:
        retried = log.append(_batch(["a", "c", "d"]))
        assert retried.unchanged == 2 and retried.new_rows == (2,)  # the index is rebuilt from disk
        assert log.export()["interaction_id"].to_pylist() == ["a", "b", "c", "d"]
    event = Event("e1", LanguageMap.single("Blijft"), Calendar(CalendarType.PERMANENT))
    with SqliteCatalogue(tmp_path / "c.sqlite") as catalogue:
        catalogue.put_events([event])
    with SqliteCatalogue(tmp_path / "c.sqlite") as catalogue:
        assert catalogue.get_event("e1") == event
        assert catalogue.put_events([event]).unchanged == 1


def test_index_is_rebuilt_when_the_hash_stamp_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_log, "_SIDECAR_MIN_ROWS", 1)  # small segments get sidecar files too
    with SegmentLog(tmp_path) as log:
        log.append(_batch(["a", "b"]))
    old = sorted(n for n in os.listdir(tmp_path) if n.endswith(".idx.npy"))
    monkeypatch.setattr(segment_log, "hash_stamp", lambda: "pl0.0.0-0000000000000000")
    with SegmentLog(tmp_path) as log:
        assert log.append(_batch(["b", "c"])).written == 1
        new = sorted(n for n in os.listdir(tmp_path) if n.endswith(".idx.npy"))
        assert not set(old) & set(new)
        assert new and all(".pl0.0.0-" in n for n in new)


def test_corrupt_sidecar_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_log, "_SIDECAR_MIN_ROWS", 1)
    with SegmentLog(tmp_path) as log:
        log.append(_batch(["a", "b"]))
    (sidecar,) = [p for p in tmp_path.iterdir() if p.name.endswith(".idx.npy")]
    sidecar.write_bytes(b"garbage")
    with SegmentLog(tmp_path) as log:
        assert log.append(_batch(["a", "b", "c"])).written == 1


def test_segments_without_a_manifest_are_not_guessed_at(tmp_path: Path) -> None:
    with SegmentLog(tmp_path) as log:
        log.append(_batch(["a"]))
    (tmp_path / MANIFEST).unlink()
    with SegmentLog(tmp_path) as log, pytest.raises(StoreError, match="no MANIFEST"):
        log.append(_batch(["b"]))
    assert any(n.endswith(".arrow") for n in os.listdir(tmp_path))


# -- compaction -----------------------------------------------------------------------------------


def test_small_appends_are_compacted_in_order(tmp_path: Path) -> None:
    with SegmentLog(tmp_path, fanout=4) as log:
        expected = []
        for k in range(200):
            ids = [f"{k}-{j}" for j in range(k % 3 + 1)]
            log.append(_batch(ids, user=f"u{k % 5}"))
            expected += ids
            assert len(log.segments()) <= 4 * 6  # fanout x tiers: stays small
        snapshot = log.export()  # mapped before compaction deletes its files
        assert snapshot["interaction_id"].to_pylist() == expected
        assert log.compact() > 0
        assert len(log.segments()) == 1
        assert log.export()["interaction_id"].to_pylist() == expected
        assert snapshot["interaction_id"].to_pylist() == expected  # still readable
        files = [n for n in os.listdir(tmp_path) if n.endswith(".arrow")]
        assert files == [log.segments()[0].name]
        assert log.append(_batch(expected[:50])).unchanged == 50


def test_compaction_leaves_large_segments_alone(tmp_path: Path) -> None:
    with SegmentLog(tmp_path, fanout=2, small_segment_rows=100) as log:
        log.append(_batch([f"big-{i}" for i in range(150)]))
        for k in range(5):
            log.append(_batch([f"small-{k}"]))
        log.compact()
        assert [s.rows for s in log.segments()] == [150, 5]


def test_delete_user_is_one_atomic_change(tmp_path: Path) -> None:
    with SegmentLog(tmp_path, auto_compact=False) as log:
        for k in range(4):
            log.append(_batch([f"a{k}"], user="alice"))
            log.append(_batch([f"b{k}"], user="bob"))
        manifests_before = (tmp_path / MANIFEST).read_text()
        assert log.delete_user("alice") == 4
        assert (tmp_path / MANIFEST).read_text() != manifests_before
        assert log.export()["interaction_id"].to_pylist() == ["b0", "b1", "b2", "b3"]
        assert len(log.segments()) == 4
    with SegmentLog(tmp_path) as log:
        assert log.append(_batch(["b0", "a0"])).written == 1


def test_a_failed_write_is_reported_and_the_next_one_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync_dir = segment_log._fsync_dir
    calls = 0

    def failing_fsync_dir(path: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the folder fsync right after the manifest rename
            raise OSError(5, "Input/output error")
        real_fsync_dir(path)

    with SegmentLog(tmp_path, auto_compact=False) as log:
        log.append(_batch(["a"]))
        monkeypatch.setattr(segment_log, "_fsync_dir", failing_fsync_dir)
        with pytest.raises(StoreError, match="Input/output error"):
            log.append(_batch(["b"]))
        monkeypatch.setattr(segment_log, "_fsync_dir", real_fsync_dir)
        # Memory was dropped; the folder says "b" was committed after all, so it is not stored twice.
        assert log.append(_batch(["b", "c"])).written == 1
        assert log.export()["interaction_id"].to_pylist() == ["a", "b", "c"]


def test_closed_log_refuses_work(tmp_path: Path) -> None:
    log = SegmentLog(tmp_path)
    log.close()
    log.close()
    with pytest.raises(StoreError):
        log.export()
    with pytest.raises(StoreError):
        log.append(_batch(["a"]))
    catalogue = SqliteCatalogue(tmp_path / "c.sqlite")
    catalogue.close()
    with pytest.raises(StoreError):
        catalogue.counts()


def test_timestamps_round_trip_exactly(tmp_path: Path) -> None:
    stamp = dt.datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    table = _batch(["a"]).set_column(
        4, INTERACTION_SCHEMA.field("timestamp"), pa.array([stamp], pa.timestamp("us", tz="UTC"))
    )
    with SegmentLog(tmp_path) as log:
        log.append(table)
        assert log.export()["timestamp"].to_pylist() == [stamp]


def test_a_catalogue_of_the_first_layout_gains_the_translation_columns_from_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    event = Event(
        "e1",
        LanguageMap({"nl": "Jazz in het park", "fr": "Jazz au parc"}, main="nl"),
        Calendar(CalendarType.PERMANENT),
        description=LanguageMap({"nl": "Gratis concert", "en": "Free concert"}),
    )
    with SqliteCatalogue(path) as catalogue:
        catalogue.put_events([event])
    # Make it the first layout: no per-language columns, version 1.
    conn = sqlite3.connect(path)
    for column in TRANSLATION_COLUMNS:
        conn.execute(f'ALTER TABLE events DROP COLUMN "{column}"')
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()

    with SqliteCatalogue(path) as catalogue:
        row = catalogue.events_table().to_pylist()[0]
        assert catalogue.get_event("e1") == event
    assert (row["name"], row["name_nl"], row["name_fr"], row["name_en"]) == (
        "Jazz in het park",
        "Jazz in het park",
        "Jazz au parc",
        None,
    )
    assert (row["description_nl"], row["description_en"], row["description_fr"]) == (
        "Gratis concert",
        "Free concert",
        None,
    )
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()
