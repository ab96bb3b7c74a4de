from __future__ import annotations

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import haversine_km
from recsys.synthetic.municipalities import PROVINCES, load_municipalities, project_km, unproject_km

# Flanders and the Brussels-Capital Region lie within this box (Voeren included).
LAT_MIN, LAT_MAX = 50.67, 51.51
LON_MIN, LON_MAX = 2.54, 5.92


def test_list_covers_flanders_and_brussels() -> None:
    m = load_municipalities()
    assert len(m) == 319
    assert int(m.is_brussels.sum()) == 19
    assert len(set(m.nis_code.tolist())) == len(m)
    assert len(set(m.name)) == len(m)
    assert all(len(p) == 4 and p.isdigit() for p in m.postcode)
    assert set(m.province.tolist()) == set(range(len(PROVINCES)))
    # About 6.7 million Flemings.
    assert 6_300_000 < int(m.population[~m.is_brussels].sum()) < 7_000_000
    # All 300 Flemish municipalities, so the 60 largest among them (about 25,000 and more).
    flemish = np.sort(m.population[~m.is_brussels])[::-1]
    assert len(flemish) == 300
    assert flemish[59] > 25_000


def test_every_centre_lies_in_flanders_or_brussels() -> None:
    m = load_municipalities()
    assert ((m.lat > LAT_MIN) & (m.lat < LAT_MAX)).all()
    assert ((m.lon > LON_MIN) & (m.lon < LON_MAX)).all()


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ("Antwerpen", "Gent", 51.0),
        ("Brussel", "Antwerpen", 41.5),
        ("Gent", "Brugge", 38.5),
        ("Leuven", "Hasselt", 45.5),
        ("Brussel", "Leuven", 25.0),
        ("Kortrijk", "Gent", 40.5),
    ],
)
def test_known_straight_line_distances(a: str, b: str, km: float) -> None:
    m = load_municipalities()
    i, j = m.index_of(a), m.index_of(b)
    assert float(haversine_km(m.lat[i], m.lon[i], m.lat[j], m.lon[j])) == pytest.approx(km, abs=2.5)


def test_known_centres() -> None:
    m = load_municipalities()
    for name, lat, lon, postcode in [
        ("Antwerpen", 51.2194, 4.4025, "2000"),
        ("Gent", 51.0543, 3.7174, "9000"),
        ("Leuven", 50.8798, 4.7005, "3000"),
        ("Brugge", 51.2093, 3.2247, "8000"),
        ("Brussel", 50.8467, 4.3525, "1000"),
    ]:
        i = m.index_of(name)
        assert float(haversine_km(m.lat[i], m.lon[i], lat, lon)) < 1.0
        assert m.postcode[i] == postcode


def test_select_by_name_or_nis_code() -> None:
    m = load_municipalities()
    picked = m.select(["gent", "11002", "Gent"])
    assert picked.name == ("Gent", "Antwerpen")
    with pytest.raises(InvalidFieldError, match="unknown municipality"):
        m.select(["Atlantis"])


def test_projection_distances_match_great_circle() -> None:
    m = load_municipalities()
    x, y = project_km(m.lat, m.lon)
    planar = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    sphere = haversine_km(m.lat[:, None], m.lon[:, None], m.lat[None, :], m.lon[None, :])
    far = sphere > 5
    assert np.abs(planar[far] / sphere[far] - 1).max() < 0.015
    lat, lon = unproject_km(x, y)
    np.testing.assert_allclose(lat, m.lat)
    np.testing.assert_allclose(lon, m.lon)
