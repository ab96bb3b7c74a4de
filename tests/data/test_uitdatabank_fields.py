"""Field parsers of the UiTdatabank importer: texts, dates, terms, ages, prices, places."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys.data.uitdatabank.fields import (
    parse_address,
    parse_age_range,
    parse_datetime,
    parse_geo,
    parse_labels,
    parse_language_map,
    parse_main_language,
    parse_price_info,
    parse_terms,
    parse_time_of_day,
)
from recsys.data.uitdatabank.kinds import DocumentKind, classify, id_from_iri
from recsys.domain.errors import InvalidFieldError
from recsys.domain.events import AgeRange, PriceCategory
from recsys.domain.taxonomy import default_taxonomy

# --- language maps ------------------------------------------------------------------------


def test_language_map_keeps_every_translation_and_the_main_language() -> None:
    texts = parse_language_map({"fr": "Le sanglier", "nl": "Het zwijn", "en": ""}, "name", "fr")
    assert texts.texts == {"fr": "Le sanglier", "nl": "Het zwijn"}
    assert texts.main == "fr"
    assert texts.get() == "Le sanglier"
    assert texts.get("nl") == "Het zwijn"
    assert texts.get("de") == "Le sanglier"


def test_plain_string_is_text_in_the_main_language() -> None:
    texts = parse_language_map("Basistarief", "priceInfo[0].name", "nl")
    assert texts.texts == {"nl": "Basistarief"}
    assert parse_language_map(None, "description", "nl").texts == {}
    assert not parse_language_map("   ", "description", "nl")


def test_language_map_errors_name_the_translation() -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_language_map({"nl": 42}, "name", "nl")
    assert info.value.field == "name.nl"
    with pytest.raises(InvalidFieldError) as info:
        parse_language_map(["x"], "description", "nl")
    assert info.value.field == "description"


def test_main_language() -> None:
    assert parse_main_language({}) == "nl"
    assert parse_main_language({"mainLanguage": "fr"}) == "fr"
    assert parse_main_language({"mainLanguage": "es"}) == "es"  # seen in old exports; kept
    with pytest.raises(InvalidFieldError, match="mainLanguage"):
        parse_main_language({"mainLanguage": "Nederlands"})


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-21T23:00:00+00:00", dt.datetime(2021, 1, 21, 23, tzinfo=dt.UTC)),
        ("2018-02-20T15:11:26.034Z", dt.datetime(2018, 2, 20, 15, 11, 26, 34000, tzinfo=dt.UTC)),
        ("2017-04-22T10:00:00+02:00", dt.datetime(2017, 4, 22, 8, tzinfo=dt.UTC)),
        ("2017-04-22T10:00+0200", dt.datetime(2017, 4, 22, 8, tzinfo=dt.UTC)),
    ],
)
def test_datetimes_with_offsets(text: str, expected: dt.datetime) -> None:
    value = parse_datetime(text, "startDate")
    assert value == expected
    assert value.utcoffset() is not None


def test_datetime_without_zone_is_an_error_unless_a_default_zone_is_given() -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_datetime("2017-04-25T00:00:00", "availableFrom")
    assert info.value.field == "availableFrom"
    assert "no time zone" in info.value.problem
    brussels = ZoneInfo("Europe/Brussels")
    summer = parse_datetime("2017-04-25T00:00:00", "availableFrom", brussels)
    winter = parse_datetime("2017-01-25T00:00:00", "availableFrom", brussels)
    assert summer.utcoffset() == dt.timedelta(hours=2)
    assert winter.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize("text", ["22/04/2017", "500 BC", "2017-04-22", "", "2017-13-45T10:00:00+01:00"])
def test_malformed_datetimes(text: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_datetime(text, "availableTo")
    assert info.value.field == "availableTo"


def test_time_of_day() -> None:
    assert parse_time_of_day("09:30", "opens") == dt.time(9, 30)
    assert parse_time_of_day("24:00", "closes") == dt.time(0, 0)
    for bad in ("9h30", "25:00", "12:61"):
        with pytest.raises(InvalidFieldError):
            parse_time_of_day(bad, "opens")


# --- ages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("18-", 18, None), ("-12", None, 12), ("-", None, None), ("6-12", 6, 12), ("0-", 0, None)],
)
def test_age_ranges(text: str, low: int | None, high: int | None) -> None:
    assert parse_age_range(text) == AgeRange(low, high)


@pytest.mark.parametrize("text", ["4/10", "twelve", "12-6", "6-12-18", 12])
def test_bad_age_ranges_name_the_field(text: object) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_age_range(text)
    assert info.value.field == "typicalAgeRange"


def test_missing_age_range() -> None:
    assert parse_age_range(None) is None
    assert parse_age_range("") is None


@given(
    low=st.one_of(st.none(), st.integers(0, 120)),
    span=st.one_of(st.none(), st.integers(0, 120)),
)
def test_age_range_round_trips_through_its_text(low: int | None, span: int | None) -> None:
    high = None if span is None else (low or 0) + span
    age = AgeRange(low, high)
    assert parse_age_range(str(age)) == age


# --- terms ----------------------------------------------------------------------------------


def test_terms_are_sorted_into_domains_and_unknown_ones_are_kept() -> None:
    terms = parse_terms(
        [
            {"id": "0.50.4.0.0", "label": "Concert", "domain": "eventtype"},
            {"id": "1.8.2.0.0", "label": "Jazz en blues", "domain": "theme"},
            {"id": "3.23.3.0.0", "label": "Rolstoel ter beschikking", "domain": "facility"},
            {"id": "reg.704", "label": "3300 Tienen", "domain": "flandersregion"},
            {"id": "xyz", "label": "Nieuw", "domain": "somethingnew"},
            {"id": "0.50.4.0.0", "label": "Concert", "domain": "eventtype"},
        ],
        default_taxonomy(),
    )
    assert terms.types == ("0.50.4.0.0",)
    assert terms.themes == ("1.8.2.0.0",)
    assert terms.facilities == ("3.23.3.0.0",)
    assert terms.other == (("flandersregion", "reg.704"), ("somethingnew", "xyz"))


def test_opaque_ids_and_unknown_event_types_are_tolerated() -> None:
    terms = parse_terms(
        [{"id": "3CuHvenJ+EGkcvhXLg9Ykg", "label": "?", "domain": "eventtype"}, {"id": "9.9.9.9.9", "domain": "theme"}],
        default_taxonomy(),
    )
    assert terms.single("eventtype", "one") == "3CuHvenJ+EGkcvhXLg9Ykg"
    assert terms.single("theme", "one") == "9.9.9.9.9"


def test_the_taxonomy_decides_the_domain_of_known_ids() -> None:
    # UDB2-era records list the theme "Klassieke muziek" under eventtype.
    terms = parse_terms(
        [
            {"id": "0.50.4.0.0", "domain": "eventtype"},
            {"id": "1.8.1.0.0", "label": "Klassieke muziek", "domain": "eventtype"},
        ],
        default_taxonomy(),
    )
    assert terms.types == ("0.50.4.0.0",)
    assert terms.themes == ("1.8.1.0.0",)
    # A term without a domain is fine when the taxonomy knows it.
    assert parse_terms([{"id": "0.50.4.0.0"}], default_taxonomy()).types == ("0.50.4.0.0",)


def test_two_event_types_are_an_error() -> None:
    terms = parse_terms(
        [{"id": "0.50.4.0.0", "domain": "eventtype"}, {"id": "0.55.0.0.0", "domain": "eventtype"}], default_taxonomy()
    )
    with pytest.raises(InvalidFieldError) as info:
        terms.single("eventtype", "an event has exactly one event type")
    assert info.value.field == "terms"
    assert "0.50.4.0.0, 0.55.0.0.0" in info.value.problem


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([{"label": "Concert", "domain": "eventtype"}], "terms[0].id"),
        ([{"id": "", "domain": "eventtype"}], "terms[0].id"),
        ([{"id": "not-in-taxonomy"}], "terms[0].domain"),
        (["0.50.4.0.0"], "terms[0]"),
        ({"id": "0.50.4.0.0"}, "terms"),
    ],
)
def test_malformed_terms(value: object, field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_terms(value, default_taxonomy())
    assert info.value.field == field


# --- prices ---------------------------------------------------------------------------------


def test_price_info_with_language_maps_and_plain_names() -> None:
    price = parse_price_info(
        [
            {
                "category": "base",
                "name": {"nl": "Basistarief", "fr": "Tarif de base"},
                "price": 10.5,
                "priceCurrency": "EUR",
            },
            {"category": "tariff", "name": "Senioren", "price": 0},
            {"category": "uitpas", "name": "UiTPAS", "price": "2.5"},
        ],
        "nl",
    )
    assert [t.category for t in price.tariffs] == [PriceCategory.BASE, PriceCategory.TARIFF, PriceCategory.UITPAS]
    assert price.base_price == 10.5
    assert price.has_uitpas and not price.is_free
    assert price.tariffs[1].name.get() == "Senioren"
    assert price.tariffs[2].price == 2.5


def test_legacy_price_lines_without_category() -> None:
    price = parse_price_info([{"name": "Basistarief", "price": 0}, {"name": "Kinderen", "price": 0}], "nl")
    assert [t.category for t in price.tariffs] == [PriceCategory.BASE, PriceCategory.TARIFF]
    assert price.is_free


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([{"category": "base", "price": -1}], "priceInfo[0].price"),
        ([{"category": "base", "price": "gratis"}], "priceInfo[0].price"),
        ([{"category": "base"}], "priceInfo[0].price"),
        ([{"category": "base", "price": 1}, {"category": "vip", "price": 2}], "priceInfo[1].category"),
    ],
)
def test_bad_prices_name_the_line(value: object, field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        parse_price_info(value, "nl")
    assert info.value.field == field


# --- addresses, geo, labels, ids ------------------------------------------------------------


def test_address_in_the_main_language_else_another() -> None:
    translated = {
        "address": {
            "nl": {
                "addressCountry": "BE",
                "addressLocality": "Sint-Gillis",
                "postalCode": "1060",
                "streetAddress": "Fortstraat 5",
            },
            "fr": {
                "addressCountry": "BE",
                "addressLocality": "Saint-Gilles",
                "postalCode": "1060",
                "streetAddress": "Rue du Fort 5",
            },
        }
    }
    address = parse_address(translated, "fr")
    assert address is not None and address.municipality == "Saint-Gilles"
    only_french = {"address": {"fr": translated["address"]["fr"]}}
    address = parse_address(only_french, "nl")
    assert address is not None and address.street == "Rue du Fort 5"


def test_legacy_address_forms() -> None:
    flat = {
        "address": {
            "addressCountry": "BE",
            "addressLocality": "Tienen",
            "postalCode": 3300,
            "streetAddress": " Sint-Jorisplein 20 ",
        }
    }
    address = parse_address(flat, "nl")
    assert address is not None
    assert (address.municipality, address.postcode, address.street) == ("Tienen", "3300", "Sint-Jorisplein 20")
    listed = {"addresses": [{"addressLocality": "Leuven", "postalCode": "3000"}]}
    address = parse_address(listed, "nl")
    assert address is not None and address.municipality == "Leuven"
    assert parse_address({"address": {"nl": {}}}, "nl") is None
    assert parse_address({"address": {"nl": {"addressCountry": "BE"}, "fr": {}}}, "nl") is None
    assert parse_address({}, "nl") is None


def test_geo() -> None:
    point = parse_geo({"latitude": "50.804739", "longitude": 4.936491})
    assert point is not None and (point.lat, point.lon) == (50.804739, 4.936491)
    assert parse_geo(None) is None
    assert parse_geo({"latitude": 0, "longitude": 0}) is None
    with pytest.raises(InvalidFieldError) as info:
        parse_geo({"latitude": 95, "longitude": 4})
    assert info.value.field == "geo.latitude"
    with pytest.raises(InvalidFieldError) as info:
        parse_geo({"latitude": 50})
    assert info.value.field == "geo.longitude"


def test_labels_merge_visible_and_hidden() -> None:
    labels = parse_labels({"labels": ["UiTPAS", "green"], "hiddenLabels": ["green", "museumpas"]})
    assert labels == ("UiTPAS", "green", "museumpas")
    with pytest.raises(InvalidFieldError, match=r"hiddenLabels\[0\]"):
        parse_labels({"hiddenLabels": [3]})


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        (
            "https://io.uitdatabank.be/event/7438ac58-fb2b-4ddc-bbda-d2d3d61681c5",
            "7438ac58-fb2b-4ddc-bbda-d2d3d61681c5",
        ),
        (
            "http://culudb-silex.dev:8080/place/A871DB85-01DB-DBD3-DAF62CDB2DD7B871",
            "A871DB85-01DB-DBD3-DAF62CDB2DD7B871",
        ),
        (
            "https://io.uitdatabank.be/organizers/50c2e3f1-1f40-47a0-a72f-265ede8048fb/",
            "50c2e3f1-1f40-47a0-a72f-265ede8048fb",
        ),
        ("7438ac58-fb2b-4ddc-bbda-d2d3d61681c5", "7438ac58-fb2b-4ddc-bbda-d2d3d61681c5"),
    ],
)
def test_id_is_the_last_path_segment(iri: str, expected: str) -> None:
    assert id_from_iri(iri) == expected


@pytest.mark.parametrize("iri", [None, "", 42, "https://host/event/has space"])
def test_bad_ids(iri: object) -> None:
    with pytest.raises(InvalidFieldError) as info:
        id_from_iri(iri)
    assert info.value.field == "@id"


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ({"@id": "https://io.uitdatabank.be/event/1"}, DocumentKind.EVENT),
        ({"@id": "https://io.uitdatabank.be/places/1"}, DocumentKind.PLACE),
        ({"@id": "https://io.uitdatabank.be/organizers/1"}, DocumentKind.ORGANIZER),
        ({"@id": "https://io.uitdatabank.be/organizer/1"}, DocumentKind.ORGANIZER),
        ({"@id": "http://example.com/entity/1", "@context": "/contexts/event"}, DocumentKind.EVENT),
        ({"@id": "x", "@context": "/api/1.0/place.jsonld"}, DocumentKind.PLACE),
        ({"@type": "Organizer", "name": "PHPLeuven"}, DocumentKind.ORGANIZER),
        ({"@type": "Event", "startDate": "2017-11-06T09:00:00+01:00"}, None),
        ({"regions": {}}, None),
    ],
)
def test_classify(doc: dict[str, object], kind: DocumentKind | None) -> None:
    assert classify(doc) is kind
