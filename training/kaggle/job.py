"""The whole job: read, validate on held-out users, fit on all of train, write the submission."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from training.kaggle.data import KaggleInputError, read_folder
from training.kaggle.features import build_pairs
from training.kaggle.model import EventRanker, RankerParams, rank_per_user
from training.kaggle.submission import check_writable, write_submission
from training.kaggle.validation import Report, ValidationResult, cross_validate


@dataclass(frozen=True, slots=True)
class KaggleResult:
    """What the job did.

    Parameters
    ----------
    out : Path
        The submission written.
    test_users, test_pairs : int
        Rows of the submission, and candidate events in it.
    train_users, train_pairs : int
        Labelled users and (user, event) pairs the final ranker learned from.
    validation : ValidationResult or None
        The local MAP@200 estimate, unless validation was skipped.
    seconds : float
        Wall-clock time of the job.

    """

    out: Path
    test_users: int
    test_pairs: int
    train_users: int
    train_pairs: int
    validation: ValidationResult | None
    seconds: float


def run_kaggle_events(
    folder: Path,
    out: Path,
    *,
    folds: int = 5,
    seed: int = 0,
    validate: bool = True,
    params: RankerParams | None = None,
    report: Report | None = None,
) -> KaggleResult:
    """Train on ``folder``'s ``train.csv`` and ``users.csv`` and write a submission for ``test.csv``.

    Parameters
    ----------
    folder : Path
        The challenge folder.
    out : Path
        Where the submission goes (written atomically, only at the end).
    folds : int
        User folds of the local validation.
    seed : int
        Seed of the folds and the booster; the same inputs and seed give the same file.
    validate : bool
        Whether to estimate MAP@200 on held-out users first.
    params : RankerParams, optional
        Ranker hyperparameters.
    report : callable, optional
        ``report(step, done, total)`` for progress bars.

    Raises
    ------
    KaggleInputError
        For a missing or malformed input file or an unwritable ``out``.
    recsys.domain.errors.InvalidFieldError
        On field ``folds`` for an impossible number of folds.

    """
    started = time.perf_counter()
    check_writable(out)
    if report:
        report("reading", 0, 1)
    frames = read_folder(folder)
    table = build_pairs(frames)
    train_rows = np.flatnonzero(table.is_train)
    if len(np.unique(table.interested[train_rows])) < 2:
        raise KaggleInputError(str(folder / "train.csv"), "needs rows with interested=1 and rows without to learn from")
    # Tens of thousands of pairs: one OpenMP thread. On a shared 2-core machine the booster's spinning
    # threads made the same work 40x slower; the fit does not depend on the thread count.
    with threadpool_limits(limits=1, user_api="openmp"):
        validation = cross_validate(table, folds, seed, params, report) if validate else None
        if report:
            report("fitting on every train user", 0, 1)
        test_rows = np.flatnonzero(~table.is_train)
        ranker = EventRanker(params, seed=seed).fit(table, train_rows)
        ranked = rank_per_user(table, test_rows, ranker.score(table, test_rows))
    if report:
        report("writing", 0, 1)
    write_submission(out, ranked)
    if report:
        report("done", 1, 1)
    return KaggleResult(
        out=out,
        test_users=len(ranked),
        test_pairs=len(test_rows),
        train_users=len(np.unique(table.user[train_rows])),
        train_pairs=len(train_rows),
        validation=validation,
        seconds=time.perf_counter() - started,
    )
