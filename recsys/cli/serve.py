"""``recsys serve`` and ``recsys demo``: the API server in the foreground (uvicorn, one worker).

One worker because the interaction log has one writer: the server holds its
lock while it runs. The demo builds a whole world first: a synthetic season,
a trained and promoted model (trained up to *now*: the season's later
interactions are the future it is evaluated on), demo API keys, and candidates
published into the embedded cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors

if TYPE_CHECKING:
    from serving.settings import Settings

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8000
#: Key names the demo gives its keys (older demo keys are revoked on the next run).
DEMO_KEY_PREFIX: Final = "demo "

Host = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
Port = Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")]


def _run(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from serving.app import create_app

    console.print(f"Serving {settings.data_dir} on [bold]http://{host}:{port}[/] (API docs: /docs; Ctrl+C stops)")
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_level="warning", access_log=False)


def serve(ctx: typer.Context, host: Host = DEFAULT_HOST, port: Port = DEFAULT_PORT) -> None:
    """Serve the recommendation API (settings from RECSYS_* and REDIS_URL; see the README, Serving)."""
    from recsys.domain.errors import InvalidFieldError
    from serving.settings import Settings

    context: CliContext = ctx.obj
    try:
        settings = Settings.from_env().with_overrides(data_dir=context.data_dir)
    except InvalidFieldError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    _run(settings, host, port)


def demo(
    ctx: typer.Context,
    port: Port = DEFAULT_PORT,
    host: Host = DEFAULT_HOST,
    users: Annotated[int, typer.Option("--users", min=50, help="Users of the synthetic season.")] = 2_000,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Generate and train again even when the data folder has a model.")
    ] = False,
) -> None:
    """Generate a season, train, create demo keys, publish into the embedded cache and serve a demo page."""
    from serving.settings import Settings

    context: CliContext = ctx.obj
    data_dir = context.data_dir
    now = dt.datetime.now(dt.UTC)
    if rebuild or not _has_model(data_dir):
        _build_world(data_dir, users, now)
    else:
        console.print(f"Reusing the season and the model in {data_dir} (--rebuild starts over)")
    keys = _demo_keys(ctx, host, port)
    settings = Settings.from_env().with_overrides(
        data_dir=data_dir, redis_url=None, demo_page=True, demo_key=keys["public"], bench_routes=False
    )
    console.print("\nDemo API keys (also valid for curl; the public one only from the demo page's origin):")
    for scope, secret in keys.items():
        console.print(f"  {scope:<7} {secret}", highlight=False)
    console.print(
        f"\nTry: curl -H 'X-API-Key: {keys['server']}' "
        f"'http://{host}:{port}/v1/users/<user id>/recommendations?n=5&lang=en'\n",
        highlight=False,
        soft_wrap=True,
    )
    _run(settings, host, port)


def _has_model(data_dir: Path) -> bool:
    from recsys.artifacts import ArtifactError, ArtifactRegistry
    from recsys.stores.workspace import ARTIFACTS_DIR

    try:
        return ArtifactRegistry(data_dir / ARTIFACTS_DIR).active_version("default") is not None
    except ArtifactError:
        return False


def _build_world(data_dir: Path, users: int, now: dt.datetime) -> None:
    """Generate the season (if the folder has none) and train the default config up to ``now``."""
    from recsys.cli.generate import current_season_start, write_season
    from recsys.stores.workspace import Workspace
    from recsys.synthetic.config import SeasonConfig
    from training.config import load_config
    from training.job import train

    with Workspace(data_dir) as workspace:
        empty = workspace.catalogue.counts().get("events", 0) == 0
    if empty:
        start = current_season_start(now.date())
        write_season(
            data_dir,
            SeasonConfig(seed=2025, n_users=users, season_start=start, season_end=dt.date(start.year + 1, 6, 30)),
        )
    config = load_config(None)
    # Learn from the past only: the season's later interactions are the future it is evaluated on.
    config = dataclasses.replace(config, promote=True, split=dataclasses.replace(config.split, cutoff=now))
    console.print(f"Training the default config up to {now:%Y-%m-%d %H:%M} UTC (a minute or two)...")
    with Workspace(data_dir) as workspace:
        result = train(workspace, config)
    best = result.metrics.get(result.best, {})
    console.print(
        f"[green]✓[/] model {result.artifact.name}/{result.artifact.version} active; "
        f"best {result.best}: {result.primary} {float(best.get(result.primary, 0.0)):.4f}"
    )


def _demo_keys(ctx: typer.Context, host: str, port: int) -> dict[str, str]:
    """Fresh demo keys (the previous demo's are revoked): public bound to the demo's origins, server, admin."""
    from recsys.cli.keys import keys_path
    from serving.keys import KeyStore, Scope

    store = KeyStore(keys_path(ctx))
    for entry in store.entries():
        if entry.name.startswith(DEMO_KEY_PREFIX):
            store.revoke(entry.key_id)
    origins = sorted({f"http://{host}:{port}", f"http://localhost:{port}", f"http://127.0.0.1:{port}"})
    created = {}
    for scope in (Scope.PUBLIC, Scope.SERVER, Scope.ADMIN):
        secret, _ = store.create(
            scope, name=f"{DEMO_KEY_PREFIX}{scope.label}", origins=origins if scope is Scope.PUBLIC else ()
        )
        created[scope.label] = secret
    return created
