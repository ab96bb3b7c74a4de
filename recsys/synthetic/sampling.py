"""Weighted sampling within many groups at once, vectorised.

Items belong to integer groups and carry weights; :meth:`GroupedSampler.sample`
draws one item per query from the query's group, for millions of queries in
one ``searchsorted``. Used for exposure (events shown in a week, per
province or discipline) and for users' favourite organisers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class GroupedSampler:
    """Draw items with probability proportional to weight within a group.

    Parameters
    ----------
    group : ndarray of int64
        Group of each item (any non-negative integers).
    value : ndarray of int
        What a draw returns for each item (an event or organiser index).
    weight : ndarray of float
        Non-negative weights; items of weight zero are never drawn.

    Notes
    -----
    Items are sorted by group; within a group the cumulative weight is
    normalised to ``(0, 1]`` and stored as ``group + share``. A query for
    group ``g`` with a uniform ``u`` is then one ``searchsorted`` for
    ``g + u`` over all groups together.

    """

    def __init__(self, group: npt.ArrayLike, value: npt.ArrayLike, weight: npt.ArrayLike) -> None:
        g = np.asarray(group, dtype=np.int64)
        v = np.asarray(value, dtype=np.int32)
        w = np.asarray(weight, dtype=np.float64)
        keep = w > 0
        g, v, w = g[keep], v[keep], w[keep]
        order = np.lexsort((v, g))
        self._group = g[order]
        self._value = v[order]
        w = w[order]
        if w.size == 0:
            self._key = np.zeros(0)
            return
        starts = np.flatnonzero(np.r_[True, self._group[1:] != self._group[:-1]])
        sizes = np.diff(np.r_[starts, w.size])
        cum = np.cumsum(w)
        before = np.repeat(cum[starts] - w[starts], sizes)
        total = np.repeat(np.add.reduceat(w, starts), sizes)
        share = (cum - before) / total
        share[np.r_[starts[1:] - 1, w.size - 1]] = 1.0  # exact group ends despite rounding
        self._key = self._group.astype(np.float64) + share

    def __len__(self) -> int:
        return int(self._value.size)

    @property
    def nbytes(self) -> int:
        """Memory held by the sampler."""
        return int(self._key.nbytes + self._group.nbytes + self._value.nbytes)

    def sample(self, rng: np.random.Generator, group: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """One draw per query from the query's group; ``-1`` where the group is empty."""
        if self._value.size == 0:
            return np.full(len(group), -1, dtype=np.int32)
        target = group.astype(np.float64) + rng.random(len(group))
        pos = np.minimum(np.searchsorted(self._key, target, side="right"), self._value.size - 1)
        return np.where(self._group[pos] == group, self._value[pos], -1).astype(np.int32)
