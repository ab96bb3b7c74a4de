"""Segment definitions: validation names the field, the canonical form round-trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.rules import MAX_DEPTH, LikelyInterestedRule, parse_rule
from recsys.marketing.segments import SegmentDefinition, parse_segment
from tests.marketing.strategies import rule_trees


def segment(*rules: Any, **extra: Any) -> dict[str, Any]:
    return {"name": "test-segment", "rules": list(rules), **extra}


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (segment({"uitpas": True}, {"age_band": ["18-25"]}, {"age_band": ["18-99"]}), "rules[2].age_band[0]"),
        (segment({"age_band": "18-25"}), "rules[0].age_band"),
        (segment({"age_band": []}), "rules[0].age_band"),
        (segment({"colour": ["red"]}), "rules[0].colour"),
        (segment({"uitpas": True, "age_band": ["18-25"]}), "rules[0]"),
        (segment({"uitpas": "yes"}), "rules[0].uitpas"),
        (segment({"near": {"lat": 51.0, "lon": 3.7}}), "rules[0].near.radius_km"),
        (segment({"near": {"lat": 91.0, "lon": 3.7, "radius_km": 5}}), "rules[0].near.lat"),
        (segment({"near": {"lat": 51.0, "lon": 3.7, "radius_km": 0}}), "rules[0].near.radius_km"),
        (segment({"near": {"lat": 51.0, "lon": 3.7, "radius_km": 5, "unit": "km"}}), "rules[0].near.unit"),
        (segment({"interested_in": {"types": ["no such type"]}}), "rules[0].interested_in.types[0]"),
        (
            segment({"interested_in": {"types": ["Concert"], "min_interactions": 0}}),
            "rules[0].interested_in.min_interactions",
        ),
        (segment({"activity": {"levels": ["busy"]}}), "rules[0].activity.levels[0]"),
        (segment({"activity": {"levels": ["low"], "days": 1.5}}), "rules[0].activity.days"),
        (segment({"recency": {}}), "rules[0].recency"),
        (segment({"recency": {"within_days": 3, "older_than_days": 9}}), "rules[0].recency"),
        (segment({"never_attended": {"types": []}}), "rules[0].never_attended.types"),
        (segment({"likely_interested": {"top_share": 0.1}}), "rules[0].likely_interested"),
        (segment({"likely_interested": {"type": "Concert", "top_share": 1.5}}), "rules[0].likely_interested.top_share"),
        (segment({"any": [{"uitpas": True}, {"not": {"age_band": ["x"]}}]}), "rules[0].any[1].not.age_band[0]"),
        (segment({"all": {"uitpas": True}}), "rules[0].all"),
        ({"rules": []}, "name"),
        ({"name": "Bad Name!", "rules": []}, "name"),
        ({"name": "ok"}, "rules"),
        (segment(match="some"), "match"),
        (segment(owner="me"), "owner"),
        (segment(description=3), "description"),
    ],
)
def test_bad_definitions_name_the_field(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        parse_segment(doc)
    assert caught.value.field == field, str(caught.value)


def test_a_definition_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidFieldError):
        parse_segment(["not", "an", "object"])


def test_labels_resolve_to_taxonomy_ids_in_any_language() -> None:
    parsed = parse_segment(
        segment(
            {"interested_in": {"types": ["Concert", "theatervoorstelling"]}},
            {"never_attended": {"types": ["Exhibition"]}},
            {"likely_interested": {"type": "0.50.4.0.0"}},
        )
    )
    assert parsed.to_dict()["rules"] == [
        {"interested_in": {"types": ["0.50.4.0.0", "0.55.0.0.0"], "min_interactions": 1, "days": None}},
        {"never_attended": {"types": ["0.0.0.0.0"]}},
        {"likely_interested": {"type": "0.50.4.0.0", "top_share": 0.1}},
    ]
    assert parsed.needs_model
    assert isinstance(parsed.rule.rules[2], LikelyInterestedRule)


def test_nesting_is_bounded() -> None:
    rule: dict[str, Any] = {"uitpas": True}
    for _ in range(MAX_DEPTH + 2):
        rule = {"not": rule}
    with pytest.raises(InvalidFieldError, match="nest"):
        parse_rule(rule)


@settings(max_examples=200, deadline=None)
@given(rule_trees(max_leaves=8))
def test_canonical_form_round_trips(tree: dict[str, Any]) -> None:
    parsed = parse_rule(tree)
    again = parse_rule(json.loads(json.dumps(parsed.to_dict())))
    assert again == parsed
    definition = parse_segment(segment(tree, description="x", match="any"))
    assert SegmentDefinition.from_dict(json.loads(json.dumps(definition.to_dict()))) == definition
