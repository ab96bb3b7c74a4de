"""``recsys publish``: write a trained artefact's candidate lists into the cache and make them active."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors, progress_bar

if TYPE_CHECKING:
    from recsys.cache.protocol import CandidateCache
    from recsys.cache.publishing import PublishResult
    from recsys.stores.workspace import Workspace

REDIS_URL_HELP = (
    "Redis to publish into (default: $REDIS_URL). Without one nothing persists: "
    "the server publishes into its embedded cache at start-up."
)


def run_publish(
    workspace: Workspace,
    cache: CandidateCache,
    *,
    name: str,
    artifact_version: str | None = None,
    now: dt.datetime | None = None,
    n_user_candidates: int = 200,
    n_similar: int = 50,
    n_popular: int = 200,
) -> PublishResult:
    """Publish with a progress bar (shared by ``recsys publish`` and ``recsys train --promote``)."""
    from training.publish import publish as publish_job

    with progress_bar() as progress:
        task = progress.add_task("publishing", total=None)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        return publish_job(
            workspace,
            cache,
            name=name,
            artifact_version=artifact_version,
            now=now,
            n_user_candidates=n_user_candidates,
            n_similar=n_similar,
            n_popular=n_popular,
            progress=report,
        )


def print_result(result: PublishResult, where: str) -> None:
    """Say what was published and where."""
    counts = result.info.get("counts", {})
    console.print(
        f"[green]✓[/] cache version {result.version} is active in {where}: "
        f"{counts.get('users', 0):,} users' candidates, {counts.get('similar', 0):,} similar-events lists, "
        f"{counts.get('popular', 0):,} popular lists, {counts.get('cards', 0):,} event cards "
        f"({counts.get('open_events', 0):,} open events) in {result.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"  score columns: {', '.join(result.info.get('score_columns', []))}", highlight=False)


def publish(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", "-m", help="Artefact name.")] = "default",
    version: Annotated[
        str | None, typer.Option("--version", help="Artefact version to publish (default: the active one).")
    ] = None,
    redis_url: Annotated[str | None, typer.Option("--redis-url", help=REDIS_URL_HELP)] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Cache key prefix (default: $RECSYS_CACHE_PREFIX or recsys).")
    ] = None,
    now: Annotated[
        dt.datetime | None,
        typer.Option(
            "--now",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
            help="Publish the events open at this moment (default: now; UTC when no zone is given).",
        ),
    ] = None,
    users: Annotated[int, typer.Option("--users", min=0, help="Candidates per user (0: none).")] = 200,
    similar: Annotated[int, typer.Option("--similar", min=0, help="Similar events per event (0: none).")] = 50,
    popular: Annotated[int, typer.Option("--popular", min=0, help="Events per popular list (0: none).")] = 200,
) -> None:
    """Publish candidate lists (per user, similar events, popular per region and type) and event cards.

    Writes a whole new cache version, then flips the active version; the new
    version and the one active before it are kept for rollback.
    """
    from recsys.artifacts import ArtifactError
    from recsys.cache.factory import open_cache, prefix_from_env, redis_url_from_env
    from recsys.cache.protocol import CacheError
    from recsys.domain.errors import InvalidFieldError, StoreError
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    url = redis_url or redis_url_from_env()
    moment = None if now is None else (now if now.tzinfo else now.replace(tzinfo=dt.UTC))
    try:
        cache = open_cache(url, prefix or prefix_from_env(), socket_timeout=30.0)
    except (InvalidFieldError, CacheError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        with Workspace.from_env(settings.data_dir) as workspace:
            result = run_publish(
                workspace,
                cache,
                name=model,
                artifact_version=version,
                now=moment,
                n_user_candidates=users,
                n_similar=similar,
                n_popular=popular,
            )
    except (ArtifactError, CacheError, StoreError, InvalidFieldError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    print_result(result, describe(url))
    if url is None:
        console.print(
            "[yellow]note:[/] no Redis configured (--redis-url or $REDIS_URL): this was a dry run into memory; "
            "the server publishes into its embedded cache at start-up."
        )


def describe(url: str | None) -> str:
    """Where a cache lives, for messages (a URL without its password)."""
    if url is None:
        return "memory"
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
