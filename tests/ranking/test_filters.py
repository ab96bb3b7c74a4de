from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from recsys.domain.geo import haversine_km
from recsys.ranking.filters import CardFilter, distances_km, fold_place, passes_filters, within_radius
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.times import BRUSSELS
from tests.ranking.helpers import ANTWERPEN, DAY_US, GENT, NOW, NOW_US, card, local_us, occ


def passes(event: Any, **request: Any) -> bool:
    return bool(passes_filters(event, RecommendationRequest(**request), NOW))


def test_no_filter_keeps_everything() -> None:
    assert passes(card())
    assert passes(card(price_eur=None, lat=None, lon=None, municipality=None, postcode=None, type_id=None))


class TestRadius:
    def test_inside_and_outside(self) -> None:
        gent_antwerpen = float(haversine_km(*GENT, *ANTWERPEN))
        assert 45 < gent_antwerpen < 55
        event = card(lat=ANTWERPEN[0], lon=ANTWERPEN[1])
        assert passes(event, lat=GENT[0], lon=GENT[1], radius_km=gent_antwerpen + 0.01)
        assert not passes(event, lat=GENT[0], lon=GENT[1], radius_km=gent_antwerpen - 0.01)

    def test_card_without_coordinates_is_dropped_only_when_a_radius_is_asked(self) -> None:
        nowhere = card(lat=None, lon=None)
        assert not passes(nowhere, lat=GENT[0], lon=GENT[1], radius_km=300)
        assert passes(nowhere, lat=GENT[0], lon=GENT[1])
        assert within_radius(nowhere, RecommendationRequest())

    def test_distances_are_vectorised_haversine_with_nan_for_unknown(self) -> None:
        result = distances_km([card(), card(lat=None, lon=None), card(lat=ANTWERPEN[0], lon=ANTWERPEN[1])], *GENT)
        assert result[0] == pytest.approx(0.0, abs=1e-9)
        assert result[1] != result[1]
        assert result[2] == pytest.approx(float(haversine_km(*GENT, *ANTWERPEN)))
        assert distances_km([], *GENT) == []


class TestMunicipality:
    @pytest.mark.parametrize("asked", ["Gent", "gent", " GENT ", "9000"])
    def test_name_case_insensitive_or_postcode(self, asked: str) -> None:
        assert passes(card(), municipality=asked)

    def test_other_municipality_is_dropped(self) -> None:
        assert not passes(card(), municipality="Brugge")
        assert not passes(card(), municipality="9050")

    def test_accents_hyphens_and_spaces_are_ignored(self) -> None:
        assert passes(card(municipality="Sint-Niklaas", postcode="9100"), municipality="sint niklaas")
        assert passes(card(municipality="Liège", postcode="4000"), municipality="LIEGE")
        assert fold_place("  Sint - Truiden ") == "sint truiden"

    def test_card_without_place_is_dropped(self) -> None:
        assert not passes(card(municipality=None, postcode=None), municipality="Gent")


