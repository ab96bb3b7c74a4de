"""``recsys tune``: search one model's hyperparameters with Optuna on the validation split; save and show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from recsys.cli.context import CliContext
from recsys.cli.evaluate import (
    ConfigFile,
    Header,
    Interactions,
    ItemCol,
    MaxUsers,
    MinWeight,
    Protocol,
    Ratios,
    Seed,
    Separator,
    SourceOptions,
    TimeCol,
    UserCol,
    WeightCol,
    default_protocol,
    load_config_or_exit,
    parse_ratios,
)
from recsys.cli.progress import console, progress_bar
from recsys.cli.report import refuse_bad_input


def tune(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="The model to tune (registry name or a --config model).")],
    trials: Annotated[int, typer.Option("--trials", "-n", help="Number of trials (the first is the defaults).")] = 20,
    metric: Annotated[str, typer.Option("--metric", help="What to maximise on validation, as name@k.")] = "ndcg@10",
    interactions: Interactions = None,
    user_col: UserCol = "user_id",
    item_col: ItemCol = "item_id",
    time_col: TimeCol = None,
    weight_col: WeightCol = None,
    min_weight: MinWeight = None,
    sep: Separator = ",",
    header: Header = True,
    protocol: Protocol = None,
    config: ConfigFile = None,
    seed: Seed = 42,
    ratios: Ratios = None,
    max_users: MaxUsers = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Start no trial after this many seconds.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the trials and the best parameters here.", dir_okay=False)
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write an HTML page with the optimisation history here.", file_okay=False),
    ] = None,
    write_config: Annotated[
        Path | None,
        typer.Option(
            "--write-config", help="Write the best parameters as a TOML config for train/evaluate.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Tune one model's hyperparameters on the validation split (seeded TPE), then score default and best on test."""
    from training.tune import TuneSettings, config_toml, run_tuning, tuned_config

    settings: CliContext = ctx.obj
    chosen_config = load_config_or_exit(config)
    options = SourceOptions(
        settings.data_dir, interactions, user_col, item_col, time_col, weight_col, min_weight, sep, header
    )
    with refuse_bad_input(option_prefix="--"):
        source = options.load()
        job = TuneSettings(
            model=model,
            trials=trials,
            metric=metric,
            protocol=default_protocol(protocol, source),
            seed=seed,
            config=chosen_config,
            ratios=parse_ratios(ratios),
            max_users=max_users,
            timeout_s=timeout,
        )
        with progress_bar() as progress:
            task = progress.add_task("tuning", total=None)

            def report_step(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            result = run_tuning(source, job, report_step)
    summary = result.to_json()
    print_tuning(summary)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
        console.print(f"[green]✓[/] trials written to {json_out}")
    if report is not None:
        from training.tune_report import write_tune_report

        console.print(f"[green]✓[/] report written to {write_tune_report(summary, report)}")
    if write_config is not None:
        write_config.parent.mkdir(parents=True, exist_ok=True)
        header_text = (
            f"Written by recsys tune: {summary['model']} tuned for {summary['metric']} on the validation part of the "
            f"{summary['protocol']} split (seed {summary['seed']}, {len(summary['trials'])} trials)."
        )
        write_config.write_text(config_toml(tuned_config(result), header_text), encoding="utf-8")
        console.print(f"[green]✓[/] config written to {write_config} (use: recsys evaluate --config {write_config})")


def print_tuning(summary: dict[str, Any]) -> None:
    """Print the best parameters and the default vs tuned comparison."""
    metric = summary["metric"]
    best = summary["best"]
    default = summary.get("default_value")
    shown = f"{default:.4f}" if isinstance(default, int | float) else "n/a"
    console.print(
        f"{summary['model']}: best validation {metric} {best['value']:.4f} (defaults {shown}) "
        f"after {len(summary['trials'])} trials in {summary['seconds']:.1f} s",
        highlight=False,
    )
    params = Table(title="Best parameters", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    params.add_column("parameter")
    params.add_column("value", justify="right")
    for name, value in best["params"].items():
        params.add_row(name, f"{value:.6g}" if isinstance(value, float) else str(value))
    console.print(params)
    test = summary.get("test", {})
    if test:
        metrics = sorted({m for values in test.values() for m in values})
        table = Table(title="On the test part (not used to choose)", title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("parameters")
        for name in metrics:
            table.add_column(name, justify="right")
        for label, values in test.items():
            table.add_row(label, *[_cell(values.get(m)) for m in metrics])
        console.print(table)


def _cell(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else str(value or "")
