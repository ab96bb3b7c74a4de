"""The population: users as numpy columns (scales to millions), offered as ``User`` objects only lazily.

Each user has a home municipality (weighted by population), a home
location jittered around its centre, an age band, UiTPAS (~10%) and
consent (~90%) flags, and hidden traits: a heavy-tailed activity level
(most people rarely go out, a few often), a taste vector over the
disciplines drawn from a Dirichlet whose mean depends on the age band,
a latent style vector, whether they have young children, and up to two
favourite organisers (a local one and a big one in the province).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.geo import GeoPoint
from recsys.domain.users import AgeBand, User
from recsys.synthetic.config import STAGE_POPULATION, SeasonConfig, stage_rng
from recsys.synthetic.disciplines import age_affinity_matrix
from recsys.synthetic.latent import LATENT_DIM
from recsys.synthetic.municipalities import Municipalities, project_km, unproject_km
from recsys.synthetic.organizers import OrganizerTable
from recsys.synthetic.sampling import GroupedSampler

AGE_BANDS: tuple[AgeBand, ...] = tuple(AgeBand)
#: Share of users per age band (0-11 are children on a family account).
AGE_BAND_SHARES = (0.03, 0.07, 0.13, 0.18, 0.25, 0.20, 0.14)
#: Chance of having children of 14 or younger, per age band.
HAS_KIDS_P = (0.0, 0.0, 0.08, 0.45, 0.55, 0.15, 0.12)
UITPAS_SHARE = 0.10
CONSENT_SHARE = 0.90
#: Brussels residents count for this share of their population: the users of
#: Dutch-language agendas are a minority there.
BRUSSELS_USER_FACTOR = 0.25
#: Dirichlet concentration per discipline: small values give a few strong favourites.
TASTE_CONCENTRATION = 0.8
USER_LATENT_SCALE = 0.8
MAX_ACTIVITY = 14.0  # sessions per week
#: Chance of a favourite organiser in the home municipality and of a big one in the province.
FAVOURITE_P = (0.5, 0.4)

_BLOCK = 65_536

USER_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("home_lat", pa.float64(), nullable=False),
        pa.field("home_lon", pa.float64(), nullable=False),
        pa.field("home_municipality", pa.string(), nullable=False),
        pa.field("home_postcode", pa.string(), nullable=False),
        pa.field("age_band", pa.string(), nullable=False),
        pa.field("uitpas", pa.bool_(), nullable=False),
        pa.field("consent", pa.bool_(), nullable=False),
    ]
)


@dataclass(frozen=True, slots=True)
class Population:
    """Users as aligned columns (row ``i`` is user ``i``).

    Parameters
    ----------
    municipality : ndarray of int32
        Home municipality (row in the season's municipalities).
    lat, lon : ndarray of float64
        Home location.
    age_band : ndarray of int8
        Index into :data:`AGE_BANDS`.
    uitpas, consent, has_kids : ndarray of bool
        Flags; ``has_kids`` is hidden (children of 14 or younger).
    activity : ndarray of float32
        Expected browsing sessions per week (hidden).
    taste : ndarray of float32
        Preference over disciplines, rows sum to 1 (hidden), shape ``(n, n_disciplines)``.
    latent : ndarray of float32
        Style vector (hidden), shape ``(n, LATENT_DIM)``.
    favourites : ndarray of int32
        Up to two favourite organisers, ``-1`` for none (hidden), shape ``(n, 2)``.

    """

    municipality: npt.NDArray[np.int32]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    age_band: npt.NDArray[np.int8]
    uitpas: npt.NDArray[np.bool_]
    consent: npt.NDArray[np.bool_]
    has_kids: npt.NDArray[np.bool_]
    activity: npt.NDArray[np.float32]
    taste: npt.NDArray[np.float32]
    latent: npt.NDArray[np.float32]
    favourites: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.municipality)


def generate_population(config: SeasonConfig, munis: Municipalities, orgs: OrganizerTable) -> Population:
    """Draw ``config.n_users`` users.

    Parameters
    ----------
    config : SeasonConfig
        Seed, size and behavioural constants.
    munis : Municipalities
        Where users live.
    orgs : OrganizerTable
        Organisers users may be loyal to.

    """
    rng = stage_rng(config.seed, STAGE_POPULATION)
    n = config.n_users
    weight = munis.population * np.where(munis.is_brussels, BRUSSELS_USER_FACTOR, 1.0)
    town = rng.choice(len(munis), size=n, p=weight / weight.sum()).astype(np.int32)
    sd = munis.spread_km()[town]
    x, y = project_km(munis.lat[town], munis.lon[town])
    lat, lon = unproject_km(x + rng.normal(0, 1, n) * sd, y + rng.normal(0, 1, n) * sd)
    band = rng.choice(len(AGE_BANDS), size=n, p=AGE_BAND_SHARES).astype(np.int8)
    uitpas = rng.random(n) < UITPAS_SHARE
    consent = rng.random(n) < CONSENT_SHARE
    has_kids = rng.random(n) < np.array(HAS_KIDS_P)[band]
    params = config.behaviour
    activity = np.minimum(
        MAX_ACTIVITY, rng.lognormal(np.log(params.sessions_per_week_median), params.activity_sigma, n)
    )
    affinity = age_affinity_matrix()
    alpha = TASTE_CONCENTRATION * affinity / affinity.mean(axis=1, keepdims=True)
    taste = np.empty((n, alpha.shape[1]), dtype=np.float32)
    for lo in range(0, n, _BLOCK):  # blocks keep float64 temporaries small for millions of users
        gamma = rng.standard_gamma(alpha[band[lo : lo + _BLOCK]]) + 1e-12  # Dirichlet via normalised gammas
        taste[lo : lo + _BLOCK] = gamma / gamma.sum(axis=1, keepdims=True)
    latent = rng.standard_normal((n, LATENT_DIM), dtype=np.float32) * np.float32(USER_LATENT_SCALE)
    favourites = _favourites(rng, munis, orgs, town)
    return Population(
        municipality=town,
        lat=lat,
        lon=lon,
        age_band=band,
        uitpas=uitpas,
        consent=consent,
        has_kids=has_kids,
        activity=activity.astype(np.float32),
        taste=taste,
        latent=latent,
        favourites=favourites,
    )


def _favourites(
    rng: np.random.Generator, munis: Municipalities, orgs: OrganizerTable, town: npt.NDArray[np.int32]
) -> npt.NDArray[np.int32]:
    """A local favourite (any size) and a provincial one (big ones weigh most)."""
    n = len(town)
    size = orgs.n_events.astype(np.float64)
    local = GroupedSampler(orgs.municipality, np.arange(len(orgs)), np.sqrt(size)).sample(rng, town.astype(np.int64))
    regional = GroupedSampler(munis.province[orgs.municipality], np.arange(len(orgs)), size).sample(
        rng, munis.province[town].astype(np.int64)
    )
    local[rng.random(n) >= FAVOURITE_P[0]] = -1
    regional[(rng.random(n) >= FAVOURITE_P[1]) | (regional == local)] = -1
    return np.stack([local, regional], axis=1).astype(np.int32)


def user_ids(seed: int, start: int, stop: int) -> pa.StringArray:
    """Pseudonymous ids ``syn-<seed>-user-<n>`` of users ``start .. stop - 1``."""
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(start, stop, dtype=np.int64)), pa.string()), width=7, padding="0")
    return pc.binary_join_element_wise(f"syn-{seed}-user-", numbers, "")


def users_table(population: Population, munis: Municipalities, ids: pa.StringArray) -> pa.Table:
    """The users as an Arrow table with :data:`USER_SCHEMA` (no hidden traits), ids from :func:`user_ids`."""
    town = pa.array(population.municipality)
    return pa.table(
        {
            "user_id": ids,
            "home_lat": population.lat,
            "home_lon": population.lon,
            "home_municipality": pa.array(munis.name).take(town),
            "home_postcode": pa.array(munis.postcode).take(town),
            "age_band": pa.array([b.value for b in AGE_BANDS]).take(pa.array(population.age_band)),
            "uitpas": population.uitpas,
            "consent": population.consent,
        },
        schema=USER_SCHEMA,
    )


def iter_users(table: pa.Table, batch_size: int = 65_536) -> Iterator[User]:
    """``User`` objects for the rows of a :data:`USER_SCHEMA` table, built one batch at a time."""
    for batch in table.to_batches(max_chunksize=batch_size):
        for row in batch.to_pylist():
            yield User(
                id=row["user_id"],
                home=GeoPoint(row["home_lat"], row["home_lon"]),
                home_municipality=row["home_municipality"],
                home_postcode=row["home_postcode"],
                age_band=AgeBand(row["age_band"]),
                uitpas=row["uitpas"],
                consent=row["consent"],
            )