class TestDates:
    def test_occurrence_overlapping_the_window_passes(self) -> None:
        event = card(occurrences=(occ(local_us(2026, 11, 21, 20)),))
        window = {
            "date_from": dt.datetime(2026, 11, 21, tzinfo=BRUSSELS),
            "date_to": dt.datetime(2026, 11, 22, tzinfo=BRUSSELS),
        }
        assert passes(event, **window)
        outside = card(occurrences=(occ(local_us(2026, 11, 25, 20)),))
        assert not passes(outside, **window)

    def test_bounds_are_inclusive(self) -> None:
        start = local_us(2026, 11, 21, 20)
        event = card(occurrences=(occ(start, hours=2),))
        assert passes(event, date_to=dt.datetime(2026, 11, 21, 20, tzinfo=BRUSSELS))
        assert passes(event, date_from=dt.datetime(2026, 11, 21, 22, tzinfo=BRUSSELS))
        assert not passes(event, date_from=dt.datetime(2026, 11, 21, 22, 0, 0, 1, tzinfo=BRUSSELS))

    def test_only_open_occurrences_count_in_the_window(self) -> None:
        event = card(
            occurrences=(occ(local_us(2026, 11, 21, 20), booking="Unavailable"), occ(local_us(2026, 12, 5, 20)))
        )
        assert not passes(event, date_to=dt.datetime(2026, 11, 30, tzinfo=BRUSSELS))
        assert passes(event, date_from=dt.datetime(2026, 12, 1, tzinfo=BRUSSELS))

    def test_window_in_the_past_keeps_nothing(self) -> None:
        assert not passes(card(), date_to=dt.datetime(2026, 11, 1, tzinfo=BRUSSELS))

    def test_running_offer_overlapping_the_window_passes(self) -> None:
        expo = card(
            occurrences=(),
            calendar_type="periodic",
            available_from_us=NOW_US - DAY_US,
            available_to_us=local_us(2026, 12, 31),
        )
        assert passes(expo, date_from=dt.datetime(2026, 12, 24, tzinfo=BRUSSELS))
        assert not passes(expo, date_from=dt.datetime(2027, 1, 2, tzinfo=BRUSSELS))
        later = card(occurrences=(), calendar_type="periodic", available_from_us=local_us(2027, 2, 1))
        assert not passes(later, date_to=dt.datetime(2027, 1, 31, tzinfo=BRUSSELS))
        assert passes(later, date_to=dt.datetime(2027, 2, 1, tzinfo=BRUSSELS))


class TestPrice:
    def test_max_price(self) -> None:
        assert passes(card(price_eur=12.0), max_price=12.0)
        assert not passes(card(price_eur=12.01), max_price=12.0)
        assert passes(card(price_eur=0.0), max_price=5.0)

    def test_unknown_price_is_dropped_when_a_price_filter_is_set(self) -> None:
        assert not passes(card(price_eur=None), max_price=100.0)
        assert not passes(card(price_eur=None), free=True)

    def test_free(self) -> None:
        assert passes(card(price_eur=0.0), free=True)
        assert not passes(card(price_eur=0.5), free=True)
        assert passes(card(price_eur=0.0), free=True, max_price=0.0)


class TestAge:
    @pytest.mark.parametrize(
        ("min_age", "max_age", "age", "kept"),
        [
            (6, 12, 6, True),
            (6, 12, 12, True),
            (6, 12, 5, False),
            (6, 12, 13, False),
            (None, 12, 0, True),
            (18, None, 99, True),
            (18, None, 17, False),
            (None, None, 40, True),
        ],
    )
    def test_typical_age_range(self, min_age: int | None, max_age: int | None, age: int, kept: bool) -> None:
        assert passes(card(min_age=min_age, max_age=max_age), age=age) is kept


class TestTaxonomy:
    def test_include_types(self) -> None:
        assert passes(card(type_id="0.50.4.0.0"), include_types=frozenset({"0.50.4.0.0", "0.55.0.0.0"}))
        assert not passes(card(type_id="0.54.0.0.0"), include_types=frozenset({"0.50.4.0.0"}))
        assert not passes(card(type_id=None), include_types=frozenset({"0.50.4.0.0"}))

    def test_exclude_types(self) -> None:
        assert not passes(card(type_id="0.50.4.0.0"), exclude_types=frozenset({"0.50.4.0.0"}))
        assert passes(card(type_id=None), exclude_types=frozenset({"0.50.4.0.0"}))

    def test_themes(self) -> None:
        assert passes(card(theme_id="1.8.1.0.0"), include_themes=frozenset({"1.8.1.0.0"}))
        assert not passes(card(theme_id=None), include_themes=frozenset({"1.8.1.0.0"}))
        assert not passes(card(theme_id="1.8.1.0.0"), exclude_themes=frozenset({"1.8.1.0.0"}))
        assert passes(card(theme_id="1.8.2.0.0"), exclude_themes=frozenset({"1.8.1.0.0"}))


def test_accessible_and_uitpas() -> None:
    assert not passes(card(accessible=False), accessible=True)
    assert passes(card(accessible=True), accessible=True)
    assert not passes(card(uitpas=False), uitpas=True)
    assert passes(card(uitpas=True), uitpas=True)


def test_card_filter_from_request_folds_the_municipality() -> None:
    assert CardFilter.from_request(RecommendationRequest(municipality="Sint-Niklaas")).municipality == "sint niklaas"
