"""What a user can be shown in a browsing session, and when each event can be attended.

An event is *exposed* in browsing week ``w`` when it is public, published
by then and has a date (or open day) between the start of that week and
``horizon_days`` after its end. Within a week, events are drawn with
probability proportional to ``quality ** quality_exposure_power`` from one
of three agendas: the user's province, all of Flanders and Brussels, or a
discipline (a search). Favourite organisers' pages show their next events.
All lookups are vectorised (:class:`~recsys.synthetic.sampling.GroupedSampler`
and ``searchsorted`` on packed keys), so a chunk of users costs
``O(candidates log events)`` and never a users x events matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsys.synthetic.catalogue import EventArrays
from recsys.synthetic.clock import DAY, HOUR, utc_to_local, weekday
from recsys.synthetic.config import BehaviourParams
from recsys.synthetic.sampling import GroupedSampler

# Packing (group, relative seconds) into one int64 key; seasons are far shorter than 2**36 s.
_SPAN = np.int64(2**36)
#: Events shown per favourite-organiser page: the next few by end date.
UPCOMING_WINDOW = 6


class Exposure:
    """Agendas per week and attendable slots of a catalogue.

    Parameters
    ----------
    events : EventArrays
        The catalogue's columns.
    params : BehaviourParams
        Horizon and exposure power.
    browse_start : int
        UTC epoch seconds of midnight starting the first browsing day.
    n_weeks : int
        Number of browsing weeks.

    """

    def __init__(self, events: EventArrays, params: BehaviourParams, browse_start: int, n_weeks: int) -> None:
        self.events = events
        self.params = params
        self.t0 = int(browse_start)
        self.n_weeks = int(n_weeks)
        n = len(events)
        counts = np.diff(events.slot_offsets)
        slot_event = np.repeat(np.arange(n, dtype=np.int64), counts)
        rel = events.slot_start - self.t0
        self._slot_key = slot_event * _SPAN + rel
        local = utc_to_local(events.slot_start)
        wd = weekday(local)
        hour = (local % DAY) // HOUR
        #: Friday evening, Saturday or Sunday.
        self.slot_weekend = (wd >= 5) | ((wd == 4) & (hour >= 17))

        week = self._exposed_weeks(slot_event, rel)
        e_idx, w_idx = np.nonzero(week)
        weight = events.quality[e_idx].astype(np.float64) ** params.quality_exposure_power
        w = self.n_weeks
        self.local = GroupedSampler(events.province[e_idx].astype(np.int64) * w + w_idx, e_idx, weight)
        self.flanders = GroupedSampler(w_idx, e_idx, weight)
        self.search = GroupedSampler(events.discipline[e_idx].astype(np.int64) * w + w_idx, e_idx, weight)

        # Favourite pages: each organiser's public events by the end of their last slot.
        has_slots = events.visible & (counts > 0)
        last = np.where(counts > 0, events.slot_start[np.maximum(events.slot_offsets[1:] - 1, 0)] - self.t0, 0)
        keep = np.flatnonzero(has_slots)
        key = events.organizer[keep].astype(np.int64) * _SPAN + last[keep]
        order = np.argsort(key, kind="stable")
        self._org_key = key[order]
        self._org_event = keep[order].astype(np.int32)
        self._org_of = events.organizer[self._org_event].astype(np.int64)

    def _exposed_weeks(self, slot_event: npt.NDArray[np.int64], rel: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """``(n_events, n_weeks)``: the event has a slot within reach of that week."""
        n, w = len(self.events), self.n_weeks
        week_len = 7 * DAY
        horizon = int(self.params.horizon_days * DAY)
        # Slot s is within reach of week k when k*7d <= s <= (k+1)*7d + horizon.
        lo = np.clip(-((-(rel - week_len - horizon)) // week_len), 0, w)
        hi = np.clip(rel // week_len, -1, w - 1)
        ok = hi >= lo
        diff = np.zeros((n, w + 1), dtype=np.int32)
        np.add.at(diff, (slot_event[ok], lo[ok]), 1)
        np.add.at(diff, (slot_event[ok], hi[ok] + 1), -1)
        reach = np.cumsum(diff[:, :w], axis=1) > 0
        week_end = self.t0 + (np.arange(w, dtype=np.int64) + 1) * week_len
        published = self.events.available_from[:, None] < week_end[None, :]
        return np.asarray(reach & published & self.events.visible[:, None])

    def sample_local(
        self, rng: np.random.Generator, province: npt.NDArray[np.int64], week: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int32]:
        """Events from the home-province agenda of each query's week (``-1`` when none)."""
        return self.local.sample(rng, province * self.n_weeks + week)

    def sample_flanders(self, rng: np.random.Generator, week: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Events from the agenda of all of Flanders and Brussels."""
        return self.flanders.sample(rng, week)

    def sample_search(
        self, rng: np.random.Generator, discipline: npt.NDArray[np.int64], week: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int32]:
        """Events of a discipline (a search), anywhere."""
        return self.search.sample(rng, discipline * self.n_weeks + week)

    def sample_upcoming(
        self, rng: np.random.Generator, organizer: npt.NDArray[np.int64], t: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int32]:
        """One of the organiser's next :data:`UPCOMING_WINDOW` events still running at ``t``."""
        if self._org_key.size == 0:
            return np.full(len(organizer), -1, dtype=np.int32)
        pos = np.searchsorted(self._org_key, organizer * _SPAN + (t - self.t0), side="left")
        pos = np.minimum(pos + rng.integers(0, UPCOMING_WINDOW, len(pos)), self._org_key.size - 1)
        ok = (self._org_of[pos] == organizer) & (organizer >= 0)
        return np.where(ok, self._org_event[pos], -1).astype(np.int32)

    def next_slot(self, event: npt.NDArray[np.int64], not_before: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Index of each event's first slot at or after ``not_before`` (``-1`` when none)."""
        pos = np.searchsorted(self._slot_key, event * _SPAN + (not_before - self.t0), side="left")
        ok = pos < self.events.slot_offsets[event + 1]
        return np.where(ok, pos, -1)

    @property
    def nbytes(self) -> int:
        """Memory held by the agendas and lookups."""
        return int(
            self.local.nbytes
            + self.flanders.nbytes
            + self.search.nbytes
            + self._slot_key.nbytes
            + self._org_key.nbytes * 2
            + self._org_event.nbytes
            + self.slot_weekend.nbytes
        )
