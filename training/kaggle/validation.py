"""Local MAP@200 by cross-validation over held-out users of ``train.csv``.

Test users never appear in ``train.csv``, so the folds are groups of users:
the ranker is fitted on the other folds' users (with out-of-fold label counts
among them) and scores the held-out users' candidates with label counts from
the fitted users only. The popularity ordering is scored on the same users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recsys.domain.errors import InvalidFieldError
from training.kaggle.features import BoolArray, FloatArray, IntArray, PairTable, user_groups
from training.kaggle.metric import K, apk
from training.kaggle.model import EventRanker, RankerParams, popularity_scores, rank_per_user

#: ``report(step, done, total)`` for progress bars.
Report = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class SliceScores:
    """MAP@200 of both orderings over one set of held-out users.

    Parameters
    ----------
    users : int
        Number of users scored.
    ours : float
        MAP@200 of the learned ranker.
    popularity : float
        MAP@200 of the popularity ordering.

    """

    users: int
    ours: float
    popularity: float


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The cross-validated estimate.

    Parameters
    ----------
    folds, seed : int
        How the users were split.
    all_users : SliceScores
        Every user of ``train.csv``, each scored while held out.
    single_timestamp : SliceScores
        Users whose impressions share one timestamp: the kind of user the
        competition's leaderboard scored.
    multi_timestamp : SliceScores
        The other users.
    per_fold : tuple of (float, float)
        MAP@200 of (ours, popularity) in each fold.

    """

    folds: int
    seed: int
    all_users: SliceScores
    single_timestamp: SliceScores
    multi_timestamp: SliceScores
    per_fold: tuple[tuple[float, float], ...]


def _user_apk(table: PairTable, rows: IntArray, scores: FloatArray) -> dict[int, float]:
    relevant: dict[int, set[int]] = {}
    for user, event, flag in zip(
        table.user[rows].tolist(), table.event[rows].tolist(), table.interested[rows].tolist(), strict=True
    ):
        wanted = relevant.setdefault(user, set())
        if flag:
            wanted.add(event)
    return {user: apk(relevant[user], events, K) for user, events in rank_per_user(table, rows, scores)}


def _slice(ours: dict[int, float], popular: dict[int, float], users: list[int]) -> SliceScores:
    if not users:
        return SliceScores(users=0, ours=0.0, popularity=0.0)
    return SliceScores(
        users=len(users),
        ours=float(np.mean([ours[u] for u in users])),
        popularity=float(np.mean([popular[u] for u in users])),
    )


def cross_validate(
    table: PairTable,
    n_folds: int = 5,
    seed: int = 0,
    params: RankerParams | None = None,
    report: Report | None = None,
) -> ValidationResult:
    """Estimate MAP@200 of the ranker and of the popularity ordering on held-out users.

    Raises
    ------
    InvalidFieldError
        On field ``folds`` when there are fewer than 2 folds or fewer train users than folds.

    """
    train_rows = np.flatnonzero(table.is_train)
    n_users = len(np.unique(table.user[train_rows]))
    if n_folds < 2 or n_folds > n_users:
        raise InvalidFieldError("folds", f"need between 2 and {n_users} (the users of train.csv), got {n_folds}")
    folds = user_groups(table.user[train_rows], n_folds, seed)
    ours: dict[int, float] = {}
    popular: dict[int, float] = {}
    per_fold: list[tuple[float, float]] = []
    for fold in range(n_folds):
        if report:
            report(f"validation: fold {fold + 1} of {n_folds}", fold, n_folds)
        held = train_rows[folds == fold]
        ranker = EventRanker(params, seed=seed + fold).fit(table, train_rows[folds != fold])
        fold_ours = _user_apk(table, held, ranker.score(table, held))
        fold_popular = _user_apk(table, held, popularity_scores(table, held))
        ours |= fold_ours
        popular |= fold_popular
        per_fold.append((float(np.mean(list(fold_ours.values()))), float(np.mean(list(fold_popular.values())))))
    if report:
        report("validation", n_folds, n_folds)
    single: BoolArray = table.single_timestamp[train_rows]
    single_users = set(table.user[train_rows][single].tolist())
    everyone = sorted(ours)
    return ValidationResult(
        folds=n_folds,
        seed=seed,
        all_users=_slice(ours, popular, everyone),
        single_timestamp=_slice(ours, popular, [u for u in everyone if u in single_users]),
        multi_timestamp=_slice(ours, popular, [u for u in everyone if u not in single_users]),
        per_fold=tuple(per_fold),
    )
