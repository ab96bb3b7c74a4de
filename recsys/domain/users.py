"""People who get recommendations, known only by a pseudonymous id."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import GeoPoint
from recsys.domain.ids import validate_id


class AgeBand(StrEnum):
    """Coarse age bands; exact birth dates are never stored."""

    CHILD = "0-11"
    TEEN = "12-17"
    YOUNG_ADULT = "18-25"
    ADULT = "26-35"
    MIDDLE = "36-50"
    MATURE = "51-65"
    SENIOR = "66+"

    @classmethod
    def from_age(cls, age: int) -> AgeBand:
        """Return the band holding ``age`` (in years)."""
        if age < 0 or age > 130:
            raise InvalidFieldError("age", f"age must be between 0 and 130, got {age}")
        for band, upper in _UPPER_BOUNDS:
            if age <= upper:
                return band
        return cls.SENIOR

    @classmethod
    def parse(cls, text: str) -> AgeBand:
        """Parse a band label such as ``"18-25"`` or ``"66+"``."""
        try:
            return cls(text.strip())
        except ValueError:
            allowed = ", ".join(b.value for b in cls)
            raise InvalidFieldError("age_band", f"unknown age band {text!r}; expected one of {allowed}") from None


_UPPER_BOUNDS = (
    (AgeBand.CHILD, 11),
    (AgeBand.TEEN, 17),
    (AgeBand.YOUNG_ADULT, 25),
    (AgeBand.ADULT, 35),
    (AgeBand.MIDDLE, 50),
    (AgeBand.MATURE, 65),
)


@dataclass(frozen=True, slots=True)
class User:
    """A pseudonymous person.

    Parameters
    ----------
    id : str
        Pseudonymous id (never an e-mail address or name).
    home : GeoPoint or None
        Approximate home location (municipality centre is enough).
    home_municipality : str or None
        Home municipality name.
    home_postcode : str or None
        Home postcode.
    age_band : AgeBand or None
        Coarse age.
    uitpas : bool
        Holds a UiTPAS card (reduced prices for people with fewer means).
    consent : bool
        Agreed to personalisation; without it only non-personal lists are served.

    """

    id: str
    home: GeoPoint | None = None
    home_municipality: str | None = None
    home_postcode: str | None = None
    age_band: AgeBand | None = None
    uitpas: bool = False
    consent: bool = True

    def __post_init__(self) -> None:
        validate_id(self.id, "user_id")
