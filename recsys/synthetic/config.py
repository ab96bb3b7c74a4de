"""What to generate: the size, season and seed of a synthetic season, and the behavioural constants.

Everything a generated season depends on is in :class:`SeasonConfig`; the
same config (seed included) gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from recsys.domain.errors import InvalidFieldError

#: Largest catalogue the generator builds (events are domain objects).
MAX_EVENTS = 50_000
MIN_EVENTS = 50


@dataclass(frozen=True, slots=True)
class BehaviourParams:
    """Constants of the behavioural model (see ``docs/synthetic-data.md``).

    Parameters
    ----------
    sessions_per_week_median : float
        Median browsing sessions per week; a user's rate is log-normal around it.
    activity_sigma : float
        Spread (log scale) of the activity rate: the heavy tail of frequent goers.
    candidates_local, candidates_global, candidates_search, candidates_favourite : int
        Events shown per session from the home-province agenda, the
        Flanders-wide agenda, a search in a discipline drawn from the user's
        taste, and the pages of the user's favourite organisers.
    horizon_days : float
        Dated events further ahead than this are not shown.
    min_gap_hours : float
        Nobody plans for a date that starts within this many hours.
    lead_peak_days, lead_shape : float
        Lead-time curve ``((L/m) exp(1 - L/m)) ** shape`` peaking at ``m`` days.
    undated_lead : float
        Lead-time factor of periodic and permanent offers (any day will do).
    visit_lag_days : float
        Mean days between looking at a periodic/permanent offer and visiting it.
    weekend_boost : float
        Factor for dates on Friday evening, Saturday or Sunday.
    view_scale, view_cap : float
        ``p(view) = min(view_cap, view_scale * exp(score))``.
    latent_weight : float
        Weight of the hidden style match ``u . v`` in the score.
    quality_view_power, quality_exposure_power : float
        Powers of the latent quality in the view score and in the exposure.
    favourite_boost : float
        Factor for events of one of the user's favourite organisers.
    kids_penalty : float
        Factor for children's events shown to adults without children.
    french_factor, english_factor : float
        Factors for events whose main language is French or English.
    click_intercept, click_slope : float
        ``p(click | view) = sigmoid(a0 + a1 z)`` with ``z`` the intent.
    ticket_intercept, ticket_slope, ticket_price_slope, ticket_distance_slope : float
        ``p(ticket | click) = sigmoid(b0 + b1 z - bp log1p(price) + bd distance_term)``.
    checkin_rate, checkin_rate_uitpas : float
        ``p(check-in | ticket)``; UiTPAS holders scan their card at the door.
    like_rate, bookmark_rate, share_rate, dismiss_rate : float
        Per-view rates, scaled by ``2 sigmoid(z)`` (``2 sigmoid(-z)`` for dismiss).
    pre_season_days : int
        Browsing starts this many days before the first date of the season.

    """

    sessions_per_week_median: float = 0.16
    activity_sigma: float = 1.1
    candidates_local: int = 14
    candidates_global: int = 4
    candidates_search: int = 5
    candidates_favourite: int = 3
    horizon_days: float = 90.0
    min_gap_hours: float = 2.0
    lead_peak_days: float = 14.0
    lead_shape: float = 0.8
    undated_lead: float = 0.6
    visit_lag_days: float = 6.0
    weekend_boost: float = 1.3
    view_scale: float = 1.0
    view_cap: float = 0.9
    latent_weight: float = 1.0
    quality_view_power: float = 0.5
    quality_exposure_power: float = 1.0
    favourite_boost: float = 3.0
    kids_penalty: float = 0.1
    french_factor: float = 0.5
    english_factor: float = 0.8
    click_intercept: float = -1.5
    click_slope: float = 0.6
    ticket_intercept: float = -1.6
    ticket_slope: float = 0.6
    ticket_price_slope: float = 0.3
    ticket_distance_slope: float = 0.5
    checkin_rate: float = 0.3
    checkin_rate_uitpas: float = 0.8
    like_rate: float = 0.04
    bookmark_rate: float = 0.05
    share_rate: float = 0.012
    dismiss_rate: float = 0.03
    pre_season_days: int = 28

    @property
    def candidates_per_session(self) -> int:
        """Events shown per session, all sources together."""
        return self.candidates_local + self.candidates_global + self.candidates_search + self.candidates_favourite


@dataclass(frozen=True, slots=True)
class SeasonConfig:
    """Size, season and seed of a synthetic season.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same config gives byte-identical output.
    n_users : int
        Number of users.
    n_events : int or None
        Number of events; derived from ``n_users`` when ``None``
        (see :attr:`resolved_n_events`).
    season_start, season_end : date
        First and last day on which events take place.
    municipalities : tuple of str or None
        Restrict users and organisers to these municipalities (Dutch names or
        NIS codes); all of Flanders and Brussels when ``None``.
    users_per_chunk : int
        Users simulated together; bounds memory. Part of the output's identity:
        another chunk size gives another (equally valid) season.
    behaviour : BehaviourParams
        Constants of the behavioural model.

    """

    seed: int = 2025
    n_users: int = 2_000
    n_events: int | None = None
    season_start: dt.date = dt.date(2025, 9, 1)
    season_end: dt.date = dt.date(2026, 6, 30)
    municipalities: tuple[str, ...] | None = None
    users_per_chunk: int = 4_096
    behaviour: BehaviourParams = field(default_factory=BehaviourParams)

    def __post_init__(self) -> None:
        if not 0 <= self.seed < 2**63:
            raise InvalidFieldError("seed", f"seed must be between 0 and 2**63 - 1, got {self.seed}")
        if self.n_users < 1:
            raise InvalidFieldError("n_users", f"n_users must be at least 1, got {self.n_users}")
        if self.n_events is not None and not MIN_EVENTS <= self.n_events <= MAX_EVENTS:
            raise InvalidFieldError(
                "n_events", f"n_events must be between {MIN_EVENTS} and {MAX_EVENTS}, got {self.n_events}"
            )
        if (self.season_end - self.season_start).days < 28:
            raise InvalidFieldError("season_end", "the season must last at least four weeks")
        if self.users_per_chunk < 1:
            raise InvalidFieldError(
                "users_per_chunk", f"users_per_chunk must be at least 1, got {self.users_per_chunk}"
            )
        if self.municipalities is not None and not self.municipalities:
            raise InvalidFieldError("municipalities", "give at least one municipality, or None for all")

    @classmethod
    def demo(cls, seed: int = 2025) -> SeasonConfig:
        """The demo season: about 2,000 users, 1,500 events and 100,000 interactions."""
        return cls(seed=seed, n_users=2_000, n_events=1_500)

    @property
    def resolved_n_events(self) -> int:
        """``n_events``, or a catalogue that grows sub-linearly with the number of users.

        1,500 events for 2,000 users, about 13,000 for 100,000 users and the
        maximum of 50,000 from roughly 1.3 million users.
        """
        if self.n_events is not None:
            return self.n_events
        derived = round(1_500 * (self.n_users / 2_000) ** 0.55)
        return int(min(MAX_EVENTS, max(200, derived)))

    @property
    def browse_start(self) -> dt.date:
        """First day of browsing (some weeks before the season)."""
        return self.season_start - dt.timedelta(days=self.behaviour.pre_season_days)


def stage_rng(seed: int, stage: int, *keys: int) -> np.random.Generator:
    """Independent random stream for one stage (and sub-keys such as a chunk number).

    Streams are derived with :class:`numpy.random.SeedSequence` spawn keys, so
    adding draws in one stage never shifts another.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stage, *keys))))


# Stage numbers of :func:`stage_rng`; never renumber (it would change every season).
STAGE_ORGANIZERS = 1
STAGE_PLACES = 2
STAGE_EVENTS = 3
STAGE_TEXTS = 4
STAGE_POPULATION = 5
STAGE_BEHAVIOUR = 6
STAGE_LATENT = 7
