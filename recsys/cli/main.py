"""The ``recsys`` command: the composition root of the project.

Commands import their heavy modules lazily, so ``recsys --help`` is quick and
only this package may reach into ``training`` and ``serving``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from recsys.cli import imports
from recsys.cli.context import DATA_DIR_ENV, CliContext

app = typer.Typer(
    name="recsys",
    help="Personalised recommendations of cultural events: generate, import, inspect, train and serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(imports.app, name="import")


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
def stats(ctx: typer.Context) -> None:
    """Print a readable summary of what the data folder holds."""
    from recsys.cli.stats import print_stats
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    with Workspace.from_env(settings.data_dir) as workspace:
        print_stats(workspace.catalogue, workspace.interactions, title=f"Data folder {settings.data_dir}")


def main() -> None:
    """Run the command line."""
    app()
