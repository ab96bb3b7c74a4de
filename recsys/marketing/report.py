"""The results page of an experiment: one self-contained HTML file (inline CSS and SVG charts).

:func:`render_experiment_report` fills ``templates/experiment.html.j2`` from
:class:`~recsys.marketing.results.ExperimentResults`; the dashboard can serve
the same page (or embed its charts from :mod:`recsys.marketing.charts`). For
a simulated experiment, ``expected`` adds what the simulation built in.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from recsys.marketing.charts import METRIC_LABELS, difference_chart, exposures_chart, rates_chart
from recsys.marketing.results import ExperimentResults

if TYPE_CHECKING:
    from recsys.marketing.simulation import SimulationResult

TEMPLATE = "experiment.html.j2"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("recsys.marketing", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _serves(experiment: Mapping[str, object]) -> dict[str, str]:
    """Per arm, what it serves in words (model and settings)."""
    arms = experiment.get("arms", [])
    described = {}
    for arm in arms if isinstance(arms, list) else []:
        settings = ", ".join(f"{k} {v}" for k, v in (arm.get("settings") or {}).items())
        model = arm.get("model") or "active model"
        described[str(arm["name"])] = f"{model}" + (f"; {settings}" if settings else "")
    return described


def render_experiment_report(
    results: ExperimentResults,
    *,
    expected: Mapping[str, Mapping[str, float]] | None = None,
    title: str | None = None,
    notes: Sequence[str] = (),
    generated: dt.datetime | None = None,
) -> str:
    """Render the results page.

    Parameters
    ----------
    results : ExperimentResults
        From :func:`~recsys.marketing.results.experiment_results`.
    expected : mapping, optional
        Per arm, the expected ``ctr``, ``conversion`` and ``dismiss_rate``
        (a simulation's built-in truth); adds the built-in differences.
    title : str, optional
        Page title (default: the experiment id).
    notes : sequence of str
        Extra lines shown at the top.
    generated : datetime, optional
        The time stamp shown (default now).

    Returns
    -------
    str
        A complete HTML document with no external resources.

    """
    experiment = results.experiment
    control = str(experiment["control"])
    built_in = None
    if expected and control in expected:
        built_in = {
            arm: {m: rates[m] - expected[control][m] for m in METRIC_LABELS if m in rates}
            for arm, rates in expected.items()
            if arm != control
        }
    context = results.to_dict()
    context.update(
        title=title or f"Experiment {experiment['id']}",
        notes=[*notes, *results.notes],
        generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        serves=_serves(experiment),
        metric_labels=METRIC_LABELS,
        expected=dict(expected) if expected else None,
        built_in=built_in,
        rates_svg=Markup(rates_chart(results, expected)),
        difference_svg=Markup(difference_chart(results, built_in)),
        exposures_svg=Markup(exposures_chart(results)) if results.timeline else "",
    )
    return _environment().get_template(TEMPLATE).render(**context)


def simulation_report(result: SimulationResult, generated: dt.datetime | None = None) -> str:
    """The results page of a simulated experiment, with the built-in truth."""
    config = result.config
    expected = {
        t.name: {"ctr": t.ctr, "conversion": t.conversion, "dismiss_rate": t.dismiss_rate} for t in result.truth
    }
    notes = [
        f"Simulated: {config.users:,} users of a synthetic Flemish season (seed {config.seed}) replay its behavioural "
        f"model against {len(config.arms)} arms; models trained on the interactions before {config.start}, "
        f"lists of {config.list_size} over {result.candidates:,} open events, one visit per user within "
        f"{config.days} days."
    ]
    return render_experiment_report(
        result.results,
        expected=expected,
        title=f"Simulated experiment: {result.definition.id}",
        notes=notes,
        generated=generated,
    )


def write_report(path: Path, html: str) -> Path:
    """Write ``html`` to ``path`` atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
