"""Domain objects from the generated columns: organisers, places and events.

Also the small pieces of an event record that only matter for the object:
facilities, the closing sentence of the description, the publication window
and record timestamps.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np

from recsys.domain.events import (
    Address,
    AgeRange,
    AttendanceMode,
    AudienceType,
    BookingAvailability,
    Calendar,
    CalendarType,
    Event,
    EventStatus,
    Organizer,
    Place,
    PriceInfo,
    WorkflowStatus,
)
from recsys.domain.geo import GeoPoint
from recsys.domain.language import LanguageMap
from recsys.synthetic.disciplines import KIDS_MAX_AGE, Discipline
from recsys.synthetic.municipalities import Municipalities
from recsys.synthetic.organizers import ORGANIZER_KINDS, OrganizerTable
from recsys.synthetic.places import KIND_KEYS, PLACE_KINDS, PlaceTable

#: Label publiq gives to activities for children.
KIDS_LABEL = "UiT met Vlieg"
#: Venue facilities (accessibility) and their odds at institutions and at community places.
VENUE_FACILITIES = (
    ("3.27.0.0.0", 0.75, 0.3),  # Rolstoeltoegankelijk
    ("3.31.0.0.0", 0.55, 0.2),  # Toegankelijk sanitair
    ("3.17.1.0.0", 0.30, 0.02),  # Ringleiding
    ("3.30.0.0.0", 0.10, 0.0),  # Rolstoelpodium
    ("3.26.0.0.0", 0.30, 0.3),  # Parkeerplaats
    ("3.13.1.0.0", 0.30, 0.1),  # Voorzieningen voor assistentiehonden
)
#: Facilities of single events, the disciplines that offer them, and their odds.
EVENT_FACILITIES = (
    ("3.13.2.0.0", ("theatre", "dance", "film"), 0.03),  # Audiodescriptie
    ("3.17.3.0.0", ("film",), 0.2),  # Boven- of ondertiteling
    ("3.17.3.0.0", ("theatre",), 0.05),
    ("3.33.0.0.0", ("theatre", "lecture", "tour"), 0.01),  # Tolken Vlaamse Gebarentaal
    ("H28fcfRKFQAQs00K9NF9hh", ("theatre", "film", "concert", "exhibition"), 0.02),  # Prikkelarm aanbod
    ("3.34.0.0.0", ("lecture", "tour", "exhibition"), 0.02),  # Vereenvoudigde informatie
)


def slug(text: str) -> str:
    """ASCII, lower-case, dash-separated form of ``text`` (for URLs)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def practical_text(base: float, uitpas: float, age_min: int, age_max: int) -> str:
    """Closing Dutch sentence of a description: price, UiTPAS and age."""
    parts = []
    if base == 0.0:
        parts.append("Gratis toegang.")
    elif not np.isnan(base):
        parts.append(f"Tickets: € {base:.2f}.".replace(".", ",", 1))
    if not np.isnan(uitpas):
        parts.append("Met UiTPAS betaal je minder.")
    if 0 <= age_max <= KIDS_MAX_AGE:
        parts.append(f"Voor kinderen van {age_min} tot {age_max} jaar.")
    elif age_min >= 16:
        parts.append(f"Vanaf {age_min} jaar.")
    return " ".join(parts)


def venue_facilities(rng: np.random.Generator, places: PlaceTable) -> list[tuple[str, ...]]:
    """Accessibility facilities of each venue (events inherit them)."""
    out = []
    for p in range(len(places)):
        institution = places.owner[p] >= 0
        out.append(
            tuple(fid for fid, p_inst, p_comm in VENUE_FACILITIES if rng.random() < (p_inst if institution else p_comm))
        )
    return out


