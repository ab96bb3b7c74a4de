"""The statistics of experiment results: intervals for rates, tests between arms, sample-ratio mismatch.

- :func:`wilson_interval`: Wilson's score interval for a proportion, good
  near 0 and 1 and for small samples, where the normal (Wald) interval fails.
- :func:`two_proportion_test`: the two-sided two-proportion z-test with the
  pooled proportion under the null (what ``statsmodels``' ``proportions_ztest``
  computes), plus the unpooled (Wald) interval of the difference.
- :func:`chi_square_test`: Pearson's chi-square test of independence of an
  arms x outcome table, without Yates' correction (for two arms it equals the
  square of the z statistic); the test for A/B/n with more than two arms.
- :func:`sample_ratio_mismatch`: the chi-square goodness-of-fit of exposure
  counts against the configured weights. A mismatch below ``p < 0.001``
  means the assignment or the logging is broken, and no other result of the
  experiment can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
from scipy import stats

#: p-value below which a sample-ratio mismatch is flagged.
SRM_THRESHOLD: Final = 0.001


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of the proportion ``successes / n`` (``(0, 1)`` when ``n`` is 0)."""
    if n <= 0:
        return 0.0, 1.0
    z = _z(confidence)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * math.sqrt(max(p * (1.0 - p) / n + z * z / (4.0 * n * n), 0.0)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class ProportionTest:
    """A comparison of two proportions, ``b - a``.

    Parameters
    ----------
    difference : float
        ``p_b - p_a``.
    low, high : float
        Wald confidence interval of the difference (unpooled standard error).
    z : float
        Pooled z statistic (0 when undefined).
    p_value : float
        Two-sided p-value (1 when undefined).
    relative : float or None
        ``difference / p_a`` (None when ``p_a`` is 0).

    """

    difference: float
    low: float
    high: float
    z: float
    p_value: float
    relative: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = 0.95
) -> ProportionTest:
    """Two-sided two-proportion z-test of ``b`` against ``a`` with the interval of the difference."""
    if n_a <= 0 or n_b <= 0:
        return ProportionTest(0.0, -1.0, 1.0, 0.0, 1.0, None)
    p_a, p_b = successes_a / n_a, successes_b / n_b
    difference = p_b - p_a
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    z = difference / se_pooled if se_pooled > 0 else 0.0
    p_value = float(2.0 * stats.norm.sf(abs(z))) if se_pooled > 0 else 1.0
    se = math.sqrt(p_a * (1.0 - p_a) / n_a + p_b * (1.0 - p_b) / n_b)
    half = _z(confidence) * se
    return ProportionTest(
        difference=difference,
        low=difference - half,
        high=difference + half,
        z=z,
        p_value=p_value,
        relative=difference / p_a if p_a > 0 else None,
    )


@dataclass(frozen=True, slots=True)
class ChiSquareTest:
    """A chi-square test: statistic, degrees of freedom and p-value."""

    statistic: float
    dof: int
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def chi_square_test(successes: Sequence[int], totals: Sequence[int]) -> ChiSquareTest:
    """Pearson's chi-square test that the success rate is the same in every arm (no continuity correction).

    Arms without users are left out; with fewer than two arms, or no
    variation at all, the test is undefined and reported as ``p = 1``.
    """
    rows = [(s, t - s) for s, t in zip(successes, totals, strict=True) if t > 0]
    table = np.asarray(rows, dtype=np.float64)
    if len(rows) < 2 or (table.sum(axis=0) == 0).any():
        return ChiSquareTest(0.0, max(len(rows) - 1, 0), 1.0)
    statistic, p_value, dof, _ = stats.chi2_contingency(table, correction=False)
    return ChiSquareTest(float(statistic), int(dof), float(p_value))


@dataclass(frozen=True, slots=True)
class SampleRatioCheck:
    """The sample-ratio-mismatch check.

    Parameters
    ----------
    observed : list of int
        Users exposed per arm.
    expected : list of float
        What the weights predict for the same total.
    statistic, p_value : float
        Chi-square goodness of fit.
    flagged : bool
        ``p_value < threshold``: the split is not what was configured.
    threshold : float
        The flagging level (:data:`SRM_THRESHOLD`).

    """

    observed: list[int]
    expected: list[float]
    statistic: float
    p_value: float
    flagged: bool
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def sample_ratio_mismatch(
    counts: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SampleRatioCheck:
    """Chi-square goodness of fit of ``counts`` against the split ``weights`` asks for."""
    observed = np.asarray(counts, dtype=np.float64)
    share = np.asarray(weights, dtype=np.float64)
    share = share / share.sum()
    total = observed.sum()
    expected = share * total
    if total == 0 or len(observed) < 2:
        return SampleRatioCheck([int(c) for c in counts], expected.tolist(), 0.0, 1.0, False, threshold)
    statistic, p_value = stats.chisquare(observed, expected)
    return SampleRatioCheck(
        observed=[int(c) for c in counts],
        expected=[float(e) for e in expected],
        statistic=float(statistic),
        p_value=float(p_value),
        flagged=bool(p_value < threshold),
        threshold=threshold,
    )
