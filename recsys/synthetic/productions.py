"""Productions: one show touring several venues, each stop an event of its own.

A share of the concerts, theatre and dance shows of city stages and
cultural centres are stops of a touring production. Stops of one
production are at different organisers (venues) and on different dates
within a tour window; they share title, performer, theme, audience,
quality and style, which is what lets a recommender carry interest from
past dates over to new ones.
"""

from __future__ import annotations

import datetime as dt
from collections import deque

import numpy as np
import numpy.typing as npt

from recsys.synthetic.calendars import SeasonDays

#: Share of touring-discipline events at each kind of venue that are stops of a production.
TOURING_SHARE = {"city_stage": 0.35, "cultural_centre": 0.55}
MAX_STOPS = 10


def assign_productions(
    rng: np.random.Generator,
    organizer: npt.NDArray[np.int32],
    discipline: npt.NDArray[np.int16],
    touring_share: npt.NDArray[np.float64],
    touring_disciplines: npt.NDArray[np.int64],
) -> npt.NDArray[np.int32]:
    """Group events into productions of 2 to :data:`MAX_STOPS` stops at distinct organisers.

    Parameters
    ----------
    rng : Generator
        Random stream.
    organizer : ndarray of int32
        Organiser per event.
    discipline : ndarray of int16
        Discipline per event.
    touring_share : ndarray of float64
        Chance per event that it is a tour stop (0 where its organiser does not host tours).
    touring_disciplines : ndarray of int64
        Disciplines that tour.

    Returns
    -------
    ndarray of int32
        Production per event, ``-1`` for standalone events.

    """
    production = np.full(len(organizer), -1, dtype=np.int32)
    is_stop = np.isin(discipline, touring_disciplines) & (rng.random(len(organizer)) < touring_share)
    next_id = 0
    for d in touring_disciplines.tolist():
        pool = np.flatnonzero(is_stop & (discipline == d))
        rng.shuffle(pool)
        by_org: dict[int, list[int]] = {}
        for e in pool.tolist():
            by_org.setdefault(int(organizer[e]), []).append(e)
        # Round-robin over organisers keeps every production at distinct venues.
        queue = deque(by_org)
        while len(queue) >= 2:
            size = int(min(2 + rng.poisson(2.0), MAX_STOPS, len(queue)))
            chosen = [queue.popleft() for _ in range(size)]
            for o in chosen:
                production[by_org[o].pop()] = next_id
                if by_org[o]:
                    queue.append(o)
            next_id += 1
    return production


def tour_days(
    rng: np.random.Generator, n_stops: int, season: SeasonDays, day_weights: npt.NDArray[np.float64]
) -> list[dt.date]:
    """Distinct, sorted dates of the stops of one tour, within a window of about a week per stop."""
    centre = int(rng.choice(len(season.days), p=day_weights))
    half = max(7, 4 * n_stops)
    lo, hi = max(0, centre - half), min(len(season.days) - 1, centre + half)
    window = np.arange(lo, hi + 1)
    w = day_weights[window]
    w = w / w.sum() if w.sum() > 0 else np.full(len(window), 1.0 / len(window))
    n = min(n_stops, int(np.count_nonzero(w)))
    picked = rng.choice(window, size=n, replace=False, p=w)
    days = [season.days[int(i)] for i in np.sort(picked)]
    # A window too small for all stops reuses its days (two venues on one day).
    return sorted(days[i % len(days)] for i in range(n_stops))
