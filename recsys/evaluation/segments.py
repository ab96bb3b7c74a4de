"""Per-segment breakdown: the same metrics averaged within groups of users (age band, region, activity).

A model that serves the heavy users well and the occasional visitor badly
looks fine on average; the goal of broadening participation needs the
breakdown. Segments are labels per evaluated user; users without a label
(``None`` or empty) fall in ``"unknown"``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError

ObjectArray = npt.NDArray[np.object_]
UNKNOWN = "unknown"


def activity_bands(counts: npt.ArrayLike) -> ObjectArray:
    """Label each user ``low``, ``mid`` or ``high`` by the tertiles of their training interaction counts.

    Labels carry their bounds (``"low (1-12)"``), so a report says what the
    band means on this data. Ties at a bound go to the lower band, so a
    data set where everyone has the same count is one band.

    Examples
    --------
    >>> activity_bands([1, 2, 3, 4, 5, 6]).tolist()
    ['low (1-2)', 'low (1-2)', 'mid (3-4)', 'mid (3-4)', 'high (5-6)', 'high (5-6)']

    """
    values = np.asarray(counts, dtype=np.int64)
    labels = np.empty(len(values), dtype=object)
    if len(values) == 0:
        return labels
    low_max, mid_max = (int(v) for v in np.quantile(values, [1 / 3, 2 / 3], method="inverted_cdf"))
    bands = (("low", values.min(), low_max), ("mid", low_max + 1, mid_max), ("high", mid_max + 1, values.max()))
    for name, lo, hi in bands:
        inside = (values >= lo) & (values <= hi)
        if inside.any():
            labels[inside] = f"{name} ({int(values[inside].min())}-{int(values[inside].max())})"
    return labels


def segment_means(per_user: Mapping[str, npt.NDArray[np.float64]], labels: ObjectArray) -> dict[str, dict[str, float]]:
    """Mean of every per-user metric within each label, plus ``users`` (how many), labels sorted.

    NaN values (a metric undefined for a user, such as diversity of a
    one-item list) are left out of that metric's mean.

    Raises
    ------
    InvalidFieldError
        When a metric's values and the labels differ in length.

    """
    names = np.asarray([UNKNOWN if v is None or v == "" else str(v) for v in labels], dtype=object)
    out: dict[str, dict[str, float]] = {}
    for metric, values in per_user.items():
        if len(values) != len(names):
            raise InvalidFieldError("segments", f"{metric} has {len(values)} values for {len(names)} users")
    for name in sorted(set(names.tolist())):
        inside = names == name
        row: dict[str, float] = {"users": float(inside.sum())}
        for metric, values in per_user.items():
            chosen = values[inside]
            chosen = chosen[~np.isnan(chosen)]
            row[metric] = float(chosen.mean()) if len(chosen) else float("nan")
        out[name] = row
    return out
