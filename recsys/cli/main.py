"""The ``recsys`` command: the composition root of the project.

Commands import their heavy modules lazily, so ``recsys --help`` is quick and
only this package may reach into ``training`` and ``serving``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from recsys.cli import evaluate, imports, kaggle_events, models, publish, train, tune
from recsys.cli import keys as api_keys
from recsys.cli import serve as serve_commands
from recsys.cli.context import DATA_DIR_ENV, CliContext
from recsys.cli.marketing import audience, experiments_app, segments_app

app = typer.Typer(
    name="recsys",
    help="Personalised recommendations of cultural events: generate, import, inspect, train and serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(imports.app, name="import")
app.add_typer(models.app, name="models")
app.add_typer(api_keys.app, name="keys")
app.add_typer(segments_app, name="segments")
app.add_typer(experiments_app, name="experiments")


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            "-d",
            help=f"Data folder (one folder is one world). Default: ${DATA_DIR_ENV} or ./recsys-data.",
        ),
    ] = None,
) -> None:
    """Personalised recommendations of cultural events."""
    ctx.obj = CliContext.resolve(data_dir)


@app.command()
def generate(
    ctx: typer.Context,
    users: Annotated[
        int, typer.Option("--users", min=1, help="Number of users (scales events and interactions).")
    ] = 2_000,
    events: Annotated[
        int | None, typer.Option("--events", help="Number of events (default: derived from --users).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same options give the same season.")] = 2025,
    season_start: Annotated[
        dt.datetime | None,
        typer.Option(
            "--season-start", formats=["%Y-%m-%d"], help="First day (default: 1 September of the current season)."
        ),
    ] = None,
    season_end: Annotated[
        dt.datetime | None,
        typer.Option("--season-end", formats=["%Y-%m-%d"], help="Last day (default: 30 June after the start)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a data folder that already holds data.")] = False,
) -> None:
    """Generate a synthetic Flemish cultural season (demo size in seconds; scales to 1,000,000 users)."""
    from recsys.cli.generate import current_season_start, write_season
    from recsys.cli.progress import errors
    from recsys.cli.report import refuse_bad_input
    from recsys.stores.workspace import Workspace
    from recsys.synthetic.config import SeasonConfig

    settings: CliContext = ctx.obj
    if not force:
        with Workspace.from_env(settings.data_dir) as workspace:
            held = {k: v for k, v in workspace.catalogue.counts().items() if v} | (
                {"interactions": workspace.interactions.count()} if workspace.interactions.count() else {}
            )
        if held:
            summary = ", ".join(f"{v:,} {k}" for k, v in held.items())
            errors.print(
                f"[bold red]error:[/] data folder {settings.data_dir} already holds {summary}; "
                "pass --force to add the season to it, or choose another --data-dir"
            )
            raise typer.Exit(2)
    start = season_start.date() if season_start else current_season_start(dt.datetime.now(dt.UTC).date())
    end = season_end.date() if season_end else dt.date(start.year + 1, 6, 30)
    with refuse_bad_input(option_prefix="--"):
        config = SeasonConfig(seed=seed, n_users=users, n_events=events, season_start=start, season_end=end)
    write_season(settings.data_dir, config)


@app.command()
def stats(ctx: typer.Context) -> None:
    """Print a readable summary of what the data folder holds."""
    from recsys.cli.stats import print_stats
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    with Workspace.from_env(settings.data_dir) as workspace:
        print_stats(workspace.catalogue, workspace.interactions, title=f"Data folder {settings.data_dir}")


app.command("train")(train.train)
app.command("publish")(publish.publish)
app.command("serve")(serve_commands.serve)
app.command("demo")(serve_commands.demo)
app.command("kaggle-events")(kaggle_events.kaggle_events)
app.command("evaluate")(evaluate.evaluate)
app.command("tune")(tune.tune)
app.command("audience")(audience)


def main() -> None:
    """Run the command line."""
    app()
