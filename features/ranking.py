"""Ranking rows: the one function that turns (request, candidate events) into ranker features.

Training builds its rows with :func:`ranking_rows` and the server calls the
very same function for every request, so the features the ranker learned on
are the features it is served (no train/serve skew by construction).

Every row is a float32 vector with the columns of :data:`RANKING_FEATURES`,
in that order; :data:`FEATURE_DESCRIPTIONS` documents each. NaN means
"unknown" (gradient-boosted trees route it on their own; linear rankers
should impute), and explicit indicator columns say so where the unknown case
is common and meaningful (no home location, an undated event).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from features.event_side import EventOffer
from features.local_time import US_PER_DAY, is_weekend, local_weekday_hour
from features.tables import MISSING_TIME
from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import haversine_km
from recsys.models.data import EventSide

#: Models whose scores become features, in column order. A model's scores
#: are passed under its registry name with hyphens as underscores
#: (``item-knn`` -> ``item_knn``); names not listed here are refused.
SCORE_MODELS: Final = ("trending", "als", "bpr", "item_knn", "ease", "content", "hybrid")

#: What each feature means.
FEATURE_DESCRIPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "distance_km": "great-circle distance from the user's home (or the request's location) to the venue, "
        "in km; NaN when either is unknown",
        "distance_unknown": "1 when the distance is unknown, else 0",
        "lead_time_days": "days from the request to the event's first start (negative once it has started); "
        "NaN when undated",
        "date_unknown": "1 when the event has no start (permanent and some periodic offers, unknown events), else 0",
        "start_weekend": "1 when the start falls on Friday from 17:00, Saturday or Sunday (Brussels time), "
        "0 otherwise; NaN when undated",
        "start_hour": "local hour of the start (20.5 = 20:30, Brussels time); NaN when undated",
        "price_eur": "base price in euro (0 when free); NaN when unknown",
        "is_free": "1 for free events, 0 for paying ones; NaN when the price is unknown",
        "user_age": "the user's age in years; NaN when unknown",
        "age_fit": "1 when the user's age lies in the event's typical age range (a missing bound is open), "
        "0 when outside; NaN when the user's age or the event's range is not available",
        "log_popularity": "log(1 + popularity) of the event (popularity as given, negatives read as 0)",
        "same_organizer_recent": "how many events of the user's recent history have the candidate's organiser; "
        "NaN without history",
        "same_venue_recent": "how many events of the recent history took place at the candidate's venue; "
        "NaN without history",
        "same_production_recent": "how many events of the recent history belong to the candidate's production; "
        "NaN without history",
        **{f"score_{m}": f"score of the {m!r} model for this user and event; NaN when not given" for m in SCORE_MODELS},
    }
)

#: The age (years) a user of each age band is given in the ``user_age`` feature: the band's middle
#: (users give a band, never a birth date). Training and serving read ages through this map.
AGE_BAND_MIDPOINTS: Final[Mapping[str, float]] = MappingProxyType(
    {"0-11": 7.0, "12-17": 15.0, "18-25": 21.5, "26-35": 30.5, "36-50": 43.0, "51-65": 58.0, "66+": 72.0}
)

#: Column names of :func:`ranking_rows`' output, in order.
RANKING_FEATURES: Final[tuple[str, ...]] = tuple(FEATURE_DESCRIPTIONS)

_COLUMN: Final = {name: i for i, name in enumerate(RANKING_FEATURES)}


@dataclass(frozen=True, slots=True)
class RankingContext:
    """Who asks and when.

    Parameters
    ----------
    request_time_us : int
        Time of the request (serving) or of the impression being learned from
        (training), microseconds since the epoch.
    home_lat, home_lon : float
        The user's home, or the location the request is about; NaN when unknown.
    user_age : float
        The user's age in years; NaN when unknown.
    history_event_idx : ndarray of int64, optional
        The user's recent history as event indices of the same
        :class:`EventSide` (``-1`` entries are skipped); ``None`` when not
        known. Exclude the candidate yourself if it must not count.

    """

    request_time_us: int
    home_lat: float = float("nan")
    home_lon: float = float("nan")
    user_age: float = float("nan")
    history_event_idx: npt.NDArray[np.int64] | None = field(default=None)


#: What a row takes from the event alone, in the order of :attr:`EventColumns.values`.
_EVENT_FIELDS: Final = (
    "lat",
    "lon",
    "start_us",
    "date_unknown",
    "start_weekend",
    "start_hour",
    "price_eur",
    "is_free",
    "age_low",
    "age_high",
    "log_popularity",
)
_FIELD: Final = {name: i for i, name in enumerate(_EVENT_FIELDS)}
#: Row columns copied from the event's fields as they are.
_COPIED: Final = ("date_unknown", "start_weekend", "start_hour", "price_eur", "is_free", "log_popularity")
_COPIED_COLUMNS: Final = np.array([_COLUMN[name] for name in _COPIED], dtype=np.int64)
_COPIED_FIELDS: Final = np.array([_FIELD[name] for name in _COPIED], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class EventColumns:
    """The part of every row that depends on the event alone, for each event of a side.

    The server builds it once per model version (:meth:`build`) and passes it
    to :func:`ranking_rows`, which then gathers one row per candidate instead
    of recomputing local times, prices and popularity every request. The
    values are exactly those :func:`ranking_rows` computes without it.

    Parameters
    ----------
    values : ndarray of float64
        ``(n_events + 1) x len(_EVENT_FIELDS)``; the last row is the unknown event (index ``-1``).
    has_offer : bool
        Whether prices and age ranges were given.

    """

    values: npt.NDArray[np.float64]
    has_offer: bool

    def __len__(self) -> int:
        return len(self.values) - 1

    @classmethod
    def build(cls, side: EventSide, popularity: npt.ArrayLike, offer: EventOffer | None = None) -> EventColumns:
        """The columns of every event of ``side`` (aligned with it), plus the unknown event's."""
        pop = _checked_inputs(side, popularity, offer)
        idx = np.r_[np.arange(len(side), dtype=np.int64), -1]
        return cls(_event_fields(idx, side, pop, offer), offer is not None)

    def updated(
        self,
        side: EventSide,
        popularity: npt.ArrayLike,
        offer: EventOffer | None,
        changed: npt.ArrayLike,
    ) -> EventColumns:
        """What :meth:`build` gives for ``side``, which differs from these columns' only at ``changed`` and past their end.

        A live event added or edited on the server changes a few rows; the rest are kept.
        """
        if (offer is not None) != self.has_offer:
            return EventColumns.build(side, popularity, offer)
        pop = _checked_inputs(side, popularity, offer)
        size, kept = len(side), min(len(self), len(side))
        values = np.empty((size + 1, self.values.shape[1]), dtype=np.float64)
        values[:kept] = self.values[:kept]
        values[size] = self.values[-1]  # the unknown event's row depends on no event
        rows = np.union1d(np.asarray(changed, dtype=np.int64), np.arange(kept, size, dtype=np.int64))
        if len(rows) and (int(rows[0]) < 0 or int(rows[-1]) >= size):
            raise InvalidFieldError("changed", f"rows must lie in [0, {size}), got {rows[0]}..{rows[-1]}")
        values[rows] = _event_fields(rows, side, pop, offer)
        return EventColumns(values, self.has_offer)


