"""Hard filters before ranking: drop candidates the rules would drop anyway, so the ranker scores fewer.

The rules (:func:`recsys.ranking.rules.apply_rules`) stay the authority and
check every survivor again; this is the same logic, built from the same
pieces (:class:`~recsys.ranking.filters.CardFilter`, eligibility,
:func:`~recsys.ranking.dates.slot_for`, the radius), run once per request
over the candidates. With filters, most candidates fail them, and the
learned ranker and the re-ranking steps then work on a fraction of the list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from recsys.cache.cards import EventCard
from recsys.domain.geo import haversine_km
from recsys.ranking.dates import DateWindow, slot_for
from recsys.ranking.eligibility import event_is_open
from recsys.ranking.filters import CardFilter
from recsys.ranking.request import RecommendationRequest


def admissible(cards: Sequence[EventCard | None], request: RecommendationRequest, now_us: int) -> npt.NDArray[np.bool_]:
    """Per card, whether it is open, passes the request's filters and has a date in its window and radius."""
    card_filter = CardFilter.from_request(request)
    window = DateWindow.between(request.date_from, request.date_to)
    keep = np.fromiter(
        (
            card is not None
            and event_is_open(card)
            and card_filter.admits(card)
            and slot_for(card, now_us, window) is not None
            for card in cards
        ),
        dtype=bool,
        count=len(cards),
    )
    if request.radius_km is not None and request.lat is not None and request.lon is not None and keep.any():
        lats = np.fromiter(
            (math.nan if c is None or c.lat is None else c.lat for c in cards), dtype=np.float64, count=len(cards)
        )
        lons = np.fromiter(
            (math.nan if c is None or c.lon is None else c.lon for c in cards), dtype=np.float64, count=len(cards)
        )
        distance = haversine_km(request.lat, request.lon, lats, lons)
        keep &= np.nan_to_num(distance, nan=np.inf) <= request.radius_km
    return keep
