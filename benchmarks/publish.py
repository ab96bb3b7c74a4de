"""Candidate publish rate into Redis: RedisCache's publisher beside a plain pipelined Redis write.

Run::

    .venv/bin/python benchmarks/publish.py [--users 1000000] [--events 50000] [--k 100] [--columns 1]
                                           [--repeat 3] [--redis-url URL]

Without ``--redis-url`` it starts a private ``redis-server`` (no persistence)
on a free loopback port and stops it afterwards, so the figures do not mix
with other work on a shared Redis; with one, it writes under a unique prefix
and deletes it afterwards.

Data (generated in memory, seeded): ``--users`` users with ``--k`` candidates
each drawn from ``--events`` events, ``--columns`` float32 score columns,
UUID-like ids (36 characters, like UiTdatabank's), and one card per event.

Compared, alternately, ``--repeat`` times on an empty database, best of each:

- **ours**: the whole publish of one version through ``RedisCache.publisher``:
  ``put_user_candidates`` with :class:`CandidateBlock` chunks of
  ``--chunk`` users (encoding, key names, MSET pipelines), ``put_cards``
  (JSON + HSET), and ``commit`` (the event vocabulary, the atomic Lua flip,
  and the prune scan over every version key);
- **baseline**: the same keys and the same bytes, encoded before the clock
  starts, written with a raw redis-py pipeline (``transaction=False``): one
  ``SET`` per list and ``HSET`` of the cards in chunks of 500, executed every
  ``--baseline-batch`` commands (each size in the list is tried; the fastest counts).

Then the **steady state** (``--steady-repeat`` times, best of): two versions
are published (untimed) and a third is timed; its commit also deletes the
oldest version. Reported with and without that deletion (the new version is
live before it starts).

Prints a Markdown table: keys/s of each and the ratio ours / baseline (target >= 0.5).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import redis

from recsys.cache import codec
from recsys.cache.cards import EventCard, Occurrence
from recsys.cache.keys import CacheKeys
from recsys.cache.protocol import CandidateBlock
from recsys.cache.redis_cache import RedisCache


@dataclass(frozen=True, slots=True)
class Data:
    user_ids: list[str]
    event_ids: npt.NDArray[np.object_]
    indices: npt.NDArray[np.int32]
    scores: npt.NDArray[np.float32]
    cards: list[EventCard]

    @property
    def keys(self) -> int:
        return len(self.user_ids) + len(self.cards)


def uuid_like(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.bytes(16 * n)
    return [str(uuid.UUID(bytes=raw[16 * i : 16 * (i + 1)])) for i in range(n)]


def make_data(n_users: int, n_events: int, k: int, columns: int, seed: int = 7) -> Data:
    rng = np.random.default_rng(seed)
    event_ids = np.empty(n_events, dtype=object)
    event_ids[:] = uuid_like(rng, n_events)
    # Distinct events per user: an arithmetic walk through the events with a random start and step.
    start = rng.integers(0, n_events, n_users)[:, None]
    step = rng.integers(1, max(2, n_events // (k + 1)), n_users)[:, None]
    indices = ((start + step * np.arange(k)[None, :]) % n_events).astype(np.int32)
    scores = -np.sort(-rng.random((n_users, k, columns), dtype=np.float32), axis=1)
    t0 = 1_790_000_000_000_000
    cards = [
        EventCard(
            event_id=str(event_id),
            name={"nl": f"Voorstelling {i}", "fr": f"Spectacle {i}"},
            occurrences=(Occurrence(t0 + i * 3_600_000_000, t0 + i * 3_600_000_000 + 7_200_000_000),),
            organizer_id=f"org-{i % 3000}",
            organizer_name=f"Organisator {i % 3000}",
            location_id=f"place-{i % 5000}",
            venue_name=f"Zaal {i % 5000}",
            municipality="Gent",
            postcode="9000",
            region="BE-VOV",
            lat=51.05,
            lon=3.72,
            type_id="0.55.0.0.0",
            type_label={"nl": "Theatervoorstelling"},
            facility_ids=("3.27.0.0.0",),
            accessible=True,
            price_eur=float(i % 40),
            popularity=float(i % 97),
        )
        for i, event_id in enumerate(event_ids.tolist())
    ]
    return Data(uuid_like(rng, n_users), event_ids, indices, scores, cards)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_redis() -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: install it (apt-get install redis-server) or pass --redis-url")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(30)


def drop(client: redis.Redis, prefix: str) -> None:
    batch: list[Any] = []
    for key in client.scan_iter(match=f"{prefix}:*", count=10_000):
        batch.append(key)
        if len(batch) >= 10_000:
            client.unlink(*batch)
            batch = []
    if batch:
        client.unlink(*batch)


def run_ours(url: str, prefix: str, data: Data, chunk: int, version: str = "bench-v1") -> dict[str, float]:
    cache = RedisCache(url, prefix=prefix, socket_timeout=60.0)
    pruning = [0.0]
    prune = cache.prune

    def timed_prune(doomed: Iterable[str] = ()) -> int:
        began = time.perf_counter()
        try:
            return prune(doomed)
        finally:
            pruning[0] += time.perf_counter() - began

    cache.prune = timed_prune  # type: ignore[method-assign]
    started = time.perf_counter()
    with cache.publisher(version) as publisher:
        for start in range(0, len(data.user_ids), chunk):
            end = start + chunk
            block = CandidateBlock(
                data.user_ids[start:end], data.event_ids, data.indices[start:end], data.scores[start:end]
            )
            publisher.put_user_candidates(block)
        lists_done = time.perf_counter()
        publisher.put_cards(data.cards)
        cards_done = time.perf_counter()
        publisher.commit({"benchmark": True})
    finished = time.perf_counter()
    cache.close()
    return {
        "total": finished - started,
        "lists": lists_done - started,
        "cards": cards_done - lists_done,
        "commit": finished - cards_done,
        "prune": pruning[0],
    }


def encode_for_baseline(prefix: str, data: Data) -> tuple[list[str], list[bytes], list[tuple[str, bytes]], str]:
    """The keys and bytes ours writes, made before the baseline's clock starts."""
    keys_of = CacheKeys(prefix)
    keys = keys_of.items("user", "bench-v1", data.user_ids)
    lengths = np.full(len(data.user_ids), data.indices.shape[1], dtype=np.int64)
    values = codec.encode_rows(1, data.indices, data.scores, lengths)
    cards = [(c.event_id, codec.encode_card(c)) for c in data.cards]
    return keys, values, cards, keys_of.cards("bench-v1")


