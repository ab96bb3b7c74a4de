"""Hard filters before ranking: drop candidates the rules would drop anyway, so the ranker scores fewer.

The rules (:func:`recsys.ranking.rules.apply_rules`) stay the authority and
check every survivor again; this is the same logic, built from the same
pieces (:class:`~recsys.ranking.filters.CardFilter`, eligibility,
:func:`~recsys.ranking.dates.slot_for`, the radius), run once per request
over the candidates. With filters, most candidates fail them, and the
learned ranker and the re-ranking steps then work on a fraction of the list.
A vectorised coarse pass (:meth:`serving.card_table.CardTable.coarse_mask`)
may go first: then only the cards it keeps are tested here.
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


def admissible(
    cards: Sequence[EventCard | None],
    request: RecommendationRequest,
    now_us: int,
    coarse: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Per card, whether it is open, passes the request's filters and has a date in its window and radius.

    Parameters
    ----------
    cards : sequence of EventCard or None
        The candidates (``None``: no card known, never admissible).
    request : RecommendationRequest
        The filters.
    now_us : int
        The request's instant.
    coarse : ndarray of bool, optional
        A coarse pass over the same cards (False = surely fails); only the cards it keeps are tested.

    """
    card_filter = CardFilter.from_request(request)
    window = DateWindow.between(request.date_from, request.date_to)
    tested = range(len(cards)) if coarse is None else np.flatnonzero(coarse).tolist()
    kept = [
        i
        for i in tested
        if (card := cards[i]) is not None
        and event_is_open(card)
        and card_filter.admits(card)
        and slot_for(card, now_us, window) is not None
    ]
    if kept and request.radius_km is not None and request.lat is not None and request.lon is not None:
        lats = [math.nan if (c := cards[i]) is None or c.lat is None else c.lat for i in kept]
        lons = [math.nan if (c := cards[i]) is None or c.lon is None else c.lon for i in kept]
        distance = haversine_km(request.lat, request.lon, lats, lons)
        kept = [i for i, d in zip(kept, distance.tolist(), strict=True) if d <= request.radius_km]
    keep = np.zeros(len(cards), dtype=bool)
    keep[kept] = True
    return keep
