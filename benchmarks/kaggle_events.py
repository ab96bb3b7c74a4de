"""Local MAP@200 of the Kaggle event ranker beside the popularity ordering, and its cost.

Run::

    .venv/bin/python benchmarks/kaggle_events.py [--data-dir DIR] [--folds 5] [--seeds 0 1 2]

For each seed it runs the same procedure as ``recsys kaggle-events``'s
validation: users of ``train.csv`` split into ``--folds`` groups; for each
group, the ranker is fitted on the other groups (label-derived features out
of fold) and both the ranker and the popularity ordering (distinct users of
train and test shown the event) rank the held-out users' candidates;
MAP@200 as the competition defined it. Prints a Markdown table: all users,
the single-timestamp users (the kind the leaderboard scored) and the others,
with the elapsed time of reading + features + cross-validation.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import sklearn

from training.kaggle.data import read_folder
from training.kaggle.features import build_pairs
from training.kaggle.validation import ValidationResult, cross_validate

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "kaggle-event-recommendation"


def run(folder: Path, folds: int, seed: int) -> tuple[ValidationResult, float]:
    """One full validation from the files, and its wall-clock seconds."""
    started = time.perf_counter()
    table = build_pairs(read_folder(folder))
    result = cross_validate(table, folds, seed)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR, help="the Kaggle challenge folder")
    parser.add_argument("--folds", type=int, default=5, help="user folds")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one validation per seed")
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, {platform.machine()}")
    print(f"{args.folds}-fold cross-validation by user on {args.data_dir}\n")
    print(
        "| seed | users | ours: all | popularity: all | ours: one timestamp | popularity: one timestamp "
        "| ours: several | popularity: several | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows: list[tuple[float, float, float, float]] = []
    for seed in args.seeds:
        result, seconds = run(args.data_dir, args.folds, seed)
        a, s, m = result.all_users, result.single_timestamp, result.multi_timestamp
        print(
            f"| {seed} | {a.users:,} | {a.ours:.4f} | {a.popularity:.4f} | {s.ours:.4f} | {s.popularity:.4f} "
            f"| {m.ours:.4f} | {m.popularity:.4f} | {seconds:.1f} |"
        )
        rows.append((a.ours, a.popularity, s.ours, s.popularity))
    if len(rows) > 1:
        mean = np.mean(rows, axis=0)
        print(f"| mean | | {mean[0]:.4f} | {mean[1]:.4f} | {mean[2]:.4f} | {mean[3]:.4f} | | | |")


if __name__ == "__main__":
    main()