def organizer_objects(seed: int, munis: Municipalities, orgs: OrganizerTable) -> list[Organizer]:
    """``Organizer`` objects, ids ``syn-<seed>-org-<n>``."""
    out = []
    for o in range(len(orgs)):
        t = int(orgs.municipality[o])
        out.append(
            Organizer(
                id=f"syn-{seed}-org-{o:05d}",
                name=LanguageMap.single(orgs.name[o]),
                address=Address(munis.name[t], munis.postcode[t], "", "BE"),
                geo=GeoPoint(float(orgs.lat[o]), float(orgs.lon[o])),
                url=f"https://www.{slug(orgs.name[o])}.be",
                labels=(ORGANIZER_KINDS[int(orgs.kind[o])].key,),
            )
        )
    return out


def place_objects(seed: int, munis: Municipalities, places: PlaceTable) -> list[Place]:
    """``Place`` objects, ids ``syn-<seed>-place-<n>``, followed by the dummy online location."""
    out = []
    for p in range(len(places)):
        t = int(places.municipality[p])
        out.append(
            Place(
                id=f"syn-{seed}-place-{p:05d}",
                name=LanguageMap.single(places.name[p]),
                address=Address(munis.name[t], munis.postcode[t], places.street[p], "BE"),
                geo=GeoPoint(float(places.lat[p]), float(places.lon[p])),
                type_id=PLACE_KINDS[KIND_KEYS[int(places.kind[p])]],
            )
        )
    out.append(Place(id=f"syn-{seed}-place-online", name=LanguageMap.single("Online"), is_dummy=True))
    return out


def event_object(
    *,
    event_id: str,
    seed: int,
    discipline: Discipline,
    text_name: LanguageMap,
    text_description: LanguageMap,
    theme_id: str | None,
    facility_ids: tuple[str, ...],
    calendar: Calendar,
    location: Place,
    organizer: Organizer,
    production_id: str | None,
    price: PriceInfo,
    age: tuple[int, int],
    audience: AudienceType,
    online: bool,
    status: EventStatus,
    workflow: WorkflowStatus,
    rng: np.random.Generator,
    browse_start: dt.date,
) -> Event:
    """One :class:`Event` with its publication window and record timestamps."""
    if calendar.start is not None:
        lead = dt.timedelta(
            days=float(rng.uniform(21, 120) if calendar.type is not CalendarType.PERIODIC else rng.uniform(14, 60))
        )
        available_from = calendar.start - lead
    else:
        available_from = dt.datetime.combine(browse_start - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)
    created = available_from - dt.timedelta(days=float(rng.uniform(0, 10)))
    booking = BookingAvailability.AVAILABLE
    dated = [s for s in calendar.sub_events if s.status is EventStatus.AVAILABLE]
    if dated and all(s.booking is BookingAvailability.UNAVAILABLE for s in dated):
        booking = BookingAvailability.UNAVAILABLE
    age_min, age_max = age
    kids = 0 <= age_max <= KIDS_MAX_AGE
    return Event(
        id=event_id,
        name=text_name,
        calendar=calendar,
        description=text_description,
        type_id=discipline.type_id,
        theme_id=theme_id,
        facility_ids=facility_ids,
        location=location,
        organizer=organizer,
        production_id=production_id,
        price=price,
        age_range=AgeRange(age_min if age_min >= 0 else None, age_max if age_max >= 0 else None),
        audience=audience,
        attendance_mode=AttendanceMode.ONLINE if online else AttendanceMode.OFFLINE,
        status=status,
        booking=booking,
        workflow_status=workflow,
        available_from=available_from.astimezone(dt.UTC),
        available_to=calendar.end,
        labels=(KIDS_LABEL,) if kids else (),
        online_url=f"https://live.example.org/{seed}/{event_id}" if online else None,
        created=created.astimezone(dt.UTC),
        modified=(created + dt.timedelta(days=float(rng.uniform(0, 20)))).astimezone(dt.UTC),
    )


def event_facilities(rng: np.random.Generator, discipline: str, venue: tuple[str, ...]) -> tuple[str, ...]:
    """Facility ids of an event: its venue's plus event-specific ones (audio description, subtitles, ...)."""
    own = tuple(fid for fid, keys, prob in EVENT_FACILITIES if discipline in keys and rng.random() < prob)
    return tuple(sorted(set(venue + own)))
