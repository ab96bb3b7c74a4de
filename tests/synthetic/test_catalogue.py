from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from recsys.domain.events import (
    AttendanceMode,
    BookingAvailability,
    CalendarType,
    EventStatus,
    PriceCategory,
    WorkflowStatus,
)
from recsys.domain.geo import haversine_km
from recsys.domain.ids import validate_id
from recsys.domain.taxonomy import EVENT_TYPE, FACILITY, THEME, default_taxonomy
from recsys.synthetic import SeasonConfig
from recsys.synthetic.disciplines import DISCIPLINES
from recsys.synthetic.municipalities import load_municipalities
from recsys.synthetic.places import PLACE_KINDS
from tests.synthetic.conftest import Generated, build


def test_disciplines_use_real_event_types_and_suggested_themes() -> None:
    taxonomy = default_taxonomy()
    for d in DISCIPLINES:
        term = taxonomy.get(d.type_id)
        assert term is not None and term.domain == EVENT_TYPE and "events" in term.scope, d.key
        assert set(d.theme_boost) <= set(term.suggested), d.key
        assert len(d.age_affinity) == 7
        assert abs(sum(d.calendar_mix) - 1) < 1e-9
    for type_id in PLACE_KINDS.values():
        term = taxonomy.get(type_id)
        assert term is not None and "places" in term.scope


def test_every_event_uses_taxonomy_terms(small: Generated) -> None:
    taxonomy = default_taxonomy()
    for e in small.season.events:
        assert e.type_id is not None
        term = taxonomy.get(e.type_id)
        assert term is not None and term.domain == EVENT_TYPE and "events" in term.scope
        if e.theme_id is not None:
            theme = taxonomy.get(e.theme_id)
            assert theme is not None and theme.domain == THEME
            assert e.theme_id in term.suggested
        for facility in e.facility_ids:
            f = taxonomy.get(facility)
            assert f is not None and f.domain == FACILITY
    for p in small.season.places[:-1]:
        assert p.type_id is not None and "places" in taxonomy.get(p.type_id).scope  # type: ignore[union-attr]


def test_ids_are_valid_and_unique(small: Generated) -> None:
    season = small.season
    for objs in (season.events, season.places, season.organizers):
        ids = [o.id for o in objs]
        assert len(set(ids)) == len(ids)
        for i in ids:
            validate_id(i, "id")
    assert len(season.events) == 500


def test_calendars_statuses_and_workflow(small: Generated) -> None:
    events = small.season.events
    types = Counter(e.calendar.type for e in events)
    assert set(types) == set(CalendarType)
    assert types[CalendarType.SINGLE] + types[CalendarType.MULTIPLE] > 0.7 * len(events)
    assert types[CalendarType.PERMANENT] < 0.05 * len(events)
    workflow = Counter(e.workflow_status for e in events)
    assert workflow[WorkflowStatus.APPROVED] > 0.9 * len(events)
    statuses = Counter(e.status for e in events)
    assert statuses[EventStatus.UNAVAILABLE] > 0
    assert statuses[EventStatus.AVAILABLE] > 0.95 * len(events)
    subs = [s for e in events for s in e.calendar.sub_events]
    assert any(s.booking is BookingAvailability.UNAVAILABLE for s in subs)
    assert any(s.status is EventStatus.UNAVAILABLE for s in subs)
    season = small.season.config
    for e in events:
        if e.calendar.type in (CalendarType.SINGLE, CalendarType.MULTIPLE):
            for s in e.calendar.sub_events:
                assert season.season_start <= s.start.date() <= season.season_end
                assert s.start.tzinfo is not None
        assert e.available_from is not None and (e.calendar.start is None or e.available_from < e.calendar.start)


def test_postponed_events_exist_in_a_larger_catalogue() -> None:
    events = build(SeasonConfig(seed=3, n_users=10, n_events=3_000)).season.events
    assert any(e.status is EventStatus.TEMPORARILY_UNAVAILABLE for e in events)


def test_prices_ages_languages_and_facilities(small: Generated) -> None:
    events = small.season.events
    free = np.mean([e.price.is_free for e in events])
    assert 0.1 < free < 0.45
    assert any(e.price.has_uitpas for e in events)
    for e in events:
        base = e.price.base_price
        for t in e.price.tariffs:
            if t.category is PriceCategory.UITPAS:
                assert base is not None and t.price <= base
    kids = [e for e in events if e.age_range and e.age_range.max is not None and e.age_range.max <= 14]
    adults = [e for e in events if e.age_range and e.age_range.min is not None and e.age_range.min >= 18]
    assert len(kids) > 0.05 * len(events) and len(adults) > 0
    assert all("UiT met Vlieg" in e.labels for e in kids)
    assert {e.main_language for e in events} >= {"nl", "fr"}
    assert np.mean([bool(e.facility_ids) for e in events]) > 0.4
    online = [e for e in events if e.attendance_mode is AttendanceMode.ONLINE]
    assert all(e.location is not None and e.location.is_dummy and e.geo is None for e in online)


def test_places_are_near_their_municipality_with_real_postcodes(small: Generated) -> None:
    munis = load_municipalities()
    by_name = {n: i for i, n in enumerate(munis.name)}
    for p in small.season.places[:-1]:
        assert p.address is not None and p.geo is not None
        i = by_name[p.address.municipality]
        assert p.address.postcode == munis.postcode[i]
        assert float(haversine_km(p.geo.lat, p.geo.lon, munis.lat[i], munis.lon[i])) < 25


def test_organisers_have_a_long_tail(small: Generated) -> None:
    per_org = np.bincount(small.season.catalogue.arrays.organizer, minlength=len(small.season.organizers))
    assert per_org.min() >= 1
    ranked = np.sort(per_org)[::-1]
    top = max(1, round(0.05 * len(ranked)))
    assert ranked[:top].sum() > 0.3 * ranked.sum()
    assert (per_org <= 2).mean() > 0.5


def test_productions_tour_several_venues_and_dates(small: Generated) -> None:
    stops = defaultdict(list)
    for e in small.season.events:
        if e.production_id:
            stops[e.production_id].append(e)
    assert len(stops) >= 5
    for events in stops.values():
        assert len(events) >= 2
        assert len({e.location.id for e in events if e.location}) == len(events)
        assert len({e.organizer.id for e in events if e.organizer}) == len(events)
        assert len({e.calendar.start for e in events}) >= 2
        assert len({e.name.get() for e in events}) == 1
        assert len({(e.type_id, e.theme_id) for e in events}) == 1
