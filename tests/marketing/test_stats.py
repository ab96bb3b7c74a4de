"""The statistics agree with SciPy and with the textbook formulas on known numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from recsys.marketing.stats import (
    SRM_THRESHOLD,
    chi_square_test,
    sample_ratio_mismatch,
    two_proportion_test,
    wilson_interval,
)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (50, 100), (481, 1000), (10, 10), (1, 2_000)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)
    ci90 = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
    assert wilson_interval(k, n, 0.9) == pytest.approx((ci90.low, ci90.high), abs=1e-12)


def test_two_proportion_z_test_on_known_numbers() -> None:
    # 120/1000 against 150/1000: the pooled z-test by hand (what statsmodels' proportions_ztest gives).
    test = two_proportion_test(120, 1000, 150, 1000)
    pooled = 270 / 2000
    z = (0.15 - 0.12) / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert test.z == pytest.approx(z, rel=1e-12)
    assert z == pytest.approx(1.96305, abs=1e-5)
    assert test.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    assert test.p_value == pytest.approx(0.04964, abs=1e-5)
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.15 * 0.85 / 1000)
    assert (test.low, test.high) == pytest.approx(
        (0.03 - stats.norm.ppf(0.975) * se, 0.03 + stats.norm.ppf(0.975) * se), rel=1e-9
    )
    assert test.relative == pytest.approx(0.25)


def test_chi_square_matches_scipy_and_the_square_of_z_for_two_arms() -> None:
    two = chi_square_test([120, 150], [1000, 1000])
    expected = stats.chi2_contingency(np.array([[120, 880], [150, 850]]), correction=False)
    assert two.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert two.p_value == pytest.approx(expected.pvalue, rel=1e-12)
    assert two.statistic == pytest.approx(two_proportion_test(120, 1000, 150, 1000).z ** 2, rel=1e-12)
    assert two.p_value == pytest.approx(two_proportion_test(120, 1000, 150, 1000).p_value, rel=1e-10)
    three = chi_square_test([30, 45, 60], [500, 500, 500])
    reference = stats.chi2_contingency(np.array([[30, 470], [45, 455], [60, 440]]), correction=False)
    assert (three.statistic, three.dof, three.p_value) == pytest.approx((reference.statistic, 2, reference.pvalue))


def test_undefined_tests_report_no_evidence() -> None:
    assert chi_square_test([0, 0], [10, 10]).p_value == 1.0
    assert chi_square_test([3], [10]).p_value == 1.0
    assert two_proportion_test(0, 0, 1, 10).p_value == 1.0


def test_sample_ratio_mismatch_flags_a_skewed_split() -> None:
    skewed = sample_ratio_mismatch([5_200, 4_800], [1, 1])
    assert skewed.flagged and skewed.p_value < SRM_THRESHOLD
    assert skewed.p_value == pytest.approx(stats.chisquare([5_200, 4_800]).pvalue)
    assert skewed.expected == [5_000.0, 5_000.0]
    fine = sample_ratio_mismatch([5_050, 4_950], [1, 1])
    assert not fine.flagged
    weighted = sample_ratio_mismatch([2_000, 3_000, 5_000], [0.2, 0.3, 0.5])
    assert not weighted.flagged and weighted.statistic == pytest.approx(0.0)
    wrong_weights = sample_ratio_mismatch([5_000, 5_000], [0.4, 0.6])
    assert wrong_weights.flagged
