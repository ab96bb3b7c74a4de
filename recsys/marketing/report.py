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
from typing import TYPE_CHECKING, Final

import jinja2
from markupsafe import Markup

from recsys.marketing.charts import METRIC_LABELS, difference_chart, exposures_chart, rates_chart
from recsys.marketing.experiments import Experiments
from recsys.marketing.results import ExperimentResults, experiment_results
from recsys.marketing.truth import SimulationTruth, load_truth

if TYPE_CHECKING:
    from recsys.marketing.simulation import SimulationResult

TEMPLATE = "experiment.html.j2"
#: How model names read in a sentence.
MODEL_NAMES: Final = {"als": "ALS", "bpr": "BPR", "ease": "EASE", "item-knn": "item-kNN", "rp3beta": "RP3beta"}


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
    """Per arm, what it serves in words: ``ALS model, diversity 0.3``, ``the active model``."""
    arms = experiment.get("arms", [])
    described = {}
    for arm in arms if isinstance(arms, list) else []:
        settings = dict(arm.get("settings") or {})
        # A simulated arm names its model among its settings; a served arm in "model" (none: the active one).
        named = settings.pop("model", None) or arm.get("model")
        model = f"{MODEL_NAMES.get(str(named), named)} model" if named else "the active model"
        knobs = [
            f"{k.replace('_', ' ')} {v:g}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
            for k, v in settings.items()
        ]
        described[str(arm["name"])] = ", ".join([model, *knobs])
    return described


def render_experiment_report(
    results: ExperimentResults,
    *,
    expected: Mapping[str, Mapping[str, float]] | None = None,
    title: str | None = None,
    notes: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
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
    links : sequence of (str, str)
        ``(text, href)`` links shown above the title (none in a standalone page).
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
        links=list(links),
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
    truth = SimulationTruth(tuple(result.truth), result.note)
    return render_experiment_report(
        result.results,
        expected=truth.expected(),
        title=f"Simulated experiment: {result.definition.id}",
        notes=[truth.note],
        generated=generated,
    )


def saved_experiment_report(
    experiments: Experiments,
    experiment_id: str,
    *,
    links: Sequence[tuple[str, str]] = (),
    generated: dt.datetime | None = None,
) -> str:
    """The results page of a saved experiment, with its built-in truth when it was simulated.

    Parameters
    ----------
    experiments : Experiments
        Where the experiment lives.
    experiment_id : str
        Which.
    links : sequence of (str, str)
        ``(text, href)`` links shown at the top (the dashboard's way back).
    generated : datetime, optional
        The time stamp shown (default now).

    Raises
    ------
    NotFoundError
        When there is no such experiment.

    """
    definition = experiments.get(experiment_id).definition
    results = experiment_results(definition, experiments.read_log(experiment_id))
    truth = load_truth(experiments.folder(experiment_id))
    if truth is None:
        return render_experiment_report(results, links=links, generated=generated)
    return render_experiment_report(
        results,
        expected=truth.expected(),
        title=f"Simulated experiment: {definition.id}",
        notes=[truth.note] if truth.note else [],
        links=links,
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
