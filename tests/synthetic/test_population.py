from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from recsys.domain.users import AgeBand, User
from recsys.synthetic import USER_SCHEMA, SeasonConfig
from recsys.synthetic.catalogue import generate_catalogue
from recsys.synthetic.disciplines import discipline_index
from recsys.synthetic.municipalities import load_municipalities
from recsys.synthetic.organizers import OrganizerTable
from recsys.synthetic.population import AGE_BANDS, Population, generate_population, iter_users, user_ids, users_table
from tests.synthetic.conftest import Generated

CROWD = SeasonConfig(seed=5, n_users=50_000, n_events=3_000)


@pytest.fixture(scope="module")
def organizers() -> OrganizerTable:
    munis = load_municipalities()
    return generate_catalogue(CROWD, munis).organizer_table


@pytest.fixture(scope="module")
def crowd(organizers: OrganizerTable) -> Population:
    """50,000 users (the population alone is cheap)."""
    return generate_population(CROWD, load_municipalities(), organizers)


def test_users_table(small: Generated) -> None:
    users = small.season.users
    assert users.schema == USER_SCHEMA
    assert users.num_rows == 800
    assert users.column("user_id")[0].as_py() == "syn-11-user-0000000"
    assert len(set(users.column("user_id").to_pylist())) == users.num_rows
    assert set(users.column("age_band").to_pylist()) <= {b.value for b in AgeBand}
    names = set(load_municipalities().name)
    assert set(users.column("home_municipality").to_pylist()) <= names


def test_users_come_lazily_as_objects(small: Generated) -> None:
    users = small.season.iter_users()
    assert isinstance(users, Iterator)
    first = next(users)
    assert isinstance(first, User) and first.id == "syn-11-user-0000000" and first.home is not None
    assert sum(1 for _ in users) == 799


def test_flags_and_homes(crowd: Population) -> None:
    assert crowd.uitpas.mean() == pytest.approx(0.10, abs=0.01)
    assert crowd.consent.mean() == pytest.approx(0.90, abs=0.01)
    munis = load_municipalities()
    counts = np.bincount(crowd.municipality, minlength=len(munis))
    assert munis.name[int(counts.argmax())] == "Antwerpen"
    # Homes are spread around, not stacked on, the centre.
    antwerp = crowd.municipality == munis.index_of("Antwerpen")
    assert 0.005 < crowd.lat[antwerp].std() < 0.06


def test_activity_is_heavy_tailed(crowd: Population) -> None:
    activity = np.sort(crowd.activity)[::-1]
    assert np.median(activity) < 0.7 * activity.mean()
    top_tenth = activity[: len(activity) // 10].sum() / activity.sum()
    assert top_tenth > 0.35


def test_taste_depends_on_age_band(crowd: Population) -> None:
    np.testing.assert_allclose(crowd.taste.sum(axis=1), 1.0, rtol=1e-4)
    young = crowd.age_band == AGE_BANDS.index(AgeBand.YOUNG_ADULT)
    senior = crowd.age_band == AGE_BANDS.index(AgeBand.SENIOR)
    party, lecture = discipline_index()["party"], discipline_index()["lecture"]
    assert crowd.taste[young, party].mean() > 3 * crowd.taste[senior, party].mean()
    assert crowd.taste[senior, lecture].mean() > 1.5 * crowd.taste[young, lecture].mean()
    # Young parents look for children's activities more than young adults.
    assert crowd.has_kids[crowd.age_band == AGE_BANDS.index(AgeBand.MIDDLE)].mean() > 0.4
    assert not crowd.has_kids[crowd.age_band == AGE_BANDS.index(AgeBand.TEEN)].any()


def test_favourite_organisers_are_local(crowd: Population, organizers: OrganizerTable) -> None:
    local = crowd.favourites[:, 0]
    has = local >= 0
    assert 0.3 < has.mean() < 0.55
    assert (organizers.municipality[local[has]] == crowd.municipality[has]).all()
    assert (crowd.favourites[:, 0] != crowd.favourites[:, 1])[has].all()


def test_user_table_builds_from_columns(crowd: Population) -> None:
    table = users_table(crowd, load_municipalities(), user_ids(5, 0, len(crowd)))
    assert table.num_rows == 50_000
    first = next(iter_users(table))
    assert first.id == "syn-5-user-0000000"
