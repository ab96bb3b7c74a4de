"""What a caller asks for: size, language, place, dates, price, age, access and re-ranking knobs."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Final

from recsys.domain.errors import InvalidFieldError

#: Languages explanations and titles come in.
LANGUAGES: Final = ("nl", "fr", "en")
#: Largest list a caller may ask for.
MAX_N: Final = 100
#: Largest search radius in km (Flanders and Brussels fit in about 250 km).
MAX_RADIUS_KM: Final = 300.0


@dataclass(frozen=True, slots=True)
class RecommendationRequest:
    """Filters and knobs of one recommendation request (validated on construction).

    Parameters
    ----------
    n : int
        Items wanted, 1..:data:`MAX_N`.
    lang : str
        ``nl``, ``fr`` or ``en`` (titles and explanations).
    lat, lon : float or None
        Where the visitor is (both or neither); with ``radius_km`` a hard filter, else used for distance.
    radius_km : float or None
        Keep events within this distance of ``lat``/``lon`` (needs them), up to :data:`MAX_RADIUS_KM`.
    municipality : str or None
        Keep events in this municipality (case-insensitive name or postcode).
    date_from, date_to : datetime or None
        Keep events with an occurrence (or a running period) overlapping this window (aware datetimes).
    max_price : float or None
        Keep events whose base price is at most this (free events included).
    free : bool
        Keep free events only.
    age : int or None
        Keep events whose typical age range admits this age.
    include_types, exclude_types, include_themes, exclude_themes : frozenset of str
        Publiq taxonomy ids to keep (any of) or drop.
    accessible : bool
        Keep wheelchair-accessible events only.
    uitpas : bool
        Keep events with an UiTPAS tariff only.
    diversity : float
        0 = pure relevance, 1 = strongest spread over disciplines and organisers (MMR weight).
    exploration : float
        Share of the list (0..0.5) given to promising items from further down.
    explain : bool
        Add an explanation per item.

    Raises
    ------
    InvalidFieldError
        Naming the first field that is out of range or inconsistent.

    """

    n: int = 10
    lang: str = "nl"
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    municipality: str | None = None
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    max_price: float | None = None
    free: bool = False
    age: int | None = None
    include_types: frozenset[str] = field(default_factory=frozenset)
    exclude_types: frozenset[str] = field(default_factory=frozenset)
    include_themes: frozenset[str] = field(default_factory=frozenset)
    exclude_themes: frozenset[str] = field(default_factory=frozenset)
    accessible: bool = False
    uitpas: bool = False
    diversity: float = 0.3
    exploration: float = 0.1
    explain: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= MAX_N:
            raise InvalidFieldError("n", f"must be an integer from 1 to {MAX_N}, got {self.n!r}")
        if self.lang not in LANGUAGES:
            raise InvalidFieldError("lang", f"must be one of {', '.join(LANGUAGES)}, got {self.lang!r}")
        if (self.lat is None) != (self.lon is None):
            raise InvalidFieldError("lat" if self.lat is None else "lon", "give lat and lon together")
        if self.lat is not None and not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise InvalidFieldError("lat", f"must be between -90 and 90, got {self.lat}")
        if self.lon is not None and not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise InvalidFieldError("lon", f"must be between -180 and 180, got {self.lon}")
        if self.radius_km is not None:
            if self.lat is None:
                raise InvalidFieldError("radius_km", "needs lat and lon")
            if not (math.isfinite(self.radius_km) and 0.0 < self.radius_km <= MAX_RADIUS_KM):
                raise InvalidFieldError(
                    "radius_km", f"must be above 0 and at most {MAX_RADIUS_KM:g}, got {self.radius_km}"
                )
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidFieldError(name, "must carry a time zone (for example 2026-12-01T00:00:00+01:00)")
        if self.date_from is not None and self.date_to is not None and self.date_to < self.date_from:
            raise InvalidFieldError("date_to", "must not be before date_from")
        if self.max_price is not None and not (math.isfinite(self.max_price) and self.max_price >= 0.0):
            raise InvalidFieldError("max_price", f"must be a number >= 0, got {self.max_price}")
        if self.age is not None and (isinstance(self.age, bool) or not 0 <= self.age <= 120):
            raise InvalidFieldError("age", f"must be an integer from 0 to 120, got {self.age!r}")
        if not (math.isfinite(self.diversity) and 0.0 <= self.diversity <= 1.0):
            raise InvalidFieldError("diversity", f"must be between 0 and 1, got {self.diversity}")
        if not (math.isfinite(self.exploration) and 0.0 <= self.exploration <= 0.5):
            raise InvalidFieldError("exploration", f"must be between 0 and 0.5, got {self.exploration}")
        if overlap := (self.include_types & self.exclude_types) or (self.include_themes & self.exclude_themes):
            raise InvalidFieldError("types", f"{sorted(overlap)[0]!r} is both included and excluded")
