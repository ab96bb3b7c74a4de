"""What an import returns: the records it kept, the ones it skipped and the errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from recsys.domain.errors import RecordError
from recsys.domain.events import Event, Organizer, Place


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record that was read but deliberately not imported.

    Parameters
    ----------
    source : str
        The file it came from.
    record_id : str
        Its id, or its position (``#3``, ``line 7``) when the id is unreadable.
    reason : str
        Why, e.g. ``workflowStatus DRAFT`` or
        ``not available at 2026-11-25: availableTo 2017-04-22``. The part
        before the first colon is a stable category.

    """

    source: str
    record_id: str
    reason: str

    @property
    def category(self) -> str:
        """The reason without its details (the text before the first colon)."""
        return self.reason.split(":", 1)[0]


@dataclass(slots=True)
class UitdatabankImport:
    """The outcome of :func:`~recsys.data.uitdatabank.import_uitdatabank`.

    Parameters
    ----------
    events : list of Event
        Imported events, in input order (an id that occurs twice is returned
        twice; the catalogue keeps the last).
    places : list of Place
        Places from place documents and from events' embedded locations,
        one per id (the most complete record wins), without dummies.
    organizers : list of Organizer
        Organisers from organiser documents and embedded in events, one per id.
    errors : list of RecordError
        One per record (or unreadable file, or bad JSON line) that could not
        be imported.
    skipped : list of SkippedRecord
        Records left out on purpose: hidden by the Search API filter, only
        referenced, or not an event/place/organiser document.

    """

    events: list[Event] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    organizers: list[Organizer] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)

    def skipped_by_category(self) -> list[tuple[str, int]]:
        """Return ``(category, count)`` of the skipped records, most frequent first."""
        return Counter(s.category for s in self.skipped).most_common()

    def summary(self) -> str:
        """Return a short human-readable account of the import.

        Returns
        -------
        str
            One line of counts, then one line per skip category.

        """
        lines = [
            f"imported {len(self.events)} events, {len(self.places)} places, {len(self.organizers)} organizers; "
            f"skipped {len(self.skipped)}; {len(self.errors)} errors"
        ]
        lines += [f"  skipped {count:>6}  {category}" for category, count in self.skipped_by_category()]
        return "\n".join(lines)
