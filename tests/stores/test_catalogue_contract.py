"""The catalogue contract, run against every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from recsys.domain.events import (
    Address,
    AgeRange,
    Calendar,
    CalendarType,
    Event,
    EventStatus,
    Organizer,
    Place,
    PriceCategory,
    PriceInfo,
    SubEvent,
    Tariff,
)
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LanguageMap
from recsys.domain.users import AgeBand, User
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, USERS_TABLE_SCHEMA
from recsys.stores.memory_catalogue import MemoryCatalogue
from recsys.stores.protocols import Catalogue, WriteResult
from recsys.stores.sqlite_catalogue import SqliteCatalogue

BACKENDS = ["memory", "sqlite"]
T0 = dt.datetime(2025, 3, 1, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture(params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    store: Catalogue = MemoryCatalogue() if request.param == "memory" else SqliteCatalogue(tmp_path / "c.sqlite")
    yield store
    store.close()


def place(i: int) -> Place:
    return Place(
        f"place-{i}",
        LanguageMap.single(f"Zaal {i}"),
        Address("Leuven", "3000", f"Straat {i}"),
        GeoPoint(50.88, 4.70),
    )


def organizer(i: int) -> Organizer:
    return Organizer(f"org-{i}", LanguageMap.single(f"Organisator {i}"), labels=("a", "b"))


def event(i: int, *, title: str | None = None) -> Event:
    start = T0 + dt.timedelta(days=i)
    return Event(
        f"event-{i:03d}",
        LanguageMap({"nl": title or f"Concert {i}", "fr": f"Concert {i} (fr)"}, main="nl"),
        Calendar(CalendarType.SINGLE, (SubEvent(start, start + dt.timedelta(hours=2)),)),
        description=LanguageMap({"nl": f"Beschrijving {i}"}),
        type_id="0.50.4.0.0",
        theme_id="1.8.1.0.0",
        location=place(i % 3),
        organizer=organizer(i % 2),
        production_id=f"prod-{i // 2}",
        price=PriceInfo((Tariff(PriceCategory.BASE, LanguageMap.single("Basis"), 12.5),)),
        age_range=AgeRange(12, None),
    )


def user(i: int, *, consent: bool = True) -> User:
    return User(f"user-{i}", GeoPoint(51.05, 3.72), "Gent", "9000", AgeBand.ADULT, uitpas=i % 2 == 0, consent=consent)


def test_backends_satisfy_the_protocol(catalogue: Catalogue) -> None:
    assert isinstance(catalogue, Catalogue)


def test_put_and_get_every_kind(catalogue: Catalogue) -> None:
    assert catalogue.put_events([event(1), event(2)]) == WriteResult(2, 0)
    assert catalogue.put_places([place(1)]) == WriteResult(1, 0)
    assert catalogue.put_organizers([organizer(1)]) == WriteResult(1, 0)
    assert catalogue.put_users([user(1)]) == WriteResult(1, 0)
    assert catalogue.get_event("event-001") == event(1)
    assert catalogue.get_place("place-1") == place(1)
    assert catalogue.get_organizer("org-1") == organizer(1)
    assert catalogue.get_user("user-1") == user(1)
    assert catalogue.get_event("nope") is None
    assert catalogue.get_place("nope") is None
    assert catalogue.get_organizer("nope") is None
    assert catalogue.get_user("nope") is None


def test_upsert_counts_unchanged_records_apart(catalogue: Catalogue) -> None:
    catalogue.put_events([event(1), event(2)])
    assert catalogue.put_events([event(1), event(2)]) == WriteResult(0, 2)
    changed = event(2, title="Nieuwe titel")
    assert catalogue.put_events([event(1), changed, event(3)]) == WriteResult(2, 1)
    assert catalogue.get_event("event-002") == changed
    assert catalogue.counts()["events"] == 3
    catalogue.put_users([user(1)])
    assert catalogue.put_users([user(1, consent=False)]) == WriteResult(1, 0)
    assert catalogue.get_user("user-1") == user(1, consent=False)


def test_repeated_id_within_one_call(catalogue: Catalogue) -> None:
    result = catalogue.put_events([event(1), event(1), event(1, title="Later")])
    assert result == WriteResult(2, 1)
    assert catalogue.get_event("event-001") == event(1, title="Later")
    assert catalogue.counts()["events"] == 1


def test_a_failing_call_writes_nothing(catalogue: Catalogue) -> None:
    catalogue.put_events([event(1)])

    def broken() -> Iterator[Event]:
        yield event(1, title="Changed")
        yield event(2)
        raise RuntimeError("input broke half-way")

    with pytest.raises(RuntimeError):
        catalogue.put_events(broken())
    assert catalogue.get_event("event-001") == event(1)
    assert catalogue.get_event("event-002") is None
    assert catalogue.counts()["events"] == 1


def test_iterate_in_id_order(catalogue: Catalogue) -> None:
    catalogue.put_events([event(i) for i in (5, 1, 3)])
    catalogue.put_places([place(i) for i in (2, 0, 1)])
    catalogue.put_organizers([organizer(i) for i in (1, 0)])
    catalogue.put_users([user(i) for i in (3, 1, 2)])
    assert [e.id for e in catalogue.iter_events()] == ["event-001", "event-003", "event-005"]
    assert [p.id for p in catalogue.iter_places()] == ["place-0", "place-1", "place-2"]
    assert [o.id for o in catalogue.iter_organizers()] == ["org-0", "org-1"]
    assert [u.id for u in catalogue.iter_users()] == ["user-1", "user-2", "user-3"]
    assert list(catalogue.iter_events()) == [event(1), event(3), event(5)]


def test_iterate_many_pages(catalogue: Catalogue) -> None:
    catalogue.put_users([user(i) for i in range(1300)])
    ids = [u.id for u in catalogue.iter_users()]
    assert ids == sorted(f"user-{i}" for i in range(1300))


def test_delete(catalogue: Catalogue) -> None:
    catalogue.put_events([event(1), event(2)])
    catalogue.put_users([user(1)])
    assert catalogue.delete_event("event-001") is True
    assert catalogue.delete_event("event-001") is False
    assert catalogue.delete_user("user-1") is True
    assert catalogue.delete_user("user-1") is False
    assert catalogue.get_event("event-001") is None
    assert catalogue.counts() == {"events": 1, "places": 0, "organizers": 0, "users": 0}
    # A deleted record comes back as new, not as unchanged.
    assert catalogue.put_events([event(1)]) == WriteResult(1, 0)


def test_counts(catalogue: Catalogue) -> None:
    assert catalogue.counts() == {"events": 0, "places": 0, "organizers": 0, "users": 0}
    catalogue.put_events([event(i) for i in range(4)])
    catalogue.put_places([place(i) for i in range(3)])
    catalogue.put_organizers([organizer(i) for i in range(2)])
    catalogue.put_users([user(i) for i in range(5)])
    assert catalogue.counts() == {"events": 4, "places": 3, "organizers": 2, "users": 5}


def test_events_table(catalogue: Catalogue) -> None:
    permanent = Event("event-999", LanguageMap({"fr": "Musée"}, main="fr"), Calendar(CalendarType.PERMANENT))
    catalogue.put_events([event(2), permanent, event(1, title="Eerste")])
    table = catalogue.events_table()
    assert table.schema.equals(EVENTS_TABLE_SCHEMA)
    assert table.column("event_id").to_pylist() == ["event-001", "event-002", "event-999"]
    first = table.slice(0, 1).to_pylist()[0]
    start = T0 + dt.timedelta(days=1)
    assert first == {
        "event_id": "event-001",
        "type_id": "0.50.4.0.0",
        "theme_id": "1.8.1.0.0",
        "organizer_id": "org-1",
        "location_id": "place-1",
        "production_id": "prod-0",
        "municipality": "Leuven",
        "postcode": "3000",
        "lat": 50.88,
        "lon": 4.70,
        "start": start.astimezone(dt.UTC),
        "end": (start + dt.timedelta(hours=2)).astimezone(dt.UTC),
        "calendar_type": "single",
        "base_price": 12.5,
        "is_free": False,
        "min_age": 12,
        "max_age": None,
        "status": EventStatus.AVAILABLE.value,
        "booking": "Available",
        "workflow_status": "APPROVED",
        "audience": "everyone",
        "name": "Eerste",
        "description": "Beschrijving 1",
        "main_language": "nl",
        # Every translation in its own column, the main language's too.
        "name_nl": "Eerste",
        "name_fr": "Concert 1 (fr)",
        "name_en": None,
        "description_nl": "Beschrijving 1",
        "description_fr": None,
        "description_en": None,
    }
    last = table.slice(2, 1).to_pylist()[0]
    assert last["start"] is None and last["base_price"] is None and last["is_free"] is None
    assert last["location_id"] is None and last["lat"] is None and last["description"] is None
    assert last["name"] == "Musée" and last["main_language"] == "fr" and last["calendar_type"] == "permanent"
    assert (last["name_fr"], last["name_nl"], last["description_fr"]) == ("Musée", None, None)


def test_events_table_follows_upserts_and_deletes(catalogue: Catalogue) -> None:
    catalogue.put_events([event(1), event(2)])
    catalogue.put_events([event(2, title="Anders")])
    catalogue.delete_event("event-001")
    table = catalogue.events_table()
    assert table.column("event_id").to_pylist() == ["event-002"]
    assert table.column("name").to_pylist() == ["Anders"]


def test_users_table(catalogue: Catalogue) -> None:
    catalogue.put_users([user(2), User("user-0"), user(1, consent=False)])
    table = catalogue.users_table()
    assert table.schema.equals(USERS_TABLE_SCHEMA)
    assert table.to_pylist() == [
        {
            "user_id": "user-0",
            "lat": None,
            "lon": None,
            "home_municipality": None,
            "home_postcode": None,
            "age_band": None,
            "uitpas": False,
            "consent": True,
        },
        {
            "user_id": "user-1",
            "lat": 51.05,
            "lon": 3.72,
            "home_municipality": "Gent",
            "home_postcode": "9000",
            "age_band": "26-35",
            "uitpas": False,
            "consent": False,
        },
        {
            "user_id": "user-2",
            "lat": 51.05,
            "lon": 3.72,
            "home_municipality": "Gent",
            "home_postcode": "9000",
            "age_band": "26-35",
            "uitpas": True,
            "consent": True,
        },
    ]


def test_empty_tables_have_their_schema(catalogue: Catalogue) -> None:
    assert catalogue.events_table().schema.equals(EVENTS_TABLE_SCHEMA)
    assert catalogue.events_table().num_rows == 0
    assert catalogue.users_table().schema.equals(USERS_TABLE_SCHEMA)
    assert isinstance(catalogue.users_table(), pa.Table)
