"""``recsys evaluate``: compare several models on one split; print a table, write JSON and an HTML report.

The data is the data folder's stores (``--data-dir``), or any interactions
file given with ``--interactions`` and a column mapping. The options that
say where the data comes from are shared with ``recsys tune``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors, progress_bar
from recsys.cli.report import refuse_bad_input

if TYPE_CHECKING:
    from training.config import TrainConfig
    from training.eval_source import EvaluationSource

PROTOCOL_HELP = (
    "temporal (future events on a data folder; a global time cutoff on a file), random (per user 8:1:1), "
    "stratified (per user 75/25, Microsoft Recommenders' splitter), stratified-item (per item 75/25, "
    "what their MovieLens benchmark runs), leave-one-out. "
    "Default: temporal when interactions have times, else stratified."
)

Interactions = Annotated[
    Path | None,
    typer.Option(
        "--interactions",
        "-i",
        help="An interactions file (CSV/TSV) to evaluate on instead of the data folder.",
        dir_okay=False,
    ),
]
UserCol = Annotated[
    str, typer.Option("--user-col", help="Column with user ids (by position, 0, 1, ... with --no-header).")
]
ItemCol = Annotated[str, typer.Option("--item-col", help="Column with item ids.")]
TimeCol = Annotated[
    str | None, typer.Option("--time-col", help="Column with times (Unix epoch seconds or ISO-8601; UTC when no zone).")
]
WeightCol = Annotated[
    str | None, typer.Option("--weight-col", help="Column with a weight (rating, count): learned from as confidence.")
]
MinWeight = Annotated[
    float | None,
    typer.Option("--min-weight", help="Drop rows whose weight is below this (neither learned from nor relevant)."),
]
Separator = Annotated[str, typer.Option("--sep", help="Field separator: one character, or 'tab'.")]
Header = Annotated[bool, typer.Option("--header/--no-header", help="Whether the first line names the columns.")]
Protocol = Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the split, the user sample and the models.")]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML config: a models.<name> table per model, and the weighting.", dir_okay=False
    ),
]
Ratios = Annotated[
    str | None,
    typer.Option("--ratios", help="random: train,validation,test shares (0.8,0.1,0.1); stratified: the train share."),
]
MaxUsers = Annotated[int | None, typer.Option("--max-users", help="Evaluate a seeded sample of this many test users.")]


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Where the data comes from (the options ``evaluate`` and ``tune`` share)."""

    data_dir: Path
    interactions: Path | None
    user_col: str
    item_col: str
    time_col: str | None
    weight_col: str | None
    min_weight: float | None
    sep: str
    header: bool

    def load(self) -> EvaluationSource:
        """Read the data (errors are :class:`InvalidFieldError` naming the option)."""
        from recsys.evaluation.sources import FileColumns
        from training.eval_source import from_file, from_folder

        if self.interactions is None:
            return from_folder(self.data_dir)
        columns = FileColumns(user=self.user_col, item=self.item_col, time=self.time_col, weight=self.weight_col)
        return from_file(self.interactions, columns, sep=self.sep, header=self.header, min_weight=self.min_weight)


def default_protocol(chosen: str | None, source: EvaluationSource) -> str:
    """The protocol asked for, else temporal when there are times, else stratified."""
    if chosen is not None:
        return chosen
    return "temporal" if source.has_time else "stratified"


def parse_list(text: str | None) -> tuple[str, ...] | None:
    """``"a,b, c"`` -> ``("a", "b", "c")``; ``None`` stays ``None``."""
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_ratios(text: str | None) -> tuple[float, ...] | None:
    """``"0.8,0.1,0.1"`` -> floats (an error names ``--ratios``)."""
    from recsys.domain.errors import InvalidFieldError

    parts = parse_list(text)
    if parts is None:
        return None
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidFieldError("ratios", f"expected numbers separated by commas, got {text!r}") from None


