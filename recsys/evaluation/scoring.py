"""Scorers: functions from a batch of user ids to their scores over a hold-out's candidates."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.holdout import ObjectArray
from recsys.models.base import Recommender

Scorer = Callable[[ObjectArray], npt.NDArray[np.float32]]


def model_scorer(model: Recommender, candidate_ids: ObjectArray) -> Scorer:
    """Score users over ``candidate_ids`` with a fitted model.

    Users the model does not know, and candidates outside its vocabulary,
    score ``-inf`` ("cannot rank"): they are never hits.
    """
    columns = model.events_.indices_of(pa.array(candidate_ids, pa.string()))
    has_column = columns >= 0
    safe_columns = np.where(has_column, columns, 0)

    def score(user_ids: ObjectArray) -> npt.NDArray[np.float32]:
        users = model.users_.indices_of(pa.array(user_ids, pa.string()))
        known = users >= 0
        scores = np.full((len(users), len(columns)), -np.inf, dtype=np.float32)
        if known.any():
            all_items = model.score_users(users[known].astype(np.int32))
            scores[known] = np.where(has_column, all_items[:, safe_columns], -np.inf)
        return scores

    return score


def standardized(scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Per row, the finite scores as z-scores (mean 0, unit spread); ``-inf`` stays ``-inf``.

    Models score on different scales; standardising each user's row makes a
    weighted sum of two models' scores mean what the weights say.
    """
    finite = np.isfinite(scores)
    values = np.where(finite, scores, 0.0).astype(np.float64)
    count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    mean = values.sum(axis=1, keepdims=True) / count
    spread = np.sqrt((np.where(finite, values - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / count)
    z = (values - mean) / np.where(spread > 0, spread, 1.0)
    return np.where(finite, z, -np.inf).astype(np.float32)


def blend_scorers(scorers: Sequence[Scorer], weights: Sequence[float]) -> Scorer:
    """A scorer that adds the standardised scores of ``scorers`` with ``weights``.

    An item counts as unrankable (``-inf``) only when every model with a
    positive weight leaves it unranked; a model that cannot rank an item adds
    its lowest finite score for it, so one model's gap does not hide the other's opinion.

    Raises
    ------
    InvalidFieldError
        When the numbers of scorers and weights differ, or no weight is positive.

    """
    if len(scorers) != len(weights) or not any(w > 0 for w in weights):
        raise InvalidFieldError("weights", f"need one weight per scorer and one positive, got {list(weights)}")

    def score(user_ids: ObjectArray) -> npt.NDArray[np.float32]:
        total: npt.NDArray[np.float64] | None = None
        rankable: npt.NDArray[np.bool_] | None = None
        for scorer, weight in zip(scorers, weights, strict=True):
            if weight <= 0:
                continue
            z = standardized(scorer(user_ids)).astype(np.float64)
            finite = np.isfinite(z)
            floor = np.where(finite, z, np.inf).min(axis=1, keepdims=True)
            filled = np.where(finite, z, np.where(np.isfinite(floor), floor, 0.0))
            total = weight * filled if total is None else total + weight * filled
            rankable = finite if rankable is None else rankable | finite
        if total is None or rankable is None:  # unreachable: a positive weight was checked above
            raise InvalidFieldError("weights", "no positive weight")
        return np.where(rankable, total, -np.inf).astype(np.float32)

    return score
