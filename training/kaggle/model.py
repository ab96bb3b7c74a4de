"""The learned ranker of (user, event) pairs, the popularity ordering, and per-user ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from training.kaggle.features import (
    LABEL_FREE_FEATURES,
    BoolArray,
    FloatArray,
    IntArray,
    PairTable,
    label_features,
    out_of_fold_label_features,
)


@dataclass(frozen=True, slots=True)
class RankerParams:
    """Hyperparameters of :class:`EventRanker`.

    Parameters
    ----------
    learning_rate, max_iter, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to :class:`sklearn.ensemble.HistGradientBoostingClassifier`.
    inner_folds : int
        User groups for the out-of-fold label-derived features of the training rows.

    """

    learning_rate: float = 0.05
    max_iter: int = 300
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    inner_folds: int = 5


class EventRanker:
    """Gradient-boosted classifier of "interested", used to order each user's candidates.

    Parameters
    ----------
    params : RankerParams
        Hyperparameters.
    seed : int
        Seed of the inner user folds and of the booster.

    Attributes
    ----------
    source_ : ndarray of bool
        The pairs the ranker was fitted on; label-derived features of every
        scored pair are counted from these only.
    model_ : HistGradientBoostingClassifier
        The fitted booster.

    """

    def __init__(self, params: RankerParams | None = None, seed: int = 0) -> None:
        self.params = params or RankerParams()
        self.seed = seed

    def fit(self, table: PairTable, rows: IntArray) -> Self:
        """Fit on the labelled pairs ``rows`` (label-derived features out of fold)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not table.is_train[rows].all():
            raise ValueError("the ranker is fitted on labelled (train) pairs only")
        labels = table.interested[rows]
        if len(np.unique(labels)) < 2:
            raise ValueError("training pairs need both interested and other impressions")
        derived = out_of_fold_label_features(table, rows, self.params.inner_folds, self.seed)
        features = np.hstack([table.features[rows], derived])
        locale = LABEL_FREE_FEATURES.index("locale")
        categorical = np.zeros(features.shape[1], dtype=bool)
        categorical[locale] = True
        p = self.params
        self.model_ = HistGradientBoostingClassifier(
            learning_rate=p.learning_rate,
            max_iter=p.max_iter,
            max_leaf_nodes=p.max_leaf_nodes,
            min_samples_leaf=p.min_samples_leaf,
            l2_regularization=p.l2_regularization,
            categorical_features=categorical,
            # No validation split: every labelled user is used, and the fit stays deterministic.
            early_stopping=False,
            random_state=self.seed,
        ).fit(features, labels)
        source = np.zeros(len(table), dtype=bool)
        source[rows] = True
        self.source_: BoolArray = source
        return self

    def score(self, table: PairTable, rows: IntArray) -> FloatArray:
        """Probability of "interested" for ``rows``; their label-derived features count only the fitted pairs.

        Held-out users must not be among the fitted ones for an honest
        estimate; :func:`training.kaggle.validation.cross_validate` makes sure.
        """
        rows = np.asarray(rows, dtype=np.int64)
        features = np.hstack([table.features[rows], label_features(table, self.source_, rows)])
        return np.asarray(self.model_.predict_proba(features)[:, 1], dtype=np.float64)


def popularity_scores(table: PairTable, rows: IntArray) -> FloatArray:
    """Kaggle-style popularity: how many users of train and test were shown the event.

    Kaggle's ``event_popularity_benchmark`` ranked each user's candidates by
    event popularity; the counts it used are not reproducible without the
    missing side tables, so this counts the distinct users shown each event
    over both files (label-free, so it needs no held-out care).
    """
    counts = np.bincount(table.event_code, minlength=table.n_events).astype(np.float64)
    return counts[table.event_code[np.asarray(rows, dtype=np.int64)]]


def rank_per_user(table: PairTable, rows: IntArray, scores: FloatArray) -> list[tuple[int, list[int]]]:
    """Each user's events of ``rows`` ordered by ``scores`` (best first).

    Ties keep file order, so the ranking is deterministic. Users come in order
    of their first line.

    Returns
    -------
    list of (user, events)
        One entry per user of ``rows``.

    """
    rows = np.asarray(rows, dtype=np.int64)
    users = table.user[rows]
    first_line: dict[int, int] = {}
    for user, line in zip(users.tolist(), table.order[rows].tolist(), strict=True):
        first_line[user] = min(line, first_line.get(user, line))
    user_rank = np.asarray([first_line[u] for u in users.tolist()], dtype=np.int64)
    ordered = rows[np.lexsort((table.order[rows], -np.asarray(scores, dtype=np.float64), user_rank))]
    ranked: list[tuple[int, list[int]]] = []
    for user, event in zip(table.user[ordered].tolist(), table.event[ordered].tolist(), strict=True):
        if not ranked or ranked[-1][0] != user:
            ranked.append((user, []))
        ranked[-1][1].append(event)
    return ranked
