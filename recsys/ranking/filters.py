"""The request's hard filters: place, date, price, age, taxonomy, access and UiTPAS.

Rules for missing data, chosen so that a filter never lets through an event it
cannot vouch for, except where the missing value usually means "everyone":

- ``radius_km``: distance by haversine from the request's ``lat``/``lon`` to
  the card's coordinates; a card without coordinates is dropped.
- ``municipality``: the card's municipality name (case, accents, hyphens and
  spaces ignored) or its postcode; a card without either is dropped.
- ``date_from``/``date_to``: a closed window; an event passes when an open
  occurrence that has not ended overlaps it, or a running offer's span does
  (:func:`recsys.ranking.dates.slot_for`).
- ``max_price`` and ``free``: an unknown price is dropped (we cannot promise
  it fits the budget); free events pass ``max_price``.
- ``age``: the card's typical age range must admit the age; an open bound
  admits everyone on that side, so an unknown range is kept.
- types and themes: with an include set, a card without that term is
  dropped; an exclude set drops cards that carry the term.
- ``accessible`` and ``uitpas``: only cards flagged so.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from recsys.cache.cards import EventCard
from recsys.domain.geo import haversine_km
from recsys.ranking.dates import DateWindow, slot_for
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.times import to_us


@lru_cache(maxsize=4096)
def fold_place(text: str) -> str:
    """A place name or postcode reduced for comparison: no accents, case, hyphens or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class CardFilter:
    """The request's filters that look at a card alone (all but dates and radius).

    Build it once per request with :meth:`from_request`; :meth:`admits` is then cheap.

    Parameters
    ----------
    municipality : str or None
        Folded municipality name or postcode (:func:`fold_place`).
    max_price : float or None
        Highest base price in euro.
    free : bool
        Free events only.
    age : int or None
        Age the typical age range must admit.
    include_types, exclude_types, include_themes, exclude_themes : frozenset of str
        Taxonomy ids to require (any of) or refuse.
    accessible, uitpas : bool
        Wheelchair-accessible events only; events with an UiTPAS tariff only.

    """

    municipality: str | None = None
    max_price: float | None = None
    free: bool = False
    age: int | None = None
    include_types: frozenset[str] = frozenset()
    exclude_types: frozenset[str] = frozenset()
    include_themes: frozenset[str] = frozenset()
    exclude_themes: frozenset[str] = frozenset()
    accessible: bool = False
    uitpas: bool = False

    @classmethod
    def from_request(cls, request: RecommendationRequest) -> CardFilter:
        """The card filters of ``request``."""
        return cls(
            municipality=None if request.municipality is None else fold_place(request.municipality),
            max_price=request.max_price,
            free=request.free,
            age=request.age,
            include_types=request.include_types,
            exclude_types=request.exclude_types,
            include_themes=request.include_themes,
            exclude_themes=request.exclude_themes,
            accessible=request.accessible,
            uitpas=request.uitpas,
        )

    def admits(self, card: EventCard) -> bool:
        """True when ``card`` passes every filter of this object (see the module docstring)."""
        if self.accessible and not card.accessible:
            return False
        if self.uitpas and not card.uitpas:
            return False
        if self.include_types and card.type_id not in self.include_types:
            return False
        if self.exclude_types and card.type_id in self.exclude_types:
            return False
        if self.include_themes and card.theme_id not in self.include_themes:
            return False
        if self.exclude_themes and card.theme_id in self.exclude_themes:
            return False
        if self.free or self.max_price is not None:
            price = card.price_eur
            if price is None or (self.free and price != 0.0):
                return False
            if self.max_price is not None and price > self.max_price:
                return False
        if self.age is not None:
            if card.min_age is not None and self.age < card.min_age:
                return False
            if card.max_age is not None and self.age > card.max_age:
                return False
        if self.municipality is not None:
            return (card.postcode is not None and fold_place(card.postcode) == self.municipality) or (
                card.municipality is not None and fold_place(card.municipality) == self.municipality
            )
        return True


def distances_km(cards: Sequence[EventCard], lat: float, lon: float) -> list[float]:
    """Haversine distance from ``(lat, lon)`` to each card; NaN for a card without coordinates.

    One vectorised call for the whole list (a scalar numpy call per card costs more than the maths).
    """
    count = len(cards)
    if count == 0:
        return []
    lats = np.fromiter((math.nan if c.lat is None else c.lat for c in cards), dtype=np.float64, count=count)
    lons = np.fromiter((math.nan if c.lon is None else c.lon for c in cards), dtype=np.float64, count=count)
    result: list[float] = haversine_km(lat, lon, lats, lons).tolist()
    return result


def within_radius(card: EventCard, request: RecommendationRequest) -> bool:
    """True when the request sets no radius, or ``card`` lies within it (coordinates required)."""
    if request.radius_km is None or request.lat is None or request.lon is None:
        return True
    if card.lat is None or card.lon is None:
        return False
    return distances_km([card], request.lat, request.lon)[0] <= request.radius_km


def passes_filters(card: EventCard, request: RecommendationRequest, now: dt.datetime) -> bool:
    """True when ``card`` passes every filter of ``request`` at ``now`` (dates and radius included).

    The per-request pipeline (:func:`recsys.ranking.rules.apply_rules`) applies
    the same rules in bulk; this is the one-card form.

    Parameters
    ----------
    card : EventCard
        The event.
    request : RecommendationRequest
        The filters.
    now : datetime
        The current instant (aware); dates that have ended do not count.

    Returns
    -------
    bool
        Whether the card is kept.

    """
    return (
        CardFilter.from_request(request).admits(card)
        and slot_for(card, to_us(now), DateWindow.between(request.date_from, request.date_to)) is not None
        and within_radius(card, request)
    )
