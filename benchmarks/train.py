"""Cost and quality of the training job (``recsys train``) on synthetic Flemish seasons.

Run::

    .venv/bin/python benchmarks/train.py [--data-root DIR] [--sizes 2000 20000 160000] [--parts a b c]

Seasons are generated with ``recsys generate --users N --season-start 2025-09-01``
(seed 2025) into ``--data-root`` (default: a temporary folder) and reused
when already there. It measures:

(a) the whole ``recsys train --config training/configs/als-only.toml``
    (in-process through the Typer app: read stores, split, build the matrix,
    fit ALS, evaluate, write and checksum the artefact) against a plain
    ``implicit`` ALS fit of the same matrix with the same parameters, and
    against ``ALSRecommender.fit`` alone (the model the job fits), best of
    ``--repeat`` runs each, alternated, on the season of ``--ratio-users`` users;
(b) time and peak memory (``VmHWM`` of a fresh process per run) of training
    with ``als-only.toml`` and with ``default.toml`` (all models + ranker) at
    each size in ``--sizes`` (2,000 users ~ 100k interactions, 20,000 ~ 1M,
    160,000 ~ 10M);
(c) the hold-out table of the default config (popularity, content, ALS,
    item-kNN, hybrid, hybrid + ranker: NDCG@10, recall@50 and the cold-start
    slice) on the season of ``--table-users`` users, for the default split
    (the last 28 days) and a mid-season split (cutoff 2026-03-01, 28 test days).

Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "training" / "configs"
SEASON_START = "2025-09-01"


def peak_rss_mib() -> float:
    """Peak resident set of this process so far (Linux ``VmHWM``), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_season(root: Path, users: int) -> Path:
    """The data folder of an ``users``-user season, generated when missing."""
    folder = root / f"season-{users}"
    if not (folder / "catalogue.sqlite").exists():
        subprocess.run(
            [str(Path(sys.executable).parent / "recsys"), "-d", str(folder), "generate", "--users", str(users),
             "--season-start", SEASON_START],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return folder


def best_of(repeat: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


# -- (a) -------------------------------------------------------------------------------------------


def part_a(folder: Path, repeat: int) -> None:
    from typer.testing import CliRunner

    from features.training_data import build_training_data
    from recsys.cli.main import app
    from recsys.evaluation.split import cutoff_before_end, temporal_split
    from recsys.models.als import single_threaded_blas
    from recsys.stores.workspace import Workspace
    from training.config import build_weighting, load_config

    config_path = CONFIGS / "als-only.toml"
    config = load_config(config_path)
    spec = config.model("als")
    with Workspace(folder) as workspace:
        arrays = workspace.interactions.export_arrays()
        events = workspace.catalogue.events_table()
    split = temporal_split(arrays, events, cutoff_before_end(arrays, config.split.holdout_days))
    data = build_training_data(
        events,
        split.train,
        weighting=build_weighting(config.weighting),
        reference_time_us=split.cutoff_us,
        encoder=None,
    )
    matrix = data.matrix.astype(np.float32)

    def plain_als() -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        # implicit asks for single-threaded BLAS (it parallelises itself); the job does the same.
        with single_threaded_blas():
            model = AlternatingLeastSquares(
                factors=spec.params["factors"],
                regularization=spec.params["regularization"],
                alpha=spec.params["alpha"],
                iterations=spec.params["iterations"],
                random_state=spec.params["random_state"],
                dtype=np.float32,
            )
            model.fit(matrix, show_progress=False)

    def model_fit() -> None:
        spec.build().fit(data)

    runner = CliRunner()

    def whole_train() -> None:
        result = runner.invoke(app, ["-d", str(folder), "train", "--config", str(config_path), "--no-promote"])
        assert result.exit_code == 0, result.output

    # Warm both once (imports, page cache), then alternate them so that load from
    # other processes hits both alike; keep the best of each.
    plain_als()
    whole_train()
    baseline, model, ours = float("inf"), float("inf"), float("inf")
    for _ in range(repeat):
        baseline = min(baseline, best_of(1, plain_als))
        model = min(model, best_of(1, model_fit))
        ours = min(ours, best_of(1, whole_train))
    print(f"\n### (a) `recsys train` (als-only) vs a plain implicit ALS fit, {len(arrays):,} interactions\n")
    print(f"matrix: {matrix.shape[0]:,} users x {matrix.shape[1]:,} events, {matrix.nnz:,} cells; "
          f"ALS {spec.params}")  # fmt: skip
    print(f"\n| step | time (best of {repeat}) |\n|---|---|")
    print(f"| plain implicit ALS fit | {baseline:.2f} s |")
    print(f"| `ALSRecommender.fit` of the same training data (the model the job fits) | {model:.2f} s |")
    print(f"| whole `recsys train --config als-only.toml` | {ours:.2f} s |")
    print(f"| ratio whole train / plain implicit | **{ours / baseline:.2f}x** (target ≤ 1.5x) |")
    print(f"| ratio whole train / `ALSRecommender.fit` (the job's own overhead) | {ours / model:.2f}x |")


# -- (b) -------------------------------------------------------------------------------------------


def one_run(folder: Path, config_name: str) -> dict[str, Any]:
    """Train once in this process; report time, peak memory and the step timings."""
    from recsys.stores.workspace import Workspace
    from training.config import load_config
    from training.job import train

    config = load_config(CONFIGS / f"{config_name}.toml")
    start = time.perf_counter()
    with Workspace(folder) as workspace:
        interactions = workspace.interactions.count()
        result = train(workspace, config)
    seconds = time.perf_counter() - start
    return {
        "interactions": interactions,
        "seconds": seconds,
        "peak_mib": peak_rss_mib(),
        "timings": result.timings,
        "metrics": result.metrics,
        "split": result.split,
    }


def run_fresh(folder: Path, config_name: str) -> dict[str, Any]:
    """:func:`one_run` in a fresh interpreter, so that the peak memory is this run's alone."""
    output = subprocess.run(
        [sys.executable, __file__, "--one", str(folder), config_name], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def part_b(root: Path, sizes: list[int]) -> None:
    print("\n### (b) training cost by size (fresh process per run)\n")
    print("| users | interactions | config | time | peak memory | time per 1M interactions | biggest steps |")
    print("|---|---|---|---|---|---|---|")
    for users in sizes:
        folder = ensure_season(root, users)
        for config_name in ("als-only", "default"):
            run = run_fresh(folder, config_name)
            steps = sorted(run["timings"].items(), key=lambda kv: -kv[1])[:3]
            biggest = ", ".join(f"{k} {v:.1f} s" for k, v in steps)
            per_million = run["seconds"] / (run["interactions"] / 1e6)
            print(
                f"| {users:,} | {run['interactions']:,} | {config_name} | {run['seconds']:.1f} s | "
                f"{run['peak_mib']:,.0f} MiB | {per_million:.1f} s | {biggest} |",
                flush=True,
            )


# -- (c) -------------------------------------------------------------------------------------------


def part_c(folder: Path) -> None:
    import dataclasses
    import datetime as dt

    from recsys.stores.workspace import Workspace
    from training.config import load_config
    from training.job import train

    base = load_config()
    splits = {
        "last 28 days": base,
        "mid-season (cutoff 2026-03-01, 28 test days)": dataclasses.replace(
            base,
            split=dataclasses.replace(base.split, cutoff=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), test_days=28.0),
        ),
    }
    for label, config in splits.items():
        with Workspace(folder) as workspace:
            result = train(workspace, config)
        s = result.split
        print(f"\n### (c) hold-out on {folder.name}, split: {label}\n")
        print(
            f"{s['test_users']:,} test users (sample of {config.evaluation.max_users:,} evaluated), "
            f"{s['candidates']:,} open events ({s['cold_candidates']:,} cold), {s['relevant_pairs']:,} relevant pairs, "
            f"cold share of relevant events {s['cold_event_share']:.1%}\n"
        )
        print("| model | NDCG@10 | recall@50 | MRR@10 | cold NDCG@10 | cold recall@50 |")
        print("|---|---|---|---|---|---|")
        for name, m in result.metrics.items():
            bold = "**" if name == result.best else ""
            print(
                f"| {bold}{name}{bold} | {m['ndcg@10']:.4f} | {m['recall@50']:.4f} | {m['mrr@10']:.4f} | "
                f"{m.get('cold/ndcg@10', float('nan')):.4f} | {m.get('cold/recall@50', float('nan')):.4f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=None, help="Where seasons are generated and reused.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 160_000])
    parser.add_argument("--ratio-users", type=int, default=20_000)
    parser.add_argument("--table-users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--parts", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    parser.add_argument("--one", nargs=2, metavar=("FOLDER", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(Path(args.one[0]), args.one[1])))
        return
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_root or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; data in {root}"
        )
        if "a" in args.parts:
            part_a(ensure_season(root, args.ratio_users), args.repeat)
        if "b" in args.parts:
            part_b(root, args.sizes)
        if "c" in args.parts:
            part_c(ensure_season(root, args.table_users))


if __name__ == "__main__":
    main()
