"""The season's catalogue: organisers, venues, productions and events as domain objects.

The catalogue is generated as columns first (disciplines, productions,
themes, audiences, quality, dates, prices) and then turned into
:class:`~recsys.domain.events.Event`, :class:`~recsys.domain.events.Place`
and :class:`~recsys.domain.events.Organizer` objects; it is at most
50,000 events, so objects are fine. :class:`EventArrays` keeps the columns
the behavioural model needs, aligned with the event list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsys.domain.events import (
    AudienceType,
    Calendar,
    CalendarType,
    Event,
    EventStatus,
    Organizer,
    Place,
    WorkflowStatus,
)
from recsys.domain.language import LanguageMap
from recsys.domain.taxonomy import default_taxonomy
from recsys.synthetic.calendars import (
    DateStatus,
    SeasonDays,
    attendable_slots,
    dated_calendar,
    dated_calendar_on,
    periodic_calendar,
    permanent_calendar,
)
from recsys.synthetic.clock import date_range
from recsys.synthetic.config import (
    STAGE_EVENTS,
    STAGE_LATENT,
    STAGE_ORGANIZERS,
    STAGE_PLACES,
    STAGE_TEXTS,
    SeasonConfig,
    stage_rng,
)
from recsys.synthetic.disciplines import DISCIPLINES, KIDS_MAX_AGE, discipline_index
from recsys.synthetic.latent import event_latent, event_quality
from recsys.synthetic.municipalities import Municipalities
from recsys.synthetic.objects import (
    event_facilities,
    event_object,
    organizer_objects,
    place_objects,
    practical_text,
    venue_facilities,
)
from recsys.synthetic.organizers import ORGANIZER_KINDS, OrganizerTable, discipline_weights, generate_organizers
from recsys.synthetic.places import PlaceTable, choose_venue, generate_places
from recsys.synthetic.prices import draw_base_price, price_info
from recsys.synthetic.productions import TOURING_SHARE, assign_productions, tour_days
from recsys.synthetic.texts import event_text

#: Every theme of the taxonomy, in a fixed order (index used in :class:`EventArrays`).
THEME_IDS: tuple[str, ...] = tuple(t.id for t in default_taxonomy().themes())
LANGUAGES = ("nl", "fr", "en")

_KIDS_RANGES = ((3, 8), (4, 10), (6, 12), (8, 14), (2, 6), (6, 14))
# Themes that are mostly for children, whatever the discipline's usual share.
_KIDS_THEMES = {"1.3.5.0.0": 0.7, "1.7.12.0.0": 0.7}
_WORKFLOW = (
    (WorkflowStatus.APPROVED, 0.95),
    (WorkflowStatus.READY_FOR_VALIDATION, 0.03),
    (WorkflowStatus.DRAFT, 0.01),
    (WorkflowStatus.REJECTED, 0.005),
    (WorkflowStatus.DELETED, 0.005),
)
CANCELLED_SHARE = 0.015
POSTPONED_SHARE = 0.005
DATE_CANCEL_P = 0.015


@dataclass(frozen=True, slots=True)
class EventArrays:
    """Columns of the catalogue used by the behavioural model, aligned with the event list.

    Attendable moments are stored as a CSR structure: the slots of event
    ``i`` are ``slot_start[slot_offsets[i]:slot_offsets[i + 1]]`` (UTC epoch
    seconds, sorted).
    """

    discipline: npt.NDArray[np.int16]
    theme: npt.NDArray[np.int16]  # index into THEME_IDS, -1 for none
    organizer: npt.NDArray[np.int32]
    place: npt.NDArray[np.int32]  # -1 for online events
    production: npt.NDArray[np.int32]  # -1 for standalone events
    province: npt.NDArray[np.int8]
    lat: npt.NDArray[np.float64]  # NaN for online events
    lon: npt.NDArray[np.float64]
    online: npt.NDArray[np.bool_]
    quality: npt.NDArray[np.float32]
    latent: npt.NDArray[np.float32]  # (n_events, LATENT_DIM)
    base_price: npt.NDArray[np.float32]  # NaN when unknown
    uitpas_price: npt.NDArray[np.float32]  # NaN when no UiTPAS tariff
    age_min: npt.NDArray[np.int16]  # -1 when open
    age_max: npt.NDArray[np.int16]
    language: npt.NDArray[np.int8]  # index into LANGUAGES
    visible: npt.NDArray[np.bool_]  # public, open to everyone, not cancelled
    available_from: npt.NDArray[np.int64]
    dated: npt.NDArray[np.bool_]  # single or multiple calendar
    slot_offsets: npt.NDArray[np.int64]
    slot_start: npt.NDArray[np.int64]
    slot_bookable: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.discipline)

    @property
    def kids(self) -> npt.NDArray[np.bool_]:
        """Children's events (typical age range ending at 14 or below)."""
        return (self.age_max >= 0) & (self.age_max <= KIDS_MAX_AGE)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The generated catalogue.

    Parameters
    ----------
    events, places, organizers : list
        Domain objects; ``places`` ends with the dummy online location.
    arrays : EventArrays
        Columns aligned with ``events``.
    organizer_table : OrganizerTable
        Organiser columns aligned with ``organizers``.
    place_table : PlaceTable
        Place columns aligned with ``places`` (without the online dummy).

    """

    events: list[Event]
    places: list[Place]
    organizers: list[Organizer]
    arrays: EventArrays
    organizer_table: OrganizerTable
    place_table: PlaceTable


def _share_within_productions(values: npt.NDArray[np.generic], production: npt.NDArray[np.int32]) -> None:
    """Give every stop of a production the value of its first stop (in place)."""
    members = np.flatnonzero(production >= 0)
    if members.size == 0:
        return
    _, first = np.unique(production[members], return_index=True)
    leaders = members[first]  # indexed by production id (ids are 0..n-1)
    values[members] = values[leaders[production[members]]]


def generate_catalogue(config: SeasonConfig, munis: Municipalities) -> Catalogue:
    """Generate organisers, places, productions and events for ``config``.

    Parameters
    ----------
    config : SeasonConfig
        Seed, size and season.
    munis : Municipalities
        Where organisers and venues are.

    """
    seed = config.seed
    n = config.resolved_n_events
    orgs = generate_organizers(stage_rng(seed, STAGE_ORGANIZERS), munis, n)
    rng_places = stage_rng(seed, STAGE_PLACES)
    places = generate_places(rng_places, munis, orgs)
    uitpas_town = (rng_places.random(len(munis)) < 0.6) | (munis.population > 60_000)
    rng = stage_rng(seed, STAGE_EVENTS)
    season = SeasonDays(tuple(date_range(config.season_start, config.season_end)))
    org_kind = np.array([ORGANIZER_KINDS[k].key for k in orgs.kind])
    ev_org = np.repeat(np.arange(len(orgs), dtype=np.int32), orgs.n_events)

    # What: discipline from the organiser's programme, productions among touring shows.
    disc = np.zeros(n, dtype=np.int16)
    for k, kind in enumerate(ORGANIZER_KINDS):
        mask = orgs.kind[ev_org] == k
        if mask.any():
            disc[mask] = rng.choice(len(DISCIPLINES), size=int(mask.sum()), p=discipline_weights(kind))
    touring = np.array([i for i, d in enumerate(DISCIPLINES) if d.touring], dtype=np.int64)
    share = np.array([TOURING_SHARE.get(str(k), 0.0) for k in org_kind])[ev_org]
    production = assign_productions(rng, ev_org, disc, share, touring)

    # Theme, audience, language and format; shared by the stops of a production.
    theme = _draw_themes(rng, disc)
    age_min, age_max = _draw_ages(rng, disc, theme)
    language = _draw_languages(rng, munis, orgs, org_kind, ev_org, disc)
    online = rng.random(n) < np.array([d.online_share for d in DISCIPLINES])[disc]
    free = rng.random(n) < np.array([d.free_share for d in DISCIPLINES])[disc]
    for column in (theme, age_min, age_max, language, free):
        _share_within_productions(column, production)
    online &= production < 0

    # Hidden truth: quality and style.
    rng_latent = stage_rng(seed, STAGE_LATENT)
    quality = event_quality(rng_latent, production, orgs.n_events[ev_org].astype(np.float64))
    topic = np.where(theme >= 0, theme.astype(np.int64), len(THEME_IDS) + disc.astype(np.int64))
    latent = event_latent(rng_latent, topic, ev_org, production, len(THEME_IDS) + len(DISCIPLINES), len(orgs))

    place = _choose_places(orgs, places, ev_org, disc, online)
    # Only museums have a permanent collection; elsewhere an exhibition runs for a period.
    permanent_ok = (disc != discipline_index()["exhibition"]) | (org_kind[ev_org] == "museum")
    calendars, event_status = _draw_calendars(rng, disc, production, quality, free, permanent_ok, season)
    workflow = rng.choice(len(_WORKFLOW), size=n, p=[p for _, p in _WORKFLOW])
    audience = np.full(n, 0, dtype=np.int8)  # index into AudienceType order
    is_local = np.array([ORGANIZER_KINDS[k].is_local for k in orgs.kind])[ev_org]
    audience[is_local & (rng.random(n) < 0.03)] = list(AudienceType).index(AudienceType.MEMBERS)
    school = np.isin(org_kind[ev_org], ("academy", "library"))
    audience[school & (rng.random(n) < 0.03)] = list(AudienceType).index(AudienceType.EDUCATION)

    # Prices (a production charges one base price on the whole tour).
    base = np.array(
        [
            draw_base_price(rng, DISCIPLINES[d], str(org_kind[o]), float(q))
            for d, o, q in zip(disc, ev_org, quality, strict=True)
        ]
    )
    _share_within_productions(base, production)
    town_of_event = np.where(place >= 0, places.municipality[np.maximum(place, 0)], orgs.municipality[ev_org])
    draws = [
        price_info(
            rng,
            base=float(base[i]),
            free=bool(free[i]),
            kind=str(org_kind[ev_org[i]]),
            kids=bool(0 <= age_max[i] <= KIDS_MAX_AGE),
            uitpas_region=bool(uitpas_town[town_of_event[i]]),
        )
        for i in range(n)
    ]

    # Put events in date order so that ids follow the calendar.
    first = np.array([c.start.timestamp() if c.start is not None else -np.inf for c in calendars])
    order = np.lexsort((np.arange(n), first))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)

    organizer_objs = organizer_objects(seed, munis, orgs)
    place_objs = place_objects(seed, munis, places)
    facilities = venue_facilities(rng, places)
    type_labels = {d.key: d.labels for d in DISCIPLINES}
    text_rng = stage_rng(seed, STAGE_TEXTS, 0)
    events: list[Event] = []
    for i in order.tolist():
        d = DISCIPLINES[int(disc[i])]
        o = int(ev_org[i])
        p = int(place[i])
        prod = int(production[i])
        event_id = f"syn-{seed}-event-{int(rank[i]):06d}"
        kids = bool(0 <= age_max[i] <= KIDS_MAX_AGE)
        draw = draws[i]
        lang = LANGUAGES[int(language[i])]
        translations = (
            ("fr", "en")
            if lang == "nl" and munis.is_brussels[orgs.municipality[o]] and not is_local[i] and rng.random() < 0.5
            else ()
        )
        text = event_text(
            stage_rng(seed, STAGE_TEXTS, 1, prod) if prod >= 0 else text_rng,
            discipline=d.key,
            type_label=type_labels[d.key],
            theme=THEME_IDS[theme[i]] if theme[i] >= 0 else None,
            kids=kids,
            local=bool(is_local[i]),
            permanent=calendars[i].type is CalendarType.PERMANENT,
            org=orgs.name[o],
            town=munis.name[int(town_of_event[i])],
            place=place_objs[p].name.get() if p >= 0 else "online",
            lang=lang,
            translations=translations,
            practical=practical_text(draw.base, draw.uitpas, int(age_min[i]), int(age_max[i])),
        )
        facility_ids = event_facilities(rng, d.key, facilities[p] if p >= 0 else ())
        events.append(
            event_object(
                event_id=event_id,
                seed=seed,
                discipline=d,
                text_name=LanguageMap(text.name, main=text.main),
                text_description=LanguageMap(text.description, main=text.main),
                theme_id=THEME_IDS[theme[i]] if theme[i] >= 0 else None,
                facility_ids=facility_ids,
                calendar=calendars[i],
                location=place_objs[p] if p >= 0 else place_objs[-1],
                organizer=organizer_objs[o],
                production_id=f"syn-{seed}-prod-{prod:05d}" if prod >= 0 else None,
                price=draw.info,
                age=(int(age_min[i]), int(age_max[i])),
                audience=list(AudienceType)[int(audience[i])],
                online=bool(online[i]),
                status=event_status[i],
                workflow=_WORKFLOW[int(workflow[i])][0],
                rng=rng,
                browse_start=config.browse_start,
            )
        )

    arrays = _event_arrays(
        order=order,
        events=events,
        season=season,
        disc=disc,
        theme=theme,
        ev_org=ev_org,
        place=place,
        production=production,
        province=np.where(place >= 0, munis.province[town_of_event], munis.province[orgs.municipality[ev_org]]),
        places=places,
        online=online,
        quality=quality,
        latent=latent,
        base=np.array([dr.base for dr in draws]),
        uitpas=np.array([dr.uitpas for dr in draws]),
        age_min=age_min,
        age_max=age_max,
        language=language,
    )
    return Catalogue(events, place_objs, organizer_objs, arrays, orgs, places)


def _draw_themes(rng: np.random.Generator, disc: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """A suggested theme per event (``-1`` where the event type suggests none)."""
    theme = np.full(len(disc), -1, dtype=np.int16)
    index = {t: i for i, t in enumerate(THEME_IDS)}
    for j, d in enumerate(DISCIPLINES):
        mask = disc == j
        options = d.themes
        if options and mask.any():
            picks = rng.choice(len(options), size=int(mask.sum()), p=d.theme_weights())
            theme[mask] = np.array([index[options[k]] for k in picks], dtype=np.int16)
    return theme


def _draw_ages(
    rng: np.random.Generator, disc: npt.NDArray[np.int16], theme: npt.NDArray[np.int16]
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]]:
    """Typical age range per event (``-1`` for an open bound)."""
    n = len(disc)
    kids_p = np.array([d.kids_share for d in DISCIPLINES])[disc]
    for theme_id, p in _KIDS_THEMES.items():
        kids_p[theme == THEME_IDS.index(theme_id)] = p
    adults_p = np.array([d.adults_share for d in DISCIPLINES])[disc]
    r = rng.random(n)
    kids = r < kids_p
    adults = ~kids & (r < kids_p + adults_p)
    age_min = np.full(n, -1, dtype=np.int16)
    age_max = np.full(n, -1, dtype=np.int16)
    ranges = np.array(_KIDS_RANGES, dtype=np.int16)[rng.integers(len(_KIDS_RANGES), size=n)]
    age_min[kids], age_max[kids] = ranges[kids, 0], ranges[kids, 1]
    party = disc == discipline_index()["party"]
    age_min[adults] = np.where(party[adults] & (rng.random(int(adults.sum())) < 0.7), 16, 18)
    return age_min, age_max


def _draw_languages(
    rng: np.random.Generator,
    munis: Municipalities,
    orgs: OrganizerTable,
    org_kind: npt.NDArray[np.str_],
    ev_org: npt.NDArray[np.int32],
    disc: npt.NDArray[np.int16],
) -> npt.NDArray[np.int8]:
    """Main language: Dutch, some French in Brussels, some English for concerts and talks in cities."""
    n = len(ev_org)
    language = np.zeros(n, dtype=np.int8)
    brussels = munis.is_brussels[orgs.municipality[ev_org]]
    language[brussels & (rng.random(n) < 0.12)] = LANGUAGES.index("fr")
    english_ok = (org_kind[ev_org] == "city_stage") & np.isin(
        disc, [discipline_index()["concert"], discipline_index()["lecture"]]
    )
    language[english_ok & (language == 0) & (rng.random(n) < 0.06)] = LANGUAGES.index("en")
    return language


def _choose_places(
    orgs: OrganizerTable,
    places: PlaceTable,
    ev_org: npt.NDArray[np.int32],
    disc: npt.NDArray[np.int16],
    online: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int32]:
    """Venue per event (``-1`` for online events)."""
    venues: dict[int, list[int]] = {}
    community: dict[int, list[int]] = {}
    for p in range(len(places)):
        if places.owner[p] >= 0:
            venues.setdefault(int(places.owner[p]), []).append(p)
        else:
            community.setdefault(int(places.municipality[p]), []).append(p)
    cache: dict[tuple[int, int], int] = {}
    out = np.full(len(ev_org), -1, dtype=np.int32)
    for i in np.flatnonzero(~online).tolist():
        key = (int(ev_org[i]), int(disc[i]))
        if key not in cache:
            o = key[0]
            cache[key] = choose_venue(
                venues.get(o, []), community.get(int(orgs.municipality[o]), []), places.kind, DISCIPLINES[key[1]].venues
            )
        out[i] = cache[key]
    return out


def _draw_calendars(
    rng: np.random.Generator,
    disc: npt.NDArray[np.int16],
    production: npt.NDArray[np.int32],
    quality: npt.NDArray[np.float32],
    free: npt.NDArray[np.bool_],
    permanent_ok: npt.NDArray[np.bool_],
    season: SeasonDays,
) -> tuple[list[Calendar], list[EventStatus]]:
    """Calendar and event-level status of every event (permanent only where ``permanent_ok``)."""
    n = len(disc)
    weights = [season.weights(d) for d in DISCIPLINES]
    first_day = np.zeros(n, dtype=np.int64)
    for j in range(len(DISCIPLINES)):
        mask = disc == j
        if mask.any():
            first_day[mask] = rng.choice(len(season.days), size=int(mask.sum()), p=weights[j])
    cal_type = np.zeros(n, dtype=np.int64)
    for j, d in enumerate(DISCIPLINES):
        mask = disc == j
        if mask.any():
            cal_type[mask] = rng.choice(4, size=int(mask.sum()), p=d.calendar_mix)
    cal_type[(cal_type == 3) & ~permanent_ok] = 2
    hot = quality > np.quantile(quality, 0.95)
    sold_out_p = np.where(free, 0.0, 0.01 + 0.3 * hot)
    r = rng.random(n)
    status = np.where(r < CANCELLED_SHARE, 1, np.where(r < CANCELLED_SHARE + POSTPONED_SHARE, 2, 0))
    statuses = (EventStatus.AVAILABLE, EventStatus.UNAVAILABLE, EventStatus.TEMPORARILY_UNAVAILABLE)

    tour: dict[int, list[dt.date]] = {}
    stop_rank: dict[int, int] = {}
    for p, members in _production_members(production).items():
        tour[p] = tour_days(rng, len(members), season, weights[int(disc[members[0]])])
        for k, e in enumerate(members):
            stop_rank[e] = k
    calendars: list[Calendar] = []
    event_status: list[EventStatus] = []
    for i in range(n):
        d = DISCIPLINES[int(disc[i])]
        date_status = DateStatus(statuses[int(status[i])], DATE_CANCEL_P, float(sold_out_p[i]))
        if production[i] >= 0:
            day = tour[int(production[i])][stop_rank[i]]
            days = [day, day + dt.timedelta(days=1)] if rng.random() < 0.15 and day < season.end else [day]
            cal = dated_calendar_on(rng, d, days, date_status)
        elif cal_type[i] in (0, 1):
            lo, hi = d.multiple[1], d.multiple[2]
            n_dates = 1 if cal_type[i] == 0 else int(rng.integers(lo, hi + 1))
            cal = dated_calendar(rng, d, season.days[int(first_day[i])], n_dates, d.multiple[0], season, date_status)
        elif cal_type[i] == 2:
            cal = periodic_calendar(rng, d, season)
        else:
            cal = permanent_calendar(d)
        calendars.append(cal)
        event_status.append(_event_level_status(cal, date_status.event_status))
    return calendars, event_status


def _production_members(production: npt.NDArray[np.int32]) -> dict[int, list[int]]:
    """Events of each production, in event order."""
    members: dict[int, list[int]] = {}
    for e in np.flatnonzero(production >= 0).tolist():
        members.setdefault(int(production[e]), []).append(e)
    return members


def _event_level_status(calendar: Calendar, drawn: EventStatus) -> EventStatus:
    """An event whose every date is cancelled is cancelled itself."""
    if (
        drawn is EventStatus.AVAILABLE
        and calendar.sub_events
        and all(s.status is EventStatus.UNAVAILABLE for s in calendar.sub_events)
    ):
        return EventStatus.UNAVAILABLE
    return drawn


def _event_arrays(
    *,
    order: npt.NDArray[np.int64],
    events: list[Event],
    season: SeasonDays,
    disc: npt.NDArray[np.int16],
    theme: npt.NDArray[np.int16],
    ev_org: npt.NDArray[np.int32],
    place: npt.NDArray[np.int32],
    production: npt.NDArray[np.int32],
    province: npt.NDArray[np.int8],
    places: PlaceTable,
    online: npt.NDArray[np.bool_],
    quality: npt.NDArray[np.float32],
    latent: npt.NDArray[np.float32],
    base: npt.NDArray[np.float64],
    uitpas: npt.NDArray[np.float64],
    age_min: npt.NDArray[np.int16],
    age_max: npt.NDArray[np.int16],
    language: npt.NDArray[np.int8],
) -> EventArrays:
    """Columns in event-list order, with the attendable slots."""
    starts: list[npt.NDArray[np.int64]] = []
    bookable: list[npt.NDArray[np.bool_]] = []
    for e, i in zip(events, order.tolist(), strict=True):
        default_time = DISCIPLINES[int(disc[i])].start_times[0]
        s, b = attendable_slots(e.calendar, season, default_time)
        if e.status is not EventStatus.AVAILABLE:
            s, b = s[:0], b[:0]
        starts.append(s)
        bookable.append(b)
    counts = np.array([len(s) for s in starts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    p = place[order]
    lat = np.where(p >= 0, places.lat[np.maximum(p, 0)], np.nan)
    lon = np.where(p >= 0, places.lon[np.maximum(p, 0)], np.nan)
    visible = np.array(
        [
            e.workflow_status.is_public and e.audience is AudienceType.EVERYONE and e.status is EventStatus.AVAILABLE
            for e in events
        ]
    )
    available_from = np.array(
        [int(e.available_from.timestamp()) if e.available_from else 0 for e in events], dtype=np.int64
    )
    dated = np.array([e.calendar.type in (CalendarType.SINGLE, CalendarType.MULTIPLE) for e in events])
    return EventArrays(
        discipline=disc[order],
        theme=theme[order],
        organizer=ev_org[order],
        place=p,
        production=production[order],
        province=province[order].astype(np.int8),
        lat=lat,
        lon=lon,
        online=online[order],
        quality=quality[order],
        latent=latent[order],
        base_price=base[order].astype(np.float32),
        uitpas_price=uitpas[order].astype(np.float32),
        age_min=age_min[order],
        age_max=age_max[order],
        language=language[order],
        visible=visible,
        available_from=available_from,
        dated=dated,
        slot_offsets=offsets,
        slot_start=np.concatenate(starts) if starts else np.zeros(0, np.int64),
        slot_bookable=np.concatenate(bookable) if bookable else np.zeros(0, np.bool_),
    )
