"""Points on the map and distances between them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
    """Vectorised great-circle distance in kilometres (broadcasts like numpy)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
