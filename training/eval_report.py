"""The HTML report of an evaluation run: tables and plots from the run's JSON.

The report is built from :meth:`training.evaluate_job.EvaluationRun.to_json`
alone, so it can be rebuilt from a saved JSON file. It holds the metrics
table at the main cut-off, accuracy at every cut-off plotted against ``k``,
accuracy against novelty and diversity (one point per model), catalogue
coverage and exposure concentration per model, the cold-start slice and the
per-segment breakdown.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from matplotlib.figure import Figure

from training.report_html import figure, page, svg_of, table

#: Metrics of the main table, in order (those the run measured).
TABLE_METRICS: Final = (
    "ndcg",
    "precision",
    "recall",
    "map",
    "ms_map",
    "mrr",
    "hit_rate",
    "coverage",
    "diversity",
    "novelty",
    "serendipity",
    "exposure_gini",
)
#: Metrics where lower is better (emphasis goes to the smallest).
LOWER_IS_BETTER: Final = frozenset({"exposure_gini"})
CURVES: Final = ("ndcg", "precision", "recall", "map")


def write_report(result: Mapping[str, Any], folder: Path) -> Path:
    """Write ``index.html`` (and ``evaluation.json``) into ``folder``; return the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True), encoding="utf-8")
    target = folder / "index.html"
    target.write_text(render_report(result), encoding="utf-8")
    return target


def render_report(result: Mapping[str, Any]) -> str:
    """The report as one HTML document."""
    models: dict[str, dict[str, float]] = result.get("models", {})
    k = int(result.get("k", 10))
    title = f"Evaluation: {result.get('protocol', '?')} protocol, k = {k}"
    sections = [
        f'<p class="note">Data: {html.escape(str(result.get("source", "")))}. '
        f"Evaluated on the {html.escape(str(result.get('evaluated_on', 'test')))} part; "
        f"seed {html.escape(str(result.get('seed', '')))}; {float(result.get('seconds', 0.0)):.1f} s in all.</p>",
        "<h2>Split</h2>",
        table(["count", "value"], [[key, value] for key, value in result.get("split", {}).items()]),
        f"<h2>Metrics at {k}</h2>",
        metrics_table(models, k, result.get("timings", {})),
    ]
    if models:
        sections += [
            "<h2>Accuracy against k</h2>",
            f'<div class="figure">{svg_of(curves_figure(models))}</div>',
            "<h2>Accuracy against novelty and diversity</h2>",
            f'<div class="figure">{svg_of(tradeoff_figure(models, k))}</div>',
            "<h2>Coverage and exposure concentration</h2>",
            f'<div class="figure">{svg_of(coverage_figure(models, k))}</div>',
        ]
        cold = cold_table(models, k)
        if cold:
            sections += ["<h2>Cold-start slice</h2>", cold]
        sections += segment_sections(result.get("segments", {}))
    skipped = result.get("skipped", {})
    if skipped:
        items = "".join(f"<li>{html.escape(n)}: {html.escape(str(why))}</li>" for n, why in skipped.items())
        sections += ["<h2>Not evaluated</h2>", f"<ul>{items}</ul>"]
    return page(title, sections)


def metrics_table(models: Mapping[str, Mapping[str, float]], k: int, timings: Mapping[str, Any]) -> str:
    """Models x metrics at ``k``, the best of each column in bold."""
    columns = [m for m in TABLE_METRICS if any(f"{m}@{k}" in v for v in models.values())]
    names = list(models)
    rows: list[list[object]] = []
    for name in names:
        fit = timings.get(name, {}).get("fit_s")
        rows.append([name, *[models[name].get(f"{m}@{k}") for m in columns], models[name].get("users"), fit])
    best: list[set[int]] = [set() for _ in names]
    for c, metric in enumerate(columns, start=1):
        values = [(float(v), r) for r, row in enumerate(rows) if isinstance(v := row[c], int | float)]
        if values:
            pick = min if metric in LOWER_IS_BETTER else max
            target = pick(v for v, _ in values)
            for v, r in values:
                if v == target:
                    best[r].add(c)
    header = ["model", *[f"{m}@{k}" for m in columns], "users", "fit s"]
    return table(header, rows, best)


