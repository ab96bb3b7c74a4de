"""Which event cards may be recommended at all: public, open, bookable and still to come.

An event is eligible at ``now`` when

- the event as a whole is ``Available`` (not cancelled = ``Unavailable``, not
  postponed = ``TemporarilyUnavailable``) and bookable (booking ``Available``,
  not sold out), and
- it has a dated occurrence that has not ended and is itself open (its own
  status and booking ``Available``; past, cancelled, postponed and sold-out
  dates are ignored one by one), or
- it is a periodic or permanent offer without dates whose span
  (``available_from_us`` .. ``available_to_us``) runs now or starts later.

An occurrence counts until its end, like ``Calendar.upcoming`` in the domain,
so a festival day or an exhibition run that has started is still on. A dated
card whose ``available_to_us`` has passed is over as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Final

from recsys.cache.cards import BOOKING_AVAILABLE, STATUS_AVAILABLE, EventCard, Occurrence
from recsys.ranking.times import to_us

#: Calendar types whose offer runs over a span rather than on dates.
RUNNING_CALENDARS: Final = frozenset({"periodic", "permanent"})


def event_is_open(card: EventCard) -> bool:
    """True when the event as a whole takes place and can be booked."""
    return card.status == STATUS_AVAILABLE and card.booking == BOOKING_AVAILABLE


def is_running_offer(card: EventCard) -> bool:
    """True for a periodic or permanent offer given as a span, without dated occurrences."""
    return not card.occurrences and card.calendar_type in RUNNING_CALENDARS


def upcoming_open(card: EventCard, now_us: int) -> Iterator[Occurrence]:
    """The occurrences of ``card`` that have not ended at ``now_us`` and are open themselves."""
    return (o for o in card.occurrences if o.end_us >= now_us and o.is_open)


def running_span(card: EventCard, now_us: int) -> tuple[int, int | None] | None:
    """The part of a running offer's span from ``now_us`` on.

    Parameters
    ----------
    card : EventCard
        A card for which :func:`is_running_offer` is true.
    now_us : int
        The current instant, microseconds since the epoch.

    Returns
    -------
    tuple of (int, int or None) or None
        ``(start_us, end_us)`` with ``start_us >= now_us`` and ``end_us`` None
        when open-ended; None when the span has ended or is empty.

    """
    start = now_us if card.available_from_us is None else max(card.available_from_us, now_us)
    end = card.available_to_us
    if end is not None and end < start:
        return None
    return start, end


def eligible_at(card: EventCard, now_us: int) -> bool:
    """:func:`is_eligible` with ``now`` as microseconds since the epoch."""
    if not event_is_open(card):
        return False
    if card.occurrences:
        if card.available_to_us is not None and card.available_to_us < now_us:
            return False
        return any(True for _ in upcoming_open(card, now_us))
    if card.calendar_type in RUNNING_CALENDARS:
        return running_span(card, now_us) is not None
    # A single or multiple calendar without any date has nothing to visit.
    return False


def is_eligible(card: EventCard, now: dt.datetime) -> bool:
    """True when ``card`` may be recommended at ``now`` (see the module docstring).

    Parameters
    ----------
    card : EventCard
        The event.
    now : datetime
        The current instant (aware).

    Returns
    -------
    bool
        Whether the event is open, bookable and still to come (or running).

    """
    return eligible_at(card, to_us(now))
