"""Points on the map and distances between them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsys.compiled import elementwise, kernel
from recsys.domain.errors import InvalidFieldError

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 coordinate.

    Parameters
    ----------
    lat, lon : float
        Latitude and longitude in degrees.

    """

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise InvalidFieldError("lat", f"latitude must be between -90 and 90, got {self.lat}")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise InvalidFieldError("lon", f"longitude must be between -180 and 180, got {self.lon}")

    def distance_km(self, other: GeoPoint) -> float:
        """Great-circle distance to ``other`` in kilometres."""
        return float(haversine_km(self.lat, self.lon, other.lat, other.lon))


def haversine_km(
    lat1: float | npt.ArrayLike,
    lon1: float | npt.ArrayLike,
    lat2: float | npt.ArrayLike,
    lon2: float | npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Vectorised great-circle distance in kilometres (broadcasts like numpy; NaN where a coordinate is NaN)."""
    return np.asarray(_haversine_km(lat1, lon1, lat2, lon2), dtype=np.float64)


def _haversine_scalar(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, l1, p2, l2 = math.radians(lat1), math.radians(lon1), math.radians(lat2), math.radians(lon2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    if a > 1.0:  # rounding; NaN stays NaN (both tests fail)
        a = 1.0
    elif a < 0.0:
        a = 0.0
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


# Compiled twice from the one formula: a ufunc (requests measure a dozen distances, where numpy's
# per-call cost is most of the time) and a scalar function other compiled kernels call.
_haversine_km = elementwise("float64(float64, float64, float64, float64)")(_haversine_scalar)
#: The distance of one pair of points in km, callable from compiled kernels (:mod:`recsys.compiled`).
haversine_one_km = kernel(_haversine_scalar)
