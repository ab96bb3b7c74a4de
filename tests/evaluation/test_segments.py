from __future__ import annotations

import math

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.segments import activity_bands, segment_means


def test_activity_bands_are_tertiles_with_their_bounds() -> None:
    labels = activity_bands([1, 2, 3, 4, 5, 6, 7, 8, 100])
    assert labels.tolist() == ["low (1-3)"] * 3 + ["mid (4-6)"] * 3 + ["high (7-100)"] * 3
    assert set(activity_bands([5, 5, 5]).tolist()) == {"low (5-5)"}
    assert len(activity_bands([])) == 0


def test_segment_means_group_users_and_skip_missing_values() -> None:
    labels = np.array(["a", "b", None, "a"], dtype=object)
    means = segment_means(
        {"ndcg": np.array([1.0, 0.5, 0.2, 0.0]), "diversity": np.array([np.nan, 1.0, 1.0, 0.4])}, labels
    )
    assert list(means) == ["a", "b", "unknown"]
    assert means["a"] == pytest.approx({"users": 2.0, "ndcg": 0.5, "diversity": 0.4})
    assert means["unknown"]["users"] == 1.0
    only_nan = segment_means({"x": np.array([np.nan])}, np.array(["z"], dtype=object))
    assert math.isnan(only_nan["z"]["x"])
    with pytest.raises(InvalidFieldError):
        segment_means({"x": np.array([1.0])}, labels)
