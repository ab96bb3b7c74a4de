"""Memory of what a running experiment showed to whom, as the server keeps it for outcomes.

Run::

    .venv/bin/python benchmarks/exposures.py [--people 300000] [--shown 10] [--events 50000]

An experiment's outcomes are interactions on events it showed to the same
person, so the server keeps every (person, event) pair of the experiment's
exposure log. This builds ``--people`` exposures of ``--shown`` events each
(drawn from ``--events`` event ids, seeded; the id strings exist before
measuring, as they do when read from the log) into, in the same run:

- **baseline**: a dict from person to a set of (interned) event ids, the
  plain way to hold them;
- **ShownPairs**: ``serving.shown_pairs.ShownPairs``, 64-bit pair hashes in a
  sorted array plus a small recent set.

Prints, per structure, the memory it holds (``tracemalloc``, after building),
bytes per pair, the time to add every exposure and the time of one outcome
check (half of them pairs that were shown), as a Markdown table, and the
ratios.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and its serving.py would hide the serving package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from serving.shown_pairs import ShownPairs  # noqa: E402

Exposure = tuple[str, list[str]]


def make_exposures(people: int, shown: int, events: int, seed: int = 11) -> list[Exposure]:
    """``people`` exposures of ``shown`` distinct events each."""
    rng = random.Random(seed)
    event_ids = [sys.intern(f"uitdatabank-event-{i:08d}-{rng.getrandbits(32):08x}") for i in range(events)]
    return [(f"user-{p:09d}", rng.sample(event_ids, shown)) for p in range(people)]


def build_baseline(exposures: Sequence[Exposure]) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for user, event_ids in exposures:
        held.setdefault(user, set()).update(event_ids)
    return held


def build_pairs(exposures: Sequence[Exposure]) -> ShownPairs:
    pairs = ShownPairs()
    for user, event_ids in exposures:
        pairs.add(user, event_ids)
    return pairs


def measure(build: Callable[[Sequence[Exposure]], Any], exposures: Sequence[Exposure]) -> tuple[Any, int, float]:
    """The structure, the bytes it holds and the seconds it took to build (timed without tracing)."""
    gc.collect()
    started = time.perf_counter()
    build(exposures)
    seconds = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    structure = build(exposures)
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return structure, held, seconds


def checks(exposures: Sequence[Exposure], count: int, seed: int = 5) -> list[tuple[str, str]]:
    """``count`` (person, event) look-ups, half of them shown pairs."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        user, event_ids = exposures[rng.randrange(len(exposures))]
        other = exposures[rng.randrange(len(exposures))][1][0]
        out.append((user, event_ids[rng.randrange(len(event_ids))] if k % 2 == 0 else other))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--shown", type=int, default=10)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--checks", type=int, default=200_000)
    args = parser.parse_args()
    if min(args.people, args.shown, args.events, args.checks) < 1 or args.shown > args.events:
        parser.error("--people, --shown, --events and --checks must be positive, --shown at most --events")

    exposures = make_exposures(args.people, args.shown, args.events)
    looked_up = checks(exposures, args.checks)
    pairs_total = args.people * args.shown

    baseline, baseline_bytes, baseline_s = measure(build_baseline, exposures)
    started = time.perf_counter()
    baseline_hits = sum(event in baseline.get(user, ()) for user, event in looked_up)
    baseline_check_s = time.perf_counter() - started
    del baseline
    pairs, pairs_bytes, pairs_s = measure(build_pairs, exposures)
    started = time.perf_counter()
    pairs_hits = sum(pairs.shown(user, event) for user, event in looked_up)
    pairs_check_s = time.perf_counter() - started
    if pairs_hits != baseline_hits:
        sys.exit(f"the structures disagree: {pairs_hits} against {baseline_hits} shown pairs found")

    print(
        f"{args.people:,} people x {args.shown} events ({pairs_total:,} pairs) of {args.events:,} events; "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    print()
    print("| structure | memory MB | bytes/pair | build s | check µs |")
    print("|---|---|---|---|---|")
    for name, held, seconds, check_s in (
        ("baseline: dict of sets", baseline_bytes, baseline_s, baseline_check_s),
        ("ShownPairs", pairs_bytes, pairs_s, pairs_check_s),
    ):
        print(
            f"| {name} | {held / 1e6:,.1f} | {held / pairs_total:.1f} | {seconds:.2f} "
            f"| {check_s / args.checks * 1e6:.2f} |"
        )
    print()
    print(
        f"memory ShownPairs / baseline = {pairs_bytes / baseline_bytes:.3f}; "
        f"build {pairs_s / baseline_s:.2f}x; check {pairs_check_s / baseline_check_s:.2f}x "
        f"({pairs_hits:,} of {args.checks:,} checks were shown pairs in both)"
    )


if __name__ == "__main__":
    main()
