"""Ingest and export speed of the segment interaction log against plain pyarrow.

Run::

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--repeat 3] [--small-appends 1000]

It generates synthetic interactions in memory (uuid-like ids, ~50k users,
~20k events), then measures, best of ``--repeat`` runs in this process on the
same data:

(a) ``SegmentLog.append`` into a fresh log, against a plain uncompressed
    Feather (Arrow IPC) write of the same table plus ``fsync``;
(b) ``SegmentLog.export_arrays`` (the training export), against a plain
    Feather read of that file, ``to_numpy`` of the same columns and
    dictionary-encoding of the two id columns.

Peak memory is the growth of the process's peak resident set during one run
(Linux ``VmHWM``, reset through ``/proc/self/clear_refs`` before each run).
It then times idempotent re-ingestion (every id already stored) and many
10-row appends into the filled log. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.feather as feather

from recsys.data.tabular import InteractionColumns, read_interactions
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.stores.segment_log import SegmentLog

HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def uuid_like(rng: np.random.Generator, n: int) -> pa.Array:
    """Random ids shaped like uuid4 text (36 characters), built without a Python loop."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = HEX[raw >> 4], HEX[raw & 15]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at : at + stop - start] = digits[:, start:stop]
    offsets = pa.array(np.arange(0, 36 * (n + 1), 36, dtype=np.int32))
    return pa.StringArray.from_buffers(n, offsets.buffers()[1], pa.py_buffer(text.tobytes()))