def load_config_or_exit(path: Path | None) -> TrainConfig | None:
    """Read a training config, or print its error and exit with status 2."""
    if path is None:
        return None
    from training.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        errors.print(f"[bold red]error:[/] --config: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


def evaluate(
    ctx: typer.Context,
    interactions: Interactions = None,
    user_col: UserCol = "user_id",
    item_col: ItemCol = "item_id",
    time_col: TimeCol = None,
    weight_col: WeightCol = None,
    min_weight: MinWeight = None,
    sep: Separator = ",",
    header: Header = True,
    protocol: Protocol = None,
    k: Annotated[int, typer.Option("--k", "-k", help="The cut-off of every metric (ndcg@k, ...).")] = 10,
    models: Annotated[
        str | None,
        typer.Option("--models", "-m", help="Comma-separated models (default: every model that fits the data)."),
    ] = None,
    config: ConfigFile = None,
    seed: Seed = 42,
    ratios: Ratios = None,
    max_users: MaxUsers = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every metric per model to this JSON file.", dir_okay=False)
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write an HTML report with plots into this folder.", file_okay=False)
    ] = None,
) -> None:
    """Compare models on one split: accuracy, beyond-accuracy, cold-start slice and segments."""
    from training.evaluate_job import EvaluateSettings, run_evaluation

    settings: CliContext = ctx.obj
    chosen_config = load_config_or_exit(config)
    options = SourceOptions(
        settings.data_dir, interactions, user_col, item_col, time_col, weight_col, min_weight, sep, header
    )
    with refuse_bad_input(option_prefix="--"):
        source = options.load()
        job = EvaluateSettings(
            protocol=default_protocol(protocol, source),
            k=k,
            models=parse_list(models),
            seed=seed,
            config=chosen_config,
            max_users=max_users,
            ratios=parse_ratios(ratios),
        )
        job.check()
        with progress_bar() as progress:
            task = progress.add_task("evaluating", total=None)

            def report_step(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            run = run_evaluation(source, job, report_step)
    result = run.to_json()
    print_result(result)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, sort_keys=True), encoding="utf-8")
        console.print(f"[green]✓[/] metrics written to {json_out}")
    if report is not None:
        from training.eval_report import write_report

        page = write_report(result, report)
        console.print(f"[green]✓[/] report written to {page}")


#: Terminal tables at the main cut-off: (metric, header, lower is better).
ACCURACY_COLUMNS = (
    ("ndcg", "ndcg", False),
    ("precision", "precision", False),
    ("recall", "recall", False),
    ("map", "map", False),
    ("mrr", "mrr", False),
    ("hit_rate", "hit rate", False),
)
BEYOND_COLUMNS = (
    ("coverage", "coverage", False),
    ("diversity", "diversity", False),
    ("novelty", "novelty", False),
    ("serendipity", "serendipity", False),
    ("exposure_gini", "exposure Gini", True),
)


def print_result(result: dict[str, Any]) -> None:
    """Print the split and two tables, accuracy and beyond accuracy (best of each column in bold)."""
    k = result["k"]
    split = result["split"]
    console.print(
        f"{result['protocol']} split of {result['source']}: {split.get('test_users', 0):,} test users, "
        f"{split.get('candidates', 0):,} candidates ({split.get('cold_candidates', 0):,} cold), "
        f"{split.get('relevant_pairs', 0):,} relevant pairs",
        highlight=False,
    )
    models: dict[str, dict[str, float]] = result["models"]
    fit = {name: result["timings"].get(name, {}).get("fit_s", 0.0) for name in models}
    console.print(_table(f"Accuracy at {k}", models, k, ACCURACY_COLUMNS, {"fit s": fit}))
    console.print(_table(f"Beyond accuracy at {k}", models, k, BEYOND_COLUMNS, {}))
    cold = [(n, v) for n, v in models.items() if v.get("cold/users")]
    if cold:
        console.print(
            f"Cold-start slice ({cold[0][1]['cold/users']:,} users with a relevant cold item): "
            + ", ".join(f"{n} ndcg@{k} {v.get(f'cold/ndcg@{k}', 0.0):.4f}" for n, v in cold),
            highlight=False,
        )
    for name, why in result.get("skipped", {}).items():
        console.print(f"[yellow]skipped:[/] {name}: {why}", highlight=False)
    console.print(f"done in {result['seconds']:.1f} s", highlight=False)


def _table(
    title: str,
    models: dict[str, dict[str, float]],
    k: int,
    columns: tuple[tuple[str, str, bool], ...],
    extra: dict[str, dict[str, float]],
) -> Table:
    shown = [c for c in columns if any(f"{c[0]}@{k}" in v for v in models.values())]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("model")
    for _, header, _ in shown:
        table.add_column(header, justify="right")
    for header in extra:
        table.add_column(header, justify="right")
    best: dict[str, float | None] = {}
    for metric, _, lower in shown:
        found = [v[f"{metric}@{k}"] for v in models.values() if f"{metric}@{k}" in v]
        best[metric] = (min if lower else max)(found) if found else None
    for name, values in models.items():
        cells = []
        for metric, _, _ in shown:
            value = values.get(f"{metric}@{k}")
            text = "" if value is None else f"{value:.4f}"
            cells.append(f"[bold]{text}[/]" if value is not None and value == best[metric] else text)
        cells += [f"{column[name]:.2f}" for column in extra.values()]
        table.add_row(name, *cells)
    return table
