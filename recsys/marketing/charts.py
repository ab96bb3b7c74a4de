"""Charts of experiment results as inline SVG (matplotlib).

- :func:`rates_chart`: per arm, click-through, conversion and dismiss rates
  with their confidence intervals as error bars (and, for a simulation, the
  expected rate as a marker);
- :func:`difference_chart`: each arm minus the control per metric with the
  interval of the difference, the zero line, and the built-in difference when
  known;
- :func:`exposures_chart`: cumulative users exposed per arm over time.

Each returns an ``<svg>`` element as text, ready to paste into HTML. Figures
are built without pyplot, so a server can render them in worker threads.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Mapping
from typing import Any, Final, cast

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from recsys.marketing.results import ExperimentResults

METRIC_LABELS: Final = {"ctr": "click-through", "conversion": "conversion", "dismiss_rate": "dismiss rate"}
_COLOURS: Final = ("#1f5fa8", "#e07b00", "#2e8b57", "#b03a48", "#6a4c93", "#5b8e7d", "#8c564b", "#7f7f7f")

#: Text stays text (small files, searchable) and element ids are stable from run to run.
_SVG_SETTINGS: Final = {"svg.fonttype": "none", "svg.hashsalt": "recsys-marketing"}
_RENDER_LOCK: Final = threading.Lock()

Expected = Mapping[str, Mapping[str, float]]


def _svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element (text kept as text, stable ids)."""
    buffer = io.StringIO()
    # The SVG settings are global rcParams: the lock keeps concurrent renders from mixing them.
    with _RENDER_LOCK, rc_context(cast(Any, _SVG_SETTINGS)):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def rates_chart(results: ExperimentResults, expected: Expected | None = None) -> str:
    """Bars of each rate per arm with confidence intervals (percent)."""
    metrics = list(METRIC_LABELS)
    figure = Figure(figsize=(7.5, 3.4))
    axes = figure.add_subplot()
    width = 0.8 / max(len(results.arms), 1)
    x = np.arange(len(metrics))
    for i, arm in enumerate(results.arms):
        rates = [getattr(arm, m) for m in metrics]
        values = np.array([r.value for r in rates]) * 100
        errors = np.array([[r.value - r.low for r in rates], [r.high - r.value for r in rates]]) * 100
        position = x - 0.4 + width * (i + 0.5)
        colour = _COLOURS[i % len(_COLOURS)]
        axes.bar(position, values, width * 0.9, yerr=errors, capsize=4, color=colour, alpha=0.85, label=arm.name)
        if expected and arm.name in expected:
            truth = [expected[arm.name].get(m, np.nan) * 100 for m in metrics]
            axes.scatter(position, truth, marker="D", color="black", zorder=3, s=18, label=None if i else "expected")
    axes.set_xticks(x, [METRIC_LABELS[m] for m in metrics])
    axes.set_ylabel("% of exposed users")
    axes.legend(frameon=False, fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def difference_chart(results: ExperimentResults, built_in: Mapping[str, Mapping[str, float]] | None = None) -> str:
    """Each arm minus the control, per metric, with the interval of the difference (percentage points)."""
    rows = [(c.arm, c.metric, c.test) for c in results.comparisons]
    figure = Figure(figsize=(7.5, 0.55 * max(len(rows), 1) + 0.9))
    axes = figure.add_subplot()
    y = np.arange(len(rows))[::-1]
    for yi, (arm, metric, test) in zip(y, rows, strict=True):
        colour = "#b03a48" if test.low > 0 or test.high < 0 else "#555555"
        axes.errorbar(
            test.difference * 100,
            yi,
            xerr=[[(test.difference - test.low) * 100], [(test.high - test.difference) * 100]],
            fmt="o",
            color=colour,
            capsize=4,
        )
        if built_in and metric in built_in.get(arm, {}):
            axes.scatter(built_in[arm][metric] * 100, yi, marker="D", color="black", s=22, zorder=3)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(y, [f"{arm}: {METRIC_LABELS[m]}" for arm, m, _ in rows])
    axes.set_xlabel(f"difference from {results.experiment['control']} (percentage points)")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def exposures_chart(results: ExperimentResults) -> str:
    """Cumulative users exposed per arm over the experiment."""
    figure = Figure(figsize=(7.5, 3.0))
    axes = figure.add_subplot()
    times = [dt.datetime.fromisoformat(p.time) for p in results.timeline]
    for i, arm in enumerate(results.arms):
        counts = [p.users.get(arm.name, 0) for p in results.timeline]
        axes.plot(times, counts, color=_COLOURS[i % len(_COLOURS)], label=arm.name)  # type: ignore[arg-type]
    axes.set_ylabel("users exposed (cumulative)")
    axes.legend(frameon=False, fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    return _svg(figure)
