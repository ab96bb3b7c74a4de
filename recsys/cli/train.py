"""``recsys train``: fit the configured models and the ranker, evaluate them, write a versioned artefact."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors, progress_bar


def train(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Training config (TOML). Default: training/configs/default.toml.", dir_okay=False
        ),
    ] = None,
    promote: Annotated[
        bool | None,
        typer.Option("--promote/--no-promote", help="Make the new version active (default: the config's `promote`)."),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option("--redis-url", help="With --promote, publish candidates into this Redis (default: $REDIS_URL)."),
    ] = None,
) -> None:
    """Train the configured models and the ranker, print hold-out metrics, write an artefact."""
    # The training stack is imported here: the command line is the composition root, and --help stays quick.
    from recsys.artifacts import ArtifactError
    from recsys.cli.models import print_metrics
    from recsys.domain.errors import InvalidFieldError, StoreError
    from recsys.stores.workspace import Workspace
    from training.config import ConfigError, load_config
    from training.job import TrainingError
    from training.job import train as run_training

    settings: CliContext = ctx.obj
    try:
        chosen = load_config(config)
    except ConfigError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if promote is not None:
        chosen = dataclasses.replace(chosen, promote=promote)
    try:
        with Workspace.from_env(settings.data_dir) as workspace, progress_bar() as progress:
            task = progress.add_task("training", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            result = run_training(workspace, chosen, report)
    except ConfigError as exc:
        # A setting the data shows to be wrong (a range a model checks, a size limit): a config error, as at load.
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except (TrainingError, ArtifactError, StoreError, InvalidFieldError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    split = result.split
    console.print(
        f"Hold-out: {split['test_users']:,} users, {split['candidates']:,} open events "
        f"({split['cold_candidates']:,} cold), {split['relevant_pairs']:,} relevant pairs; "
        f"{split['cold_event_share']:.1%} of the relevant events had no training interaction"
    )
    print_metrics({"models": result.metrics, "best": result.best})
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    artifact = result.artifact
    console.print(f"[green]✓[/] artefact {artifact.name}/{artifact.version} written to {artifact.path}")
    if result.promoted:
        console.print(f"[green]✓[/] {artifact.name}: {artifact.version} is active")
        _publish_promoted(settings, artifact.name, redis_url)
    else:
        console.print(f"  make it active with: recsys models promote {artifact.name} {artifact.version}")


def _publish_promoted(settings: CliContext, name: str, redis_url: str | None) -> None:
    """Publish the promoted artefact's candidates when a cache is configured (the last step of training)."""
    from recsys.artifacts import ArtifactError
    from recsys.cache.factory import open_cache, prefix_from_env, redis_url_from_env
    from recsys.cache.protocol import CacheError
    from recsys.cli.publish import describe, print_result, run_publish
    from recsys.domain.errors import InvalidFieldError, StoreError
    from recsys.stores.workspace import Workspace

    url = redis_url or redis_url_from_env()
    if url is None:
        console.print(
            "  no cache configured (--redis-url or $REDIS_URL): the server publishes candidates at start-up",
            soft_wrap=True,
        )
        return
    try:
        cache = open_cache(url, prefix_from_env(), socket_timeout=30.0)
        with Workspace.from_env(settings.data_dir) as workspace:
            result = run_publish(workspace, cache, name=name)
    except (ArtifactError, CacheError, StoreError, InvalidFieldError) as exc:
        errors.print(
            f"[bold red]error:[/] the artefact is active, but publishing its candidates failed: {exc}; "
            "run `recsys publish` once the cache is back",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc
    print_result(result, describe(url))
