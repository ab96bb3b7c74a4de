"""A simulated experiment on a small synthetic season shows the difference it was built with."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.experiments import Experiments
from recsys.marketing.report import (
    render_experiment_report,
    saved_experiment_report,
    simulation_report,
    write_report,
)
from recsys.marketing.simulation import ArmPlan, SimulationConfig, SimulationResult, simulate_experiment
from recsys.marketing.truth import load_truth


@pytest.fixture(scope="module")
def simulated() -> SimulationResult:
    return simulate_experiment(SimulationConfig(users=2_000, seed=7))


def test_the_built_in_difference_shows_with_an_interval_excluding_zero(simulated: SimulationResult) -> None:
    results = simulated.results
    for metric in ("ctr", "conversion"):
        built_in = simulated.built_in_difference(metric)
        test = results.comparison("treatment", metric).test
        assert built_in > 0, metric  # ALS beats popularity under the behavioural model
        assert test.low > 0, f"{metric}: interval {test.low:.4f}..{test.high:.4f} should exclude 0"
        # The estimate sits within sampling error of the truth (half-width ~ 2 standard errors).
        assert abs(test.difference - built_in) < 1.5 * (test.high - test.low), metric
    assert not results.srm.flagged
    assert json.loads(json.dumps(simulated.to_dict(), allow_nan=False))["results"]["srm"]["flagged"] is False
    assert sum(a.users for a in results.arms) == 2_000
    assert results.arm("control").coverage < results.arm("treatment").coverage  # popularity shows the same few events


def test_the_simulation_is_deterministic(simulated: SimulationResult) -> None:
    again = simulate_experiment(SimulationConfig(users=2_000, seed=7))
    assert again.truth == simulated.truth
    assert again.results.to_dict()["arms"] == simulated.results.to_dict()["arms"]


def test_diversity_arms_and_a_saved_log(tmp_path: Path) -> None:
    config = SimulationConfig(
        users=600, arms=(ArmPlan("plain", "als"), ArmPlan("varied", "als", diversity=0.8)), experiment_id="div-sim"
    )
    result = simulate_experiment(config, data_dir=tmp_path)
    assert Experiments(tmp_path).get("div-sim").definition.arm("varied").settings["diversity"] == 0.8
    assert Experiments(tmp_path).read_log("div-sim").exposures.height == 600
    assert len(result.truth) == 2 and result.results.arm("varied").users > 0
    # The truth is kept beside the log: the saved experiment's page shows the built-in difference too.
    truth = load_truth(Experiments(tmp_path).folder("div-sim"))
    assert truth is not None and list(truth.arms) == result.truth and truth.note == result.note
    page = saved_experiment_report(Experiments(tmp_path), "div-sim", links=[("Back", "/dashboard/")])
    assert "What the simulation built in" in page and result.note in page
    assert f"{result.built_in_difference('ctr', 'varied') * 100:+.2f} pp" in page
    assert '<a href="/dashboard/">Back</a>' in page
    assert "ALS model, diversity 0.8" in page


def test_arm_specs_parse_and_refuse_nonsense() -> None:
    assert ArmPlan.parse("treatment=als:diversity=0.3:weight=2") == ArmPlan("treatment", "als", 0.3, 2.0)
    for bad in ("treatment", "t=knn", "t=als:colour=1", "t=als:diversity=3"):
        with pytest.raises(InvalidFieldError):
            ArmPlan.parse(bad)
    with pytest.raises(InvalidFieldError):
        SimulationConfig(arms=(ArmPlan("a", "als"),))


def test_the_results_page_is_self_contained(simulated: SimulationResult, tmp_path: Path) -> None:
    html = simulation_report(simulated)
    path = write_report(tmp_path / "report.html", html)
    assert path.read_text(encoding="utf-8") == html
    assert html.count("<svg") == 3
    assert not re.search(r"""(src|href)=["']https?://""", html)  # no external resources
    assert "What the simulation built in" in html and "Sample ratio" in html
    built_in = simulated.built_in_difference("ctr") * 100
    assert f"{built_in:+.2f} pp" in html
    assert "popularity model, diversity 0" in html and "ALS model, diversity 0" in html  # what each arm serves
    plain = render_experiment_report(simulated.results)
    assert "What the simulation built in" not in plain and plain.count("<svg") == 3
