"""Beyond-accuracy metrics against hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.beyond import (
    catalogue_coverage,
    exposure_counts,
    exposure_gini,
    gini,
    intra_list_diversity,
    normalized_labels,
    novelty,
    self_information,
    serendipity,
)

# Two users, lists of three over five candidates; user 1's list has an empty place.
TOP = np.array([[0, 1, 2], [2, 3, -1]])


def test_coverage_counts_distinct_items_over_all_candidates() -> None:
    counts = exposure_counts(TOP, 5)
    assert counts.tolist() == [1, 1, 2, 1, 0]
    assert catalogue_coverage(counts) == pytest.approx(4 / 5)


def test_gini_by_hand() -> None:
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    # Sorted 1, 2, 3: sum (2i - n - 1) x_i = -2*1 + 0*2 + 2*3 = 4; / (3 * 6).
    assert gini([3, 1, 2]) == pytest.approx(4 / 18)
    assert gini([]) == 0.0
    with pytest.raises(InvalidFieldError):
        gini([-1, 2])


def test_exposure_gini_over_groups_counts_unshown_groups_and_skips_unknown() -> None:
    counts = np.array([3, 1, 0, 4])
    groups = np.array([0, 0, 1, -1])  # group 0 gets 4 places, group 1 none, item 3 has no known group
    assert exposure_gini(counts, groups) == pytest.approx(gini([4, 0]))
    assert exposure_gini(counts, None) == pytest.approx(gini(counts))


def test_intra_list_diversity_by_hand() -> None:
    # Items 0 and 1 share label A; item 2 has labels A and B; item 3 has no label.
    labels = sp.csr_matrix(np.array([[1, 0], [1, 0], [1, 1], [0, 0], [0, 1]], dtype=float))
    unit = normalized_labels(labels)
    top = np.array([[0, 1, 2], [0, 3, -1], [4, -1, -1]])
    diversity = intra_list_diversity(top, unit)
    cos_02 = 1 / math.sqrt(2)
    # Pairs (0,1): cos 1, (0,2) and (1,2): 1/sqrt 2; mean distance = 1 - mean cosine.
    assert diversity[0] == pytest.approx(1 - (1 + 2 * cos_02) / 3)
    assert diversity[1] == pytest.approx(1.0)  # an item without labels is unlike everything
    assert math.isnan(diversity[2])  # one item: no pair


def test_novelty_is_mean_self_information() -> None:
    information = self_information([4, 2, 1, 0, 8], n_users=8)
    assert information.tolist() == pytest.approx([1.0, 2.0, 3.0, 3.0, 0.0])  # an untouched item counts as one user
    values = novelty(np.array([[0, 1], [4, -1], [-1, -1]]), information)
    assert values[0] == pytest.approx(1.5)
    assert values[1] == pytest.approx(0.0)
    assert math.isnan(values[2])


def test_serendipity_counts_relevant_items_the_popularity_list_lacks() -> None:
    top = np.array([[0, 1, 2], [3, 4, -1]])
    baseline = np.array([[0, 5, 6], [3, 4, 5]])
    relevant = np.zeros((2, 7), dtype=bool)
    relevant[0, [0, 2]] = True  # item 0 is a hit the baseline also had; item 2 is serendipitous
    relevant[1, [3]] = True
    assert serendipity(top, relevant, baseline).tolist() == pytest.approx([1 / 3, 0.0])