def _checked_inputs(side: EventSide, popularity: npt.ArrayLike, offer: EventOffer | None) -> npt.NDArray[np.float64]:
    n_events = len(side)
    pop = np.asarray(popularity, dtype=np.float64)
    if pop.shape != (n_events,):
        raise InvalidFieldError(
            "popularity", f"must hold one value per event of the side ({n_events}), got {pop.shape}"
        )
    if offer is not None and len(offer) != n_events:
        raise InvalidFieldError("offer", f"has {len(offer)} events, the side {n_events}")
    return pop


def _event_fields(
    idx: npt.NDArray[np.int64], side: EventSide, pop: npt.NDArray[np.float64], offer: EventOffer | None
) -> npt.NDArray[np.float64]:
    """:data:`_EVENT_FIELDS` of the events ``idx`` (``-1``: unknown, NaN or "unknown" everywhere)."""
    n_events = len(side)
    known = idx >= 0
    safe = np.where(known, idx, 0)

    def take(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        # Unknown events (-1) read as NaN; ``safe`` keeps the fancy index in range.
        return np.where(known, values[safe] if len(values) else np.nan, np.nan)

    out = np.full((len(idx), len(_EVENT_FIELDS)), np.nan, dtype=np.float64)
    out[:, _FIELD["lat"]] = take(side.lat)
    out[:, _FIELD["lon"]] = take(side.lon)
    start = np.where(known, side.start_us[safe] if n_events else MISSING_TIME, MISSING_TIME)
    dated = start != MISSING_TIME
    weekday, hour = local_weekday_hour(start, missing=MISSING_TIME)
    # Exact as a float: microsecond timestamps stay far below 2**53.
    out[:, _FIELD["start_us"]] = np.where(dated, start, np.nan)
    out[:, _FIELD["date_unknown"]] = ~dated
    out[:, _FIELD["start_weekend"]] = np.where(dated, is_weekend(weekday, hour), np.nan)
    out[:, _FIELD["start_hour"]] = hour
    if offer is not None:
        price = take(offer.base_price)
        out[:, _FIELD["price_eur"]] = price
        out[:, _FIELD["is_free"]] = np.where(np.isnan(price), np.nan, price == 0.0)
        low, high = take(offer.min_age), take(offer.max_age)
        out[:, _FIELD["age_low"]] = np.where(np.isnan(low), 0.0, low)
        out[:, _FIELD["age_high"]] = np.where(np.isnan(high), np.inf, high)
    out[:, _FIELD["log_popularity"]] = np.log1p(np.maximum(take(pop), 0.0))
    return out


def ranking_rows(
    context: RankingContext,
    event_idx: npt.ArrayLike,
    side: EventSide,
    model_scores: Mapping[str, npt.ArrayLike],
    popularity: npt.ArrayLike,
    *,
    offer: EventOffer | None = None,
    events: EventColumns | None = None,
) -> npt.NDArray[np.float32]:
    """Build the ranker's feature rows for one request and its candidate events.

    Parameters
    ----------
    context : RankingContext
        The request: time, home location, age, recent history.
    event_idx : array-like of int
        Candidate events as indices into ``side``; ``-1`` for an event
        ``side`` does not know (all its event features are NaN).
    side : EventSide
        Side information of the events.
    model_scores : Mapping[str, array-like of float]
        Per model of :data:`SCORE_MODELS`, the scores of the candidates
        (aligned with ``event_idx``); missing models give NaN columns.
    popularity : array-like of float
        Popularity per event of ``side`` (aligned with ``side``, not with ``event_idx``).
    offer : EventOffer, optional
        Price and age range aligned with ``side``; without it the price and
        age-fit columns are NaN.
    events : EventColumns, optional
        :meth:`EventColumns.build` of the same side, popularity and offer, computed
        once beforehand (the server's case); the rows are the same with or without it.

    Returns
    -------
    ndarray of float32
        ``len(event_idx) x len(RANKING_FEATURES)``.

    Raises
    ------
    InvalidFieldError
        When an index is out of range, an array has the wrong length, or a
        model name is not one of :data:`SCORE_MODELS`.

    """
    n_events = len(side)
    idx = np.asarray(event_idx, dtype=np.int64).reshape(-1)
    if len(idx) and (int(idx.min()) < -1 or int(idx.max()) >= n_events):
        raise InvalidFieldError("event_idx", f"indices must lie in [-1, {n_events}); got {idx.min()}..{idx.max()}")
    if events is None:
        fields = _event_fields(idx, side, _checked_inputs(side, popularity, offer), offer)
        has_offer = offer is not None
    else:
        if len(events) != n_events:
            raise InvalidFieldError("events", f"has {len(events)} events, the side {n_events}")
        fields = events.values[idx]  # -1 takes the last row, the unknown event's
        has_offer = events.has_offer
    unknown_models = sorted(set(model_scores) - set(SCORE_MODELS))
    if unknown_models:
        raise InvalidFieldError("model_scores", f"unknown models {unknown_models}; expected some of {SCORE_MODELS}")

    n = len(idx)
    known = idx >= 0
    rows = np.full((n, len(RANKING_FEATURES)), np.nan, dtype=np.float64)

    distance = haversine_km(
        context.home_lat, context.home_lon, fields[:, _FIELD["lat"]], fields[:, _FIELD["lon"]]
    ).reshape(-1)
    rows[:, _COLUMN["distance_km"]] = distance
    rows[:, _COLUMN["distance_unknown"]] = np.isnan(distance)
    rows[:, _COLUMN["lead_time_days"]] = (fields[:, _FIELD["start_us"]] - float(context.request_time_us)) / US_PER_DAY
    rows[:, _COPIED_COLUMNS] = fields[:, _COPIED_FIELDS]

    user_age = float(context.user_age)
    rows[:, _COLUMN["user_age"]] = user_age
    if has_offer:
        fits = (fields[:, _FIELD["age_low"]] <= user_age) & (user_age <= fields[:, _FIELD["age_high"]])
        rows[:, _COLUMN["age_fit"]] = np.where(known & ~np.isnan(user_age), fits, np.nan)

    if context.history_event_idx is not None:
        history = np.asarray(context.history_event_idx, dtype=np.int64).reshape(-1)
        history = history[(history >= 0) & (history < n_events)]
        for name, codes in (
            ("same_organizer_recent", side.organizer_idx),
            ("same_venue_recent", side.venue_idx),
            ("same_production_recent", side.production_idx),
        ):
            rows[:, _COLUMN[name]] = _shared_counts(codes, history, idx, known)

    for model in SCORE_MODELS:
        if model in model_scores:
            scores = np.asarray(model_scores[model], dtype=np.float64).reshape(-1)
            if len(scores) != n:
                raise InvalidFieldError(f"model_scores.{model}", f"has {len(scores)} scores for {n} candidates")
            rows[:, _COLUMN[f"score_{model}"]] = scores
    return rows.astype(np.float32)


def _shared_counts(
    codes: npt.NDArray[np.int32],
    history: npt.NDArray[np.int64],
    idx: npt.NDArray[np.int64],
    known: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """Per candidate, how many history events share its (known) code; NaN for unknown candidates."""
    history_codes = codes[history]
    history_codes = history_codes[history_codes >= 0]
    candidate = np.where(known, codes[np.where(known, idx, 0)] if len(codes) else -1, -1)
    counts = np.zeros(len(idx), dtype=np.float64)
    if len(history_codes):
        tally = np.bincount(history_codes, minlength=int(max(history_codes.max(), candidate.max())) + 1)
        has_code = candidate >= 0
        counts[has_code] = tally[candidate[has_code]]
    return np.where(known, counts, np.nan)
