"""The disciplines of the synthetic season: one per publiq event type, with how it behaves.

A discipline is an event type of the publiq taxonomy (real term ids) plus
what the generator needs to know about it: its themes (drawn from the
taxonomy's ``suggested`` themes), calendar shapes, start times, prices,
audiences, which venues host it, how far people travel for it and how its
appeal differs between age bands. Users' tastes are vectors over these
disciplines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from recsys.domain.taxonomy import default_taxonomy

#: Calendar shapes of dated events with several dates.
RUN = "run"  # consecutive days at one venue (theatre run, festival days)
WEEKLY = "weekly"  # the same weekday every week (course)
SPREAD = "spread"  # scattered over a few weeks (film screenings, guided tours)

# Weekday weights, Monday first.
_WEEKEND = (0.0, 0.0, 0.0, 0.0, 0.8, 2.0, 1.8)
_EVENINGS = (0.4, 0.5, 0.8, 1.1, 1.5, 1.6, 0.8)
_WEEKNIGHTS = (1.0, 1.3, 1.3, 1.2, 0.6, 0.3, 0.2)
_SUNDAY = (0.1, 0.1, 0.1, 0.1, 0.3, 1.5, 2.5)
_ANYDAY = (0.8, 0.9, 1.1, 1.0, 1.1, 1.2, 1.2)


@dataclass(frozen=True, slots=True)
class Discipline:
    """One event type and how events of that type look and are used.

    Parameters
    ----------
    key : str
        Short name used in code and docs.
    type_id : str
        Event type term id in the publiq taxonomy.
    theme_boost : Mapping[str, float]
        Relative weight of some suggested themes (others weigh 1); empty
        ``suggested`` means no theme.
    calendar_mix : tuple of float
        Probabilities of single, multiple, periodic and permanent calendars.
    multiple : tuple of (str, int, int)
        Shape (:data:`RUN`, :data:`WEEKLY` or :data:`SPREAD`) and the range of
        the number of dates of a multiple calendar.
    start_times : tuple of (int, int)
        Local start times; the first is the most common.
    duration_hours : float
        Typical duration of one date (or the daily opening hours of a period).
    weekdays : tuple of float
        Relative weight of each weekday, Monday first.
    peak_months : tuple of int
        Months with twice the usual number of dates.
    free_share : float
        Share of free events.
    price : float
        Median base price in euro at a mid-size venue.
    kids_share, adults_share : float
        Share of children's events (up to 14 years) and of 16+/18+ events.
    online_share : float
        Share of events that take place online.
    distance_km : float
        Distance scale of the decay ``exp(-d / scale)`` for an adult of 36-50.
    age_affinity : tuple of float
        Relative appeal per age band (0-11, 12-17, 18-25, 26-35, 36-50, 51-65, 66+).
    venues : tuple of str
        Place kinds that host it, most fitting first (see ``places.PLACE_KINDS``).
    touring : bool
        Whether productions of this discipline tour several venues.

    """

    key: str
    type_id: str
    theme_boost: Mapping[str, float] = field(default_factory=dict)
    calendar_mix: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    multiple: tuple[str, int, int] = (RUN, 2, 3)
    start_times: tuple[tuple[int, int], ...] = ((20, 0),)
    duration_hours: float = 2.0
    weekdays: tuple[float, ...] = _ANYDAY
    peak_months: tuple[int, ...] = ()
    free_share: float = 0.1
    price: float = 12.0
    kids_share: float = 0.0
    adults_share: float = 0.0
    online_share: float = 0.0
    distance_km: float = 10.0
    age_affinity: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    venues: tuple[str, ...] = ("hall",)
    touring: bool = False

    @property
    def label(self) -> str:
        """Dutch label of the event type."""
        return default_taxonomy().label(self.type_id, "nl")

    @property
    def labels(self) -> dict[str, str]:
        """Labels of the event type per language."""
        term = default_taxonomy().get(self.type_id)
        return dict(term.label.texts) if term else {"nl": self.key}

    @property
    def themes(self) -> tuple[str, ...]:
        """Theme ids publiq suggests for this event type."""
        term = default_taxonomy().get(self.type_id)
        return term.suggested if term else ()

    def theme_weights(self) -> npt.NDArray[np.float64]:
        """Probabilities of :attr:`themes` (empty when the type has none)."""
        weights = np.array([self.theme_boost.get(t, 1.0) for t in self.themes], dtype=np.float64)
        return weights / weights.sum() if weights.size else weights


DISCIPLINES: tuple[Discipline, ...] = (
    Discipline(
        "concert",
        "0.50.4.0.0",
        theme_boost={"1.8.3.1.0": 4.0, "1.8.1.0.0": 3.0, "1.8.2.0.0": 2.0, "1.8.4.0.0": 1.5, "1.8.3.5.0": 1.5},
        calendar_mix=(0.92, 0.08, 0.0, 0.0),
        multiple=(RUN, 2, 3),
        start_times=((20, 0), (20, 30), (15, 0)),
        duration_hours=2.0,
        weekdays=_EVENINGS,
        free_share=0.15,
        price=18.0,
        kids_share=0.05,
        adults_share=0.04,
        distance_km=18.0,
        age_affinity=(0.3, 1.0, 1.6, 1.4, 1.2, 1.1, 0.9),
        venues=("theatre", "cultural_centre", "hall", "youth", "cafe", "monument"),
        touring=True,
    ),
    Discipline(
        "theatre",
        "0.55.0.0.0",
        theme_boost={"1.3.1.0.0": 6.0, "1.3.10.0.0": 3.0, "1.3.5.0.0": 1.5, "1.4.0.0.0": 1.2},
        calendar_mix=(0.6, 0.4, 0.0, 0.0),
        multiple=(RUN, 2, 8),
        start_times=((20, 0), (20, 15), (14, 30)),
        duration_hours=2.0,
        weekdays=_EVENINGS,
        free_share=0.06,
        price=17.0,
        kids_share=0.18,
        adults_share=0.05,
        distance_km=15.0,
        age_affinity=(1.0, 0.6, 0.8, 1.0, 1.2, 1.4, 1.5),
        venues=("theatre", "cultural_centre", "hall"),
        touring=True,
    ),
    Discipline(
        "dance",
        "0.54.0.0.0",
        theme_boost={"1.9.2.0.0": 2.5, "1.9.1.0.0": 1.5},
        calendar_mix=(0.7, 0.3, 0.0, 0.0),
        multiple=(RUN, 2, 4),
        start_times=((20, 0), (20, 30), (15, 0)),
        duration_hours=1.5,
        weekdays=_EVENINGS,
        free_share=0.05,
        price=20.0,
        kids_share=0.12,
        distance_km=18.0,
        age_affinity=(0.8, 0.8, 1.0, 1.0, 0.9, 0.9, 0.8),
        venues=("theatre", "cultural_centre", "hall"),
        touring=True,
    ),
    Discipline(
        "film",
        "0.50.6.0.0",
        theme_boost={"1.7.4.0.0": 3.0, "1.7.3.0.0": 2.5, "1.7.12.0.0": 2.0, "1.7.1.0.0": 2.0, "1.7.11.0.0": 1.5},
        calendar_mix=(0.35, 0.65, 0.0, 0.0),
        multiple=(SPREAD, 2, 8),
        start_times=((20, 0), (14, 0), (19, 30)),
        duration_hours=2.0,
        free_share=0.03,
        price=8.0,
        kids_share=0.15,
        distance_km=8.0,
        age_affinity=(1.0, 1.3, 1.3, 1.1, 0.9, 0.8, 0.8),
        venues=("cinema", "cultural_centre", "hall"),
    ),
    Discipline(
        "exhibition",
        "0.0.0.0.0",
        theme_boost={"1.0.1.0.0": 4.0, "1.0.6.0.0": 3.0, "1.40.0.0.0": 3.0, "1.0.9.0.0": 2.0, "1.11.0.0.0": 2.0},
        calendar_mix=(0.0, 0.05, 0.85, 0.10),
        multiple=(SPREAD, 2, 4),
        start_times=((10, 0), (13, 0)),
        duration_hours=7.0,
        free_share=0.3,
        price=10.0,
        kids_share=0.06,
        distance_km=22.0,
        age_affinity=(0.4, 0.4, 0.8, 1.0, 1.2, 1.5, 1.5),
        venues=("museum", "cultural_centre", "library", "hall", "monument"),
    ),
    Discipline(
        "lecture",
        "0.3.2.0.0",
        calendar_mix=(0.92, 0.08, 0.0, 0.0),
        multiple=(WEEKLY, 2, 4),
        start_times=((20, 0), (19, 30), (14, 0)),
        duration_hours=2.0,
        weekdays=_WEEKNIGHTS,
        free_share=0.35,
        price=7.0,
        kids_share=0.03,
        adults_share=0.25,
        online_share=0.06,
        distance_km=9.0,
        age_affinity=(0.1, 0.3, 0.7, 0.8, 1.0, 1.4, 1.7),
        venues=("library", "cultural_centre", "school", "hall", "museum"),
    ),
    Discipline(
        "tour",
        "0.7.0.0.0",
        calendar_mix=(0.55, 0.40, 0.0, 0.05),
        multiple=(SPREAD, 2, 10),
        start_times=((14, 0), (10, 0), (10, 30)),
        duration_hours=2.0,
        weekdays=(0.3, 0.4, 0.6, 0.6, 0.7, 1.6, 1.9),
        free_share=0.3,
        price=8.0,
        kids_share=0.10,
        distance_km=14.0,
        age_affinity=(0.3, 0.3, 0.5, 0.7, 1.0, 1.5, 1.8),
        venues=("public_space", "museum", "monument", "nature"),
    ),
    Discipline(
        "festival",
        "0.5.0.0.0",
        calendar_mix=(0.55, 0.45, 0.0, 0.0),
        multiple=(RUN, 2, 3),
        start_times=((14, 0), (12, 0)),
        duration_hours=10.0,
        weekdays=_WEEKEND,
        peak_months=(5, 6, 7, 8, 9),
        free_share=0.35,
        price=35.0,
        kids_share=0.08,
        adults_share=0.1,
        distance_km=35.0,
        age_affinity=(0.5, 1.2, 1.8, 1.3, 0.9, 0.6, 0.4),
        venues=("public_space", "nature", "hall"),
    ),
    Discipline(
        "course",
        "0.3.1.0.0",
        theme_boost={
            "1.42.0.0.0": 4.0,
            "1.51.6.0.0": 3.0,
            "1.0.6.0.0": 3.0,
            "1.65.0.0.0": 3.0,
            "1.21.0.0.0": 2.0,
            "1.0.1.0.0": 2.0,
        },
        calendar_mix=(0.05, 0.95, 0.0, 0.0),
        multiple=(WEEKLY, 5, 10),
        start_times=((19, 30), (19, 0), (9, 30)),
        duration_hours=2.0,
        weekdays=_WEEKNIGHTS,
        free_share=0.02,
        price=90.0,
        kids_share=0.25,
        adults_share=0.3,
        online_share=0.04,
        distance_km=6.0,
        age_affinity=(0.6, 0.6, 0.8, 1.0, 1.1, 1.2, 1.1),
        venues=("school", "cultural_centre", "library", "hall"),
    ),
    Discipline(
        "workshop",
        "0.3.1.0.1",
        theme_boost={"1.42.0.0.0": 4.0, "1.0.6.0.0": 2.0, "1.65.0.0.0": 2.0, "1.0.1.0.0": 2.0},
        calendar_mix=(0.3, 0.7, 0.0, 0.0),
        multiple=(SPREAD, 2, 6),
        start_times=((14, 0), (10, 0), (19, 0)),
        duration_hours=3.0,
        free_share=0.15,
        price=15.0,
        kids_share=0.3,
        adults_share=0.1,
        distance_km=7.0,
        age_affinity=(1.0, 0.8, 0.9, 1.0, 1.0, 1.0, 0.9),
        venues=("school", "library", "museum", "cultural_centre", "hall"),
    ),
    Discipline(
        "quiz",
        "0.50.21.0.0",
        start_times=((20, 0),),
        duration_hours=3.0,
        weekdays=(0.1, 0.2, 0.3, 0.5, 1.5, 1.8, 0.2),
        free_share=0.0,
        price=15.0,
        kids_share=0.05,
        adults_share=0.2,
        distance_km=7.0,
        age_affinity=(0.3, 0.8, 1.5, 1.3, 1.0, 0.8, 0.6),
        venues=("hall", "cafe", "youth", "cultural_centre"),
    ),
    Discipline(
        "party",
        "0.49.0.0.0",
        start_times=((22, 0), (21, 0)),
        duration_hours=5.0,
        weekdays=(0.0, 0.0, 0.1, 0.3, 1.8, 2.2, 0.1),
        free_share=0.1,
        price=8.0,
        adults_share=1.0,
        distance_km=10.0,
        age_affinity=(0.0, 1.5, 2.2, 0.9, 0.4, 0.2, 0.1),
        venues=("youth", "hall", "club"),
    ),
    Discipline(
        "market",
        "0.37.0.0.0",
        calendar_mix=(0.9, 0.1, 0.0, 0.0),
        multiple=(RUN, 2, 3),
        start_times=((9, 0), (8, 0), (13, 0)),
        duration_hours=6.0,
        weekdays=_SUNDAY,
        peak_months=(12,),
        free_share=0.9,
        price=2.0,
        kids_share=0.05,
        distance_km=8.0,
        age_affinity=(0.6, 0.5, 0.7, 1.0, 1.2, 1.3, 1.3),
        venues=("public_space", "hall"),
    ),
    Discipline(
        "food",
        "1.50.0.0.0",
        calendar_mix=(0.5, 0.5, 0.0, 0.0),
        multiple=(RUN, 2, 2),
        start_times=((11, 30), (17, 0)),
        duration_hours=6.0,
        weekdays=_WEEKEND,
        free_share=0.0,
        price=18.0,
        distance_km=6.0,
        age_affinity=(0.6, 0.7, 0.8, 1.0, 1.2, 1.3, 1.3),
        venues=("hall", "school"),
    ),
    Discipline(
        "sport",
        "0.59.0.0.0",
        calendar_mix=(0.7, 0.3, 0.0, 0.0),
        multiple=(WEEKLY, 2, 6),
        start_times=((10, 0), (9, 0), (14, 0)),
        duration_hours=2.5,
        weekdays=(0.5, 0.5, 0.7, 0.5, 0.5, 1.5, 2.0),
        free_share=0.4,
        price=6.0,
        kids_share=0.3,
        distance_km=8.0,
        age_affinity=(1.3, 1.3, 1.1, 1.1, 1.0, 0.8, 0.6),
        venues=("sports", "nature", "public_space"),
    ),
    Discipline(
        "camp",
        "0.57.0.0.0",
        calendar_mix=(0.1, 0.1, 0.8, 0.0),
        multiple=(RUN, 2, 5),
        start_times=((9, 0),),
        duration_hours=7.0,
        weekdays=(1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0),
        free_share=0.0,
        price=120.0,
        kids_share=0.95,
        distance_km=7.0,
        age_affinity=(2.5, 1.2, 0.2, 0.6, 0.8, 0.2, 0.1),
        venues=("school", "sports", "youth"),
    ),
    Discipline(
        "route",
        "0.17.0.0.0",
        calendar_mix=(0.0, 0.0, 0.6, 0.4),
        start_times=((10, 0),),
        duration_hours=8.0,
        free_share=0.9,
        price=3.0,
        kids_share=0.05,
        distance_km=15.0,
        age_affinity=(0.4, 0.3, 0.6, 0.9, 1.2, 1.4, 1.4),
        venues=("nature", "public_space"),
    ),
    Discipline(
        "open_day",
        "0.12.0.0.0",
        start_times=((10, 0),),
        duration_hours=6.0,
        weekdays=(0.0, 0.0, 0.2, 0.0, 0.2, 1.5, 2.0),
        free_share=1.0,
        price=0.0,
        distance_km=10.0,
        age_affinity=(0.6, 0.6, 0.8, 1.0, 1.0, 1.0, 0.9),
        venues=("museum", "library", "school", "cultural_centre", "hall"),
    ),
    Discipline(
        "festivity",
        "0.28.0.0.0",
        calendar_mix=(0.9, 0.1, 0.0, 0.0),
        multiple=(RUN, 2, 3),
        start_times=((14, 0), (19, 0)),
        duration_hours=4.0,
        weekdays=(0.2, 0.2, 0.4, 0.3, 1.0, 1.5, 1.6),
        peak_months=(12, 2),
        free_share=0.8,
        price=5.0,
        kids_share=0.25,
        distance_km=6.0,
        age_affinity=(1.2, 0.8, 0.8, 1.0, 1.0, 1.0, 1.0),
        venues=("public_space", "hall"),
    ),
    Discipline(
        "fair",
        "0.6.0.0.0",
        calendar_mix=(0.6, 0.4, 0.0, 0.0),
        multiple=(RUN, 2, 3),
        start_times=((10, 0),),
        duration_hours=7.0,
        weekdays=_WEEKEND,
        free_share=0.4,
        price=6.0,
        kids_share=0.05,
        distance_km=18.0,
        age_affinity=(0.4, 0.6, 0.8, 1.0, 1.1, 1.1, 1.0),
        venues=("hall", "sports", "cultural_centre"),
    ),
    Discipline(
        "youth",
        "8aRjN4dGsXuE6tBkM1pVwQ",
        calendar_mix=(0.5, 0.5, 0.0, 0.0),
        multiple=(WEEKLY, 2, 8),
        start_times=((14, 0),),
        duration_hours=3.0,
        weekdays=(0.0, 0.0, 0.3, 0.0, 0.2, 1.2, 2.5),
        free_share=0.85,
        price=3.0,
        kids_share=1.0,
        distance_km=3.0,
        age_affinity=(2.5, 1.5, 0.3, 0.3, 0.4, 0.1, 0.1),
        venues=("youth", "nature"),
    ),
)

#: Age bands in the order of :attr:`Discipline.age_affinity` (lowest age of each band).
AGE_BAND_MIN = (0, 12, 18, 26, 36, 51, 66)
AGE_BAND_MAX = (11, 17, 25, 35, 50, 65, 120)
#: Events whose typical age range ends at or below this age are children's events.
KIDS_MAX_AGE = 14
#: How far people of each age band travel, relative to 36-50.
AGE_DISTANCE_FACTOR = (0.5, 0.6, 1.3, 1.1, 1.0, 0.9, 0.7)


@cache
def discipline_index() -> Mapping[str, int]:
    """Position of each discipline by key."""
    return MappingProxyType({d.key: i for i, d in enumerate(DISCIPLINES)})


def age_affinity_matrix() -> npt.NDArray[np.float64]:
    """Appeal of each discipline per age band, shape ``(7, n_disciplines)``."""
    return np.array([d.age_affinity for d in DISCIPLINES], dtype=np.float64).T


def distance_scales() -> npt.NDArray[np.float64]:
    """Distance scale (km) per discipline."""
    return np.array([d.distance_km for d in DISCIPLINES], dtype=np.float64)
