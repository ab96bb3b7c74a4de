"""Deterministic, uniform assignment of users to experiment arms.

``sha256(experiment_id + US + user_id)`` (US: the unit separator, U+001F): the first 8 bytes, read as
an unsigned big-endian integer and divided by 2**64, give a number uniform in
[0, 1); the arm is the first whose cumulative weight share exceeds it. The
same experiment and user give the same arm in every process, on every
replica and after every restart, with no state to share; different
experiments split users independently (the experiment id salts the hash).
The unit separator keeps ``("ab", "c")`` and ``("a", "bc")`` apart.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError

_SEPARATOR: Final = "\x1f"
_SCALE: Final = float(2**64)


def unit_hash(experiment_id: str, user_id: str) -> float:
    """A number in [0, 1) fixed by the experiment and the user, uniform over users."""
    digest = hashlib.sha256(f"{experiment_id}{_SEPARATOR}{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def cumulative_shares(weights: Sequence[float]) -> list[float]:
    """Upper bounds of each arm's slice of [0, 1); the last is exactly 1.

    Raises
    ------
    InvalidFieldError
        When a weight is not positive.

    """
    if not weights:
        raise InvalidFieldError("arms", "an experiment needs at least one arm")
    if any(not w > 0 for w in weights):
        raise InvalidFieldError("arms", f"every weight must be positive, got {list(weights)}")
    total = float(sum(weights))
    bounds, running = [], 0.0
    for w in weights:
        running += w
        bounds.append(running / total)
    bounds[-1] = 1.0  # no float gap at the top: every hash lands in an arm
    return bounds


def arm_index(unit: float, bounds: Sequence[float]) -> int:
    """The arm whose slice holds ``unit``."""
    return bisect.bisect_right(bounds, unit)


def assign(experiment_id: str, user_id: str, weights: Sequence[float]) -> int:
    """The arm (index into ``weights``) of ``user_id`` in ``experiment_id``."""
    return arm_index(unit_hash(experiment_id, user_id), cumulative_shares(weights))


def assign_many(experiment_id: str, user_ids: Iterable[str], weights: Sequence[float]) -> npt.NDArray[np.int64]:
    """The arm of each user (one sha256 per id; about a second per million ids)."""
    bounds = np.asarray(cumulative_shares(weights))
    prefix = f"{experiment_id}{_SEPARATOR}".encode()
    units = np.fromiter(
        (int.from_bytes(hashlib.sha256(prefix + u.encode()).digest()[:8], "big") / _SCALE for u in user_ids),
        dtype=np.float64,
    )
    return np.searchsorted(bounds, units, side="right").astype(np.int64)
