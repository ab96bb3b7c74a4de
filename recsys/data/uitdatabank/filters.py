"""The default filter of publiq's Search API, as reasons to leave a record out.

By default the Search API only returns events that are APPROVED or
READY_FOR_VALIDATION, open to everyone (``audienceType`` everyone) and inside
their publication window (``availableFrom`` <= now <= ``availableTo``, a
missing bound being open). Places and organisers are only left out when
DELETED: events keep pointing at their venue whatever its editorial state.

Each function returns ``None`` for a record to keep, or the reason to skip it;
the text before the first colon is a stable category.
"""

from __future__ import annotations

import datetime as dt

from recsys.domain.events import AudienceType, Event, Organizer, Place, WorkflowStatus

PUBLIC_EVENT_STATUSES = frozenset({WorkflowStatus.APPROVED, WorkflowStatus.READY_FOR_VALIDATION})


def _moment(value: dt.datetime, other: dt.datetime) -> str:
    """Show a date-time as a day, or to the minute when both fall on the same day."""
    if value.date() == other.date():
        return value.isoformat(timespec="minutes")
    return value.date().isoformat()


def event_hidden_reason(event: Event, as_of: dt.datetime) -> str | None:
    """Return why the Search API would hide ``event`` at ``as_of``, or ``None`` when it shows it.

    Parameters
    ----------
    event : Event
        The event.
    as_of : datetime
        Time-zone aware moment of the search.

    Returns
    -------
    str or None
        ``workflowStatus DRAFT``, ``audience members``,
        ``not available at 2026-11-25: availableTo 2017-04-22`` … or ``None``.

    """
    if event.workflow_status not in PUBLIC_EVENT_STATUSES:
        return f"workflowStatus {event.workflow_status.value}"
    if event.audience is not AudienceType.EVERYONE:
        return f"audience {event.audience.value}"
    if event.available_from is not None and event.available_from > as_of:
        return f"not available at {_moment(as_of, event.available_from)}: availableFrom {_moment(event.available_from, as_of)}"
    if event.available_to is not None and event.available_to < as_of:
        return (
            f"not available at {_moment(as_of, event.available_to)}: availableTo {_moment(event.available_to, as_of)}"
        )
    return None


def place_hidden_reason(place: Place) -> str | None:
    """Return ``workflowStatus DELETED`` for a deleted place, else ``None``."""
    if place.workflow_status is WorkflowStatus.DELETED:
        return f"workflowStatus {place.workflow_status.value}"
    return None


def organizer_hidden_reason(organizer: Organizer) -> str | None:
    """Return ``workflowStatus DELETED`` for a deleted organiser, else ``None``."""
    if organizer.workflow_status is WorkflowStatus.DELETED:
        return f"workflowStatus {organizer.workflow_status.value}"
    return None
