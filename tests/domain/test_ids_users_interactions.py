import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import GeoPoint, haversine_km
from recsys.domain.ids import MAX_ID_LENGTH, validate_id
from recsys.domain.interactions import DEFAULT_KIND_WEIGHTS, Interaction, InteractionKind
from recsys.domain.taxonomy import default_taxonomy
from recsys.domain.users import AgeBand, User


@pytest.mark.parametrize("value", ["abc", "A871DB85-01DB-DBD3-DAF62CDB2DD7B871", "3CuHvenJ+EGkcvhXLg9Ykg", "u:1@x", 42])
def test_valid_ids(value: object) -> None:
    assert validate_id(value, "user_id") == str(value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must not be empty"),
        ("a b", r"contains characters that are not allowed \(' '\)"),
        ("a/b", "not allowed"),
        ("é", "not allowed"),
        ("x" * (MAX_ID_LENGTH + 1), "at most 128 characters"),
        (None, "an id is required"),
        (1.5, "must be a string"),
    ],
)
def test_invalid_ids_name_the_field_and_problem(value: object, problem: str) -> None:
    with pytest.raises(InvalidFieldError, match=f"^event_id: .*{problem}"):
        validate_id(value, "event_id")


@given(st.text(min_size=1, max_size=200))
def test_validate_id_either_accepts_unchanged_or_raises(text: str) -> None:
    try:
        assert validate_id(text, "id") == text
    except InvalidFieldError as exc:
        assert exc.field == "id"


def test_kind_weights_order_the_funnel() -> None:
    w = DEFAULT_KIND_WEIGHTS
    k = InteractionKind
    assert w[k.VIEW] < w[k.CLICK] < w[k.LIKE] <= w[k.BOOKMARK] < w[k.SHARE] < w[k.TICKET] < w[k.CHECK_IN]
    assert w[k.DISMISS] < 0


def test_kind_parsing() -> None:
    assert InteractionKind.parse("Check_In") is InteractionKind.CHECK_IN
    assert InteractionKind.CHECK_IN.label == "check-in"
    with pytest.raises(InvalidFieldError, match="kind: unknown interaction kind 'buy'"):
        InteractionKind.parse("buy")


def test_interaction_requires_zone_and_valid_ids() -> None:
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert Interaction("i1", "u1", "e1", InteractionKind.VIEW, moment).placement is None
    with pytest.raises(InvalidFieldError, match="timestamp"):
        Interaction("i1", "u1", "e1", InteractionKind.VIEW, dt.datetime(2026, 1, 1))
    with pytest.raises(InvalidFieldError, match="user_id"):
        Interaction("i1", "u 1", "e1", InteractionKind.VIEW, moment)


def test_age_bands() -> None:
    assert AgeBand.from_age(17) is AgeBand.TEEN
    assert AgeBand.from_age(18) is AgeBand.YOUNG_ADULT
    assert AgeBand.from_age(90) is AgeBand.SENIOR
    assert AgeBand.parse("66+") is AgeBand.SENIOR
    with pytest.raises(InvalidFieldError, match="age_band: unknown age band"):
        AgeBand.parse("20-30")
    with pytest.raises(InvalidFieldError, match="age"):
        AgeBand.from_age(-1)
    with pytest.raises(InvalidFieldError, match="user_id"):
        User(id="has space")


def test_geo() -> None:
    antwerpen, gent = GeoPoint(51.2194, 4.4025), GeoPoint(51.0543, 3.7174)
    assert 49 < antwerpen.distance_km(gent) < 52
    assert math.isclose(float(haversine_km(51.0, 4.0, 51.0, 4.0)), 0.0)
    with pytest.raises(InvalidFieldError, match="lat"):
        GeoPoint(91.0, 0.0)


def test_shipped_taxonomy_matches_publiq_counts() -> None:
    taxonomy = default_taxonomy()
    assert len(taxonomy) == 146
    assert len(taxonomy.event_types()) == 25
    assert len(taxonomy.themes()) == 77
    assert taxonomy.label("0.50.4.0.0", "fr") == "Concert"
    assert taxonomy.label("3CuHvenJ+EGkcvhXLg9Ykg") != "3CuHvenJ+EGkcvhXLg9Ykg"
    concert = taxonomy.get("0.50.4.0.0")
    assert concert is not None and "1.8.2.0.0" in concert.suggested
