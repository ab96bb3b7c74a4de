"""Exploration: a small, seeded share of the list goes to promising items from further down.

Broadening participation means showing people a discipline they have not
tried, and a learned ranker only learns about items it sometimes shows. Of a
list of ``n`` items, ``floor(share · n)`` (never more, so the share is an
upper bound per list) are replaced:

- the least relevant items of the list make room;
- candidates come from the next :data:`POOL_DEPTH` · n items below the list
  (at least :data:`MIN_POOL`): "promising" means the ranker still placed them
  near the top;
- they are drawn without replacement with probability growing with their
  relevance (weight ``0.1 + r``, Efraimidis-Spirakis keys), preferring items
  of a discipline the list does not hold yet, one per discipline;
- each lands on a seeded position in the lower half of the list, so the top
  stays what the ranker chose.

Everything is drawn from ``random.Random(seed)``: the same seed and input give
the same list. :func:`exploration_seed` derives a stable seed from the user
and the day, so one visitor sees the same list all day long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Sequence
from typing import Final

#: The exploration pool reaches this many list lengths below the list.
POOL_DEPTH: Final = 3
#: ... and at least this many items.
MIN_POOL: Final = 10
#: Floor of the sampling weight, so the least relevant pool item keeps a chance.
WEIGHT_FLOOR: Final = 0.1


def exploration_seed(user_id: str, day: dt.date) -> int:
    """A stable 63-bit seed from a user id and a day (the same in every process, unlike ``hash``).

    Parameters
    ----------
    user_id : str
        The user's (or visitor's) id.
    day : date
        The local day of the request.

    Returns
    -------
    int
        A non-negative seed.

    """
    digest = hashlib.blake2b(f"{user_id}\x1f{day.isoformat()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def exploration_count(n: int, share: float) -> int:
    """How many of ``n`` slots go to exploration: ``floor(share · n)``.

    A tiny tolerance keeps float products such as ``0.3 · 10`` from rounding down a whole slot.
    """
    return max(0, math.floor(share * n + 1e-9))


def explore(
    order: Sequence[int],
    rest: Sequence[int],
    *,
    relevance: Sequence[float],
    types: Sequence[str | None],
    share: float,
    seed: int,
) -> tuple[list[int], frozenset[int]]:
    """Swap exploration items from ``rest`` into the list ``order``.

    Parameters
    ----------
    order : sequence of int
        The list as ranked so far (indices into ``relevance`` and ``types``).
    rest : sequence of int
        Items below the list, best first.
    relevance : sequence of float
        Normalised relevance in [0, 1] of every index.
    types : sequence of str or None
        Discipline of every index.
    share : float
        Exploration share (0 switches exploration off).
    seed : int
        Seed of the draw.

    Returns
    -------
    tuple of (list of int, frozenset of int)
        The new list (same length as ``order``) and the indices swapped in.

    """
    length = len(order)
    pool = list(rest[: max(POOL_DEPTH * length, MIN_POOL)])
    count = min(exploration_count(length, share), len(pool), length // 2)
    if count == 0:
        return list(order), frozenset()
    rng = random.Random(seed)
    kept = list(order[: length - count])
    # Efraimidis-Spirakis: key u^(1/w); the largest keys form a weighted sample without replacement.
    keys = {i: rng.random() ** (1.0 / (WEIGHT_FLOOR + max(0.0, relevance[i]))) for i in pool}
    drawn = sorted(pool, key=lambda i: -keys[i])
    held = {types[i] for i in kept}
    picks: list[int] = []
    for i in drawn:
        kind = types[i]
        if kind is not None and kind not in held:
            picks.append(i)
            held.add(kind)
            if len(picks) == count:
                break
    if len(picks) < count:
        chosen = set(picks)
        picks.extend([i for i in drawn if i not in chosen][: count - len(picks)])
    half = (length + 1) // 2
    slots = set(rng.sample(range(half, length), count))
    picked = iter(picks)
    kept_iter = iter(kept)
    result = [next(picked) if position in slots else next(kept_iter) for position in range(length)]
    return result, frozenset(picks)