def run_baseline(
    url: str, keys: list[str], values: list[bytes], cards: list[tuple[str, bytes]], cards_key: str, batch: int
) -> dict[str, float]:
    client = redis.Redis.from_url(url, socket_timeout=60.0)
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for i, (key, value) in enumerate(zip(keys, values, strict=True), start=1):
        pipe.set(key, value)
        if i % batch == 0:
            pipe.execute()
    pipe.execute()
    lists_done = time.perf_counter()
    per_trip = max(1, batch // 500)
    for command, start in enumerate(range(0, len(cards), 500), start=1):
        pipe.hset(cards_key, mapping=dict(cards[start : start + 500]))
        if command % per_trip == 0:
            pipe.execute()
    pipe.execute()
    finished = time.perf_counter()
    client.close()
    return {"total": finished - started, "lists": lists_done - started, "cards": finished - lists_done}


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return min(runs, key=lambda r: r["total"])


def redis_memory(url: str) -> str:
    client = redis.Redis.from_url(url)
    try:
        info: dict[str, Any] = client.info("memory")
        return str(info.get("used_memory_human", "?"))
    finally:
        client.close()


def measure(url: str, data: Data, repeat: int, chunk: int, batches: list[int], steady_repeat: int) -> None:
    client = redis.Redis.from_url(url, socket_timeout=120.0)
    prefix_ours, prefix_base = f"bench-{uuid.uuid4().hex[:8]}", f"bench-{uuid.uuid4().hex[:8]}"
    encode_started = time.perf_counter()
    keys, values, cards, cards_key = encode_for_baseline(prefix_base, data)
    encode_seconds = time.perf_counter() - encode_started
    ours: list[dict[str, float]] = []
    baseline: dict[int, list[dict[str, float]]] = {b: [] for b in batches}
    memory = ""
    for _ in range(repeat):
        for batch in batches:
            baseline[batch].append(run_baseline(url, keys, values, cards, cards_key, batch))
            drop(client, prefix_base)
        ours.append(run_ours(url, prefix_ours, data, chunk))
        memory = redis_memory(url)
        drop(client, prefix_ours)
    del keys, values
    # Steady state: two versions held, so the commit also deletes the oldest one (as many keys again).
    steady: list[dict[str, float]] = []
    for _ in range(steady_repeat):
        run_ours(url, prefix_ours, data, chunk, "bench-v1")
        run_ours(url, prefix_ours, data, chunk, "bench-v2")
        steady.append(run_ours(url, prefix_ours, data, chunk, "bench-v3"))
        drop(client, prefix_ours)
    client.close()
    report(data, ours, baseline, encode_seconds, memory, repeat)
    if steady:
        run = best(steady)
        live = run["total"] - run["prune"]
        print(
            f"steady state (a third version while two are held), best of {steady_repeat}: "
            f"{data.keys / run['total']:,.0f} keys/s ({run['total']:.2f} s) including the deletion of the oldest "
            f"version ({run['prune']:.2f} s); live after {live:.2f} s ({data.keys / live:,.0f} keys/s); "
            f"all runs (s): {[round(r['total'], 2) for r in steady]}"
        )


def report(
    data: Data,
    ours: list[dict[str, float]],
    baseline: dict[int, list[dict[str, float]]],
    encode_seconds: float,
    memory: str,
    repeat: int,
) -> None:
    mine = best(ours)
    fastest_batch = min(baseline, key=lambda b: best(baseline[b])["total"])
    theirs = best(baseline[fastest_batch])
    rate: Callable[[float], str] = lambda seconds: f"{data.keys / seconds:,.0f} keys/s ({seconds:.2f} s)"  # noqa: E731
    print(f"\n{len(data.user_ids):,} users x {data.indices.shape[1]} candidates from {len(data.event_ids):,} events, ")
    print(f"{data.scores.shape[2]} score column(s), {len(data.cards):,} cards = {data.keys:,} keys; best of {repeat}\n")
    print("| writer | keys/s (time) | lists | cards | commit |")
    print("|---|---|---|---|---|")
    print(
        f"| RedisCache publisher | {rate(mine['total'])} | {mine['lists']:.2f} s | {mine['cards']:.2f} s "
        f"| {mine['commit']:.2f} s |"
    )
    for batch, runs in baseline.items():
        run = best(runs)
        print(f"| plain pipeline, SET, {batch} per round trip | {rate(run['total'])} | {run['lists']:.2f} s "
              f"| {run['cards']:.2f} s | - |")  # fmt: skip
    print(f"\nratio ours / fastest baseline ({fastest_batch} per round trip): {theirs['total'] / mine['total']:.2f}")
    print(f"all runs, ours (s): {[round(r['total'], 2) for r in ours]}")
    for batch, runs in baseline.items():
        print(f"all runs, baseline {batch} (s): {[round(r['total'], 2) for r in runs]}")
    print(f"baseline's encoding beforehand (not timed in it): {encode_seconds:.2f} s")
    print(f"Redis memory with one published version: {memory}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--k", type=int, default=100, help="candidates per user")
    parser.add_argument("--columns", type=int, default=1, help="score columns per candidate")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=10_000, help="users per CandidateBlock")
    parser.add_argument("--baseline-batch", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--steady-repeat", type=int, default=1, help="steady-state runs (0: none)")
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of a private one")
    args = parser.parse_args(argv)

    print(
        f"Python {platform.python_version()}, redis-py {redis.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    started = time.perf_counter()
    data = make_data(args.users, args.events, args.k, args.columns)
    print(f"generated the data in {time.perf_counter() - started:.1f} s")
    if args.redis_url:
        measure(args.redis_url, data, args.repeat, args.chunk, args.baseline_batch, args.steady_repeat)
    else:
        with private_redis() as url:
            server = redis.Redis.from_url(url)
            print(f"private redis-server {server.info('server').get('redis_version')} at {url}")
            server.close()
            measure(url, data, args.repeat, args.chunk, args.baseline_batch, args.steady_repeat)


if __name__ == "__main__":
    main()
