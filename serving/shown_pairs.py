"""Which events an experiment showed to whom, in 8 to 16 bytes per (person, event) pair.

Outcomes are interactions on events an experiment showed to the same person,
so the server keeps every pair an experiment's exposure log holds. A running
experiment on a busy widget shows lists to hundreds of thousands of people;
a Python set of event ids per person costs about 75 bytes per pair, this
10 to 16 (``benchmarks/exposures.py``).

Each pair is kept as its 64-bit hash (Python's own string hash, stable
within the process, which is all this memory needs): a sorted array, plus a
small set of the pairs added since it was last merged. A look-up of a pair
never shown meets another pair's hash with a chance of about n / 2**64 for n
pairs held (5e-13 for ten million), which would count one interaction as an
outcome it is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
import numpy.typing as npt

#: The recent set is merged into the sorted array once it holds this many pairs,
#: or an eighth of the array, whichever is more (merging copies the whole array).
MIN_MERGE: Final = 4096
_MASK: Final = 0xFFFF_FFFF_FFFF_FFFF


def pair_key(user_id: str, event_id: str) -> int:
    """The pair's 64-bit key (unsigned; stable within this process only)."""
    return hash((user_id, event_id)) & _MASK


class ShownPairs:
    """A set of (person, event) pairs that only grows, in 8 to 16 bytes per pair.

    Not thread-safe: the caller holds its lock around :meth:`add` and :meth:`shown`.
    """

    def __init__(self) -> None:
        self._merged: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def add(self, user_id: str, event_ids: Iterable[str]) -> None:
        """Remember that ``user_id`` was shown ``event_ids``."""
        self._recent.update([hash((user_id, e)) & _MASK for e in event_ids])  # pair_key, inlined: logs are long
        if len(self._recent) >= max(MIN_MERGE, len(self._merged) // 8):
            self._merge()

    def shown(self, user_id: str, event_id: str) -> bool:
        """Whether ``user_id`` was shown ``event_id``."""
        key = pair_key(user_id, event_id)
        if key in self._recent:
            return True
        at = int(np.searchsorted(self._merged, np.uint64(key)))
        return at < len(self._merged) and int(self._merged[at]) == key

    def _merge(self) -> None:
        recent = np.sort(np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent)))  # a set: no repeats
        merged = self._merged
        at = np.searchsorted(merged, recent)
        if len(merged):  # a pair shown again is in the array already
            new = merged[np.minimum(at, len(merged) - 1)] != recent
            recent, at = recent[new], at[new]
        # Sorted values inserted at their sorted positions: one copy of the array, no sort of it.
        self._merged = np.insert(merged, at, recent)
        self._recent.clear()
