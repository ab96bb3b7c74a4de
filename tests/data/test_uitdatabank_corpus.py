"""Run the UiTdatabank importer over every JSON-LD fixture in the shared corpus.

The corpus (``shared/data/uitdatabank/jsonld``) holds publiq's own test
fixtures. File names containing ``wrong``, ``invalid``, ``missing``,
``without``, ``empty`` or ``non-existing`` are meant to be invalid *for the
system that owns the fixture*; several are perfectly usable records for a
recommender (an event without an image is still an event). The tables below
give the expected outcome of every file that does not simply import.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from recsys.data.uitdatabank import import_uitdatabank

pytestmark = pytest.mark.shared_data

FOLDERS = ("events", "places", "organizers", "search-responses")
DELIBERATELY_INVALID = re.compile(r"wrong|invalid|missing|without|empty|non-existing")

# Deliberately "invalid" names that are valid for our purposes, with the reason.
ACCEPTED_DESPITE_NAME: dict[str, str] = {
    "events/search-service__original-with-available-to-missing.json": "availableTo is optional; missing means open-ended (schema notes: ≈ 2100-01-01)",
    "events/search-service__original-without-end-date.json": "legacy single date with a start hour only; the date ends when it starts (publiq's search service indexes it too)",
    "events/udb3-backend__Event-ReadModel-JSONLD__copied_event_without_working_hours.json": "openingHours are optional on a periodic calendar",
    "events/udb3-backend__EventExport-samples__event_with_location_id_missing.json": "legacy free-text location (name and address, no @id): kept as a dummy Place",
    "events/udb3-backend__EventExport-samples__event_without_description.json": "description is optional",
    "events/udb3-backend__EventExport-samples__event_without_end_date.json": "legacy multiple calendar with a start only; the date ends when it starts",
    "events/udb3-backend__EventExport-samples__event_without_eventtype.json": "type_id may be None (legacy/draft records; most search-service fixtures have no terms at all)",
    "events/udb3-backend__EventExport-samples__event_without_image.json": "image is optional (and its missing endDate is read as a start-only date)",
    "events/udb3-backend__EventExport-samples__event_without_location.json": "location is optional (Event.location may be None)",
    "events/udb3-backend__EventExport-samples__event_without_location_address.json": "a location without address keeps its id and name",
    "events/udb3-backend__EventExport-samples__event_without_location_name.json": "a location without name keeps its id and address",
    "events/udb3-backend__EventExport-samples__event_without_priceinfo.json": "priceInfo is optional (price unknown)",
    "places/search-service__original-without-address-in-main-language.json": "the address exists in French; another language is used when the main one is missing",
}

# Files that must give exactly one error, with the field it must name.
# Deliberately invalid names first, then the few others, each with a reason.
EXPECTED_ERRORS: dict[str, tuple[str, str]] = {
    "events/search-service__original-periodic-with-wrong-opening-hours.json": (
        "calendar.openingHours[0].dayOfWeek",
        "missing",
    ),
    "events/search-service__original-single-with-invalid-date-range.json": (
        "calendar.subEvent[0].endDate",
        "is before start",
    ),
    "events/search-service__original-with-multiple-dates-and-invalid-subevent-date-range.json": (
        "calendar.subEvent[1].endDate",
        "is before start",
    ),
    "events/search-service__original-with-multiple-dates-and-wrong-sub-events.json": (
        "calendar.subEvent[0].startDate",
        "missing",
    ),
    "events/search-service__original-with-wrong-available-from.json": ("availableFrom", "no time zone"),
    "events/search-service__original-with-wrong-available-to.json": ("availableTo", "ISO-8601"),
    "events/search-service__original-with-wrong-calendar-type.json": ("calendar.calendarType", "foobar"),
    "events/search-service__original-with-wrong-created.json": ("created", "no time zone"),
    "events/search-service__original-with-wrong-modified.json": ("modified", "no time zone"),
    "events/search-service__original-with-wrong-typical-age-range.json": ("typicalAgeRange", "4/10"),
    "events/search-service__original-without-start-date.json": ("calendar.startDate", "missing"),
    "places/search-service__original-with-wrong-available-from.json": ("availableFrom", "no time zone"),
    "places/search-service__original-with-wrong-available-to.json": ("availableTo", "no time zone"),
    # Not flagged by name, but not importable as they stand:
    # calendar-only fixtures of calendar-summary-v3: no @id (and no name).
    "events/calendar-summary-v3__Offer__offer-with-adjusted-days.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__offer-with-opening-hours.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__offer-with-subevent-childcare.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__offer-with-subevents.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__offer.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__permanent.json": ("@id", "missing"),
    "events/calendar-summary-v3__Offer__single-offer-with-subevent-childcare.json": ("@id", "missing"),
    # a one-field fixture (attendanceMode only): no name, no dates.
    "events/udb3-backend__EventExport-samples__event_with_attendance_mode.json": ("name", "missing"),
    # "500 BC" as start and end date.
    "events/udb3-backend__EventExport-samples__event_with_incorrect_start_and_end_date_format.json": (
        "calendar.startDate",
        "500 BC",
    ),
    # Dates without a time zone: errors unless a default zone is given (see below).
    "events/udb3-backend__EventExport-samples__event_with_outdated_start_and_end_date_format.json": (
        "calendar.startDate",
        "no time zone",
    ),
    "events/udb3-backend__Event-samples__event_with_udb3_place.json": ("calendar.startDate", "no time zone"),
}

# Files that hold no event/place/organizer document: (records skipped, reason).
EXPECTED_SKIPPED: dict[str, tuple[int, str]] = {
    "events/calendar-summary-v3__Multiple__sub-events-more-days.json": (4, "not an event/place/organizer document"),
    "events/calendar-summary-v3__Multiple__sub-events-same-day.json": (4, "not an event/place/organizer document"),
    "events/calendar-summary-v3__Multiple__sub-events-with-childcare.json": (
        3,
        "not an event/place/organizer document",
    ),
    "events/calendar-summary-v3__Multiple__sub-events.json": (4, "not an event/place/organizer document"),
    "search-responses/search-service__facets.json": (1, "not an event/place/organizer document"),
    "search-responses/search-v3__facetResults.json": (1, "not an event/place/organizer document"),
}

# Only these import once a default zone is given: naive date-times are their only fault.
NAIVE_ONLY = {
    "events/search-service__original-with-wrong-available-from.json",
    "events/search-service__original-with-wrong-created.json",
    "events/search-service__original-with-wrong-modified.json",
    "events/udb3-backend__EventExport-samples__event_with_outdated_start_and_end_date_format.json",
    "events/udb3-backend__Event-samples__event_with_udb3_place.json",
    "places/search-service__original-with-wrong-available-from.json",
    "places/search-service__original-with-wrong-available-to.json",
}

AS_OF = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def corpus_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for folder in FOLDERS for p in (root / folder).glob("*.json"))


@pytest.fixture
def jsonld(shared_data: Path) -> Path:
    return shared_data / "uitdatabank" / "jsonld"


def test_tables_cover_every_deliberately_invalid_name(jsonld: Path) -> None:
    files = corpus_files(jsonld)
    assert len(files) == 151
    flagged = {name for name in files if DELIBERATELY_INVALID.search(Path(name).name)}
    assert flagged, "the corpus should hold deliberately invalid files"
    unexplained = flagged - ACCEPTED_DESPITE_NAME.keys() - EXPECTED_ERRORS.keys()
    assert not unexplained
    assert not ACCEPTED_DESPITE_NAME.keys() & EXPECTED_ERRORS.keys()
    for table in (ACCEPTED_DESPITE_NAME, EXPECTED_ERRORS, EXPECTED_SKIPPED):
        assert set(table) <= set(files), "a table names a file that is not in the corpus"


def test_every_corpus_file_has_its_expected_outcome(jsonld: Path) -> None:
    for name in corpus_files(jsonld):
        result = import_uitdatabank([jsonld / name], keep_all=True, as_of=AS_OF)
        imported = len(result.events) + len(result.places) + len(result.organizers)
        if name in EXPECTED_ERRORS:
            field, words = EXPECTED_ERRORS[name]
            assert len(result.errors) == 1, (name, result.errors)
            error = result.errors[0]
            assert error.source == str(jsonld / name)
            assert error.field == field, (name, error.describe())
            assert words in error.problem, (name, error.describe())
            assert field in error.describe()
            assert not result.events, name
        elif name in EXPECTED_SKIPPED:
            count, reason = EXPECTED_SKIPPED[name]
            assert not result.errors, (name, [e.describe() for e in result.errors])
            assert [s.reason for s in result.skipped] == [reason] * count, name
            assert imported == 0
        else:
            assert not result.errors, (name, [e.describe() for e in result.errors])
            assert not result.skipped, (name, result.skipped)
            assert imported >= 1, name
            if name.startswith(("events/", "search-responses/")):
                assert len(result.events) == 1, name


def test_default_time_zone_rescues_only_naive_dates(jsonld: Path) -> None:
    brussels = ZoneInfo("Europe/Brussels")
    for name in EXPECTED_ERRORS:
        result = import_uitdatabank([jsonld / name], keep_all=True, as_of=AS_OF, default_tz=brussels)
        if name in NAIVE_ONLY:
            assert not result.errors, (name, [e.describe() for e in result.errors])
        else:
            assert len(result.errors) == 1, name
    event = import_uitdatabank(
        [jsonld / "events/udb3-backend__Event-samples__event_with_udb3_place.json"], default_tz=brussels, keep_all=True
    ).events[0]
    assert event.calendar.start == dt.datetime(2016, 4, 13, tzinfo=brussels)
    assert event.calendar.start.utcoffset() == dt.timedelta(hours=2)


def test_whole_corpus_counts_with_keep_all(jsonld: Path) -> None:
    result = import_uitdatabank([jsonld / folder for folder in FOLDERS], keep_all=True, as_of=AS_OF)
    non_documents = sum(count for count, _ in EXPECTED_SKIPPED.values())
    assert len(result.errors) == len(EXPECTED_ERRORS)
    # The fixtures reuse event ids across files: a later document with the
    # same id replaces the earlier one, which is reported as superseded.
    superseded = [s for s in result.skipped if s.category == "superseded"]
    assert len(result.skipped) == non_documents + len(superseded)
    event_files = [n for n in corpus_files(jsonld) if n.startswith("events/")]
    importing = [n for n in event_files if n not in EXPECTED_ERRORS and n not in EXPECTED_SKIPPED]
    # Every importable file imported: + 1 for the event on the Search API page.
    assert len(result.events) + len(superseded) == len(importing) + 1
    assert len({e.id for e in result.events}) == len(result.events)
    # Places and organisers are one per id: the fixtures reuse a handful of ids.
    assert {p.id for p in result.places} == {
        "179c89c5-dba4-417b-ae96-62e7a12c2405",
        "A871DB85-01DB-DBD3-DAF62CDB2DD7B871",
        "311b5e88-2c60-499f-9302-f6c10551b4f5",
        "61DA6E33-D632-A342-28F34D5E9E1688B3",
        "f296a53b-7470-4bf6-8a80-a2538b8d9291",
        "295d19f2-eb53-4d3d-a4a8-11aaaf058094",
    }
    assert len(result.organizers) == len({o.id for o in result.organizers}) == 5
    assert not any(p.is_dummy for p in result.places)
    # The place document (with geo and a place type) beats the embedded copies.
    hungaria = next(p for p in result.places if p.id.startswith("179c89c5"))
    assert hungaria.geo is not None and hungaria.type_id == "OyaPaf64AEmEAYXHeLMAtA"


def test_whole_corpus_with_the_default_search_api_filter(jsonld: Path) -> None:
    everything = import_uitdatabank([jsonld / folder for folder in FOLDERS], keep_all=True, as_of=AS_OF)
    result = import_uitdatabank([jsonld / folder for folder in FOLDERS], as_of=AS_OF)
    assert len(result.errors) == len(everything.errors)  # parsing comes before filtering
    for event in result.events:
        assert event.is_searchable(AS_OF)
    hidden = len(everything.events) - len(result.events)
    categories = dict(result.skipped_by_category())
    superseded = categories.pop("superseded")
    assert categories == {
        "workflowStatus DRAFT": 45,
        "not an event/place/organizer document": 17,
        "not available at 2026-11-25": 2,  # availableTo 2017-06-30 and 2021-03-04
        "workflowStatus DELETED": 1,  # the deleted organiser
    }
    assert (len(result.events) + superseded, len(result.places), len(result.organizers)) == (39, 4, 3)
    # Every event that is gone was skipped with a reason; the deleted organiser too.
    event_skips = [s for s in result.skipped if not s.reason.startswith(("not an event", "superseded"))]
    everything_superseded = sum(1 for s in everything.skipped if s.category == "superseded")
    assert len(event_skips) == hidden + everything_superseded - superseded + 1
    assert any(s.reason == "workflowStatus DELETED" for s in result.skipped)
    assert "workflowStatus DRAFT" in result.summary()
