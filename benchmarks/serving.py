"""Serving under load: personal recommendations with filters against a bare cached-list endpoint.

Run::

    .venv/bin/python benchmarks/serving.py                       # 1,000,000 users, 50,000 events
    .venv/bin/python benchmarks/serving.py --users 100000 --duration 5   # a quick look

What it does, in one run:

1. builds a small trained world (a 300-user synthetic season, the fast test
   config with the learned ranker) so ``recsys serve`` has models to load;
2. starts a private ``redis-server`` on a free port and writes, with the
   cache publisher directly, one version holding ``--users`` users'
   candidate lists (``--candidates`` events each, three score columns: the
   hybrid, ALS and content scores the ranker reads), ``--events`` synthetic
   open event cards across Flanders over the next 90 days, and the popular
   lists (overall, per region, per type);
3. starts ``recsys serve`` (uvicorn, one worker) with ``RECSYS_BENCH_ROUTES=1``,
   once per value of ``--ranking-threads`` (both endpoints run on the ranking threads);
4. from a second process, loads the server over loopback with a closed loop
   of ``--concurrency`` keep-alive connections (a small asyncio HTTP/1.1
   client): ``--warmup`` seconds per endpoint unmeasured (the server's memory
   of the version's cards fills), then ``--rounds`` measured rounds of
   ``--duration`` seconds, the two endpoints alternated, for random users:
   - **bare**: ``GET /bench/cached/{user}``: the user's cached list as stored
     (active version + one ``GET`` + decode + JSON of all candidates, no ranking);
   - **personal**: ``GET /v1/users/{user}/recommendations`` with filters
     (``n=10``, 60 km around Ghent, the next 30 days, at most 30 euro, one
     type excluded): recent history, candidates, the learned ranker over
     ``features.ranking.ranking_rows``, the rules, explanations, JSON;
5. measures the server's CPU time per request of each endpoint over one
   connection for ``--duration`` seconds (``/proc/<pid>/stat`` before and
   after: the work itself, without queueing);
6. prints requests/s, p50/p95/p99 and CPU per request of each and the ratios, as Markdown and JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path and its name would hide the serving package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PREFIX = "bench"
GHENT = (51.0543, 3.7174)
#: Rough bounds of Flanders and Brussels (cards are spread over them).
LAT_RANGE = (50.70, 51.37)
LON_RANGE = (2.55, 5.90)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


# -- the world the server loads --------------------------------------------------------------------


def build_world(folder: Path) -> None:
    """A small season with a trained, promoted model (the server needs models to start)."""
    from recsys.stores.workspace import Workspace
    from recsys.synthetic.config import SeasonConfig
    from recsys.synthetic.season import generate_season
    from training.config import parse_config
    from training.job import train

    season = generate_season(
        SeasonConfig(seed=11, n_users=300, season_start=dt.date(2025, 9, 1), season_end=dt.date(2026, 6, 30))
    )
    config = {
        "name": "default",
        "seed": 7,
        "promote": True,
        "split": {"holdout_days": 42, "ranker_days": 42},
        "evaluation": {"metrics": ["ndcg@10"], "max_users": 200},
        "models": {
            "popularity": {},
            "als": {"factors": 16, "iterations": 4},
            "content": {},
            "hybrid": {"factors": 16, "iterations": 4},
        },
        "ranker": {"base": "hybrid", "candidates": 100, "max_iter": 100, "min_samples_leaf": 5},
    }
    with Workspace(folder) as workspace:
        workspace.catalogue.put_places(season.places)
        workspace.catalogue.put_organizers(season.organizers)
        workspace.catalogue.put_events(season.events)
        workspace.catalogue.put_users(season.iter_users())
        for batch in season.iter_interaction_batches():
            workspace.interactions.append(batch)
        train(workspace, parse_config(config))


# -- the cache contents ----------------------------------------------------------------------------


def synthetic_cards(n_events: int, now: dt.datetime, seed: int) -> list[Any]:
    """Open events over the next 90 days across Flanders (a tenth periodic, a third small organisers)."""
    from features.regions import region_of
    from recsys.cache.cards import EventCard, Occurrence
    from recsys.cache.event_cards import to_us
    from recsys.domain.taxonomy import default_taxonomy

    rng = np.random.default_rng(seed)
    types = [t for t in default_taxonomy().event_types()][:25]
    postcodes = ["1000", "2000", "2800", "3000", "3500", "8000", "8500", "9000", "9300", "9100"]
    now_us = to_us(now)
    day = 86_400_000_000
    cards = []
    for i in range(n_events):
        term = types[int(rng.integers(len(types)))]
        postcode = postcodes[int(rng.integers(len(postcodes)))]
        start = now_us + int(rng.integers(day // 4, 90 * day))
        periodic = rng.random() < 0.1
        occurrences = () if periodic else (Occurrence(start, start + 2 * 3_600_000_000),)
        cards.append(
            EventCard(
                event_id=f"bench-e{i:06d}",
                name={"nl": f"Voorstelling {i}", "en": f"Show {i}"},
                occurrences=occurrences,
                available_from_us=start if periodic else None,
                available_to_us=start + 30 * day if periodic else None,
                calendar_type="periodic" if periodic else "single",
                production_id=f"bench-p{i // 3:06d}",
                organizer_id=f"bench-o{i % 2000:05d}",
                organizer_name=f"Organisator {i % 2000}",
                small_organizer=i % 3 == 0,
                location_id=f"bench-l{i % 5000:05d}",
                venue_name=f"Zaal {i % 5000}",
                municipality=None,
                postcode=postcode,
                region=region_of(postcode, None),
                lat=float(rng.uniform(*LAT_RANGE)),
                lon=float(rng.uniform(*LON_RANGE)),
                type_id=term.id,
                type_label=dict(term.label.texts),
                price_eur=float(rng.choice([0.0, 5.0, 12.0, 20.0, 35.0, 60.0])),
                uitpas=bool(rng.random() < 0.3),
                popularity=float(rng.pareto(1.5)),
            )
        )
    return cards


def publish_synthetic(redis_url: str, n_users: int, n_candidates: int, cards: list[Any], model_version: str) -> float:
    """Write one version straight through the Redis publisher; return the seconds it took."""
    from recsys.cache.candidates import popular_lists
    from recsys.cache.protocol import CandidateBlock
    from recsys.cache.redis_cache import RedisCache

    cache = RedisCache(redis_url, prefix=PREFIX, socket_timeout=30.0)
    event_ids = np.empty(len(cards), dtype=object)
    event_ids[:] = [c.event_id for c in cards]
    rng = np.random.default_rng(5)
    started = time.perf_counter()
    version = f"{model_version}.bench"
    with cache.publisher(version) as publisher:
        for begin in range(0, len(cards), 5000):
            publisher.put_cards(cards[begin : begin + 5000])
        batch = 10_000
        for begin in range(0, n_users, batch):
            count = min(batch, n_users - begin)
            keys = [f"bench-u{u:07d}" for u in range(begin, begin + count)]
            # Distinct events per list without sorting a users x events matrix: a random start and stride.
            start = rng.integers(0, len(cards), (count, 1))
            stride = rng.integers(1, max(2, len(cards) // n_candidates), (count, 1))
            indices = ((start + np.arange(n_candidates) * stride) % len(cards)).astype(np.int32)
            base = np.sort(rng.random((count, n_candidates)).astype(np.float32), axis=1)[:, ::-1]
            scores = np.stack([base, base * 0.8, rng.random((count, n_candidates)).astype(np.float32)], axis=2)
            publisher.put_user_candidates(CandidateBlock(keys, event_ids, indices, scores))
        popularity = np.asarray([c.popularity for c in cards], dtype=np.float64)
        publisher.put_popular(popular_lists(cards, popularity, n=200))
        publisher.commit(
            {
                "model": "default",
                "artifact_version": model_version,
                "score_columns": ["hybrid", "als", "content"],
                "now": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
    cache.close()
    return time.perf_counter() - started


# -- load ------------------------------------------------------------------------------------------


async def _connection(
    port: int, paths: list[str], key: str, stop_at: float, latencies: list[float], statuses: dict[int, int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random(len(latencies) + port)
    try:
        while time.perf_counter() < stop_at:
            path = paths[rng.randrange(len(paths))]
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\n\r\n".encode()
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = next(
                int(v) for k, _, v in (line.partition(":") for line in lines[1:]) if k.lower() == "content-length"
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _round(port: int, paths: list[str], key: str, seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(*(_connection(port, paths, key, stop_at, latencies, statuses) for _ in range(concurrency)))
    return {"latencies": latencies, "statuses": statuses, "seconds": time.perf_counter() - began}


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_ms(args: argparse.Namespace, paths: list[str]) -> float:
    """The server's CPU milliseconds per request over one connection (no queueing: the work itself)."""
    before = process_cpu_s(args.server_pid)
    done = asyncio.run(_round(args.port, paths, args.key, args.duration, 1))
    return (process_cpu_s(args.server_pid) - before) * 1000 / max(1, len(done["latencies"]))


