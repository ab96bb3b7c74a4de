"""Dates: the request's date window, the date shown per event, and one item per production.

A production is one show on many dates and venues (UiTdatabank creates one
event per venue, each with its dates). A list that holds the same show five
times says less than one that holds five shows, so events sharing a
``production_id`` collapse to one item: the best-scored event, ties broken by
the earliest date it can be visited. Each event shows its nearest open
occurrence that has not ended and overlaps the request's window.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from recsys.cache.cards import BOOKING_AVAILABLE, STATUS_AVAILABLE, EventCard, Occurrence
from recsys.ranking.eligibility import RUNNING_CALENDARS, running_span
from recsys.ranking.times import to_us


@dataclass(frozen=True, slots=True)
class DateWindow:
    """A closed time window ``[start_us, end_us]``; a ``None`` bound is open.

    Parameters
    ----------
    start_us, end_us : int or None
        Bounds in microseconds since the epoch.

    """

    start_us: int | None = None
    end_us: int | None = None

    @classmethod
    def between(cls, start: dt.datetime | None, end: dt.datetime | None) -> DateWindow:
        """The window between two aware datetimes (either may be None)."""
        return _window_between(start, end)

    def overlaps(self, start_us: int, end_us: int | None) -> bool:
        """True when the span ``[start_us, end_us]`` (``end_us`` None = open) meets this window."""
        if self.end_us is not None and start_us > self.end_us:
            return False
        return self.start_us is None or end_us is None or end_us >= self.start_us


@functools.lru_cache(maxsize=256)
def _window_between(start: dt.datetime | None, end: dt.datetime | None) -> DateWindow:
    # Requests repeat the same few windows (today, this weekend, a month); the zone arithmetic is cached.
    return DateWindow(None if start is None else to_us(start), None if end is None else to_us(end))


#: The window that admits every date.
ANY_TIME = DateWindow()


class Slot(NamedTuple):
    """When an event is shown as taking place (a named tuple: built for every candidate, so cheap).

    Parameters
    ----------
    occurrence : Occurrence or None
        The date to show; None for a running offer without dates.
    start_us : int
        When it can next be visited: the occurrence's start, or ``now`` for
        one under way; for a running offer the later of now, its first day
        and the window's start.
    end_us : int or None
        When that visit ends (None for an open-ended offer).

    """

    occurrence: Occurrence | None
    start_us: int
    end_us: int | None


def slot_for(card: EventCard, now_us: int, window: DateWindow = ANY_TIME) -> Slot | None:
    """The date to show for ``card``: its nearest open occurrence that fits ``window``.

    Ignores the event-level status (see :func:`recsys.ranking.eligibility.event_is_open`).

    Parameters
    ----------
    card : EventCard
        The event.
    now_us : int
        The current instant; occurrences that have ended are skipped.
    window : DateWindow
        The request's date window.

    Returns
    -------
    Slot or None
        None when no open date (or running span) overlaps the window from now on.

    """
    if card.occurrences:
        if card.available_to_us is not None and card.available_to_us < now_us:
            return None
        low = now_us if window.start_us is None or window.start_us < now_us else window.start_us
        high = window.end_us
        best: Occurrence | None = None
        for occ in card.occurrences:
            # Cheap integer tests first; the status test is Occurrence.is_open inlined (hot loop).
            if occ.end_us < low or (high is not None and occ.start_us > high):
                continue
            if occ.status != STATUS_AVAILABLE or occ.booking != BOOKING_AVAILABLE:
                continue
            # Occurrences should come sorted, but the minimum costs nothing and does not trust it.
            if best is None or occ.start_us < best.start_us:
                best = occ
        if best is None:
            return None
        return Slot(best, best.start_us if best.start_us > now_us else now_us, best.end_us)
    if card.calendar_type not in RUNNING_CALENDARS:
        return None
    span = running_span(card, now_us)
    if span is None or not window.overlaps(*span):
        return None
    start, end = span
    if window.start_us is not None:
        start = max(start, window.start_us)
    if window.end_us is not None:
        end = window.end_us if end is None else min(end, window.end_us)
    return Slot(None, start, end)


class Dated(Protocol):
    """What :func:`one_per_production` needs of an item."""

    @property
    def card(self) -> EventCard:
        """The event."""
        ...

    @property
    def slot(self) -> Slot:
        """Its chosen date."""
        ...

    @property
    def rank_score(self) -> float:
        """Its score (higher is better)."""
        ...


D = TypeVar("D", bound=Dated)


def one_per_production(items: Sequence[D]) -> list[D]:
    """Keep one item per production: the best-scored, then the earliest date, then the smallest id.

    Parameters
    ----------
    items : sequence of Dated
        Items whose cards may share a ``production_id`` (None = a production of its own).

    Returns
    -------
    list
        The kept items, in their order in ``items``.

    """
    best: dict[str, int] = {}
    for index, item in enumerate(items):
        production = item.card.production_id
        if production is None:
            continue
        held = best.get(production)
        if held is None or _better(item, items[held]):
            best[production] = index
    if not best:
        return list(items)
    keep = set(best.values())
    return [item for index, item in enumerate(items) if item.card.production_id is None or index in keep]


def _better(item: Dated, other: Dated) -> bool:
    if item.rank_score != other.rank_score:
        return item.rank_score > other.rank_score
    if item.slot.start_us != other.slot.start_us:
        return item.slot.start_us < other.slot.start_us
    return item.card.event_id < other.card.event_id
