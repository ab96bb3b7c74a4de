"""Venues: the organisers' own halls, and each municipality's shared halls, squares and parks.

Institutions (city stages, cultural centres, museums, ...) have one or two
venues of their own next to their seat. Local associations and municipal
services use the municipality's community places: a parish hall, a
meeting centre, the sports hall, the market square, a nature reserve, ...
Coordinates are jittered around the municipality's centre; addresses carry
the municipality's real main postcode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from recsys.synthetic.municipalities import Municipalities, project_km, unproject_km
from recsys.synthetic.organizers import ORGANIZER_KINDS, OrganizerTable
from recsys.synthetic.texts import NATURE_NAMES, SAINTS, VENUE_NOUNS, pick, street_address

#: Place kinds and their place type in the publiq taxonomy (``eventtype`` domain, places scope).
PLACE_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "theatre": "8.70.0.0.0",  # Theater
        "cultural_centre": "Yf4aZBfsUEu2NsQqsprngw",  # Cultuur- of ontmoetingscentrum
        "museum": "GnPFp9uvOUyqhOckIFMKmg",  # Museum of galerij
        "cinema": "BtVNd33sR0WntjALVbyp3w",  # Bioscoop
        "library": "kI7uAyn2uUu9VV6Z3uWZTA",  # Bibliotheek of documentatiecentrum
        "sports": "eBwaUAAhw0ur0Z02i5ttnw",  # Sportcentrum
        "youth": "JCjA0i5COUmdjMwcyjNAFA",  # Jeugdhuis of jeugdcentrum
        "hall": "OyaPaf64AEmEAYXHeLMAtA",  # Zaal of expohal
        "public_space": "0.8.0.0.0",  # Openbare ruimte
        "nature": "0.15.0.0.0",  # Natuurgebied of park
        "monument": "0.14.0.0.0",  # Monument
        "cafe": "ekdc4ATGoUitCa0e6me6xA",  # Horeca
        "club": "YVBc8KVdrU6XfTNvhMYUpg",  # Discotheek
        "school": "rJRFUqmd6EiqTD4c7HS90w",  # School of onderwijscentrum
    }
)
KIND_KEYS = tuple(PLACE_KINDS)

# Community places every municipality with local organisers has, with name templates.
_COMMUNITY = (
    ("hall", ("Parochiezaal {saint}", "Feestzaal {noun}", "Zaal {noun}")),
    ("cultural_centre", ("Ontmoetingscentrum {noun}", "OC {noun}")),
    ("sports", ("Sporthal {town}", "Sportcentrum {noun}")),
    ("public_space", ("Markt {town}", "Dorpsplein {town}", "Stadspark {town}")),
    ("nature", ("Natuurgebied {nature}", "Domein {nature}")),
    ("cafe", ("Café {noun}", "Herberg {noun}")),
    ("youth", ("Jeugdlokaal {town}",)),
    ("monument", ("{saint}kerk",)),
    ("school", ("Gemeentelijke basisschool {town}", "Basisschool {noun}")),
)
_SECOND_VENUE = {"hall": "{org} - Studio"}


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """Generated places as aligned columns.

    Parameters
    ----------
    kind : ndarray of int16
        Index into :data:`KIND_KEYS`.
    municipality : ndarray of int32
        Row in the season's municipalities.
    lat, lon : ndarray of float64
        Coordinates.
    owner : ndarray of int32
        Organiser that owns the venue, ``-1`` for community places.
    name, street : tuple of str
        Venue name and street address.

    """

    kind: npt.NDArray[np.int16]
    municipality: npt.NDArray[np.int32]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    owner: npt.NDArray[np.int32]
    name: tuple[str, ...]
    street: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.name)


def generate_places(rng: np.random.Generator, munis: Municipalities, orgs: OrganizerTable) -> PlaceTable:
    """Venues of the institutions and community places of municipalities with local organisers."""
    kind: list[int] = []
    town: list[int] = []
    owner: list[int] = []
    names: list[str] = []
    centre_lat: list[float] = []
    centre_lon: list[float] = []
    spread: list[float] = []
    for o in range(len(orgs)):
        for v, venue in enumerate(ORGANIZER_KINDS[int(orgs.kind[o])].venues):
            kind.append(KIND_KEYS.index(venue))
            town.append(int(orgs.municipality[o]))
            owner.append(o)
            names.append(
                orgs.name[o] if v == 0 else _SECOND_VENUE.get(venue, "{org} - Zaal 2").format(org=orgs.name[o])
            )
            centre_lat.append(float(orgs.lat[o]))
            centre_lon.append(float(orgs.lon[o]))
            spread.append(0.05 if v == 0 else 0.3)  # the main venue is the organiser's seat
    local_towns = sorted(
        {int(orgs.municipality[o]) for o in range(len(orgs)) if ORGANIZER_KINDS[int(orgs.kind[o])].is_local}
    )
    muni_spread = munis.spread_km()
    for t in local_towns:
        for venue, templates in _COMMUNITY:
            kind.append(KIND_KEYS.index(venue))
            town.append(t)
            owner.append(-1)
            names.append(
                pick(rng, templates).format(
                    town=munis.name[t],
                    saint=pick(rng, SAINTS),
                    noun=pick(rng, VENUE_NOUNS),
                    nature=pick(rng, NATURE_NAMES),
                )
            )
            centre_lat.append(float(munis.lat[t]))
            centre_lon.append(float(munis.lon[t]))
            spread.append(float(muni_spread[t]) * (1.5 if venue == "nature" else 0.7))
    x, y = project_km(np.array(centre_lat), np.array(centre_lon))
    sd = np.array(spread)
    lat, lon = unproject_km(x + rng.normal(0, 1, len(sd)) * sd, y + rng.normal(0, 1, len(sd)) * sd)
    return PlaceTable(
        kind=np.array(kind, dtype=np.int16),
        municipality=np.array(town, dtype=np.int32),
        lat=lat,
        lon=lon,
        owner=np.array(owner, dtype=np.int32),
        name=tuple(names),
        street=tuple(street_address(rng) for _ in names),
    )


def choose_venue(
    venues: list[int], community: list[int], place_kind: npt.NDArray[np.int16], preferences: tuple[str, ...]
) -> int:
    """The venue for an event: the organiser's own fitting venue, else a fitting community place.

    Parameters
    ----------
    venues : list of int
        The organiser's own places.
    community : list of int
        Community places of the organiser's municipality.
    place_kind : ndarray
        Kind of every place.
    preferences : tuple of str
        Place kinds that suit the discipline, best first.

    """
    for wanted in preferences:
        k = KIND_KEYS.index(wanted)
        for p in venues:
            if place_kind[p] == k:
                return p
    for wanted in preferences:
        k = KIND_KEYS.index(wanted)
        for p in community:
            if place_kind[p] == k:
                return p
    return venues[0] if venues else community[0]
