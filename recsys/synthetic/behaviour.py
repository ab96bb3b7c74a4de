"""The behavioural model: sessions, views and the funnel, simulated in chunks of users.

For each chunk of users (see ``docs/synthetic-data.md`` for the formulas):

1. sessions: a Poisson number per user (rate = activity x weeks), each on a
   browsing day and at a local hour drawn from daily and weekly rhythms;
2. candidates: events from the home-province agenda, the Flanders-wide
   agenda, a search in a discipline drawn from the user's taste, and the
   pages of favourite organisers (:mod:`recsys.synthetic.exposure`);
3. the date each candidate would be attended (next date; for open-ended
   offers a visit some days later) and its lead time;
4. ``p(view) = min(cap, c * exp(intent + distance + lead + weekend + age + language))``;
5. the funnel on views: click, ticket (not on sold-out dates), check-in
   after the start; and likes, bookmarks, shares and dismissals.

Every array is per chunk, so memory is bounded by the chunk size whatever
the number of users; each chunk has its own random stream, so the output is
the same however it is consumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.synthetic.catalogue import EventArrays
from recsys.synthetic.clock import DAY, HOUR, day_epoch, local_to_utc
from recsys.synthetic.config import STAGE_BEHAVIOUR, SeasonConfig, stage_rng
from recsys.synthetic.disciplines import AGE_BAND_MAX, AGE_BAND_MIN, AGE_DISTANCE_FACTOR, distance_scales
from recsys.synthetic.exposure import Exposure
from recsys.synthetic.ground_truth import GroundTruth
from recsys.synthetic.municipalities import Municipalities, project_km
from recsys.synthetic.population import Population

ProgressCallback = Callable[[int, int], None]

#: Where an interaction happened, by candidate source; check-ins happen at the venue (null).
PLACEMENTS = ("agenda-regio", "agenda", "search", "organizer", None)
_LOCAL, _FLANDERS, _SEARCH, _FAVOURITE, _VENUE = range(5)
#: Relative browsing activity per local hour and per weekday (Monday first).
# fmt: off
HOUR_WEIGHTS = (
    0.2, 0.1, 0.05, 0.02, 0.02, 0.05, 0.2, 0.5, 0.8, 0.9, 1.0, 1.0,
    1.3, 1.2, 1.0, 1.0, 1.1, 1.2, 1.3, 1.6, 1.9, 1.9, 1.4, 0.7,
)
# fmt: on
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.1, 1.2, 1.1, 0.9, 1.0)
#: Kinds recorded at most once per user and event (indexed by kind code).
_ONCE = np.zeros(max(InteractionKind) + 1, dtype=np.bool_)
_ONCE[[InteractionKind.LIKE, InteractionKind.BOOKMARK, InteractionKind.SHARE, InteractionKind.TICKET]] = True
_ONCE[[InteractionKind.CHECK_IN, InteractionKind.DISMISS]] = True


def _sigmoid(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class _Rows:
    """Interactions of one chunk as columns, before they become Arrow."""

    user: npt.NDArray[np.int64]
    event: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]
    time: npt.NDArray[np.int64]  # UTC epoch seconds
    placement: npt.NDArray[np.int8]


class BehaviourModel:
    """Simulates the interactions of a population with a catalogue over a season.

    Parameters
    ----------
    config : SeasonConfig
        Seed, season, chunk size and behavioural constants.
    events : EventArrays
        Catalogue columns.
    event_ids : pyarrow.StringArray
        Event ids aligned with ``events``.
    population : Population
        The users.
    user_ids : pyarrow.StringArray
        User ids aligned with ``population``.
    munis : Municipalities
        The season's municipalities (for provinces of homes).
    truth : GroundTruth
        Hidden traits (the intent term).

    """

    def __init__(
        self,
        config: SeasonConfig,
        events: EventArrays,
        event_ids: pa.StringArray,
        population: Population,
        user_ids: pa.StringArray,
        munis: Municipalities,
        truth: GroundTruth,
    ) -> None:
        self.config = config
        self.params = config.behaviour
        self.events = events
        self.event_ids = event_ids
        self.population = population
        self.user_ids = user_ids
        self.truth = truth
        self.n_days = (config.season_end - config.browse_start).days + 1
        self.n_weeks = -(-self.n_days // 7)
        self.t0 = day_epoch(config.browse_start)
        self._exposure: Exposure | None = None
        self._user_province = munis.province[population.municipality].astype(np.int64)
        self._user_x, self._user_y = project_km(population.lat, population.lon)
        ex, ey = project_km(events.lat, events.lon)
        self._event_x = np.nan_to_num(ex)
        self._event_y = np.nan_to_num(ey)
        days = np.arange(self.n_days)
        weekday = (np.array(config.browse_start.weekday()) + days) % 7
        day_w = np.array(WEEKDAY_WEIGHTS)[weekday]
        self._day_p = day_w / day_w.sum()
        self._hour_p = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
        # Wall-clock seconds (as if UTC) of midnight starting the first browsing day.
        self._local_day0 = (config.browse_start - dt.date(1970, 1, 1)).days * DAY

    @property
    def exposure(self) -> Exposure:
        """The agendas and slot lookups (built on first use)."""
        if self._exposure is None:
            self._exposure = Exposure(self.events, self.params, self.t0, self.n_weeks)
        return self._exposure

    @property
    def n_chunks(self) -> int:
        """Number of user chunks."""
        return -(-len(self.population) // self.config.users_per_chunk)

    def iter_batches(self, progress: ProgressCallback | None = None) -> Iterator[pa.Table]:
        """Interactions chunk by chunk, as tables with :data:`INTERACTION_SCHEMA`.

        Rows are ordered by user, then time; ids are ``syn-<seed>-<n>`` with
        ``n`` counting from 0 over the whole season.
        """
        n_users = len(self.population)
        counter = 0
        for chunk in range(self.n_chunks):
            rows = self.simulate_chunk(chunk)
            if rows.user.size:
                yield self._to_table(rows, counter)
                counter += rows.user.size
            if progress is not None:
                progress(min(n_users, (chunk + 1) * self.config.users_per_chunk), n_users)

    def simulate_chunk(self, chunk: int) -> _Rows:
        """Simulate the users of one chunk."""
        p = self.params
        rng = stage_rng(self.config.seed, STAGE_BEHAVIOUR, chunk)
        lo = chunk * self.config.users_per_chunk
        hi = min(len(self.population), lo + self.config.users_per_chunk)
        users = np.arange(lo, hi, dtype=np.int64)

        # 1. Sessions.
        n_sessions = rng.poisson(self.population.activity[users].astype(np.float64) * (self.n_days / 7.0))
        s_user = np.repeat(users, n_sessions)
        n_s = s_user.size
        day = rng.choice(self.n_days, size=n_s, p=self._day_p)
        hour = rng.choice(24, size=n_s, p=self._hour_p)
        s_time = local_to_utc(self._local_day0 + day * DAY + hour * HOUR + rng.integers(0, HOUR, n_s))
        s_week = (day // 7).astype(np.int64)

        # 2. Candidates.
        c_sess, c_event, c_source = self._candidates(rng, s_user, s_time, s_week)
        # 3. The date each candidate would be attended.
        cu = s_user[c_sess]
        ct = s_time[c_sess]
        slot, keep = self._attend_slot(rng, c_event, ct)
        cu, ct, ce, slot, c_source = cu[keep], ct[keep], c_event[keep], slot[keep], c_source[keep]
        slot_time = self.events.slot_start[slot]

        # 4. Views.
        intent = self.truth.intent(cu, ce)
        dist_term = self._distance_term(cu, ce)
        score = intent + dist_term + self._lead_term(ce, ct, slot_time)
        score += np.float32(np.log(p.weekend_boost)) * self.exposure.slot_weekend[slot]
        with np.errstate(divide="ignore"):
            score += np.log(self._age_factor(cu, ce)).astype(np.float32)
        lang_factor = np.log(np.array([1.0, p.french_factor, p.english_factor], dtype=np.float32))
        score += lang_factor[self.events.language[ce]]
        p_view = np.minimum(p.view_cap, p.view_scale * np.exp(score))
        v = rng.random(p_view.size) < p_view
        return self._funnel(rng, cu[v], ce[v], ct[v], slot[v], slot_time[v], intent[v], dist_term[v], c_source[v])

    def _candidates(
        self,
        rng: np.random.Generator,
        s_user: npt.NDArray[np.int64],
        s_time: npt.NDArray[np.int64],
        s_week: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int8]]:
        """Events shown in each session: ``(session, event, source)``, one row per distinct pair."""
        p = self.params
        ex = self.exposure
        n_s = s_user.size
        sessions: list[npt.NDArray[np.int64]] = []
        events: list[npt.NDArray[np.int32]] = []
        sources: list[npt.NDArray[np.int8]] = []

        def add(k: int, source: int, draw: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.int32]]) -> None:
            si = np.repeat(np.arange(n_s, dtype=np.int64), k)
            sessions.append(si)
            events.append(draw(si))
            sources.append(np.full(si.size, source, dtype=np.int8))

        add(p.candidates_local, _LOCAL, lambda si: ex.sample_local(rng, self._user_province[s_user[si]], s_week[si]))
        add(p.candidates_global, _FLANDERS, lambda si: ex.sample_flanders(rng, s_week[si]))
        # A search: a discipline drawn from the user's taste.
        cum = np.cumsum(self.population.taste[s_user], axis=1)
        below = rng.random(n_s)[:, None] * cum[:, -1:] > cum
        wanted = np.minimum(below.sum(axis=1), cum.shape[1] - 1).astype(np.int64)
        del cum, below
        add(p.candidates_search, _SEARCH, lambda si: ex.sample_search(rng, wanted[si], s_week[si]))
        favs = self.population.favourites[s_user]
        column = rng.integers(0, 2, size=(n_s, p.candidates_favourite))
        add(
            p.candidates_favourite,
            _FAVOURITE,
            lambda si: ex.sample_upcoming(rng, self._favourite_of(favs, si, column.ravel()), s_time[si]),
        )
        c_sess = np.concatenate(sessions)
        c_event = np.concatenate(events).astype(np.int64)
        c_source = np.concatenate(sources)
        found = c_event >= 0
        c_sess, c_event, c_source = c_sess[found], c_event[found], c_source[found]
        # One row per (session, event): the first source listed wins.
        _, first = np.unique(c_sess * len(self.events) + c_event, return_index=True)
        return c_sess[first], c_event[first], c_source[first]

    @staticmethod
    def _favourite_of(
        favs: npt.NDArray[np.int32], si: npt.NDArray[np.int64], column: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The favourite organiser in the drawn column, else the other one (``-1`` when none)."""
        chosen = favs[si, column]
        other = favs[si, 1 - column]
        return np.where(chosen >= 0, chosen, other).astype(np.int64)

    def _attend_slot(
        self, rng: np.random.Generator, event: npt.NDArray[np.int64], t: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Slot each candidate would be attended at, and whether the candidate stands."""
        p = self.params
        ev = self.events
        gap = int(p.min_gap_hours * HOUR)
        dated = ev.dated[event]
        lag = np.where(dated, 0, rng.exponential(p.visit_lag_days * DAY, event.size)).astype(np.int64)
        slot = self.exposure.next_slot(event, t + gap + lag)
        # An open-ended offer that closes before the planned visit: go at the first chance.
        retry = (slot < 0) & ~dated
        slot[retry] = self.exposure.next_slot(event[retry], t[retry] + gap)
        ok = slot >= 0
        lead = ev.slot_start[np.maximum(slot, 0)] - t
        ok &= ~dated | (lead <= p.horizon_days * DAY)
        ok &= t >= ev.available_from[event]
        return np.maximum(slot, 0), ok

    def _distance_term(self, users: npt.NDArray[np.int64], events: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """``-d / scale`` with the scale set by discipline and age band (0 for online events)."""
        d = np.hypot(self._user_x[users] - self._event_x[events], self._user_y[users] - self._event_y[events])
        d = np.where(self.events.online[events], 0.0, d)
        scale = (
            distance_scales()[self.events.discipline[events]]
            * np.array(AGE_DISTANCE_FACTOR)[self.population.age_band[users]]
        )
        return np.asarray(-d / scale, dtype=np.float32)

    def _lead_term(
        self, events: npt.NDArray[np.int64], t: npt.NDArray[np.int64], slot_time: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Log lead-time curve: a bump peaking ``lead_peak_days`` ahead; flat for open-ended offers."""
        p = self.params
        ratio = np.maximum((slot_time - t) / (p.lead_peak_days * DAY), 1e-6)
        bump = p.lead_shape * (np.log(ratio) + 1.0 - ratio)
        return np.where(self.events.dated[events], bump, np.log(p.undated_lead)).astype(np.float32)

    def _age_factor(self, users: npt.NDArray[np.int64], events: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """1 when the event suits the user's age; ``kids_penalty`` for children's events without children; 0 when excluded."""
        band = self.population.age_band[users]
        e_min = np.maximum(self.events.age_min[events], 0)
        e_max = np.where(self.events.age_max[events] >= 0, self.events.age_max[events], 200)
        overlap = (e_min <= np.array(AGE_BAND_MAX)[band]) & (e_max >= np.array(AGE_BAND_MIN)[band])
        kids_event = self.events.kids[events]
        parent = self.population.has_kids[users] | (band == 0)
        factor = np.where(
            kids_event, np.where(parent | overlap, 1.0, self.params.kids_penalty), overlap.astype(np.float64)
        )
        return factor.astype(np.float32)

    def _funnel(
        self,
        rng: np.random.Generator,
        u: npt.NDArray[np.int64],
        e: npt.NDArray[np.int64],
        t: npt.NDArray[np.int64],
        slot: npt.NDArray[np.int64],
        slot_time: npt.NDArray[np.int64],
        z: npt.NDArray[np.float32],
        dist_term: npt.NDArray[np.float32],
        source: npt.NDArray[np.int8],
    ) -> _Rows:
        """Views and what follows them; every timestamp before the date except check-ins."""
        p = self.params
        n = u.size
        ev = self.events
        t_view = t + rng.integers(0, 1_200, n)
        click = rng.random(n) < _sigmoid(p.click_intercept + p.click_slope * z)
        t_click = t_view + rng.integers(5, 121, n)
        has_uitpas_price = self.population.uitpas[u] & ~np.isnan(ev.uitpas_price[e])
        price = np.where(has_uitpas_price, ev.uitpas_price[e], ev.base_price[e])
        price = np.nan_to_num(price, nan=10.0)
        logit = (
            p.ticket_intercept
            + p.ticket_slope * z
            - p.ticket_price_slope * np.log1p(price)
            + p.ticket_distance_slope * dist_term
        )
        ticket = click & ev.slot_bookable[slot] & (rng.random(n) < _sigmoid(logit.astype(np.float32)))
        t_ticket = t_click + rng.integers(60, 1_201, n)
        checkin_p = np.where(self.population.uitpas[u], p.checkin_rate_uitpas, p.checkin_rate)
        checkin = ticket & (rng.random(n) < checkin_p)
        t_checkin = slot_time + np.where(ev.dated[e], rng.integers(0, 1_201, n), rng.integers(0, 4 * HOUR, n))
        like_scale = 2.0 * _sigmoid(z)
        like = rng.random(n) < p.like_rate * like_scale
        bookmark = rng.random(n) < p.bookmark_rate * like_scale
        share = rng.random(n) < p.share_rate * like_scale
        dismiss = ~click & (rng.random(n) < p.dismiss_rate * 2.0 * _sigmoid(-z))
        t_like = t_view + rng.integers(10, 601, n)
        t_bookmark = t_view + rng.integers(10, 601, n)
        t_share = t_view + rng.integers(30, 901, n)
        t_dismiss = t_view + rng.integers(1, 21, n)

        parts = (
            (np.ones(n, dtype=np.bool_), InteractionKind.VIEW, t_view),
            (click, InteractionKind.CLICK, t_click),
            (like, InteractionKind.LIKE, t_like),
            (bookmark, InteractionKind.BOOKMARK, t_bookmark),
            (share, InteractionKind.SHARE, t_share),
            (ticket, InteractionKind.TICKET, t_ticket),
            (checkin, InteractionKind.CHECK_IN, t_checkin),
            (dismiss, InteractionKind.DISMISS, t_dismiss),
        )
        user = np.concatenate([u[m] for m, _, _ in parts])
        event = np.concatenate([e[m] for m, _, _ in parts])
        kind = np.concatenate([np.full(int(m.sum()), k, dtype=np.int8) for m, k, _ in parts])
        time = np.concatenate([tt[m] for m, _, tt in parts])
        placement = np.concatenate(
            [
                np.full(int(m.sum()), _VENUE, dtype=np.int8) if k is InteractionKind.CHECK_IN else source[m]
                for m, k, _ in parts
            ]
        )
        # Strong signals count once per user and event (the earliest).
        order = np.lexsort((time, kind, event, user))
        same = np.r_[
            False,
            (user[order][1:] == user[order][:-1])
            & (event[order][1:] == event[order][:-1])
            & (kind[order][1:] == kind[order][:-1]),
        ]
        drop = np.zeros(user.size, dtype=np.bool_)
        drop[order] = same & _ONCE[kind[order]]
        keep = ~drop
        user, event, kind, time, placement = user[keep], event[keep], kind[keep], time[keep], placement[keep]
        final = np.lexsort((kind, time, user))
        return _Rows(user[final], event[final], kind[final], time[final], placement[final])

    def _to_table(self, rows: _Rows, first_id: int) -> pa.Table:
        """Arrow table with :data:`INTERACTION_SCHEMA`; ids continue from ``first_id``."""
        n = rows.user.size
        numbers = pc.cast(pa.array(np.arange(first_id, first_id + n, dtype=np.int64)), pa.string())
        return pa.Table.from_arrays(
            [
                pc.binary_join_element_wise(f"syn-{self.config.seed}-", numbers, ""),
                self.user_ids.take(pa.array(rows.user)),
                self.event_ids.take(pa.array(rows.event)),
                pa.array(rows.kind, type=pa.int8()),
                pa.array(rows.time * 1_000_000, type=pa.timestamp("us", tz="UTC")),
                pa.array(np.full(n, np.nan, dtype=np.float32)),
                pa.array(PLACEMENTS, type=pa.string()).take(pa.array(rows.placement)),
                pa.nulls(n, type=pa.string()),
            ],
            schema=INTERACTION_SCHEMA,
        )
