"""Saved segments (versions never overwritten), exact and estimated sizes, previews."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind
from recsys.marketing.errors import NotFoundError
from recsys.marketing.segments import Segments, parse_segment
from recsys.marketing.store import VersionedStore
from tests.marketing.conftest import EventSpec, InteractionSpec, UserSpec, make_data, make_model

YOUNG = {"name": "young", "description": "18-25", "rules": [{"age_band": ["18-25"]}]}


def test_saving_a_changed_definition_adds_a_version_and_keeps_the_old_one(tmp_path: Path) -> None:
    segments = Segments(tmp_path)
    first = segments.save(YOUNG)
    assert (first.version, first.new) == (1, True)
    v1 = (tmp_path / "segments" / "young" / "v1.json").read_bytes()
    again = segments.save(json.loads(json.dumps(YOUNG)))
    assert (again.version, again.new) == (1, False)
    second = segments.save({**YOUNG, "rules": [{"age_band": ["18-25", "26-35"]}]})
    assert (second.version, second.new) == (2, True)
    assert (tmp_path / "segments" / "young" / "v1.json").read_bytes() == v1
    assert [s.version for s in segments.versions("young")] == [1, 2]
    assert segments.get("young").definition == second.definition
    assert segments.get("young", 1).definition == first.definition
    assert [s.name for s in segments.list()] == ["young"]
    assert not list((tmp_path / "segments" / "young").glob(".*tmp"))


def test_a_version_taken_by_another_writer_is_never_overwritten(tmp_path: Path) -> None:
    store = VersionedStore(tmp_path, "segment")
    store.save("s", {"a": 1})
    # Another process writes v2 between our listing and our link: we must take v3, not replace it.
    original_versions = store.versions
    calls = {"n": 0}

    def racing_versions(name: str) -> list[int]:
        found = original_versions(name)
        calls["n"] += 1
        if calls["n"] == 2:  # save() lists once for "latest", then once to pick the number
            (tmp_path / "s" / "v2.json").write_text(
                json.dumps({"version": 2, "created": "2026-01-01T00:00:00+00:00", "body": {"a": "theirs"}})
            )
        return found

    store.versions = racing_versions  # type: ignore[method-assign]
    mine = store.save("s", {"a": 2})
    assert mine.version == 3
    assert json.loads((tmp_path / "s" / "v2.json").read_text())["body"] == {"a": "theirs"}
    assert json.loads((tmp_path / "s" / "v3.json").read_text())["body"] == {"a": 2}


def test_unknown_segments_and_versions_are_reported(tmp_path: Path) -> None:
    segments = Segments(tmp_path)
    with pytest.raises(NotFoundError, match="no segment 'nope'"):
        segments.get("nope")
    segments.save(YOUNG)
    with pytest.raises(NotFoundError, match="v7"):
        segments.get("young", 7)
    with pytest.raises(InvalidFieldError):
        segments.get("../etc")


def test_a_saved_file_holds_readable_json(tmp_path: Path) -> None:
    Segments(tmp_path).save(YOUNG)
    record = json.loads((tmp_path / "segments" / "young" / "v1.json").read_text())
    assert record["version"] == 1 and record["body"]["rules"] == [{"age_band": ["18-25"]}]
    assert oct(os.stat(tmp_path / "segments" / "young" / "v1.json").st_mode)[-3:] in ("644", "664", "600")


def _population(n: int, seed: int = 0) -> tuple[list[UserSpec], list[InteractionSpec]]:
    rng = np.random.default_rng(seed)
    bands = ["18-25", "26-35", "36-50", "66+"]
    users = [
        UserSpec(
            f"u{i:05d}",
            age_band=bands[int(rng.integers(4))],
            uitpas=bool(rng.random() < 0.1),
            consent=bool(rng.random() < 0.9),
        )
        for i in range(n)
    ]
    interactions = [
        InteractionSpec(f"u{i:05d}", "e1", int(InteractionKind.VIEW), days_ago=float(rng.integers(0, 200)))
        for i in range(n)
        if rng.random() < 0.6
    ]
    return users, interactions


def test_exact_size_counts_members_and_consent(tmp_path: Path) -> None:
    users, interactions = _population(500)
    data = make_data(users, [EventSpec("e1")], interactions)
    segments = Segments(tmp_path)
    definition = parse_segment(YOUNG)
    size = segments.size(definition, data)
    young = [u for u in users if u.age_band == "18-25"]
    assert size.method == "exact" and size.estimate == len(young) == size.low == size.high
    assert size.with_consent == sum(u.consent for u in young)
    assert size.population == 500 and size.share == pytest.approx(len(young) / 500)
    assert json.loads(json.dumps(size.to_dict(), allow_nan=False))["method"] == "exact"


def test_estimated_size_brackets_the_exact_one() -> None:
    users, interactions = _population(20_000, seed=1)
    data = make_data(users, [EventSpec("e1")], interactions)
    definition = parse_segment(
        {"name": "lapsed-young", "rules": [{"age_band": ["18-25", "26-35"]}, {"recency": {"older_than_days": 60}}]}
    )
    segments = Segments(Path("."))
    exact = segments.size(definition, data)
    covered = 0
    for seed in range(20):
        estimate = segments.size(definition, data, sample=2_000, seed=seed)
        assert estimate.method == "sample" and estimate.sampled == 2_000
        assert estimate.low < estimate.estimate < estimate.high
        covered += estimate.low <= exact.estimate <= estimate.high
    assert covered >= 16  # a 95% interval: 20 draws rarely miss more than a few times
    whole = segments.size(definition, data, sample=50_000)
    assert whole.method == "exact"


def test_preview_summarises_the_members_lists() -> None:
    users = [UserSpec(f"u{i}", consent=i != 3) for i in range(6)]
    events = [
        EventSpec("big1", type_id="0.50.4.0.0", organizer_id="hall", postcode="9000"),
        EventSpec("big2", type_id="0.50.4.0.0", organizer_id="hall", postcode="8000"),
        EventSpec("small", type_id="0.55.0.0.0", organizer_id="choir", postcode="9000"),
        EventSpec("past", type_id="0.55.0.0.0", organizer_id="choir", start_days=-3),
    ]
    # The hall has many events in the catalogue: pad it with closed ones.
    events += [EventSpec(f"old{i}", organizer_id="hall", start_days=-100) for i in range(6)]
    data = make_data(users, events)
    vectors = {f"u{i}": [1.0, 0.0] for i in range(5)}  # u5 unknown to the model
    items = {"big1": [3.0, 0.0], "big2": [2.0, 0.0], "small": [1.0, 0.0], "past": [9.0, 0.0]}
    model = make_model(data, vectors, items, seen={"u0": ["big1"]})
    segments = Segments(Path("."))
    preview = segments.preview(parse_segment({"name": "all", "rules": []}), data, model, n=2)
    assert preview.members == 6
    assert preview.eligible == 4  # u3 has no consent, u5 no vector
    assert preview.sampled == 4 and preview.recommendations == 8
    assert preview.open_events == 3  # "past" is over, "old*" unknown to the model
    # u0 already saw big1: it gets big2 + small; the others big1 + big2.
    assert preview.small_organizer_share == pytest.approx(1 / 8)
    assert preview.open_small_organizer_share == pytest.approx(1 / 3)
    assert {m.key: m.count for m in preview.disciplines} == {"0.50.4.0.0": 7, "0.55.0.0.0": 1}
    assert preview.disciplines[0].label == "Concert"
    assert {m.key: m.count for m in preview.regions} == {"east": 4, "west": 4}
    assert json.dumps(preview.to_dict(), allow_nan=False)
    assert preview.to_dict()["organizers"][0] == {"key": "hall", "label": "hall", "count": 7, "share": 7 / 8}
