"""Hand-made cards and instants shared by the ranking tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from recsys.cache.cards import EventCard, Occurrence
from recsys.ranking.rules import ScoredCard
from recsys.ranking.times import BRUSSELS, to_us

#: A Wednesday morning in Brussels (CET, UTC+1).
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=BRUSSELS)
NOW_US = to_us(NOW)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
GENT = (51.0543, 3.7174)
ANTWERPEN = (51.2194, 4.4025)


def local_us(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Microseconds of a Brussels wall-clock time."""
    return to_us(dt.datetime(year, month, day, hour, minute, tzinfo=BRUSSELS))


def occ(start_us: int, hours: float = 2.0, status: str = "Available", booking: str = "Available") -> Occurrence:
    """An occurrence starting at ``start_us`` lasting ``hours``."""
    return Occurrence(start_us, start_us + int(hours * HOUR_US), status, booking)


def card(event_id: str = "e1", **fields: Any) -> EventCard:
    """A card open tomorrow evening in Gent unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "name": {"nl": f"Voorstelling {event_id}", "fr": f"Spectacle {event_id}", "en": f"Show {event_id}"},
        "occurrences": (occ(NOW_US + DAY_US + 10 * HOUR_US),),
        "lat": GENT[0],
        "lon": GENT[1],
        "municipality": "Gent",
        "postcode": "9000",
        "type_id": "0.50.4.0.0",
        "organizer_id": f"org-{event_id}",
        "price_eur": 12.0,
    }
    values.update(fields)
    return EventCard(event_id=event_id, **values)


def scored(event: EventCard, score: float = 1.0, source: str = "personal", **fields: Any) -> ScoredCard:
    """A candidate of ``event``."""
    return ScoredCard(event, score, source, **fields)