def cold_table(models: Mapping[str, Mapping[str, float]], k: int) -> str:
    """Accuracy over the cold-start slice, for the models that have one ('' when none does)."""
    wanted = ("ndcg", "precision", "recall", "hit_rate")
    rows = [
        [name, *[v.get(f"cold/{m}@{k}") for m in wanted], v.get("cold/users")]
        for name, v in models.items()
        if v.get("cold/users")
    ]
    if not rows:
        return ""
    return table(["model", *[f"{m}@{k}" for m in wanted], "users"], rows)


def segment_sections(segments: Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]]) -> list[str]:
    """One table per segment kind: rows segment x model."""
    kinds: dict[str, list[list[object]]] = {}
    metrics: list[str] = []
    for model, per_kind in segments.items():
        for kind, per_label in per_kind.items():
            for label, values in per_label.items():
                metrics = metrics or [m for m in values if m != "users"]
                kinds.setdefault(kind, []).append(
                    [label, model, int(values.get("users", 0)), *[values.get(m) for m in metrics]]
                )
    out = []
    for kind, rows in kinds.items():
        rows.sort(key=lambda row: (str(row[0]), str(row[1])))
        out += [f"<h2>Per segment: {html.escape(kind)}</h2>", table([kind, "model", "users", *metrics], rows)]
    return out


def _cutoffs(models: Mapping[str, Mapping[str, float]], metric: str) -> list[int]:
    found = {int(key.split("@")[1]) for v in models.values() for key in v if key.startswith(f"{metric}@")}
    return sorted(found)


def curves_figure(models: Mapping[str, Mapping[str, float]], metrics: Sequence[str] = CURVES) -> Figure:
    """One panel per accuracy metric, one line per model, against the cut-off ``k``."""
    fig = figure(10.0, 6.5)
    axes = fig.subplots(2, 2).ravel()
    for axis, metric in zip(axes, metrics, strict=False):
        ks = _cutoffs(models, metric)
        for name, values in models.items():
            axis.plot(ks, [values.get(f"{metric}@{c}", float("nan")) for c in ks], marker="o", label=name)
        axis.set_title(f"{metric}@k")
        axis.set_xlabel("k")
        axis.set_xscale("log")
        axis.set_xticks(ks, [str(c) for c in ks])
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    return fig


def tradeoff_figure(models: Mapping[str, Mapping[str, float]], k: int) -> Figure:
    """NDCG against novelty and against diversity, one labelled point per model."""
    fig = figure(10.0, 4.0)
    panels = [m for m in ("novelty", "diversity", "serendipity") if any(f"{m}@{k}" in v for v in models.values())]
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False).ravel()
    for axis, metric in zip(axes, panels, strict=False):
        for name, values in models.items():
            x, y = values.get(f"{metric}@{k}"), values.get(f"ndcg@{k}")
            if x is None or y is None:
                continue
            axis.scatter([x], [y])
            axis.annotate(name, (x, y), textcoords="offset points", xytext=(4, 4), fontsize="small")
        axis.set_xlabel(f"{metric}@{k}")
        axis.set_ylabel(f"ndcg@{k}")
        axis.grid(alpha=0.3)
    return fig


def coverage_figure(models: Mapping[str, Mapping[str, float]], k: int) -> Figure:
    """Catalogue coverage and exposure Gini per model, as bars."""
    fig = figure(10.0, 3.5)
    left, right = fig.subplots(1, 2)
    names = list(models)
    positions = list(range(len(names)))
    left.bar(positions, [models[n].get(f"coverage@{k}", 0.0) for n in names], color="#4c72b0")
    left.set_title(f"coverage@{k} (higher: more of the catalogue)")
    right.bar(positions, [models[n].get(f"exposure_gini@{k}", 0.0) for n in names], color="#dd8452")
    right.set_title(f"exposure Gini@{k} (lower: fairer)")
    for axis in (left, right):
        axis.set_xticks(positions, names, rotation=30, ha="right")
        axis.set_ylim(0, 1)
        axis.grid(axis="y", alpha=0.3)
    return fig