def run_load(args: argparse.Namespace) -> None:
    """The load generator (runs in its own process): alternate rounds, print JSON."""
    rng = random.Random(1)
    users = [f"bench-u{rng.randrange(args.users):07d}" for _ in range(20_000)]
    today = dt.datetime.now(dt.UTC)
    query = (
        f"n=10&lat={GHENT[0]}&lon={GHENT[1]}&radius_km=60&max_price=30"
        f"&date_from={today.date().isoformat()}&date_to={(today + dt.timedelta(days=30)).date().isoformat()}"
        "&exclude_types=0.50.4.0.0"
    )
    endpoints = {
        "bare": [f"/bench/cached/{u}" for u in users],
        "personal": [f"/v1/users/{u}/recommendations?{query}" for u in users],
    }
    results: dict[str, dict[str, Any]] = {name: {"latencies": [], "statuses": {}, "seconds": 0.0} for name in endpoints}
    for paths in endpoints.values():  # warm-up, not measured
        asyncio.run(_round(args.port, paths, args.key, args.warmup, args.concurrency))
    for _ in range(args.rounds):
        for name, paths in endpoints.items():
            done = asyncio.run(_round(args.port, paths, args.key, args.duration, args.concurrency))
            results[name]["latencies"] += done["latencies"]
            results[name]["seconds"] += done["seconds"]
            for status, count in done["statuses"].items():
                results[name]["statuses"][status] = results[name]["statuses"].get(status, 0) + count
    cpu_ms = {name: server_cpu_ms(args, paths) for name, paths in endpoints.items()} if args.server_pid else {}
    summary = {}
    for name, result in results.items():
        lat = np.asarray(result["latencies"]) * 1000
        summary[name] = {
            "requests": len(lat),
            "rps": len(lat) / result["seconds"],
            "p50_ms": float(np.percentile(lat, 50)),
            "p95_ms": float(np.percentile(lat, 95)),
            "p99_ms": float(np.percentile(lat, 99)),
            "statuses": {str(k): v for k, v in result["statuses"].items()},
            "server_cpu_ms": cpu_ms.get(name),
        }
    print(json.dumps(summary))


