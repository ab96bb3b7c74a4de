"""Candidates and ranking rows for many users at once, from fitted models and the shared row builder.

The ranker re-orders the top candidates of a base model. For every user it
takes the base model's best ``n`` open events (those the user has not
interacted with yet), asks every model whose score is a ranking feature for
its score of those events, and builds the rows with
:func:`features.ranking.ranking_rows`: the same function the server calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from features.event_side import EventOffer, build_event_offer
from features.interactions import InteractionWeighting
from features.ranking import AGE_BAND_MIDPOINTS, RANKING_FEATURES, SCORE_MODELS, RankingContext, ranking_rows
from recsys.evaluation.evaluate import top_k
from recsys.evaluation.split import TemporalSplit
from recsys.models.base import Recommender
from recsys.models.data import TrainingData, positive_part
from recsys.stores.batches import InteractionArrays

#: How many recent events make a user's history in a ranking context.
HISTORY_LENGTH: Final = 20

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def score_feature_name(model: str) -> str | None:
    """The ranking-feature key of a registry name (``item-knn`` -> ``item_knn``), or None when it is no feature."""
    key = model.replace("-", "_")
    return key if key in SCORE_MODELS else None


@dataclass(frozen=True, slots=True)
class UserSide:
    """What ranking rows need about each user of a training vocabulary.

    Parameters
    ----------
    lat, lon, age : ndarray of float64
        Home location and age (band midpoint); NaN when unknown.
    history_indptr : ndarray of int64
        Row pointers into ``history_events`` per user (CSR style).
    history_events : ndarray of int64
        Each user's most recent distinct events (event indices), newest first.

    """

    lat: FloatArray
    lon: FloatArray
    age: FloatArray
    history_indptr: IntArray
    history_events: IntArray

    def history(self, user_idx: int) -> IntArray:
        """The recent events of one user."""
        return self.history_events[self.history_indptr[user_idx] : self.history_indptr[user_idx + 1]]


def build_user_side(
    users_table: pa.Table, data: TrainingData, arrays: InteractionArrays, weighting: InteractionWeighting
) -> UserSide:
    """Home, age and recent history of every user of ``data`` (history from positively weighted interactions)."""
    n_users = len(data.users)
    lat = np.full(n_users, np.nan)
    lon = np.full(n_users, np.nan)
    age = np.full(n_users, np.nan)
    if users_table.num_rows:
        position = data.users.indices_of(users_table.column("user_id"))
        known = position >= 0
        for target, column in ((lat, "lat"), (lon, "lon")):
            values = users_table.column(column).to_numpy(zero_copy_only=False)
            target[position[known]] = np.asarray(values, dtype=np.float64)[known]
        bands = pc.fill_null(users_table.column("age_band"), "").to_pylist()
        ages = np.asarray([AGE_BAND_MIDPOINTS.get(b, np.nan) for b in bands], dtype=np.float64)
        age[position[known]] = ages[known]
    indptr, events = _recent_history(data, arrays, weighting)
    return UserSide(lat=lat, lon=lon, age=age, history_indptr=indptr, history_events=events)


def _recent_history(
    data: TrainingData, arrays: InteractionArrays, weighting: InteractionWeighting
) -> tuple[IntArray, IntArray]:
    n_users = len(data.users)
    user_of = data.users.indices_of(pa.array(arrays.user_ids, pa.string()))[arrays.user_codes]
    event_of = data.events.indices_of(pa.array(arrays.event_ids, pa.string()))[arrays.event_codes]
    keep = (weighting.kind_table()[arrays.kinds] > 0) & (user_of >= 0) & (event_of >= 0)
    user, event, stamp = user_of[keep], event_of[keep], arrays.timestamps_us[keep]
    # Newest first per user; the first row of each (user, event) pair is its latest time.
    order = np.lexsort((-stamp, event, user))
    user, event, stamp = user[order], event[order], stamp[order]
    first = np.r_[True, (user[1:] != user[:-1]) | (event[1:] != event[:-1])]
    user, event, stamp = user[first], event[first], stamp[first]
    order = np.lexsort((event, -stamp, user))
    user, event = user[order], event[order]
    start = np.r_[0, np.flatnonzero(user[1:] != user[:-1]) + 1] if len(user) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(user)) - np.repeat(start, np.diff(np.r_[start, len(user)]))
    recent = rank < HISTORY_LENGTH
    user, event = user[recent], event[recent]
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(user, minlength=n_users), out=indptr[1:])
    return indptr, event.astype(np.int64)


@dataclass(frozen=True, slots=True)
class RankingSetup:
    """Fitted models and side information that turn (user, candidates) into ranking rows.

    Parameters
    ----------
    data : TrainingData
        What the models were fitted on (vocabularies, event side).
    models : mapping of str to Recommender
        Fitted models by configured name.
    base : str
        The model whose best candidates are re-ranked.
    offer : EventOffer
        Price and age range per event.
    popularity : ndarray of float64
        Users with a positive interaction, per event.
    users : UserSide
        Home, age and history per user.
    request_time_us : int
        The moment ranked for (the cutoff).

    """

    data: TrainingData
    models: Mapping[str, Recommender]
    base: str
    offer: EventOffer
    popularity: FloatArray
    users: UserSide
    request_time_us: int

    @classmethod
    def build(
        cls,
        *,
        data: TrainingData,
        models: Mapping[str, Recommender],
        base: str,
        events_table: pa.Table,
        users_table: pa.Table,
        arrays: InteractionArrays,
        weighting: InteractionWeighting,
    ) -> RankingSetup:
        """Assemble everything from the training inputs."""
        popularity = np.diff(positive_part(data.matrix).tocsc().indptr).astype(np.float64)
        return cls(
            data=data,
            models=models,
            base=base,
            offer=build_event_offer(events_table, data.events),
            popularity=popularity,
            users=build_user_side(users_table, data, arrays, weighting),
            request_time_us=data.reference_time_us,
        )

    def feature_models(self) -> dict[str, str]:
        """Ranking-feature key -> configured model name (the first model of each registry name)."""
        found: dict[str, str] = {}
        for name, model in self.models.items():
            key = score_feature_name(model.name)
            if key is not None and key not in found:
                found[key] = name
        return found

    def candidates_and_rows(
        self,
        user_idx: npt.NDArray[np.int64],
        allowed: npt.NDArray[np.int64],
        excluded: npt.NDArray[np.bool_],
        n_candidates: int,
    ) -> tuple[FloatArray, IntArray, npt.NDArray[np.float32], IntArray]:
        """The base model's scores, its top candidates and their ranking rows, for a batch of users.

        Parameters
        ----------
        user_idx : ndarray of int64
            Users (indices of ``data.users``; ``-1`` for unknown, who get no candidates).
        allowed : ndarray of int64
            The events that may be ranked (indices of ``data.events``), the columns of ``excluded``.
        excluded : ndarray of bool
            ``len(user_idx) x len(allowed)``: pairs never to rank (already seen).
        n_candidates : int
            Candidates per user.

        Returns
        -------
        base : ndarray of float64
            ``len(user_idx) x len(allowed)`` base scores (``-inf`` where excluded or unscorable).
        top : ndarray of int64
            ``len(user_idx) x k`` columns of ``allowed``, best first (``-1`` pads users with fewer).
        rows : ndarray of float32
            One ranking row per (user, valid top column), user by user.
        groups : ndarray of int64
            Position in the batch of each row's user.

        """
        side = self.data.event_side
        if side is None:
            raise ValueError("ranking rows need the event side of the training data")
        known = user_idx >= 0
        safe = np.where(known, user_idx, 0).astype(np.int32)
        feature_models = self.feature_models()
        wanted = set(feature_models.values()) | {self.base}
        scores = {name: self.models[name].score_users(safe)[:, allowed].astype(np.float64) for name in sorted(wanted)}
        base = scores[self.base].copy()
        base[excluded | ~known[:, None]] = -np.inf
        top = top_k(base.astype(np.float32), n_candidates)
        top = np.where(np.isfinite(np.take_along_axis(base, top, axis=1)), top, -1)
        all_rows: list[npt.NDArray[np.float32]] = []
        groups: list[IntArray] = []
        for i, user in enumerate(user_idx):
            columns = top[i][top[i] >= 0]
            if len(columns) == 0:
                continue
            events = allowed[columns]
            context = RankingContext(
                request_time_us=self.request_time_us,
                home_lat=float(self.users.lat[user]),
                home_lon=float(self.users.lon[user]),
                user_age=float(self.users.age[user]),
                history_event_idx=self.users.history(int(user)),
            )
            model_scores = {key: _finite_or_nan(scores[name][i, columns]) for key, name in feature_models.items()}
            rows = ranking_rows(context, events, side, model_scores, self.popularity, offer=self.offer)
            all_rows.append(rows)
            groups.append(np.full(len(rows), i, dtype=np.int64))
        if not all_rows:
            return base, top, np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
        return base, top, np.vstack(all_rows), np.concatenate(groups)


@dataclass(frozen=True, slots=True)
class RankerExamples:
    """Labelled ranking rows: what the learned ranker is fitted on.

    Parameters
    ----------
    rows : ndarray of float32
        One ranking row per (user, candidate), user by user.
    labels : ndarray of int64
        1 where the candidate is relevant to the user in the split's test window, else 0.
    groups : ndarray of int64
        The request (user) of each row.
    user_idx, event_idx : ndarray of int64
        Each row's user and event (indices of the setup's training vocabularies).

    """

    rows: npt.NDArray[np.float32]
    labels: IntArray
    groups: IntArray
    user_idx: IntArray
    event_idx: IntArray


def ranker_examples(
    setup: RankingSetup, split: TemporalSplit, chosen: IntArray, n_candidates: int, batch_users: int
) -> RankerExamples:
    """Rows of the base model's top candidates for the ``chosen`` users of ``split``, labelled by its test window.

    The models of ``setup`` were fitted on ``split.train`` (before ``split.cutoff_us``);
    a label is 1 when the user had a relevant interaction with the event in
    ``[split.cutoff_us, split.until_us)``. Only users with at least one positive
    among their candidates are kept: the others are all ties and teach no order.

    Parameters
    ----------
    setup : RankingSetup
        Fitted models and side information.
    split : TemporalSplit
        The split whose test window gives the labels.
    chosen : ndarray of int64
        Rows of ``split`` (users) to take.
    n_candidates : int
        Candidates per user.
    batch_users : int
        Users scored at once.

    """
    columns = setup.data.events.indices_of(pa.array(split.candidate_ids, pa.string()))
    parts: dict[str, list[npt.NDArray[Any]]] = {key: [] for key in ("rows", "labels", "groups", "users", "events")}
    offset = 0
    for start in range(0, len(chosen), batch_users):
        batch = chosen[start : start + batch_users]
        user_idx = setup.data.users.indices_of(pa.array(split.user_ids[batch], pa.string()))
        excluded = split.seen[batch].toarray() > 0
        _, top, rows, groups = setup.candidates_and_rows(user_idx, columns, excluded, n_candidates)
        if not len(rows):
            continue
        relevant = split.relevant[batch].toarray() > 0
        head_users, head_slots = np.nonzero(top >= 0)  # row-major: the order of the rows
        head_columns = top[head_users, head_slots]
        labels = relevant[head_users, head_columns]
        has_positive = np.bincount(groups, weights=labels, minlength=len(batch)) > 0
        keep = has_positive[groups]
        parts["rows"].append(rows[keep])
        parts["labels"].append(labels[keep].astype(np.int64))
        parts["groups"].append(groups[keep] + offset)
        parts["users"].append(user_idx[head_users][keep])
        parts["events"].append(columns[head_columns][keep])
        offset += len(batch)
    if not parts["rows"]:
        empty = np.zeros(0, dtype=np.int64)
        return RankerExamples(np.zeros((0, len(RANKING_FEATURES)), dtype=np.float32), empty, empty, empty, empty)
    return RankerExamples(
        rows=np.vstack(parts["rows"]),
        labels=np.concatenate(parts["labels"]),
        groups=np.concatenate(parts["groups"]),
        user_idx=np.concatenate(parts["users"]).astype(np.int64),
        event_idx=np.concatenate(parts["events"]).astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class RankingInputs:
    """What a server needs besides the ranker and the models to rebuild the ranker's rows.

    Saved beside the ranker (``ranking/inputs.json`` and ``ranking/popularity.npz``)
    as plain JSON and arrays, so that it can be read without this package.

    Parameters
    ----------
    base : str
        The model whose best candidates the ranker re-orders.
    candidates : int
        How many of them.
    score_models : dict of str to str
        Ranking-feature key (``als``) -> model name in the artefact.
    popularity : ndarray of float64
        The ``popularity`` argument of ``ranking_rows``, aligned with the artefact's events.

    """

    base: str
    candidates: int
    score_models: dict[str, str]
    popularity: FloatArray

    @classmethod
    def of(cls, setup: RankingSetup, candidates: int) -> RankingInputs:
        """The inputs of a fitted setup."""
        return cls(setup.base, candidates, setup.feature_models(), setup.popularity)

    def get_params(self) -> dict[str, Any]:
        """Everything but the array (for manifests)."""
        return {"base": self.base, "candidates": self.candidates, "score_models": dict(self.score_models)}

    def save(self, folder: Path) -> None:
        """Write ``inputs.json`` and ``popularity.npz`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "inputs.json").write_text(json.dumps(self.get_params(), indent=2) + "\n", encoding="utf-8")
        np.savez(folder / "popularity.npz", allow_pickle=False, popularity=self.popularity)

    @classmethod
    def load(cls, folder: Path) -> RankingInputs:
        """Read what :meth:`save` wrote."""
        params = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
        with np.load(folder / "popularity.npz", allow_pickle=False) as stored:
            popularity = np.asarray(stored["popularity"], dtype=np.float64)
        return cls(str(params["base"]), int(params["candidates"]), dict(params["score_models"]), popularity)


def _finite_or_nan(values: FloatArray) -> FloatArray:
    # A model that cannot score an event says -inf; to the ranker that is "unknown".
    return np.where(np.isfinite(values), values, np.nan)
