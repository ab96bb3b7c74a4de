"""``recsys keys``: create, list and revoke the server's API keys (stored hashed in the data folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors

app = typer.Typer(help="Create, list and revoke API keys of the server (kept as sha256 hashes).", no_args_is_help=True)


def keys_path(ctx: typer.Context) -> Path:
    """The key file of the data folder (or ``$RECSYS_KEYS_FILE``)."""
    from serving.settings import Settings

    settings: CliContext = ctx.obj
    return Settings.from_env().with_overrides(data_dir=settings.data_dir).keys_path


@app.command("create")
def create(
    ctx: typer.Context,
    scope: Annotated[
        str, typer.Option("--scope", help="public (widget), server (back end), admin or marketer (marketer tools).")
    ],
    origin: Annotated[
        list[str] | None,
        typer.Option(
            "--origin", help="Bind a public key to this site origin (repeatable), e.g. https://agenda.example."
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "",
    rate: Annotated[
        str | None, typer.Option("--rate", help="Its own rate limit RATE[/BURST] in requests per second.")
    ] = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from recsys.domain.errors import InvalidFieldError
    from serving.keys import KeyStore, Scope
    from serving.settings import RateLimit

    try:
        chosen = Scope.parse(scope)
        if rate is not None:
            RateLimit.parse(rate, "--rate")
        secret, entry = KeyStore(keys_path(ctx)).create(chosen, name=name, origins=origin or (), rate=rate)
    except InvalidFieldError as exc:
        errors.print(f"[bold red]error:[/] --{exc.field}: {exc.problem}", highlight=False)
        raise typer.Exit(2) from exc
    console.print(f"{entry.scope.label} key {entry.key_id} ({entry.name})", highlight=False)
    if entry.origins:
        console.print(f"bound to: {', '.join(entry.origins)}", highlight=False)
    console.print("Store it now; it is not shown again:", highlight=False)
    typer.echo(secret)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """List the keys (ids, scopes, origins; never the secrets)."""
    from serving.keys import KeyStore

    entries = KeyStore(keys_path(ctx)).entries()
    if not entries:
        console.print("No API keys yet; create one with [bold]recsys keys create --scope public|server|admin[/].")
        return
    table = Table(title=f"API keys in {keys_path(ctx)}", title_justify="left")
    for column in ("id", "scope", "name", "origins", "rate", "created"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            entry.key_id,
            entry.scope.label,
            entry.name,
            ", ".join(entry.origins) or "any",
            entry.rate or "",
            entry.created,
        )
    console.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id (from `recsys keys list`).")]
) -> None:
    """Revoke a key (a running server stops accepting it within a second)."""
    from serving.keys import KeyStore

    if not KeyStore(keys_path(ctx)).revoke(key_id):
        errors.print(f"[bold red]error:[/] no key with id {key_id!r}", highlight=False)
        raise typer.Exit(1)
    console.print(f"revoked {key_id}", highlight=False)