# -- orchestration ---------------------------------------------------------------------------------


def load_server(args: argparse.Namespace, port: int, key: str, server_pid: int) -> dict[str, Any]:
    """Run the load phase (this file with ``--load``) in a second process; its summary."""
    load = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            "--port",
            str(port),
            "--key",
            key,
            "--users",
            str(args.users),
            "--duration",
            str(args.duration),
            "--rounds",
            str(args.rounds),
            "--warmup",
            str(args.warmup),
            "--concurrency",
            str(args.concurrency),
            "--server-pid",
            str(server_pid),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    summary: dict[str, Any] = json.loads(load.stdout.strip().splitlines()[-1])
    return summary


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop ``recsys serve`` as Ctrl-C would, killing it when it does not stop."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per endpoint (alternated)")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds per endpoint before measuring")
    parser.add_argument(
        "--ranking-threads",
        type=int,
        nargs="+",
        default=[1],
        help="RECSYS_RANKING_THREADS of the server; several values load one server after another",
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--key", default="", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        run_load(args)
        return

    from recsys.artifacts import ArtifactRegistry
    from serving.keys import KeyStore, Scope

    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("redis-server is needed (apt-get install redis-server)")
    work = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    redis_port, http_port = free_port(), free_port()
    redis_process = subprocess.Popen(
        [redis_server, "--port", str(redis_port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        wait_for_port(redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        data = work / "data"
        print("building the model world ...", file=sys.stderr)
        build_world(data)
        model_version = ArtifactRegistry(data / "artifacts").active_version("default")
        assert model_version is not None
        print(f"writing {args.users:,} users and {args.events:,} cards into Redis ...", file=sys.stderr)
        cards = synthetic_cards(args.events, dt.datetime.now(dt.UTC), seed=3)
        publish_s = publish_synthetic(redis_url, args.users, args.candidates, cards, model_version)
        key, _ = KeyStore(data / "api-keys.json").create(Scope.PUBLIC, name="bench")
        env = {
            **os.environ,
            "RECSYS_DATA_DIR": str(data),
            "REDIS_URL": redis_url,
            "RECSYS_CACHE_PREFIX": PREFIX,
            "RECSYS_BENCH_ROUTES": "1",
            "RECSYS_RATE_PUBLIC": "0",
        }
        results: list[dict[str, Any]] = []
        for threads in args.ranking_threads:
            recsys = Path(sys.executable).with_name("recsys")
            server = subprocess.Popen(
                [str(recsys), "serve", "--port", str(http_port)],
                env={**env, "RECSYS_RANKING_THREADS": str(threads)},
                stdout=subprocess.DEVNULL,
            )
            wait_for_port(http_port, timeout=120)
            time.sleep(1.0)
            print(f"loading the server (ranking threads: {threads}) ...", file=sys.stderr)
            summary = load_server(args, http_port, key, server.pid)
            stop_server(server)
            server = None
            bare, personal = summary["bare"], summary["personal"]
            results.append(
                {
                    "ranking_threads": threads,
                    "summary": summary,
                    "throughput_ratio": personal["rps"] / bare["rps"],
                    "p99_ratio": personal["p99_ms"] / bare["p99_ms"],
                }
            )
        info = {
            "users": args.users,
            "events": args.events,
            "candidates": args.candidates,
            "concurrency": args.concurrency,
            "seconds_per_endpoint": args.duration * args.rounds,
            "publish_seconds": round(publish_s, 1),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "date": dt.date.today().isoformat(),
        }
        print(
            "| ranking threads | endpoint | requests | requests/s | p50 ms | p95 ms | p99 ms "
            "| server CPU ms/request | statuses |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for result in results:
            rows = (("bare: cached list, no ranking", "bare"), ("personal, with filters", "personal"))
            for name, which in rows:
                row = result["summary"][which]
                print(
                    f"| {result['ranking_threads']} | {name} | {row['requests']:,} | {row['rps']:,.0f} "
                    f"| {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {row['p99_ms']:.2f} | {row['server_cpu_ms']:.2f} "
                    f"| {row['statuses']} |"
                )
        print()
        for result in results:
            print(
                f"ranking threads {result['ranking_threads']}: throughput personal / bare = "
                f"{result['throughput_ratio']:.2f} (target >= 0.5); "
                f"p99 personal / bare = {result['p99_ratio']:.2f} (target <= 2)"
            )
        if len(results) > 1:
            best_bare = max(r["summary"]["bare"]["rps"] for r in results)
            best_personal = max(r["summary"]["personal"]["rps"] for r in results)
            print(f"best personal / best bare over the settings = {best_personal / best_bare:.2f}")
        print(json.dumps({"results": results, **info}))
    finally:
        if server is not None:
            stop_server(server)
        redis_process.kill()
        redis_process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
