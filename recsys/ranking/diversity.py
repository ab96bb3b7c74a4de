"""Diversity: maximal marginal relevance (MMR) over disciplines and organisers.

Greedy MMR picks, one at a time, the item with the highest

    (1 - λ) · relevance(i) - λ · max_{j picked} similarity(i, j)

where relevance is min-max normalised to [0, 1] and λ is the request's
``diversity``. Two events are similar when they share the discipline (event
type, weight :data:`TYPE_WEIGHT`) and/or the organiser (weight
:data:`ORGANIZER_WEIGHT`); the weights add up to 1, so similarity is in
[0, 1] too. An unknown type or organiser matches nothing. λ = 0 returns the
relevance order unchanged; λ = 1 takes the most relevant item first and then
always one that repeats as little as possible, in relevance order.

Because similarity only depends on which types and organisers were already
picked, an item's penalty can only grow as the list grows. The greedy loop
therefore keeps stale values in a heap as upper bounds and re-evaluates an
item only when it reaches the top (lazy greedy), and leaves out from the start
the items whose best possible value is below the worst value a pick can have:
the result is exactly that of plain MMR, at a fraction of its O(k·n) cost.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import Final

#: Similarity of two events of the same discipline (more than :data:`ORGANIZER_WEIGHT`).
TYPE_WEIGHT: Final = 0.6
#: Similarity of two events of the same organiser.
ORGANIZER_WEIGHT: Final = 0.4


def normalise(scores: Sequence[float]) -> list[float]:
    """Min-max scale ``scores`` to [0, 1].

    Parameters
    ----------
    scores : sequence of float
        Any real scores; ``-inf`` maps to 0, ``+inf`` to 1 and NaN to 0.

    Returns
    -------
    list of float
        Scaled scores; all 1.0 when every finite score is the same.

    """
    if not scores:
        return []
    if math.isfinite(sum(scores)):
        # No NaN and no infinity (their sum would not be finite): the common case, without a per-item test.
        low, high = min(scores), max(scores)
        span = high - low
        if span <= 0.0:
            return [1.0] * len(scores)
        return [(s - low) / span for s in scores]
    finite = [s for s in scores if math.isfinite(s)]
    if not finite:
        return [1.0 if s == math.inf else 0.0 for s in scores]
    low, high = min(finite), max(finite)
    span = high - low
    out: list[float] = []
    for s in scores:
        if math.isfinite(s):
            out.append((s - low) / span if span > 0.0 else 1.0)
        else:
            out.append(1.0 if s == math.inf else 0.0)
    return out


def mmr_order(
    relevance: Sequence[float],
    types: Sequence[str | None],
    organizers: Sequence[str | None],
    diversity: float,
    k: int,
) -> list[int]:
    """Indices of the first ``k`` items in MMR order.

    Parameters
    ----------
    relevance : sequence of float
        Scores (higher is better); normalised to [0, 1] here.
    types, organizers : sequence of str or None
        Discipline (event type id) and organiser id of each item.
    diversity : float
        λ in [0, 1]; 0 keeps the relevance order exactly.
    k : int
        How many items to pick.

    Returns
    -------
    list of int
        ``min(k, len(relevance))`` distinct indices; ties go to the lower index.

    """
    count = len(relevance)
    k = max(0, min(k, count))
    rel = normalise(relevance)
    if diversity <= 0.0 or k <= 1:
        # Stable sort: equal scores keep their given order.
        return sorted(range(count), key=lambda i: -rel[i])[:k]
    keep = 1.0 - diversity
    # Every pick scores at least the k-th best lower bound keep·rel - diversity (one of those k
    # items is always still free), so an item whose upper bound keep·rel is below it never wins.
    floor = keep * heapq.nlargest(k, rel)[-1] - diversity
    # Heap entries: (-value, index, picks made when the value was computed).
    heap = [(-keep * r, i, 0) for i, r in enumerate(rel) if keep * r >= floor]
    heapq.heapify(heap)
    picked: list[int] = []
    # None never matches, so it may sit in these sets harmlessly (a test less in the hot loop).
    seen_types: set[str | None] = set()
    seen_organizers: set[str | None] = set()
    seen_pairs: set[tuple[str | None, str | None]] = set()
    heappop, heappush = heapq.heappop, heapq.heappush
    while heap and len(picked) < k:
        entry = heappop(heap)
        index = entry[1]
        if entry[2] != len(picked):
            kind, organizer = types[index], organizers[index]
            if (kind, organizer) in seen_pairs:
                penalty = TYPE_WEIGHT + ORGANIZER_WEIGHT
            elif kind in seen_types:
                # The most similar picked item shares the type or the organiser; the type weighs more.
                penalty = TYPE_WEIGHT
            elif organizer in seen_organizers:
                penalty = ORGANIZER_WEIGHT
            else:
                penalty = 0.0
            entry = (-(keep * rel[index] - diversity * penalty), index, len(picked))
            if heap and heap[0] < entry:
                # Fresh but no longer the best: back in the heap (ties go to the lower index).
                heappush(heap, entry)
                continue
        picked.append(index)
        kind, organizer = types[index], organizers[index]
        if kind is not None:
            seen_types.add(kind)
        if organizer is not None:
            seen_organizers.add(organizer)
        if kind is not None and organizer is not None:
            seen_pairs.add((kind, organizer))
    return picked
