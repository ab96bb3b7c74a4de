"""Organisers with a long tail: a few big city institutions, cultural centres, many small associations.

Each organiser kind has a share of the season's events, a typical number
of events per organiser, the municipalities it lives in and the disciplines
it programmes. Institutions grow with the catalogue (a real season's big
venues programme hundreds of dates); village associations stay at one or
two events each, so the top 5% of organisers own a large share of the
events while most own one or two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsys.synthetic.disciplines import DISCIPLINES, discipline_index
from recsys.synthetic.municipalities import Municipalities, project_km, unproject_km
from recsys.synthetic.texts import ASSOCIATION_NAMES, NATURE_NAMES, SAINTS, VENUE_NOUNS, pick

#: Catalogue size at which organiser sizes are as listed; institutions grow with its square root.
REFERENCE_EVENTS = 1_500
#: NIS code of the City of Brussels, home of most Flemish institutions in the capital.
BRUSSELS_CITY_NIS = 21004


@dataclass(frozen=True, slots=True)
class OrganizerKind:
    """A kind of organiser.

    Parameters
    ----------
    key : str
        Short name, also used as the organiser's label.
    share : float
        Share of the season's events (normalised over all kinds).
    size : float
        Mean events per organiser at :data:`REFERENCE_EVENTS` events.
    institution : bool
        Sizes grow with the square root of the catalogue size.
    spread : float
        Log-normal spread of sizes within the kind.
    min_population : int
        Only in municipalities at least this large (when there are any).
    one_per_town : bool
        At most one per municipality while there are enough municipalities.
    brussels_factor : float
        Weight of Brussels municipalities relative to their population (for
        institutions the City of Brussels itself counts in full).
    disciplines : Mapping[str, float]
        What it programmes (discipline key -> weight).
    venues : tuple of str
        Place kinds of its own venues; empty for organisers that use the
        municipality's halls, squares and parks.
    names : tuple of str
        Name templates (``{town}``, ``{name}``, ``{saint}``, ``{noun}``, ``{nature}``).

    """

    key: str
    share: float
    size: float
    institution: bool
    spread: float
    min_population: int
    one_per_town: bool
    brussels_factor: float
    disciplines: Mapping[str, float]
    venues: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def is_local(self) -> bool:
        """A local association or municipal service (uses community venues)."""
        return not self.venues


def _assoc(key: str, share: float, disciplines: Mapping[str, float], names: tuple[str, ...]) -> OrganizerKind:
    """A kind of local association: one or two events each, community venues, few in Brussels."""
    return OrganizerKind(
        key,
        share,
        size=1.5,
        institution=False,
        spread=0.3,
        min_population=0,
        one_per_town=False,
        brussels_factor=0.15,
        disciplines=disciplines,
        venues=(),
        names=names,
    )


ORGANIZER_KINDS: tuple[OrganizerKind, ...] = (
    OrganizerKind(
        "city_stage",
        0.20,
        size=40.0,
        institution=True,
        spread=0.6,
        min_population=60_000,
        one_per_town=False,
        brussels_factor=0.15,
        disciplines={
            "concert": 0.38,
            "theatre": 0.25,
            "dance": 0.10,
            "lecture": 0.07,
            "festival": 0.04,
            "film": 0.04,
            "exhibition": 0.04,
            "workshop": 0.04,
            "party": 0.04,
        },
        venues=("theatre", "hall"),
        names=(
            "Stadsschouwburg {town}",
            "Concertzaal {town}",
            "Kunstencentrum {town}",
            "Muziekcentrum {town}",
            "Theater {noun}",
        ),
    ),
    OrganizerKind(
        "museum",
        0.06,
        size=20.0,
        institution=True,
        spread=0.5,
        min_population=30_000,
        one_per_town=False,
        brussels_factor=0.15,
        disciplines={
            "exhibition": 0.45,
            "tour": 0.25,
            "lecture": 0.12,
            "workshop": 0.10,
            "course": 0.03,
            "open_day": 0.05,
        },
        venues=("museum",),
        names=("Museum {town}", "Stedelijk Museum {town}", "Kunsthal {town}", "Erfgoedhuis {town}", "Museum {noun}"),
    ),
    OrganizerKind(
        "cinema",
        0.04,
        size=15.0,
        institution=True,
        spread=0.5,
        min_population=25_000,
        one_per_town=True,
        brussels_factor=0.15,
        disciplines={"film": 0.90, "lecture": 0.05, "festival": 0.05},
        venues=("cinema",),
        names=("Filmhuis {town}", "Cinema {noun}", "Filmtheater {town}"),
    ),
    OrganizerKind(
        "cultural_centre",
        0.22,
        size=18.0,
        institution=True,
        spread=0.5,
        min_population=12_000,
        one_per_town=True,
        brussels_factor=1.0,  # the Flemish community centres of Brussels
        disciplines={
            "theatre": 0.22,
            "concert": 0.22,
            "dance": 0.06,
            "film": 0.10,
            "lecture": 0.10,
            "exhibition": 0.08,
            "workshop": 0.07,
            "course": 0.06,
            "quiz": 0.03,
            "fair": 0.02,
            "festivity": 0.02,
            "open_day": 0.02,
        },
        venues=("cultural_centre", "hall"),
        names=("Cultuurcentrum {town}", "CC {town}", "Cultuurhuis {town}"),
    ),
    OrganizerKind(
        "library",
        0.05,
        size=6.0,
        institution=True,
        spread=0.4,
        min_population=0,
        one_per_town=True,
        brussels_factor=0.3,
        disciplines={"lecture": 0.40, "workshop": 0.25, "course": 0.10, "quiz": 0.05, "exhibition": 0.10, "fair": 0.10},
        venues=("library",),
        names=("Bibliotheek {town}",),
    ),
    OrganizerKind(
        "academy",
        0.05,
        size=8.0,
        institution=True,
        spread=0.4,
        min_population=15_000,
        one_per_town=True,
        brussels_factor=0.3,
        disciplines={"course": 0.50, "workshop": 0.25, "lecture": 0.15, "tour": 0.10},
        venues=("school",),
        names=("Academie {town}", "Kunstacademie {town}", "Vormingplus regio {town}"),
    ),
    OrganizerKind(
        "youth_centre",
        0.04,
        size=5.0,
        institution=False,
        spread=0.4,
        min_population=8_000,
        one_per_town=False,
        brussels_factor=0.3,
        disciplines={"party": 0.45, "concert": 0.30, "quiz": 0.15, "festival": 0.10},
        venues=("youth",),
        names=("Jeugdhuis {noun}", "JH {noun}", "Jeugdcentrum {noun}"),
    ),
    OrganizerKind(
        "municipality",
        0.07,
        size=3.0,
        institution=False,
        spread=0.5,
        min_population=0,
        one_per_town=True,
        brussels_factor=0.3,
        disciplines={
            "market": 0.20,
            "festivity": 0.20,
            "tour": 0.20,
            "route": 0.15,
            "festival": 0.10,
            "open_day": 0.05,
            "sport": 0.05,
            "exhibition": 0.05,
        },
        venues=(),
        names=("Gemeente {town}", "Dienst Cultuur {town}", "Toerisme {town}"),
    ),
    _assoc("drama_club", 0.035, {"theatre": 0.9, "food": 0.1}, ("Toneelkring {name}", "Toneelvereniging {name}")),
    _assoc("brass_band", 0.03, {"concert": 0.85, "food": 0.15}, ("Harmonie {saint}", "Fanfare {name}")),
    _assoc("choir", 0.02, {"concert": 1.0}, ("Koor {name}", "Gemengd Koor {saint}")),
    _assoc(
        "cultural_fund",
        0.03,
        {"lecture": 0.5, "tour": 0.35, "quiz": 0.15},
        ("Davidsfonds {town}", "Willemsfonds {town}", "Vermeylenfonds {town}"),
    ),
    _assoc(
        "womens_movement",
        0.025,
        {"course": 0.3, "workshop": 0.3, "lecture": 0.3, "food": 0.1},
        ("Femma {town}", "Vief {town}", "Landelijke Gilde {town}"),
    ),
    _assoc(
        "seniors",
        0.025,
        {"lecture": 0.3, "tour": 0.3, "route": 0.2, "food": 0.2},
        ("Okra {town}", "S-Plus {town}", "Neos {town}"),
    ),
    _assoc(
        "youth_movement",
        0.03,
        {"youth": 0.5, "party": 0.25, "food": 0.15, "camp": 0.1},
        ("Chiro {town}", "KSA {town}", "Scouts {saint}", "KLJ {town}"),
    ),
    _assoc(
        "local_history",
        0.015,
        {"exhibition": 0.4, "lecture": 0.4, "tour": 0.2},
        ("Heemkundige kring {town}", "Geschiedkundige kring {town}"),
    ),
    _assoc(
        "festival_committee",
        0.02,
        {"market": 0.35, "festivity": 0.35, "festival": 0.15, "food": 0.15},
        ("Feestcomité {town}", "Wijkcomité {noun}"),
    ),
    _assoc("families", 0.015, {"fair": 0.4, "workshop": 0.3, "festivity": 0.3}, ("Gezinsbond {town}",)),
    _assoc(
        "outdoor_club",
        0.015,
        {"route": 0.5, "sport": 0.5},
        ("Wandelclub {name}", "Wielerclub {name}", "Natuurvereniging {nature}"),
    ),
    _assoc("photo_club", 0.01, {"exhibition": 0.7, "workshop": 0.3}, ("Fotoclub {noun}", "Fotokring {town}")),
    _assoc("sports_club", 0.015, {"sport": 0.8, "food": 0.2}, ("Turnkring {name}", "Sportclub {town}")),
    _assoc("playground", 0.01, {"camp": 0.7, "youth": 0.3}, ("Speelpleinwerking {noun}", "Jeugddienst {town}")),
)


@dataclass(frozen=True, slots=True)
class OrganizerTable:
    """Generated organisers as aligned columns.

    Parameters
    ----------
    kind : ndarray of int16
        Index into :data:`ORGANIZER_KINDS`.
    municipality : ndarray of int32
        Row in the season's :class:`Municipalities`.
    lat, lon : ndarray of float64
        Seat of the organiser.
    n_events : ndarray of int32
        Events it organises this season.
    name : tuple of str
        Unique names.

    """

    kind: npt.NDArray[np.int16]
    municipality: npt.NDArray[np.int32]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    n_events: npt.NDArray[np.int32]
    name: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.name)


def _largest_remainder(total: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Integers proportional to ``weights`` that sum to ``total``."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return np.asarray(counts, dtype=np.int64)


def generate_organizers(rng: np.random.Generator, munis: Municipalities, n_events: int) -> OrganizerTable:
    """Draw the organisers of a season and how many events each organises.

    Parameters
    ----------
    rng : Generator
        Random stream.
    munis : Municipalities
        Where organisers may live.
    n_events : int
        Total number of events; the returned ``n_events`` column sums to it.

    """
    growth = np.sqrt(max(1.0, n_events / REFERENCE_EVENTS))
    per_kind = _largest_remainder(n_events, np.array([k.share for k in ORGANIZER_KINDS]))
    kinds: list[npt.NDArray[np.int16]] = []
    towns: list[npt.NDArray[np.int64]] = []
    sizes: list[npt.NDArray[np.int64]] = []
    for k, (kind, budget) in enumerate(zip(ORGANIZER_KINDS, per_kind, strict=True)):
        if budget == 0:
            continue
        mean_size = kind.size * (growth if kind.institution else 1.0)
        count = int(min(budget, max(1, round(budget / mean_size))))
        town = _place_organizers(rng, munis, kind, count)
        # Everyone organises at least one event; the rest follows log-normal popularity.
        weight = rng.lognormal(0.0, kind.spread, count)
        extra = (
            rng.multinomial(int(budget - count), weight / weight.sum()) if budget > count else np.zeros(count, np.int64)
        )
        kinds.append(np.full(count, k, dtype=np.int16))
        towns.append(town)
        sizes.append(1 + extra)
    kind_arr = np.concatenate(kinds)
    town_arr = np.concatenate(towns)
    # Institutions sit near the centre, associations anywhere in the municipality.
    spread = munis.spread_km()[town_arr] * np.where([ORGANIZER_KINDS[k].institution for k in kind_arr], 0.4, 0.8)
    x, y = project_km(munis.lat[town_arr], munis.lon[town_arr])
    lat, lon = unproject_km(x + rng.normal(0, 1, len(x)) * spread, y + rng.normal(0, 1, len(y)) * spread)
    names = _names(rng, munis, kind_arr, town_arr)
    return OrganizerTable(
        kind=kind_arr,
        municipality=town_arr.astype(np.int32),
        lat=lat,
        lon=lon,
        n_events=np.concatenate(sizes).astype(np.int32),
        name=names,
    )


def _place_organizers(
    rng: np.random.Generator, munis: Municipalities, kind: OrganizerKind, count: int
) -> npt.NDArray[np.int64]:
    """Municipalities of ``count`` organisers of ``kind``, weighted by population."""
    eligible = np.flatnonzero(munis.population >= kind.min_population)
    if eligible.size == 0:
        eligible = np.arange(len(munis))
    # Brussels' big Flemish institutions are in the City of Brussels; elsewhere in the
    # region Dutch-language offer is thinner than the population suggests.
    factor = np.where(munis.is_brussels[eligible], kind.brussels_factor, 1.0)
    if kind.institution:
        factor[munis.nis_code[eligible] == BRUSSELS_CITY_NIS] = 1.0
    weight = munis.population[eligible].astype(np.float64) * factor
    weight = np.maximum(weight, 1.0)
    replace = not kind.one_per_town or count > eligible.size
    return np.asarray(rng.choice(eligible, size=count, replace=replace, p=weight / weight.sum()), dtype=np.int64)


def _names(
    rng: np.random.Generator, munis: Municipalities, kinds: npt.NDArray[np.int16], towns: npt.NDArray[np.int64]
) -> tuple[str, ...]:
    """Unique organiser names from the kinds' templates."""
    seen: dict[str, int] = {}
    names: list[str] = []
    for kind_idx, town_idx in zip(kinds.tolist(), towns.tolist(), strict=True):
        kind = ORGANIZER_KINDS[kind_idx]
        town = munis.name[town_idx]
        template = pick(rng, kind.names)
        if kind.key == "cultural_centre" and munis.is_brussels[town_idx]:
            template = "Gemeenschapscentrum {noun}"  # Flemish community centres in Brussels
        if kind.key == "municipality" and munis.population[town_idx] > 60_000 and not munis.is_brussels[town_idx]:
            template = "Stad {town}"
        name = template.format(
            town=town,
            name=pick(rng, ASSOCIATION_NAMES),
            saint=pick(rng, SAINTS),
            noun=pick(rng, VENUE_NOUNS),
            nature=pick(rng, NATURE_NAMES),
        )
        if "{town}" not in template and name in seen:
            name = f"{name} {town}"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        names.append(name)
    return tuple(names)


def discipline_weights(kind: OrganizerKind) -> npt.NDArray[np.float64]:
    """Probabilities over :data:`DISCIPLINES` of an event of this kind of organiser."""
    index = discipline_index()
    weights = np.zeros(len(DISCIPLINES))
    for key, w in kind.disciplines.items():
        weights[index[key]] = w
    return np.asarray(weights / weights.sum())
