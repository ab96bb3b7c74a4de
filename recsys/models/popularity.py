"""Non-personal baselines: what is popular and what is trending, overall or per region, municipality or discipline.

Both are the end of the serving fallback chain and the baselines every
personal model must beat. Times come from ``TrainingData.interaction_time_us``
(one per user x event cell) and are measured back from
``TrainingData.reference_time_us``; interactions after the reference time
are ignored, so an evaluation split cannot leak the future into them.

Grouping (``by``): a user's group is the region, municipality or discipline
that carries most positive weight in their own history; the events of that
group come first, each part in the list's own order, and the rest follow,
so a list is always full. Users without a positive history get the plain
list, and :meth:`PopularityRecommender.top` / :meth:`TrendingRecommender.top`
serve the list of any group for nobody in particular.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.models.base import Reason, Recommendation, Recommender, Scores, check_positive
from recsys.models.data import TrainingData, positive_part, require_positive_interactions

US_PER_DAY = 86_400 * 1_000_000
#: What ``by`` may group events by: the matching ``EventSide`` codes.
GROUPINGS = ("region", "municipality", "discipline")


def _positive_cells(
    data: TrainingData, *, times_required_by: str | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Event, weight and age in days of every positive entry of ``data.matrix``.

    Age is NaN where unknown and negative for interactions after the
    reference time. Without per-cell times, an event's latest interaction
    (``last_seen_us``) stands for all of its cells, unless the caller needs
    the real times (``times_required_by``).

    Raises
    ------
    InvalidFieldError
        When ``times_required_by`` is set and the data has no per-cell times.

    """
    matrix = data.matrix
    keep = matrix.data > 0
    events = matrix.indices[keep].astype(np.int32)
    weights = matrix.data[keep].astype(np.float64)
    if data.interaction_time_us is not None:
        times = data.interaction_time_us[keep].astype(np.float64)
    elif times_required_by is not None:
        raise InvalidFieldError("interaction_time_us", f"{times_required_by} needs the time of each user x event cell")
    elif data.last_seen_us is not None:
        times = data.last_seen_us[events].astype(np.float64)
    else:
        return events, weights, np.zeros(len(events))
    ages = (data.reference_time_us - times) / US_PER_DAY
    ages[times < 0] = np.nan
    return events, weights, ages


def _decay(ages: npt.NDArray[np.float64], half_life_days: float | None) -> npt.NDArray[np.float64]:
    if half_life_days is None:
        return np.ones_like(ages)
    return np.exp2(-np.clip(np.nan_to_num(ages, nan=0.0), 0.0, None) / half_life_days)


