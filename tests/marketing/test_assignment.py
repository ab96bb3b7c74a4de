"""Assignment: deterministic across processes, uniform over users, independent between experiments."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.assignment import assign, assign_many, cumulative_shares, unit_hash
from tests.conftest import PROJECT_ROOT

IDS = [f"user-{i}" for i in range(100_000)]


def test_the_same_user_gets_the_same_arm_every_time() -> None:
    weights = [1.0, 1.0, 2.0]
    first = [assign("exp-a", u, weights) for u in IDS[:2_000]]
    again = [assign("exp-a", u, weights) for u in IDS[:2_000]]
    assert first == again
    assert assign_many("exp-a", IDS[:2_000], weights).tolist() == first


def test_a_fresh_process_assigns_the_same_arms() -> None:
    code = (
        "import json, sys\n"
        "from recsys.marketing.assignment import assign_many\n"
        "ids = [f'user-{i}' for i in range(5000)]\n"
        "print(json.dumps(assign_many('exp-a', ids, [0.2, 0.3, 0.5]).tolist()))\n"
    )
    # A different hash seed proves nothing depends on Python's per-process string hashing.
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == assign_many("exp-a", IDS[:5000], [0.2, 0.3, 0.5]).tolist()


@pytest.mark.parametrize("weights", [[1.0, 1.0], [0.2, 0.3, 0.5], [5.0, 1.0, 1.0, 1.0]])
def test_the_split_follows_the_weights_within_sampling_error(weights: list[float]) -> None:
    arms = assign_many("split-check", IDS, weights)
    observed = np.bincount(arms, minlength=len(weights))
    expected = np.asarray(weights) / sum(weights) * len(IDS)
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_hash_units_are_uniform_and_experiments_split_independently() -> None:
    units = np.array([unit_hash("exp-u", u) for u in IDS[:50_000]])
    assert units.min() >= 0.0 and units.max() < 1.0
    assert stats.kstest(units, "uniform").pvalue > 0.001
    a = assign_many("exp-1", IDS, [1, 1])
    b = assign_many("exp-2", IDS, [1, 1])
    table = np.histogram2d(a, b, bins=2)[0]
    assert stats.chi2_contingency(table).pvalue > 0.001
    assert unit_hash("ab", "c") != unit_hash("a", "bc")


def test_weights_must_be_positive() -> None:
    assert cumulative_shares([1, 3]) == [0.25, 1.0]
    with pytest.raises(InvalidFieldError):
        cumulative_shares([1, 0])
    with pytest.raises(InvalidFieldError):
        cumulative_shares([])
