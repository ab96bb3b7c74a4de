"""Scorers for :func:`recsys.evaluation.evaluate.evaluate_scorer`: fitted models, and a base model + ranker."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from recsys.evaluation.evaluate import Scorer
from recsys.evaluation.split import ObjectArray, TemporalSplit
from recsys.models.base import Recommender
from recsys.vocabulary import IdVocabulary
from training.ranker import LearnedRanker
from training.ranking_data import RankingSetup


def candidate_columns(events: IdVocabulary, split: TemporalSplit) -> npt.NDArray[np.int64]:
    """Indices of the split's candidates in a model's event vocabulary (``-1`` when it lacks one)."""
    return events.indices_of(pa.array(split.candidate_ids, pa.string()))


def model_scorer(model: Recommender, split: TemporalSplit) -> Scorer:
    """Score the split's users over its candidates with one fitted model."""
    columns = candidate_columns(model.events_, split)
    has_column = columns >= 0
    safe_columns = np.where(has_column, columns, 0)

    def score(user_ids: ObjectArray) -> npt.NDArray[np.float32]:
        users = model.users_.indices_of(pa.array(user_ids, pa.string()))
        known = users >= 0
        scores = np.full((len(users), len(columns)), -np.inf, dtype=np.float32)
        if known.any():
            all_events = model.score_users(users[known].astype(np.int32))
            scores[known] = np.where(has_column, all_events[:, safe_columns], -np.inf)
        return scores

    return score


def ranker_scorer(setup: RankingSetup, ranker: LearnedRanker, split: TemporalSplit, n_candidates: int) -> Scorer:
    """Rank the base model's best ``n_candidates`` with the ranker, then the rest in the base model's order."""
    columns = candidate_columns(setup.data.events, split)
    if (columns < 0).any():
        raise ValueError("every candidate must be in the training vocabulary (build it with include_all_events)")

    def score(user_ids: ObjectArray) -> npt.NDArray[np.float32]:
        rows_of = np.searchsorted(split.user_ids, user_ids)
        excluded = split.seen[rows_of].toarray() > 0
        users = setup.data.users.indices_of(pa.array(user_ids, pa.string()))
        base, top, rows, groups = setup.candidates_and_rows(users, columns, excluded, n_candidates)
        # Below the re-ranked head, keep the base order: scores from the base ranks, all below the head.
        order = np.argsort(-base, axis=1, kind="stable")
        final = np.empty(base.shape, dtype=np.float64)
        np.put_along_axis(final, order, -np.arange(base.shape[1], dtype=np.float64)[None, :], axis=1)
        final[~np.isfinite(base)] = -np.inf
        if len(rows):
            predicted = ranker.predict(rows, groups)
            head = top >= 0
            head_users, head_slots = np.nonzero(head)  # row-major: the order the rows were built in
            # The head ranks above every base rank, in the ranker's order (exact ranks: no float ties).
            order = np.lexsort((np.arange(len(predicted)), -predicted, groups))
            position = np.empty(len(order), dtype=np.float64)
            position[order] = np.arange(len(order))
            group_start = np.searchsorted(groups[order], groups, side="left")
            final[head_users, top[head_users, head_slots]] = 1.0 + top.shape[1] - (position - group_start)
        return final.astype(np.float32)

    return score
