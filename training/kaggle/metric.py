"""MAP@200 as the Kaggle Event Recommendation Engine Challenge defined it.

The competition scored each user's ranked list with Kaggle's ``apk``: walk the
first ``k`` predictions; at each prediction that is relevant and not already
seen earlier in the list, add the precision at that position; divide by
``min(len(actual), k)``. ``actual`` is the set of events the user marked
*interested*. A user with no interested event scores 0 (Kaggle's reference
``apk`` returns 0.0 for an empty ``actual``; the shared folder's README says
nothing else). Every user of ``train.csv`` has at least one interested event,
so the choice changes no figure here. MAP@200 is the mean over users.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

#: The competition's cut-off.
K: Final = 200


def apk(actual: Collection[int], predicted: Sequence[int], k: int = K) -> float:
    """Average precision at ``k`` of one ranked list.

    Parameters
    ----------
    actual : collection of int
        The relevant events (interested).
    predicted : sequence of int
        The ranked events, best first.
    k : int
        Cut-off.

    Returns
    -------
    float
        Sum of the precision at each new hit among the first ``k`` predictions,
        over ``min(len(actual), k)``; 0.0 when ``actual`` is empty.

    Examples
    --------
    >>> apk({2, 4}, [1, 2, 3, 4])
    0.5
    >>> apk({7}, [1, 2, 7])
    0.3333333333333333

    """
    wanted = set(actual)
    if not wanted or k < 1:
        return 0.0
    hits = 0
    total = 0.0
    seen: set[int] = set()
    for position, item in enumerate(predicted[:k], start=1):
        if item in wanted and item not in seen:
            hits += 1
            total += hits / position
        seen.add(item)
    return total / min(len(wanted), k)


def mapk(actual: Sequence[Collection[int]], predicted: Sequence[Sequence[int]], k: int = K) -> float:
    """Mean of :func:`apk` over users (0.0 for no users).

    Examples
    --------
    >>> mapk([{1}, {2}], [[1, 2], [1, 2]])
    0.75

    """
    if len(actual) != len(predicted):
        raise ValueError(f"{len(actual)} relevant sets but {len(predicted)} ranked lists")
    if not actual:
        return 0.0
    return sum(apk(a, p, k) for a, p in zip(actual, predicted, strict=True)) / len(actual)
