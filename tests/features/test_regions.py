"""Postcodes and municipality names -> Belgian provinces."""

from __future__ import annotations

import pyarrow as pa
import pytest

from features.regions import REGIONS, region_codes, region_of
from recsys.synthetic.municipalities import PROVINCES, load_municipalities

ISO = {
    "Antwerpen": "BE-VAN",
    "Limburg": "BE-VLI",
    "Oost-Vlaanderen": "BE-VOV",
    "Vlaams-Brabant": "BE-VBR",
    "West-Vlaanderen": "BE-VWV",
    "Brussel": "BE-BRU",
}


def test_regions_are_sorted_and_distinct() -> None:
    assert list(REGIONS) == sorted(set(REGIONS))


def test_every_shipped_municipality_maps_to_its_province_by_postcode_and_by_name() -> None:
    munis = load_municipalities()
    expected = [REGIONS.index(ISO[PROVINCES[int(p)]]) for p in munis.province]
    by_postcode = region_codes(pa.array(list(munis.postcode)), pa.array([None] * len(munis), pa.string()))
    by_name = region_codes(pa.array([None] * len(munis), pa.string()), pa.array(list(munis.name)))
    assert by_postcode.tolist() == expected
    assert by_name.tolist() == expected


@pytest.mark.parametrize(
    ("postcode", "region"),
    [
        ("1000", "BE-BRU"),
        ("1300", "BE-WBR"),
        ("1500", "BE-VBR"),
        ("3000", "BE-VBR"),
        ("3500", "BE-VLI"),
        ("4000", "BE-WLG"),
        ("5000", "BE-WNA"),
        ("6000", "BE-WHT"),
        ("6700", "BE-WLX"),
        ("7000", "BE-WHT"),
        ("8000", "BE-VWV"),
        ("9000", "BE-VOV"),
        (" 2000 ", "BE-VAN"),
    ],
)
def test_postcode_ranges_cover_wallonia_too(postcode: str, region: str) -> None:
    assert region_of(postcode) == region


def test_postcode_wins_and_bad_values_fall_back_or_stay_unknown() -> None:
    assert region_of("9000", "Antwerpen") == "BE-VOV"
    assert region_of("B-9000", "hasselt") == "BE-VLI"  # not four digits: the name decides
    assert region_of(None, "Nergensland") is None
    assert region_of("0123") is None
    assert region_of(None) is None
