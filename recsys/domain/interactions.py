"""What people do with events, and the columnar form interactions travel in.

Single interactions are :class:`Interaction` objects; bulk data (imports,
the log, exports) is an Arrow table with :data:`INTERACTION_SCHEMA`, so a
million rows never become a million Python objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType
from typing import Final

import pyarrow as pa

from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import validate_id


class InteractionKind(IntEnum):
    """What a person did. The integer codes are stored; never renumber them."""

    VIEW = 0
    CLICK = 1
    LIKE = 2
    BOOKMARK = 3
    SHARE = 4
    TICKET = 5
    CHECK_IN = 6
    DISMISS = 7
    RATING = 8  # explicit rating (e.g. MovieLens stars) carried in ``value``
    IMPRESSION = 9  # shown in a list, no reaction (widgets and experiments)

    @property
    def label(self) -> str:
        """The name used in files and the API (``check-in``, ``view``, ...)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> InteractionKind:
        """Parse a kind name such as ``ticket`` or ``check-in`` (case-insensitive)."""
        key = text.strip().lower().replace("_", "-")
        kind = _BY_LABEL.get(key)
        if kind is None:
            allowed = ", ".join(_BY_LABEL)
            raise InvalidFieldError("kind", f"unknown interaction kind {text!r}; expected one of {allowed}")
        return kind


_BY_LABEL: Final = {k.label: k for k in InteractionKind}

#: Default weight of each kind when interactions become a preference matrix.
#: Views are weak signals; a ticket or check-in is the strongest; a dismissal
#: is negative. Ratings use their own value. Impressions carry no preference.
DEFAULT_KIND_WEIGHTS: Final[Mapping[InteractionKind, float]] = MappingProxyType(
    {
        InteractionKind.VIEW: 1.0,
        InteractionKind.CLICK: 2.0,
        InteractionKind.LIKE: 4.0,
        InteractionKind.BOOKMARK: 4.0,
        InteractionKind.SHARE: 5.0,
        InteractionKind.TICKET: 8.0,
        InteractionKind.CHECK_IN: 10.0,
        InteractionKind.DISMISS: -4.0,
        InteractionKind.RATING: 1.0,
        InteractionKind.IMPRESSION: 0.0,
    }
)

#: The columnar form of interactions. ``timestamp`` is UTC; ``value`` is
#: NaN unless the kind carries a value (ratings); ``placement`` says where
#: it happened (``for-you``, ``similar``, ...); ``context`` is free JSON.
INTERACTION_SCHEMA: Final = pa.schema(
    [
        pa.field("interaction_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("kind", pa.int8(), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("value", pa.float32(), nullable=False),
        pa.field("placement", pa.string(), nullable=True),
        pa.field("context", pa.string(), nullable=True),
    ]
)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thing one person did with one event.

    Parameters
    ----------
    interaction_id : str
        Idempotency id: sending the same id twice stores it once.
    user_id, event_id : str
        Who and what.
    kind : InteractionKind
        What happened.
    timestamp : datetime
        When, time-zone aware.
    value : float
        Kind-specific value (the rating for ``RATING``); NaN otherwise.
    placement : str or None
        Where it happened (widget placement, page).
    context : Mapping[str, str]
        Other context (experiment arm, device class, ...).

    """

    interaction_id: str
    user_id: str
    event_id: str
    kind: InteractionKind
    timestamp: dt.datetime
    value: float = float("nan")
    placement: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_id(self.interaction_id, "interaction_id")
        validate_id(self.user_id, "user_id")
        validate_id(self.event_id, "event_id")
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise InvalidFieldError("timestamp", f"{self.timestamp.isoformat()} has no time zone")