class _GroupedList(Recommender):
    """A non-personal list, optionally with the events of the user's group first (see the module docstring).

    Subclasses fit what :meth:`_base` returns (one score per event) and call :meth:`_fit_groups`.
    """

    by: str | None
    groups_: npt.NDArray[np.int32]

    def _check_by(self) -> None:
        if self.by is not None and self.by not in GROUPINGS:
            raise InvalidFieldError("by", f"must be None or one of {GROUPINGS}, got {self.by!r}")

    def _fit_groups(self, data: TrainingData) -> None:
        if self.by is None:
            self.groups_ = np.full(len(self.events_), -1, dtype=np.int32)
            return
        side = data.event_side
        if side is None:
            raise InvalidFieldError("event_side", f"{self.name} by {self.by} needs the events' {self.by} codes")
        codes = {"region": side.region_idx, "municipality": side.municipality_idx, "discipline": side.discipline_idx}
        self.groups_ = np.asarray(codes[self.by], dtype=np.int32)

    @abstractmethod
    def _base(self) -> Scores:
        """One score per event, for nobody in particular."""

    def _user_groups(self, rows: sp.csr_matrix) -> npt.NDArray[np.int32]:
        """The group of each history row: the code with most positive weight (``-1`` = none)."""
        liked = positive_part(rows)
        known = self.groups_ >= 0
        if self.by is None or not known.any():
            return np.full(rows.shape[0], -1, dtype=np.int32)
        n_groups = int(self.groups_.max()) + 1
        members = np.flatnonzero(known)
        onehot = sp.csr_matrix(
            (np.ones(len(members), dtype=np.float32), (members, self.groups_[members])),
            shape=(len(self.events_), n_groups),
        )
        totals = np.asarray((liked @ onehot).toarray(), dtype=np.float64)
        groups: npt.NDArray[np.int32] = np.argmax(totals, axis=1).astype(np.int32)
        groups[totals.max(axis=1, initial=0.0) <= 0] = -1
        return groups

    def _scores_for(self, groups: npt.NDArray[np.int32]) -> Scores:
        base = self._base()
        scores = np.tile(base.astype(np.float64), (len(groups), 1))
        own = (self.groups_[None, :] == groups[:, None]) & (groups[:, None] >= 0)
        if own.any():
            # A lift wider than the whole range puts the user's group strictly above everything else.
            spread = float(base.max(initial=0.0)) - float(base.min(initial=0.0))
            scores += (spread + 1.0) * own
        return scores.astype(np.float32)

    def _score_users(self, user_idx: npt.NDArray[np.int32]) -> Scores:
        return self._scores_for(self._user_groups(self.seen_[user_idx]))

    def _score_history(self, history: sp.csr_matrix) -> Scores:
        return np.asarray(self._scores_for(self._user_groups(history))[0], dtype=np.float32)

    def _explain(self, history: sp.csr_matrix, items: npt.NDArray[np.int64]) -> list[Reason]:
        return self._reasons(int(self._user_groups(history)[0]), items)

    def _reasons(self, group: int, items: npt.NDArray[np.int64]) -> list[Reason]:
        # "Popular in your region" only for events of the user's group; the fill-up is plainly popular (trending).
        plain = Reason(self.reason_kind)
        if self.by is None or group < 0:
            return [plain] * len(items)
        local = Reason(self.reason_kind, detail={self.by: str(group)})
        return [local if self.groups_[i] == group else plain for i in items]

    def top(
        self,
        n: int = 10,
        *,
        group: int | None = None,
        candidates: Sequence[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Recommendation]:
        """The best events for nobody in particular (the fallback lists, overall or per group).

        Parameters
        ----------
        n : int
            How many.
        group : int, optional
            A region, municipality or discipline code (per ``by``) whose events come first.
        candidates, exclude
            As in :meth:`recommend`.

        Raises
        ------
        InvalidFieldError
            For ``n`` below 1, or a ``group`` asked of a model fitted without ``by``.

        """
        self._require_fitted()
        if n < 1:
            raise InvalidFieldError("n", f"n must be at least 1, got {n}")
        if group is not None and self.by is None:
            raise InvalidFieldError("group", f"this {self.name} model was fitted without by={'|'.join(GROUPINGS)}")
        code = -1 if group is None else group
        scores = self._scores_for(np.asarray([code], dtype=np.int32))[0]
        items = self._rank(scores, n, candidates, exclude, np.empty(0, dtype=np.int32))
        reasons = self._reasons(code, items)
        return [Recommendation(self.events_.id_of(i), float(scores[i]), r) for i, r in zip(items, reasons, strict=True)]


class PopularityRecommender(_GroupedList):
    """Events ranked by their time-decayed sum of positive interaction weights.

    Each interaction weighs ``weight * 0.5 ** (age_days / half_life_days)``.
    The list's own score is that sum divided by the most popular event's. With
    ``by`` set, the events of the user's region, municipality or discipline
    come first, then the rest (see the module docstring).

    Parameters
    ----------
    half_life_days : float or None
        Age at which an interaction counts half; ``None`` disables decay (for
        weights the feature builder has already decayed).
    by : {None, "region", "municipality", "discipline"}
        Group events by the matching ``EventSide`` code.

    Attributes
    ----------
    popularity_ : ndarray of float32, shape (n_events,)
        Decayed weight per event.
    groups_ : ndarray of int32, shape (n_events,)
        Each event's group code (``-1`` = none; all ``-1`` when ``by`` is None).

    """

    name = "popularity"
    reason_kind = "popular"

    popularity_: npt.NDArray[np.float32]

    def __init__(self, half_life_days: float | None = 30.0, by: str | None = None) -> None:
        self.half_life_days = half_life_days
        self.by = by

    def _fit(self, data: TrainingData) -> None:
        if self.half_life_days is not None:
            check_positive("half_life_days", self.half_life_days)
        self._check_by()
        require_positive_interactions(data)
        events, weights, ages = _positive_cells(data, times_required_by=None)
        decayed = weights * _decay(ages, self.half_life_days)
        decayed[ages < 0] = 0.0
        self.popularity_ = np.bincount(events, decayed, minlength=len(self.events_)).astype(np.float32)
        self._fit_groups(data)

    def _base(self) -> Scores:
        top = float(self.popularity_.max(initial=0.0))
        return self.popularity_ / top if top > 0 else self.popularity_.copy()

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"popularity": self.popularity_, "groups": self.groups_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.popularity_ = state["popularity"].astype(np.float32)
        self.groups_ = state["groups"].astype(np.int32)
        self._check_rows(popularity=self.popularity_, groups=self.groups_)


class TrendingRecommender(_GroupedList):
    """Events whose interactions grow: this window against the one before it.

    ``recent`` sums the positive weights of the last ``window_days`` (each
    decayed by its age within the window, half-life ``half_life_days``);
    ``previous`` does the same for the window before. The score,
    ``(recent - previous) / sqrt(previous + smoothing)``, is the growth in
    units of the noise a count of that size has anyway (a Poisson z-score),
    so two interactions out of nowhere do not beat two hundred extra on a
    busy event. With ``by`` set, the events of the user's region,
    municipality or discipline come first, then the rest (see the module
    docstring). Needs
    ``TrainingData.interaction_time_us``.

    Parameters
    ----------
    window_days : float
        Length of each window.
    half_life_days : float or None
        Decay within a window; ``None`` counts the whole window alike.
    smoothing : float
        Added to ``previous`` under the root; keeps scores finite and damps tiny counts.
    by : {None, "region", "municipality", "discipline"}
        Group events by the matching ``EventSide`` code.

    Attributes
    ----------
    trend_ : ndarray of float32, shape (n_events,)
        The score per event (0 for events without recent activity).
    groups_ : ndarray of int32, shape (n_events,)
        Each event's group code (``-1`` = none; all ``-1`` when ``by`` is None).

    """

    name = "trending"
    reason_kind = "trending"

    trend_: npt.NDArray[np.float32]

    def __init__(
        self,
        window_days: float = 7.0,
        half_life_days: float | None = 3.5,
        smoothing: float = 1.0,
        by: str | None = None,
    ) -> None:
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.smoothing = smoothing
        self.by = by

    def _fit(self, data: TrainingData) -> None:
        check_positive("window_days", self.window_days)
        check_positive("smoothing", self.smoothing)
        if self.half_life_days is not None:
            check_positive("half_life_days", self.half_life_days)
        self._check_by()
        require_positive_interactions(data)
        events, weights, ages = _positive_cells(data, times_required_by=type(self).__name__)
        ages = np.nan_to_num(ages, nan=-1.0)
        recent = (ages >= 0) & (ages < self.window_days)
        previous = (ages >= self.window_days) & (ages < 2 * self.window_days)
        # Each window is decayed from its own end, so steady activity gives recent == previous.
        age_in_window = np.where(previous, ages - self.window_days, ages)
        decayed = weights * _decay(age_in_window, self.half_life_days)
        n = len(self.events_)
        now = np.bincount(events[recent], decayed[recent], minlength=n)
        before = np.bincount(events[previous], decayed[previous], minlength=n)
        self.trend_ = ((now - before) / np.sqrt(before + self.smoothing)).astype(np.float32)
        self._fit_groups(data)

    def _base(self) -> Scores:
        return self.trend_.copy()

    def _state(self) -> dict[str, npt.NDArray[Any]]:
        return {"trend": self.trend_, "groups": self.groups_}

    def _restore(self, state: dict[str, npt.NDArray[Any]]) -> None:
        self.trend_ = state["trend"].astype(np.float32)
        if "groups" in state:
            self.groups_ = state["groups"].astype(np.int32)
        elif self.by is None:
            # Saved before trending could group: an ungrouped model has no codes to restore.
            self.groups_ = np.full(len(self.trend_), -1, dtype=np.int32)
        else:
            raise KeyError("state__groups")
        self._check_rows(trend=self.trend_, groups=self.groups_)
