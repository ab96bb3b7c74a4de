"""Prices of synthetic events: free share, base price by discipline and venue, reductions, UiTPAS.

Base prices are log-normal around the discipline's median, higher at big
city institutions and for popular productions. Paid events may carry
reduced tariffs (children, -26, 65+) and, in municipalities with UiTPAS,
an UiTPAS opportunity tariff of about a quarter of the base price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys.domain.events import PriceCategory, PriceInfo, Tariff
from recsys.domain.language import LanguageMap
from recsys.synthetic.disciplines import Discipline

#: Price level of organiser kinds relative to the discipline median.
KIND_PRICE_FACTOR = {"city_stage": 1.5, "museum": 1.1, "cultural_centre": 1.0, "cinema": 1.0, "academy": 1.0}
_LOCAL_FACTOR = 0.7
#: Share of paid events whose price is not given.
UNKNOWN_PRICE_SHARE = 0.03


@dataclass(frozen=True, slots=True)
class PriceDraw:
    """A drawn price: the domain object and the two prices the behavioural model uses."""

    info: PriceInfo
    base: float  # NaN when unknown
    uitpas: float  # NaN when no UiTPAS tariff


def round_price(value: float) -> float:
    """Round to 50 cent, at least one euro."""
    return max(1.0, round(value * 2.0) / 2.0)


def draw_base_price(rng: np.random.Generator, discipline: Discipline, kind: str, quality: float) -> float:
    """A paid base price for an event of ``discipline`` at an organiser of ``kind``."""
    factor = KIND_PRICE_FACTOR.get(kind, _LOCAL_FACTOR)
    # Popular shows charge somewhat more.
    value = discipline.price * factor * float(np.exp(0.35 * rng.normal())) * (1.0 + 0.15 * np.log(max(quality, 1e-3)))
    return round_price(value)


def price_info(
    rng: np.random.Generator,
    *,
    base: float,
    free: bool,
    kind: str,
    kids: bool,
    uitpas_region: bool,
) -> PriceDraw:
    """The price lines of one event.

    Parameters
    ----------
    rng : Generator
        Random stream.
    base : float
        Base price when paid.
    free : bool
        Free event.
    kind : str
        Organiser kind (``-26`` and ``65+`` tariffs at institutions).
    kids : bool
        Children's event (a children's tariff).
    uitpas_region : bool
        The venue's municipality takes part in UiTPAS.

    """
    if free:
        return PriceDraw(
            PriceInfo((Tariff(PriceCategory.BASE, LanguageMap.single("Basistarief"), 0.0),)), 0.0, float("nan")
        )
    if rng.random() < UNKNOWN_PRICE_SHARE:
        return PriceDraw(PriceInfo(), float("nan"), float("nan"))
    lines = [Tariff(PriceCategory.BASE, LanguageMap.single("Basistarief"), base)]
    if kids and rng.random() < 0.6:
        lines.append(Tariff(PriceCategory.TARIFF, LanguageMap.single("Kinderen"), round_price(base * 0.6)))
    if kind in KIND_PRICE_FACTOR and rng.random() < 0.5:
        lines.append(Tariff(PriceCategory.TARIFF, LanguageMap.single("-26 jaar"), round_price(base * 0.7)))
    if kind in KIND_PRICE_FACTOR and rng.random() < 0.3:
        lines.append(Tariff(PriceCategory.TARIFF, LanguageMap.single("65+"), round_price(base * 0.85)))
    uitpas = float("nan")
    if uitpas_region and rng.random() < 0.8:
        uitpas = max(0.0, round(base * 0.25 * 2.0) / 2.0)
        lines.append(Tariff(PriceCategory.UITPAS, LanguageMap.single("UiTPAS kansentarief"), uitpas))
    return PriceDraw(PriceInfo(tuple(lines)), base, uitpas)