def synthetic(rows: int, users: int, events: int, seed: int = 7) -> pa.Table:
    """Interactions with skewed user and event popularity over one year."""
    rng = np.random.default_rng(seed)
    user_ids, event_ids = uuid_like(rng, users), uuid_like(rng, events)
    # Zipf-like popularity: a few very active users and very popular events.
    user_pick = np.minimum(rng.pareto(1.2, rows) * users / 20, users - 1).astype(np.int64)
    event_pick = np.minimum(rng.pareto(1.0, rows) * events / 20, events - 1).astype(np.int64)
    kinds = rng.choice(10, size=rows, p=[0.40, 0.25, 0.08, 0.05, 0.03, 0.05, 0.03, 0.03, 0.03, 0.05]).astype(np.int8)
    start = np.datetime64("2024-01-01T00:00:00", "us").astype(np.int64)
    stamps = np.sort(start + rng.integers(0, 365 * 86_400 * 1_000_000, rows))
    values = np.where(kinds == 8, rng.integers(1, 6, rows), np.nan).astype(np.float32)
    placements = pa.array(["for-you", "similar", "popular", None], pa.string()).take(pa.array(rng.integers(0, 4, rows)))
    return pa.Table.from_arrays(
        [
            uuid_like(rng, rows),
            user_ids.take(pa.array(user_pick)),
            event_ids.take(pa.array(event_pick)),
            pa.array(kinds),
            pa.array(stamps).cast(pa.timestamp("us", tz="UTC")),
            pa.array(values),
            placements,
            pa.nulls(rows, pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )


# -- measuring ------------------------------------------------------------------------------------


def _status_kib(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


@dataclass
class Measure:
    """Best time of several runs and the largest peak-memory growth seen."""

    seconds: float = float("inf")
    peak_mib: float = 0.0

    def run(self, work: Callable[[], object], setup: Callable[[], object] | None = None) -> None:
        if setup is not None:
            setup()
        gc.collect()
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = _status_kib("VmRSS")
        t0 = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - t0
        self.peak_mib = max(self.peak_mib, (_status_kib("VmHWM") - before) / 1024)
        self.seconds = min(self.seconds, elapsed)
        del result


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def baseline_write(table: pa.Table, path: Path) -> None:
    feather.write_feather(table, str(path), compression="uncompressed")
    _fsync(path)


def baseline_export(path: Path) -> tuple[npt.NDArray[np.generic], ...]:
    table = feather.read_table(
        str(path), columns=["user_id", "event_id", "kind", "timestamp", "value"], memory_map=True
    )
    users = pc.dictionary_encode(table.column("user_id"))
    events = pc.dictionary_encode(table.column("event_id"))
    return (
        np.concatenate([c.indices.to_numpy() for c in users.chunks]),
        np.concatenate([c.indices.to_numpy() for c in events.chunks]),
        table.column("kind").to_numpy(),
        pc.cast(table.column("timestamp"), pa.int64()).to_numpy(),
        table.column("value").to_numpy(),
        users.chunk(0).dictionary.to_numpy(zero_copy_only=False),
        events.chunk(0).dictionary.to_numpy(zero_copy_only=False),
    )


def ours_append(table: pa.Table, folder: Path) -> None:
    with SegmentLog(folder) as log:
        result = log.append(table)
    assert result.written == len(table), result


def as_csv_file(table: pa.Table, path: Path) -> None:
    """Write the table as a CSV a partner might send: kind names, ISO-8601 times."""
    labels = pa.array([k.label for k in InteractionKind])
    kinds = pc.take(labels, pc.cast(table.column("kind"), pa.int32()))
    times = pc.strftime(table.column("timestamp"), format="%Y-%m-%dT%H:%M:%SZ")
    out = table.drop_columns(["context"]).set_column(3, "kind", kinds).set_column(4, "timestamp", times)
    pacsv.write_csv(out, path)


def baseline_csv_import(csv_path: Path, path: Path) -> None:
    table = pacsv.read_csv(csv_path)
    feather.write_feather(table, str(path), compression="uncompressed")
    _fsync(path)


def ours_csv_import(csv_path: Path, folder: Path) -> None:
    columns = InteractionColumns(
        user="user_id", event="event_id", kind="kind", timestamp="timestamp",
        interaction_id="interaction_id", value="value", placement="placement",
    )  # fmt: skip
    imported = read_interactions(csv_path, columns)
    assert imported.errors.total == 0, imported.errors.reported[:3]
    with SegmentLog(folder) as log:
        log.append(imported.table)


def ours_export(folder: Path) -> object:
    with SegmentLog(folder) as log:
        return log.export_arrays()


# -- report ---------------------------------------------------------------------------------------


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds / 1e6:.2f} M/s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small-appends", type=int, default=1000, help="10-row appends timed after the bulk load")
    parser.add_argument("--dir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="ingest-bench-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        table = synthetic(args.rows, args.users, args.events)
        print(
            f"generated {len(table):,} interactions ({table.nbytes / 2**20:.0f} MiB in memory) "
            f"in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores, {platform.machine()}, "
            f"Python {platform.python_version()}, pyarrow {pa.__version__}\n"
        )
        feather_path, log_dir = scratch / "baseline.feather", scratch / "log"

        def fresh_log() -> None:
            shutil.rmtree(log_dir, ignore_errors=True)

        base_write, our_write, base_read, our_read = Measure(), Measure(), Measure(), Measure()
        for _ in range(args.repeat):
            base_write.run(lambda: baseline_write(table, feather_path))
            our_write.run(lambda: ours_append(table, log_dir), setup=fresh_log)
        for _ in range(args.repeat):
            base_read.run(lambda: baseline_export(feather_path))
            our_read.run(lambda: ours_export(log_dir))

        csv_path, csv_feather = scratch / "interactions.csv", scratch / "from-csv.feather"
        as_csv_file(table, csv_path)
        base_csv, our_csv = Measure(), Measure()
        for _ in range(args.repeat):
            base_csv.run(lambda: baseline_csv_import(csv_path, csv_feather))
            our_csv.run(lambda: ours_csv_import(csv_path, log_dir), setup=fresh_log)
        fresh_log()
        ours_append(table, log_dir)

        n = len(table)
        print("| step | ours | baseline | ours / baseline (throughput) | peak memory ours / baseline |")
        print("|---|---|---|---|---|")
        for label, ours, base, target in (
            ("append (a)", our_write, base_write, 1 / 3),
            ("export to arrays (b)", our_read, base_read, 1 / 2),
            ("CSV file import (c)", our_csv, base_csv, 1 / 3),
        ):
            ratio = base.seconds / ours.seconds
            verdict = "ok" if ratio >= target else f"MISSED (target >= {target:.2f})"
            print(
                f"| {label} | {_rate(n, ours.seconds)} ({ours.seconds * 1e3:.0f} ms) | "
                f"{_rate(n, base.seconds)} ({base.seconds * 1e3:.0f} ms) | {ratio:.2f} {verdict} | "
                f"{ours.peak_mib:.0f} / {base.peak_mib:.0f} MiB |"
            )

        # Idempotency at scale: the whole table again (every id stored), then many tiny appends.
        with SegmentLog(log_dir) as log:
            t0 = time.perf_counter()
            again = log.append(table)
            replay = time.perf_counter() - t0
            assert again.written == 0 and again.unchanged == n, again
            rng = np.random.default_rng(1)
            latencies = []
            for k in range(args.small_appends):
                rows = table.slice(int(rng.integers(0, n - 10)), 10)
                small = rows.set_column(
                    0,
                    INTERACTION_SCHEMA.field("interaction_id"),
                    pa.array([f"small-{k}-{j}" for j in range(10)], pa.string()),
                )
                t0 = time.perf_counter()
                log.append(small)
                latencies.append(time.perf_counter() - t0)
            segments = len(log.segments())
        print()
        print("| idempotency | result |")
        print("|---|---|")
        print(f"| re-append all {n:,} rows (all already stored) | {replay * 1e3:.0f} ms, {_rate(n, replay)} |")
        if latencies:
            lat = np.array(latencies) * 1e3
            print(
                f"| {args.small_appends} appends of 10 new rows into {n:,} | median {np.median(lat):.2f} ms, "
                f"p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.1f} ms (incl. fsyncs, compaction); "
                f"{segments} segments after |"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
