"""Experiments: definitions, durable logging, results per arm, SRM and guardrails."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.errors import NotFoundError
from recsys.marketing.experiments import Experiments, Status, parse_experiment
from recsys.marketing.explog import ExperimentLog, ExposureRecord
from recsys.marketing.results import experiment_results

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def definition(**extra: Any) -> dict[str, Any]:
    return {
        "id": "div-test",
        "status": "running",
        "arms": [
            {"name": "control", "weight": 1, "model": "default", "settings": {"diversity": 0.0}},
            {
                "name": "diverse",
                "weight": 1,
                "model": "default/20260101T000000000Z-0123456789ab",
                "settings": {"diversity": 0.3},
            },
        ],
        "guardrails": [
            {"metric": "dismiss_rate", "max_degradation": 0.01},
            {"metric": "coverage", "max_degradation": 0.05},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (definition(arms=[{"name": "only"}]), "arms"),
        (definition(arms=[{"name": "a"}, {"name": "a"}]), "arms[1].name"),
        (definition(arms=[{"name": "a", "weight": -1}, {"name": "b"}]), "arms[0].weight"),
        (definition(arms=[{"name": "a", "colour": 1}, {"name": "b"}]), "arms[0].colour"),
        (definition(arms=[{"name": "a", "settings": {"diversity": 2}}, {"name": "b"}]), "arms[0].settings.diversity"),
        # A request takes at most 0.5 exploration: an arm asking for more could never be served.
        (
            definition(arms=[{"name": "a"}, {"name": "b", "settings": {"exploration": 0.6}}]),
            "arms[1].settings.exploration",
        ),
        (definition(arms=[{"name": "a", "model": "no such/model"}, {"name": "b"}]), "arms[0].model"),
        (definition(control="treatment"), "control"),
        (definition(status="paused"), "status"),
        (definition(alpha=0.9), "alpha"),
        (definition(guardrails=[{"metric": "revenue", "max_degradation": 0.1}]), "guardrails[0].metric"),
        (definition(guardrails=[{"metric": "ctr"}]), "guardrails[0].max_degradation"),
        (definition(owner="me"), "owner"),
        ({"arms": []}, "id"),
    ],
)
def test_bad_definitions_name_the_field(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        parse_experiment(doc)
    assert caught.value.field == field, str(caught.value)


def test_definitions_are_versioned_and_arms_freeze_once_exposed(tmp_path: Path) -> None:
    service = Experiments(tmp_path)
    first = service.save(definition(status="draft"))
    assert (first.version, first.definition.control) == (1, "control")
    with pytest.raises(InvalidFieldError, match="not running|draft"):
        service.log_exposure("div-test", "u1", ["e1"])
    service.set_status("div-test", Status.RUNNING)
    service.log_exposure("div-test", "u1", ["e1"])
    changed = definition()
    changed["arms"][1]["weight"] = 3
    with pytest.raises(InvalidFieldError, match="frozen") as caught:
        service.save(changed)
    assert caught.value.field == "arms"
    stopped = service.set_status("div-test", Status.STOPPED)
    assert stopped.version == 3 and [v.version for v in service.versions("div-test")] == [1, 2, 3]
    with pytest.raises(InvalidFieldError, match="stopped"):
        service.log_exposure("div-test", "u2", ["e1"])
    with pytest.raises(NotFoundError):
        service.get("other")


def test_logging_checks_the_arm_and_the_outcome_kind(tmp_path: Path) -> None:
    service = Experiments(tmp_path)
    service.save(definition())
    arm = service.assign("div-test", "u1").name
    other = "diverse" if arm == "control" else "control"
    record = service.log_exposure("div-test", "u1", ["e1", "e2"], arm=arm, time=T0, placement="for-you")
    assert record.arm == arm and record.event_ids == ("e1", "e2")
    with pytest.raises(InvalidFieldError, match="belongs to arm"):
        service.log_exposure("div-test", "u1", ["e1"], arm=other)
    with pytest.raises(InvalidFieldError, match="kind"):
        service.log_outcome("div-test", "u1", "e1", "view")
    with pytest.raises(InvalidFieldError, match="time zone"):
        service.log_outcome("div-test", "u1", "e1", "click", time=dt.datetime(2026, 3, 1))
    with pytest.raises(InvalidFieldError):
        service.log_exposure("div-test", "u 1", ["e1"])
    assert service.log_outcome("div-test", "u1", "e1", "CHECK_IN", time=T0).kind == "check-in"
    snapshot = service.read_log("div-test")
    assert snapshot.exposures.height == 1 and snapshot.outcomes.height == 1


def _log_world(service: Experiments, n: int, ctr: dict[str, float], conversion: dict[str, float]) -> dict[str, int]:
    """Expose n users; a deterministic share of each arm clicks, converts; returns users per arm."""
    exposures, outcomes = [], []
    users_per_arm = {"control": 0, "diverse": 0}
    seen = {"control": 0, "diverse": 0}
    for i in range(n):
        user = f"user-{i}"
        arm = service.assign("div-test", user).name
        users_per_arm[arm] += 1
        exposures.append((user, ["e1", "e2"] if arm == "control" else ["e1", "e3"], None, T0, None))
        k = seen[arm]
        seen[arm] += 1
        if k % 100 < ctr[arm] * 100:
            outcomes.append((user, "e1", "click", T0 + dt.timedelta(minutes=1)))
        if k % 100 < conversion[arm] * 100:
            outcomes.append((user, "e1", "ticket", T0 + dt.timedelta(minutes=5)))
    service.log_exposures("div-test", exposures)
    service.log_outcomes("div-test", outcomes)
    return users_per_arm


def test_results_per_arm_and_against_the_control(tmp_path: Path) -> None:
    service = Experiments(tmp_path)
    saved = service.save(definition())
    per_arm = _log_world(service, 4_000, {"control": 0.20, "diverse": 0.25}, {"control": 0.05, "diverse": 0.05})
    # Outcomes that must not count: an event not shown, a click before the exposure, one after the window.
    service.log_outcomes(
        "div-test",
        [
            ("user-0", "e9", "click", T0 + dt.timedelta(minutes=1)),
            ("user-1", "e1", "click", T0 - dt.timedelta(days=1)),
            ("user-2", "e1", "click", T0 + dt.timedelta(days=8)),
            ("stranger", "e1", "click", T0 + dt.timedelta(minutes=1)),
        ],
    )
    results = experiment_results(saved.definition, service.read_log("div-test"))
    control, diverse = results.arm("control"), results.arm("diverse")
    assert (control.users, diverse.users) == (per_arm["control"], per_arm["diverse"])
    expected_clicks = {
        arm: sum(1 for k in range(n) if k % 100 < rate * 100)
        for (arm, n), rate in zip(per_arm.items(), (0.20, 0.25), strict=True)
    }
    assert control.ctr.successes == expected_clicks["control"]
    assert diverse.ctr.successes == expected_clicks["diverse"]
    assert control.impressions == 2 * control.users and control.exposures == control.users
    assert control.coverage == pytest.approx(2 / 3) and diverse.coverage == pytest.approx(2 / 3)
    ctr = results.comparison("diverse", "ctr")
    reference = stats.chi2_contingency(
        [
            [control.ctr.successes, control.users - control.ctr.successes],
            [diverse.ctr.successes, diverse.users - diverse.ctr.successes],
        ],
        correction=False,
    )
    assert ctr.test.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert results.ctr_test.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert ctr.significant and ctr.test.low > 0
    assert not results.comparison("diverse", "conversion").significant
    assert not results.srm.flagged and results.users_in_several_arms == 0
    assert [g.metric for g in results.guardrails] == ["dismiss_rate", "coverage"]
    assert not any(g.breached for g in results.guardrails)
    assert results.timeline[-1].users == per_arm
    payload = results.to_dict()
    assert payload["arms"][0]["ctr"]["value"] == control.ctr.value


def test_a_skewed_log_is_flagged_and_a_guardrail_breach_reported(tmp_path: Path) -> None:
    service = Experiments(tmp_path)
    saved = service.save(definition())
    log = service.log("div-test")
    records = []
    for i in range(3_000):
        user = f"user-{i}"
        arm = saved.definition.assign(user).name
        if arm == "diverse" and i % 5 == 0:
            continue  # a logging bug drops a fifth of one arm
        records.append(ExposureRecord(arm, user, ("e1",), int(T0.timestamp() * 1e6)))
    log.append_exposures(records)
    dismissals = [(r.user_id, "e1", "dismiss", T0 + dt.timedelta(seconds=10)) for r in records if r.arm == "diverse"][
        :200
    ]
    service.log_outcomes("div-test", dismissals)
    results = experiment_results(saved.definition, service.read_log("div-test"))
    assert results.srm.flagged and results.srm.p_value < 0.001
    assert any("sample-ratio mismatch" in note for note in results.notes)
    breach = next(g for g in results.guardrails if g.metric == "dismiss_rate")
    assert breach.breached and breach.degradation > 0.01


def test_a_torn_last_line_is_skipped_and_the_next_batch_starts_clean(tmp_path: Path) -> None:
    log = ExperimentLog(tmp_path)
    log.append_exposures([ExposureRecord("a", "u1", ("e1",), 1)])
    with (tmp_path / "log" / "exposures.jsonl").open("ab") as handle:
        handle.write(b'{"arm": "a", "user_id": "u2", "event_')  # a crash mid-write
    assert log.read().exposures.height == 1 and log.read().skipped_lines == 1
    log.append_exposures([ExposureRecord("b", "u3", ("e2",), 2)])
    snapshot = log.read()
    assert snapshot.exposures.get_column("user_id").to_list() == ["u1", "u3"]
    assert snapshot.skipped_lines == 1


def test_following_the_exposures_reads_each_whole_line_once(tmp_path: Path) -> None:
    log = ExperimentLog(tmp_path)
    assert log.exposures_since(0) == ([], 0)
    log.append_exposures([ExposureRecord("a", "u1", ("e1", "e2"), 1, "for-you")])
    first, offset = log.exposures_since(0)
    assert first == [ExposureRecord("a", "u1", ("e1", "e2"), 1, "for-you")]
    assert log.exposures_since(offset) == ([], offset)
    with (tmp_path / "log" / "exposures.jsonl").open("ab") as handle:
        handle.write(b'{"arm": "b", "user_id": "u2", "event_')  # a crash mid-write: not a whole line yet
    assert log.exposures_since(offset) == ([], offset)
    log.append_exposures([ExposureRecord("b", "u3", ("e3",), 2)])
    later, end = log.exposures_since(offset)
    assert [r.user_id for r in later] == ["u3"]  # the torn line, closed by the writer, is skipped
    assert end == (tmp_path / "log" / "exposures.jsonl").stat().st_size


def _append_many(folder: str, worker: int) -> None:
    log = ExperimentLog(Path(folder))
    for batch in range(20):
        log.append_exposures([ExposureRecord("a", f"w{worker}-{batch}-{i}", ("e1", "e2"), i) for i in range(50)])


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), w)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert all(w.exitcode == 0 for w in workers)
    snapshot = ExperimentLog(tmp_path).read()
    assert snapshot.exposures.height == 3 * 20 * 50 and snapshot.skipped_lines == 0
    assert snapshot.exposures.get_column("user_id").n_unique() == 3_000


def test_single_calls_name_the_field_without_a_batch_prefix(tmp_path: Path) -> None:
    service = Experiments(tmp_path)
    service.save(definition())
    with pytest.raises(InvalidFieldError) as caught:
        service.log_exposure("div-test", "u1", [])
    assert caught.value.field == "event_ids"
    with pytest.raises(InvalidFieldError) as caught:
        service.log_outcome("div-test", "u1", "e1", "click", time=dt.datetime(2026, 3, 1))
    assert caught.value.field == "time"
    with pytest.raises(InvalidFieldError) as caught:
        service.log_outcomes("div-test", [("u1", "e1", "click", None), ("u2", "e 2", "click", None)])
    assert caught.value.field == "outcomes[1].event_id"
