"""The UiTdatabank importer on small inline documents: inputs, errors, filter, resolution."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from recsys.data.uitdatabank import import_uitdatabank, parse_event, parse_organizer, parse_place
from recsys.domain.errors import InvalidFieldError, UnknownEntityError
from recsys.domain.events import (
    Address,
    AttendanceMode,
    AudienceType,
    CalendarType,
    EventStatus,
    Place,
    WorkflowStatus,
)

BASE = "https://io.uitdatabank.be"
AS_OF = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def event(n: int = 1, **fields: Any) -> dict[str, Any]:
    """A small valid event document; ``fields`` override or (when None) remove keys."""
    doc: dict[str, Any] = {
        "@id": f"{BASE}/event/00000000-0000-4000-8000-{n:012d}",
        "@context": "/contexts/event",
        "mainLanguage": "nl",
        "name": {"nl": f"Concert {n}"},
        "calendarType": "single",
        "startDate": "2026-12-01T20:00:00+01:00",
        "endDate": "2026-12-01T22:00:00+01:00",
        "subEvent": [
            {"@type": "Event", "startDate": "2026-12-01T20:00:00+01:00", "endDate": "2026-12-01T22:00:00+01:00"}
        ],
        "terms": [{"id": "0.50.4.0.0", "label": "Concert", "domain": "eventtype"}],
        "location": {"@id": f"{BASE}/place/11111111-0000-4000-8000-000000000001"},
        "workflowStatus": "APPROVED",
        "audience": {"audienceType": "everyone"},
        "availableFrom": "2026-11-01T00:00:00+01:00",
        "availableTo": "2026-12-01T22:00:00+01:00",
    }
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def place(n: int = 1, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@id": f"{BASE}/place/11111111-0000-4000-8000-{n:012d}",
        "@context": "/contexts/place",
        "mainLanguage": "nl",
        "name": {"nl": f"Zaal {n}"},
        "calendarType": "permanent",
        "address": {
            "nl": {
                "addressCountry": "BE",
                "addressLocality": "Leuven",
                "postalCode": "3000",
                "streetAddress": "Vaartkom 35",
            }
        },
        "geo": {"latitude": 50.8876694, "longitude": 4.70373},
        "terms": [{"id": "OyaPaf64AEmEAYXHeLMAtA", "label": "Zaal of expohal", "domain": "eventtype"}],
        "workflowStatus": "APPROVED",
    }
    doc.update(fields)
    return doc


def write(path: Path, value: object) -> Path:
    path.write_bytes(orjson.dumps(value))
    return path


# --- parse_event ------------------------------------------------------------------------------


def test_parse_event_reads_every_field() -> None:
    doc = event(
        description={"nl": "Een avond jazz", "fr": "Une soirée jazz"},
        terms=[
            {"id": "0.50.4.0.0", "label": "Concert", "domain": "eventtype"},
            {"id": "1.8.2.0.0", "label": "Jazz en blues", "domain": "theme"},
            {"id": "3.23.3.0.0", "label": "Rolstoel ter beschikking", "domain": "facility"},
            {"id": "reg.704", "label": "3300 Tienen", "domain": "flandersregion"},
        ],
        location={
            "@id": f"{BASE}/place/11111111-0000-4000-8000-000000000001",
            "name": {"nl": "Het Depot"},
            "address": {
                "nl": {
                    "addressCountry": "BE",
                    "addressLocality": "Leuven",
                    "postalCode": "3000",
                    "streetAddress": "Martelarenplein 12",
                }
            },
            "geo": {"latitude": 50.8809, "longitude": 4.7157},
        },
        organizer={
            "@id": f"{BASE}/organizers/22222222-0000-4000-8000-000000000001",
            "name": "Het Depot vzw",
            "url": "https://hetdepot.be",
        },
        production={"id": "fee0d853-0620-44d9-980d-35201e5a6026", "name": "Tour", "otherEvents": []},
        priceInfo=[{"category": "base", "name": "Basistarief", "price": 25, "priceCurrency": "EUR"}],
        typicalAgeRange="12-",
        attendanceMode="mixed",
        onlineUrl="https://live.example.com",
        status={"type": "TemporarilyUnavailable", "reason": {"nl": "Uitgesteld"}},
        bookingAvailability={"type": "Unavailable"},
        labels=["jazz"],
        hiddenLabels=["uitpas"],
        image="//media.uitdatabank.be/img.jpg",
        created="2026-10-01T10:00:00.123Z",
        modified="2026-10-02T10:00:00+02:00",
    )
    parsed = parse_event(doc)
    assert parsed.id == "00000000-0000-4000-8000-000000000001"
    assert parsed.name.get() == "Concert 1" and parsed.description.get("fr") == "Une soirée jazz"
    assert (parsed.type_id, parsed.theme_id, parsed.facility_ids) == ("0.50.4.0.0", "1.8.2.0.0", ("3.23.3.0.0",))
    assert parsed.other_terms == (("flandersregion", "reg.704"),)
    assert parsed.location is not None and parsed.municipality == "Leuven" and parsed.geo is not None
    assert parsed.organizer is not None and parsed.organizer.name.get() == "Het Depot vzw"
    assert parsed.production_id == "fee0d853-0620-44d9-980d-35201e5a6026"
    assert parsed.price.base_price == 25.0
    assert parsed.age_range is not None and parsed.age_range.min == 12
    assert parsed.attendance_mode is AttendanceMode.MIXED and parsed.online_url == "https://live.example.com"
    assert parsed.status is EventStatus.TEMPORARILY_UNAVAILABLE and parsed.status_reason.get() == "Uitgesteld"
    assert parsed.calendar.sub_events[0].status is EventStatus.TEMPORARILY_UNAVAILABLE  # inherited by the date
    assert parsed.labels == ("jazz", "uitpas")
    assert parsed.image_url == "https://media.uitdatabank.be/img.jpg"
    assert parsed.created == dt.datetime(2026, 10, 1, 10, 0, 0, 123000, tzinfo=dt.UTC)
    assert parsed.workflow_status is WorkflowStatus.APPROVED


def test_parse_event_with_plain_string_texts() -> None:
    parsed = parse_event(event(name="Een concert", description="Tekst", mainLanguage="fr"))
    assert parsed.name.texts == {"fr": "Een concert"}
    assert parsed.main_language == "fr"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"@id": None}, "@id"),
        ({"name": None}, "name"),
        ({"name": {"nl": ""}}, "name"),
        ({"calendarType": "weekly"}, "calendar.calendarType"),
        (
            {"subEvent": [{"startDate": "2026-12-01T20:00:00+01:00", "endDate": "2026-12-01T19:00:00+01:00"}]},
            "calendar.subEvent[0].endDate",
        ),
        (
            {"terms": [{"id": "0.50.4.0.0", "domain": "eventtype"}, {"id": "0.55.0.0.0", "domain": "eventtype"}]},
            "terms",
        ),
        ({"terms": [{"id": "1.8.2.0.0", "domain": "theme"}, {"id": "1.8.1.0.0", "domain": "theme"}]}, "terms"),
        ({"typicalAgeRange": "garbage"}, "typicalAgeRange"),
        ({"audience": {"audienceType": "vips"}}, "audience.audienceType"),
        ({"attendanceMode": "hybrid"}, "attendanceMode"),
        ({"workflowStatus": "PUBLISHED"}, "workflowStatus"),
        ({"status": {"type": "Cancelled"}}, "status.type"),
        ({"bookingAvailability": {"type": "SoldOut"}}, "bookingAvailability.type"),
        ({"availableTo": "2026-12-01"}, "availableTo"),
        (
            {"location": {"@id": f"{BASE}/place/1", "geo": {"latitude": "north", "longitude": 4}}},
            "location.geo.latitude",
        ),
        ({"location": 42}, "location"),
        ({"organizer": {"@id": f"{BASE}/organizers/1", "name": {"nl": 3}}}, "organizer.name.nl"),
        ({"priceInfo": [{"category": "base", "price": -5}]}, "priceInfo[0].price"),
        ({"production": {"id": "has space"}}, "production.id"),
        ({"@id": f"{BASE}/place/11111111-0000-4000-8000-000000000001", "@context": None}, "@id"),
    ],
)
def test_parse_event_errors_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_event(event(**fields))
    assert info.value.field == field


def test_events_without_event_type_location_or_organizer() -> None:
    parsed = parse_event(event(terms=None, location=None, organizer=None))
    assert parsed.type_id is None and parsed.location is None and parsed.organizer is None
    assert parse_event(event(location={"@type": "Place"})).location is None


def test_referenced_location_and_organizer_keep_their_ids() -> None:
    parsed = parse_event(
        event(
            location=f"{BASE}/place/11111111-0000-4000-8000-000000000009",
            organizer={"@id": f"{BASE}/organizers/AA785E84-0E30-452A-5AD27D7E2D3A4824", "@type": "Organizer"},
        )
    )
    assert parsed.location == Place(id="11111111-0000-4000-8000-000000000009")
    assert parsed.organizer is not None and parsed.organizer.id == "AA785E84-0E30-452A-5AD27D7E2D3A4824"
    assert not parsed.organizer.name


def test_dummy_and_online_locations() -> None:
    free_text = {
        "@type": "Place",
        "name": {"nl": "Floracenter"},
        "address": {"nl": {"addressLocality": "Merelbeke", "postalCode": "9820"}},
    }
    first = parse_event(event(location=free_text)).location
    second = parse_event(event(2, location=free_text)).location
    assert first is not None and first.is_dummy and first.id.startswith("dummy:")
    assert second is not None and first.id == second.id  # same free-text venue, same id
    online = parse_event(
        event(location={"@id": f"{BASE}/place/00000000-0000-0000-0000-000000000000", "name": {"nl": "Online"}})
    )
    assert online.location is not None and online.location.is_dummy
    education = parse_event(
        event(location={"@id": f"{BASE}/place/1", "name": "School", "isDummyPlaceForEducationEvents": True})
    )
    assert education.location is not None and education.location.is_dummy
    organizer = parse_event(event(organizer={"@type": "Organizer", "name": "PHPLeuven"})).organizer
    assert organizer is not None and organizer.is_dummy and organizer.name.get() == "PHPLeuven"


def test_parse_place_and_organizer() -> None:
    parsed = parse_place(place(workflowStatus="DELETED"))
    assert parsed.type_id == "OyaPaf64AEmEAYXHeLMAtA"
    assert parsed.address == Address("Leuven", "3000", "Vaartkom 35", "BE")
    assert parsed.workflow_status is WorkflowStatus.DELETED
    organizer = parse_organizer(
        {
            "@id": f"{BASE}/organizers/5e0b3f9c-5947-46a0-b8f2-a1a5a37f3b83",
            "name": {"nl": "PHPLeuven"},
            "url": "https://www.meetup.com/PHP-Leuven",
            "labels": ["UiTPAS"],
            "geo": {"latitude": 50.8876694, "longitude": 4.70373},
        }
    )
    assert organizer.url == "https://www.meetup.com/PHP-Leuven" and organizer.labels == ("UiTPAS",)
    assert organizer.workflow_status is WorkflowStatus.ACTIVE
    with pytest.raises(InvalidFieldError, match="expected an event document, got a place document"):
        parse_event(place())


# --- inputs -------------------------------------------------------------------------------------


def test_single_document_array_and_search_api_page(tmp_path: Path) -> None:
    write(tmp_path / "one.json", event(1))
    write(tmp_path / "many.json", [event(2), event(3), place(1)])
    write(
        tmp_path / "page.json",
        {
            "@context": "http://www.w3.org/ns/hydra/context.jsonld",
            "@type": "PagedCollection",
            "itemsPerPage": 3,
            "totalItems": 3,
            "member": [
                event(4),
                {"@id": f"{BASE}/event/00000000-0000-4000-8000-000000000005", "@type": "Event"},
                event(6),
            ],
            "facet": {"regions": {}},
        },
    )
    result = import_uitdatabank([tmp_path], keep_all=True)
    assert sorted(e.name.get() for e in result.events) == [
        "Concert 1",
        "Concert 2",
        "Concert 3",
        "Concert 4",
        "Concert 6",
    ]
    assert len(result.places) == 1
    assert not result.errors
    (skip,) = result.skipped
    assert skip.reason == "reference only, not embedded"
    assert skip.record_id == "00000000-0000-4000-8000-000000000005"
    assert skip.source == str(tmp_path / "page.json")


def test_json_lines_with_a_bad_line(tmp_path: Path) -> None:
    lines = [orjson.dumps(event(1)), b"", b'{"@id": "broken', orjson.dumps(event(2, name=None)), orjson.dumps(event(3))]
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = import_uitdatabank([path], keep_all=True)
    assert [e.name.get() for e in result.events] == ["Concert 1", "Concert 3"]
    bad_json, no_name = result.errors
    assert (bad_json.source, bad_json.record_id, bad_json.field) == (str(path), "line 3", "")
    assert bad_json.problem.startswith("invalid JSON at column ")
    assert "line 3" in bad_json.describe()
    assert (no_name.record_id, no_name.field) == ("00000000-0000-4000-8000-000000000002", "name")


def test_truncated_file_is_one_error_and_other_files_go_on(tmp_path: Path) -> None:
    text = orjson.dumps([event(1), event(2)], option=orjson.OPT_INDENT_2)
    (tmp_path / "a_truncated.json").write_bytes(text[: len(text) // 2])
    write(tmp_path / "b_fine.json", event(3))
    result = import_uitdatabank([tmp_path], keep_all=True)
    (error,) = result.errors
    assert error.source == str(tmp_path / "a_truncated.json")
    assert error.record_id is None
    assert "invalid JSON" in error.problem and "line" in error.problem and "column" in error.problem
    assert "truncated" in error.problem
    assert [e.name.get() for e in result.events] == ["Concert 3"]


def test_folders_are_recursed_in_sorted_order_with_gzip(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    write(tmp_path / "b" / "deeper" / "x.json", event(3))
    write(tmp_path / "a.json", event(1))
    with gzip.open(tmp_path / "b" / "c.json.gz", "wb") as handle:
        handle.write(orjson.dumps(event(2)))
    with gzip.open(tmp_path / "d.ndjson.gz", "wb") as handle:
        handle.write(orjson.dumps(event(4)) + b"\n" + orjson.dumps(event(5)) + b"\n")
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / "broken.json.gz").write_bytes(b"not gzip at all")
    result = import_uitdatabank([tmp_path], keep_all=True)
    assert [e.name.get() for e in result.events] == [f"Concert {n}" for n in (1, 2, 3, 4, 5)]
    (error,) = result.errors
    assert error.source.endswith("broken.json.gz") and "cannot read" in error.problem


def test_missing_path_and_non_documents_never_raise(tmp_path: Path) -> None:
    write(tmp_path / "numbers.json", [1, {"regions": {}}, event(1)])
    write(tmp_path / "scalar.json", "hello")
    result = import_uitdatabank(
        [tmp_path / "nope", tmp_path / "numbers.json", str(tmp_path / "scalar.json")], keep_all=True
    )
    assert [(e.source, e.record_id, e.problem) for e in result.errors] == [
        (str(tmp_path / "nope"), None, "no such file or folder"),
        (str(tmp_path / "numbers.json"), "#0", "expected a JSON object (a document), got a number"),
        (str(tmp_path / "scalar.json"), None, "expected a JSON object or array, got text"),
    ]
    assert [(s.record_id, s.reason) for s in result.skipped] == [("#1", "not an event/place/organizer document")]
    assert len(result.events) == 1


def test_errors_use_the_position_when_the_id_is_unreadable(tmp_path: Path) -> None:
    write(tmp_path / "docs.json", [event(1), event(2, **{"@id": None}), event(3, calendarType="foobar")])
    result = import_uitdatabank([tmp_path / "docs.json"], keep_all=True)
    no_id, bad_calendar = result.errors
    assert (no_id.record_id, no_id.field) == ("#1", "@id")
    assert (bad_calendar.record_id, bad_calendar.field) == (
        "00000000-0000-4000-8000-000000000003",
        "calendar.calendarType",
    )
    assert len(result.events) == 1


# --- the Search API filter ----------------------------------------------------------------------


def test_default_filter_versus_keep_all(tmp_path: Path) -> None:
    docs = [
        event(1),
        event(2, workflowStatus="DRAFT"),
        event(3, workflowStatus="READY_FOR_VALIDATION"),
        event(4, audience={"audienceType": "members"}),
        event(5, availableTo="2017-04-22T18:00:00+02:00"),
        event(6, availableFrom="2027-01-01T00:00:00+01:00"),
        event(7, availableTo=None),
        event(8, workflowStatus="DELETED"),
        place(1),
        place(2, workflowStatus="DELETED"),
        place(3, workflowStatus="DRAFT"),
    ]
    write(tmp_path / "docs.json", docs)
    everything = import_uitdatabank([tmp_path], keep_all=True, as_of=AS_OF)
    assert len(everything.events) == 8 and len(everything.places) == 3 and not everything.skipped

    shown = import_uitdatabank([tmp_path], as_of=AS_OF)
    assert [e.name.get() for e in shown.events] == ["Concert 1", "Concert 3", "Concert 7"]
    assert sorted(p.id[-1] for p in shown.places) == ["1", "3"]
    assert [s.reason for s in shown.skipped] == [
        "workflowStatus DRAFT",
        "audience members",
        "not available at 2026-11-25: availableTo 2017-04-22",
        "not available at 2026-11-25: availableFrom 2027-01-01",
        "workflowStatus DELETED",
        "workflowStatus DELETED",
    ]
    assert all(e.is_searchable(AS_OF) for e in shown.events)
    summary = shown.summary()
    assert summary.startswith("imported 3 events, 2 places, 0 organizers; skipped 6; 0 errors")
    assert "workflowStatus DELETED" in summary


def test_default_as_of_is_now_and_must_be_aware(tmp_path: Path) -> None:
    write(tmp_path / "docs.json", [event(1, availableTo="2017-04-22T18:00:00+02:00"), event(2, availableTo=None)])
    result = import_uitdatabank([tmp_path])
    assert [e.name.get() for e in result.events] == ["Concert 2"]
    with pytest.raises(ValueError, match="time-zone aware"):
        import_uitdatabank([tmp_path], as_of=dt.datetime(2026, 11, 25))


# --- places and organisers: resolution and deduplication -------------------------------------


def test_referenced_location_resolves_from_place_documents_anywhere_in_the_import(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "places").mkdir()
    write(tmp_path / "events" / "e.json", [event(1), event(2)])  # read before the place
    write(tmp_path / "places" / "p.json", place(1))
    result = import_uitdatabank([tmp_path], keep_all=True)
    for parsed in result.events:
        assert parsed.location is not None and parsed.location.name.get() == "Zaal 1"
        assert parsed.geo is not None and parsed.municipality == "Leuven"
    assert len(result.places) == 1


def test_referenced_location_resolves_through_the_callable_once_per_id(tmp_path: Path) -> None:
    write(tmp_path / "e.json", [event(1), event(2), event(3, location={"@id": f"{BASE}/place/unknown-place"})])
    calls: list[str] = []
    venue = Place(id="11111111-0000-4000-8000-000000000001", name=parse_place(place(1)).name)

    def lookup(place_id: str) -> Place | None:
        calls.append(place_id)
        if place_id == venue.id:
            return venue
        raise UnknownEntityError("place", place_id)

    result = import_uitdatabank([tmp_path], keep_all=True, resolve_place=lookup)
    assert calls == ["11111111-0000-4000-8000-000000000001", "unknown-place"]
    first, second, third = result.events
    assert first.location is venue and second.location is venue
    assert third.location == Place(id="unknown-place")  # unresolved: kept as a bare reference
    assert result.places == []  # only places found in the import are returned


def test_without_resolution_a_reference_keeps_a_bare_place(tmp_path: Path) -> None:
    write(tmp_path / "e.json", event(1))
    (parsed,) = import_uitdatabank([tmp_path], keep_all=True).events
    assert parsed.location == Place(id="11111111-0000-4000-8000-000000000001")
    assert parsed.geo is None


def test_places_and_organizers_are_deduplicated_and_the_richest_wins(tmp_path: Path) -> None:
    organizer_id = f"{BASE}/organizers/22222222-0000-4000-8000-000000000001"
    poor = {"@id": f"{BASE}/place/11111111-0000-4000-8000-000000000001", "name": {"nl": "Zaal 1"}}
    write(
        tmp_path / "docs.json",
        [
            event(1, location=poor, organizer={"@id": organizer_id, "name": "Org"}),
            event(2, location=poor, organizer={"@id": organizer_id, "@type": "Organizer"}),
            place(1),
            {
                "@id": organizer_id,
                "@context": "/contexts/organizer",
                "name": {"nl": "Org"},
                "url": "https://org.be",
                "labels": ["x"],
            },
        ],
    )
    result = import_uitdatabank([tmp_path], keep_all=True)
    (venue,) = result.places
    assert venue.geo is not None and venue.type_id is not None
    (organizer,) = result.organizers
    assert organizer.url == "https://org.be"
    for parsed in result.events:
        assert parsed.location == venue
        assert parsed.organizer == organizer


def test_dummies_are_not_returned_as_places_or_organizers(tmp_path: Path) -> None:
    write(
        tmp_path / "e.json",
        event(
            1, location={"@type": "Place", "name": {"nl": "Floracenter"}}, organizer={"@type": "Organizer", "name": "X"}
        ),
    )
    result = import_uitdatabank([tmp_path], keep_all=True)
    assert result.places == [] and result.organizers == []
    assert result.events[0].location is not None and result.events[0].location.is_dummy


def test_deleted_embedded_places_are_left_out_by_the_filter(tmp_path: Path) -> None:
    write(tmp_path / "e.json", event(1, location=place(5, workflowStatus="DELETED")))
    assert import_uitdatabank([tmp_path], as_of=AS_OF).places == []
    assert len(import_uitdatabank([tmp_path], as_of=AS_OF, keep_all=True).places) == 1


# --- robustness ------------------------------------------------------------------------------------

MUTATIONS: list[Callable[[dict[str, Any]], None]] = [
    lambda d: d.update(name=[1, 2]),
    lambda d: d.update(subEvent="tomorrow"),
    lambda d: d.update(subEvent=[None]),
    lambda d: d.update(terms=[None]),
    lambda d: d.update(location={"@id": 5}),
    lambda d: d.update(labels="jazz"),
    lambda d: d.update(priceInfo={"price": 3}),
    lambda d: d.update(audience="everyone"),
    lambda d: d.update(openingHours=5, calendarType="permanent"),
    lambda d: d.update(mainLanguage=7),
    lambda d: d.update(image=["x"]),
    lambda d: d.update(production=3),
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_wrong_json_types_are_record_errors(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> None:
    doc = event(1)
    mutate(doc)
    write(tmp_path / "e.json", [doc, event(2)])
    result = import_uitdatabank([tmp_path], keep_all=True)
    assert len(result.errors) == 1 and result.errors[0].field
    assert len(result.events) == 1


def test_calendar_types_through_the_importer(tmp_path: Path) -> None:
    write(
        tmp_path / "e.json",
        [
            event(1),
            event(2, calendarType="multiple", subEvent=None, endDate=None),
            event(3, calendarType="periodic", subEvent=None, startDate="2026-01-01T00:00:00+01:00"),
            event(4, calendarType="permanent", subEvent=None, startDate=None, endDate=None),
            event(5, calendarType=None, subEvent=None, startDate=None, endDate=None),
        ],
    )
    result = import_uitdatabank([tmp_path], keep_all=True)
    assert [e.calendar.type for e in result.events] == [
        CalendarType.SINGLE,
        CalendarType.MULTIPLE,
        CalendarType.PERIODIC,
        CalendarType.PERMANENT,
        CalendarType.PERMANENT,
    ]
    assert result.events[1].calendar.start == result.events[1].calendar.end


def test_audience_members_and_education_are_parsed() -> None:
    assert parse_event(event(audience={"audienceType": "education"})).audience is AudienceType.EDUCATION
    assert parse_event(event(audience=None)).audience is AudienceType.EVERYONE


def test_many_documents_import_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    n = 20_000
    with path.open("wb") as handle:
        for i in range(n):
            handle.write(
                orjson.dumps(event(i, location={"@id": f"{BASE}/place/p{i % 500}", "name": {"nl": f"Zaal {i % 500}"}}))
                + b"\n"
            )
    result = import_uitdatabank([path], keep_all=True)
    assert len(result.events) == n and len(result.places) == 500 and not result.errors
