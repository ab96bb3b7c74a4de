"""The HTML page of a tuning run: optimisation history, best parameters, every trial, default vs tuned on test."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from training.report_html import figure, page, svg_of, table


def write_tune_report(result: Mapping[str, Any], folder: Path) -> Path:
    """Write ``index.html`` and ``tuning.json`` into ``folder``; return the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tuning.json").write_text(json.dumps(result, indent=2, sort_keys=True), encoding="utf-8")
    target = folder / "index.html"
    target.write_text(render_tune_report(result), encoding="utf-8")
    return target


def render_tune_report(result: Mapping[str, Any]) -> str:
    """The tuning page as one HTML document."""
    metric = str(result.get("metric", ""))
    trials = list(result.get("trials", []))
    best = result.get("best", {})
    names = sorted({name for t in trials for name in t.get("params", {})})
    sections = [
        f'<p class="note">Data: {html.escape(str(result.get("source", "")))}; '
        f"{html.escape(str(result.get('protocol', '')))} protocol, searched on its validation part with "
        f"{html.escape(str(result.get('sampler', '')))} (seed {html.escape(str(result.get('seed', '')))}); "
        f"{len(trials)} trials, {float(result.get('seconds', 0.0)):.1f} s.</p>",
        "<h2>Optimisation history</h2>",
        f'<div class="figure">{svg_of(history_figure(trials, metric))}</div>',
        f"<h2>Best on validation: {html.escape(metric)} {float(best.get('value', math.nan)):.4f}</h2>",
        table(["parameter", "value"], [[k, v] for k, v in best.get("params", {}).items()]),
        f'<p class="note">The defaults (trial 0) scored {_text(result.get("default_value"))}.</p>',
    ]
    test = result.get("test", {})
    if test:
        metrics = sorted({m for values in test.values() for m in values})
        sections += [
            "<h2>On the test part (reported only; the search never saw it)</h2>",
            table(["parameters", *metrics], [[label, *[v.get(m) for m in metrics]] for label, v in test.items()]),
        ]
    rows = [
        [t["number"], t.get("value"), t.get("state"), t.get("seconds"), *[t["params"].get(n) for n in names]]
        for t in trials
    ]
    sections += ["<h2>Trials</h2>", table(["trial", metric, "state", "seconds", *names], rows)]
    return page(f"Tuning {result.get('model', '')} for {metric}", sections)


def history_figure(trials: list[Mapping[str, Any]], metric: str) -> Figure:
    """Each trial's value and the best so far, against the trial number."""
    fig = figure(8.0, 3.5)
    axis = fig.subplots()
    done = [(int(t["number"]), float(t["value"])) for t in trials if t.get("value") is not None]
    if done:
        numbers, values = zip(*done, strict=True)
        running, best = [], -math.inf
        for value in values:
            best = max(best, value)
            running.append(best)
        axis.scatter(numbers, values, s=16, label="trial", color="#4c72b0")
        axis.step(numbers, running, where="post", label="best so far", color="#dd8452")
        axis.legend(fontsize="small")
    axis.set_xlabel("trial")
    axis.set_ylabel(metric)
    axis.grid(alpha=0.3)
    return fig


def _text(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "n/a"
