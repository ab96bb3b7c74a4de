"""How many users a segment holds: exactly, or estimated from a random sample with a confidence interval.

The exact size evaluates the rules over every user (vectorised; about a
second per million users and tens of millions of interactions). For very
large data, or while a marketer is still editing rules, :func:`estimate_size`
evaluates them on a uniform random sample of users without replacement and
scales the share up: the interval is Wilson's score interval for the share,
with the finite-population correction (the sample is drawn without
replacement, so a sample of the whole population has no error), times the
population. ``likely_interested`` rules rank users within the sample, which
estimates the same top share.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.data import MarketingData
from recsys.marketing.matching import evaluate
from recsys.marketing.rules import Rule
from recsys.marketing.scoring import FactorModel
from recsys.marketing.stats import wilson_interval


@dataclass(frozen=True, slots=True)
class SegmentSize:
    """A segment's size.

    Parameters
    ----------
    population : int
        Users in the data.
    estimate : float
        Members (exact, or estimated from the sample).
    low, high : float
        Confidence interval of ``estimate`` (equal to it when exact).
    share : float
        ``estimate / population``.
    method : str
        ``exact`` or ``sample``.
    sampled : int
        Users evaluated (the population when exact).
    confidence : float
        Level of the interval.
    with_consent : float
        Members (estimated likewise) who consented to personalisation: the
        ones an audience or a personal list may reach.

    """

    population: int
    estimate: float
    low: float
    high: float
    share: float
    method: str
    sampled: int
    confidence: float
    with_consent: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def exact_size(rule: Rule, data: MarketingData, model: FactorModel | None = None) -> SegmentSize:
    """Count the members among all users of ``data``."""
    mask = evaluate(rule, data, model)
    members = int(mask.sum())
    population = data.n_users
    return SegmentSize(
        population=population,
        estimate=float(members),
        low=float(members),
        high=float(members),
        share=members / population if population else 0.0,
        method="exact",
        sampled=population,
        confidence=1.0,
        with_consent=float((mask & data.users.consent).sum()),
    )


def estimate_size(
    rule: Rule,
    data: MarketingData,
    model: FactorModel | None = None,
    *,
    sample: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SegmentSize:
    """Estimate the size from ``sample`` users drawn uniformly without replacement.

    Raises
    ------
    InvalidFieldError
        When ``sample`` is below 1 or ``confidence`` is not in (0, 1).

    """
    if sample < 1:
        raise InvalidFieldError("sample", f"must be at least 1, got {sample}")
    if not 0.0 < confidence < 1.0:
        raise InvalidFieldError("confidence", f"must lie in (0, 1), got {confidence}")
    population = data.n_users
    if sample >= population:
        return exact_size(rule, data, model)
    rows = np.sort(np.random.default_rng(seed).choice(population, size=sample, replace=False))
    part = data.subset(rows)
    mask = evaluate(rule, part, model)
    hits = int(mask.sum())
    # Without replacement the variance shrinks by (N - n) / (N - 1): an effective, larger sample size.
    effective = sample * (population - 1) / (population - sample)
    share = hits / sample
    low, high = wilson_interval(share * effective, effective, confidence)
    consent_share = float((mask & part.users.consent).sum()) / sample
    return SegmentSize(
        population=population,
        estimate=share * population,
        low=low * population,
        high=high * population,
        share=share,
        method="sample",
        sampled=sample,
        confidence=confidence,
        with_consent=consent_share * population,
    )
