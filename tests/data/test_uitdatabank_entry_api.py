"""The parsers on publiq's Entry API request bodies (input format, with ``%{placeholders}``).

These bodies are what clients POST/PUT to the Entry API, not documents as
served, so they carry no ``@id``; the test gives each one. The parsers must
accept the well-formed ones and reject the others with an
:class:`InvalidFieldError`, never another exception.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from recsys.data.uitdatabank import parse_event, parse_organizer, parse_place
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import CalendarType

pytestmark = pytest.mark.shared_data

BASE = "https://io.uitdatabank.dev"
PLACEHOLDER = re.compile(r"%\{([^}]*)\}")
VALUES = {
    "baseUrl": BASE,
    "placeUrl": f"{BASE}/places/11111111-0000-4000-8000-000000000001",
    "organizerUrl": f"{BASE}/organizers/22222222-0000-4000-8000-000000000001",
    "startDate": "2030-05-05T18:00:00+02:00",
    "endDate": "2030-05-06T21:00:00+02:00",
    "startDate2": "2030-06-05T18:00:00+02:00",
    "endDate2": "2030-06-06T21:00:00+02:00",
    "calendarStartDate": "2030-05-05T18:00:00+02:00",
    "calendarEndDate": "2030-06-06T21:00:00+02:00",
    "adjustedStartDate": "2030-05-10",
    "adjustedEndDate": "2030-05-11",
    "childcareStart": "07:00",
    "childcareEnd": "18:00",
    "opens": "09:00",
    "closes": "17:00",
    "variableTypicalAgeRange": "6-12",
}


def substitute(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in VALUES:
            return VALUES[name]
        if name.lower().endswith("url"):
            return f"https://example.com/{name}"
        if name.startswith(("name", "city", "street", "country", "zip", "label")):
            return name
        return "33333333-0000-4000-8000-000000000001"

    return PLACEHOLDER.sub(value, text)


def load(path: Path, segment: str) -> dict[str, Any]:
    doc = orjson.loads(substitute(path.read_text(encoding="utf-8")))
    assert isinstance(doc, dict)
    doc["@id"] = f"{BASE}/{segment}/44444444-0000-4000-8000-000000000001"
    return doc


# Bodies the Entry API itself rejects or that cannot stand alone, and the field we report.
EVENT_ERRORS = {
    "event-with-empty-term-id.json": "terms[0].id",
    "event-with-invalid-term-id.json": "terms[0].domain",
    "event-with-single-calendar-but-multiple-sub-events.json": "calendar.subEvent",
    "event-with-single-calendar-but-without-timezone.json": "calendar.startDate",
    "opening-hours-childcare__calendar-put-with-childcare.json": "name",  # a calendar body, not an event
    "sub-event-overnight__calendar-single-with-overnight.json": "name",  # idem
}


@pytest.fixture
def requests(shared_data: Path) -> Path:
    return shared_data / "uitdatabank" / "entry-api-requests"


def test_event_bodies(requests: Path) -> None:
    files = sorted((requests / "events").glob("*.json"))
    assert len(files) == 123
    for path in files:
        doc = load(path, "event")
        if path.name in EVENT_ERRORS:
            with pytest.raises(InvalidFieldError) as info:
                parse_event(doc)
            assert info.value.field == EVENT_ERRORS[path.name], path.name
        else:
            parse_event(doc)


def test_legacy_event_bodies_with_nested_calendar_and_type(requests: Path) -> None:
    single = parse_event(load(requests / "events" / "legacy__event-with-single-calendar.json", "event"))
    assert single.calendar.type is CalendarType.SINGLE
    assert (single.type_id, single.theme_id) == ("0.50.4.0.0", "1.8.2.0.0")
    assert single.location is not None and single.location.name.get() == "Cafe Den Hemel"
    spans = parse_event(
        load(requests / "events" / "legacy__event-missing-calendar-type-but-multiple-time-spans.json", "event")
    )
    assert spans.calendar.type is CalendarType.MULTIPLE and len(spans.calendar.sub_events) == 2


def test_place_and_organizer_bodies(requests: Path) -> None:
    for path in sorted((requests / "places").glob("*.json")):
        parse_place(load(path, "place"))
    for path in sorted((requests / "organizers").glob("*.json")):
        parse_organizer(load(path, "organizers"))
