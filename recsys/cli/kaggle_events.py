"""``recsys kaggle-events``: rank the Kaggle Event Recommendation Engine Challenge's test candidates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recsys.cli.progress import console, errors, progress_bar

if TYPE_CHECKING:
    from training.kaggle.validation import ValidationResult

#: Where the shared data sets sit beside the project checkout.
DEFAULT_KAGGLE_DIR = Path("..") / "shared" / "data" / "kaggle-event-recommendation"


def kaggle_events(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Submission file to write (User,Events; replaced atomically).")
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help=f"Folder with train.csv, test.csv and users.csv. Default: {DEFAULT_KAGGLE_DIR} when present.",
        ),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="User folds of the local MAP@200 validation.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds and the ranker; same seed, same file.")] = 0,
    validate: Annotated[
        bool,
        typer.Option("--validate/--no-validate", help="Estimate MAP@200 on held-out train users before fitting."),
    ] = True,
) -> None:
    """Train on the Kaggle event challenge's train.csv and users.csv; write a submission for test.csv."""
    # The training stack is imported here: the command line is the composition root, and --help stays quick.
    from recsys.cli.report import refuse_bad_input
    from training.kaggle.data import KaggleInputError
    from training.kaggle.job import run_kaggle_events

    folder = data_dir if data_dir is not None else DEFAULT_KAGGLE_DIR
    if data_dir is None and not folder.is_dir():
        errors.print(f"[bold red]error:[/] --data-dir: not given, and the default {folder} does not exist")
        raise typer.Exit(2)
    try:
        with refuse_bad_input(option_prefix="--"), progress_bar() as progress:
            task = progress.add_task("reading", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            result = run_kaggle_events(folder, out, folds=folds, seed=seed, validate=validate, report=report)
    except KaggleInputError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if result.validation is not None:
        print_validation(result.validation)
    console.print(
        f"[green]✓[/] submission for {result.test_users:,} test users ({result.test_pairs:,} candidates) "
        f"written to {result.out}; ranker fitted on {result.train_users:,} train users "
        f"({result.train_pairs:,} pairs) in {result.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )


def print_validation(validation: ValidationResult) -> None:
    """Print local MAP@200 of the ranker beside the popularity ordering, per slice of users."""
    from rich.table import Table

    table = Table(
        title=f"Local MAP@200 on held-out train users ({validation.folds}-fold by user, seed {validation.seed})"
    )
    table.add_column("users")
    table.add_column("n", justify="right")
    table.add_column("ours (ranker)", justify="right")
    table.add_column("popularity ordering", justify="right")
    slices = (
        ("all", validation.all_users),
        ("one timestamp (leaderboard kind)", validation.single_timestamp),
        ("several timestamps", validation.multi_timestamp),
    )
    for name, scores in slices:
        table.add_row(name, f"{scores.users:,}", f"{scores.ours:.4f}", f"{scores.popularity:.4f}")
    console.print(table)
