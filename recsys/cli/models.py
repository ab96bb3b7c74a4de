"""``recsys models``: list, inspect, promote and roll back trained artefacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors

if TYPE_CHECKING:
    from recsys.artifacts import ArtifactError, ArtifactRegistry

app = typer.Typer(help="List, inspect, promote and roll back trained model artefacts.", no_args_is_help=True)

#: Metrics shown in listings, when an artefact recorded them.
HEADLINE = ("ndcg@10", "recall@50")


def _registry(ctx: typer.Context) -> ArtifactRegistry:
    # Imported here so that ``recsys --help`` does not load numpy and scipy.
    from recsys.artifacts import ArtifactRegistry
    from recsys.stores.workspace import ARTIFACTS_DIR

    settings: CliContext = ctx.obj
    # No Workspace here: inspecting artefacts must not open (or lock) the stores.
    return ArtifactRegistry(settings.data_dir / ARTIFACTS_DIR)


def _fail(exc: ArtifactError) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def headline_metrics(metrics: dict[str, Any]) -> str:
    """The best model's headline metrics, as short text (``hybrid+ranker ndcg@10 0.123``)."""
    best = metrics.get("best")
    scores = metrics.get("models", {}).get(best, {}) if isinstance(best, str) else {}
    shown = [f"{m} {scores[m]:.4f}" for m in HEADLINE if isinstance(scores.get(m), int | float)]
    return f"{best}: {', '.join(shown)}" if shown else ""


@app.command("list")
def list_artifacts(ctx: typer.Context) -> None:
    """List every artefact and its versions; the active one is marked."""
    from recsys.artifacts import ArtifactError

    registry = _registry(ctx)
    names = registry.list_names()
    if not names:
        console.print("No artefacts yet; run [bold]recsys train[/].")
        return
    table = Table(title=f"Artefacts in {registry.root}", title_justify="left")
    for column in ("name", "version", "active", "created", "best model"):
        table.add_column(column)
    for name in names:
        for info in registry.list_versions(name):
            try:
                manifest = _manifest(info.path)
            except ArtifactError:
                table.add_row(name, info.version, "*" if info.active else "", "[red]unreadable manifest[/]", "")
                continue
            table.add_row(
                name,
                info.version,
                "*" if info.active else "",
                str(manifest.get("created", "")),
                headline_metrics(manifest.get("metrics", {})),
            )
    console.print(table)


def _manifest(path: Path) -> dict[str, Any]:
    from recsys.artifacts import ArtifactError

    try:
        loaded = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(path / "manifest.json", f"unreadable: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ArtifactError(path / "manifest.json", "is not a JSON object")
    return loaded


@app.command("show")
def show(
    ctx: typer.Context,
    spec: Annotated[str, typer.Argument(metavar="NAME[/VERSION]", help="An artefact, optionally one version of it.")],
) -> None:
    """Validate one version (default: the active one) and print its manifest: parts, metrics, digests."""
    from recsys.artifacts import ArtifactError, load_artifact

    registry = _registry(ctx)
    name, _, version = spec.partition("/")
    try:
        if not version:
            active = registry.active_version(name)
            versions = registry.list_versions(name)
            if active is None and not versions:
                raise ArtifactError(registry.folder(name), "no such artefact")
            version = active or versions[-1].version
        artifact = load_artifact(registry.folder(name) / version)
    except ArtifactError as exc:
        raise _fail(exc) from exc
    manifest = artifact.manifest
    is_active = registry.active_version(name) == version
    console.print(f"[bold]{name}/{version}[/]{' (active)' if is_active else ''} [green]✓ valid[/]")
    console.print(
        f"created {manifest['created']}; config digest {manifest['config_digest'][:12]}; "
        f"data digest {manifest['data_digest'][:12]}"
    )
    parts = Table(title="Components", title_justify="left")
    for column in ("component", "class", "params"):
        parts.add_column(column)
    for key, entry in manifest["components"].items():
        params = ", ".join(f"{k}={v}" for k, v in sorted(entry.get("params", {}).items()))
        parts.add_row(key, str(entry.get("class", "")), params)
    console.print(parts)
    print_metrics(manifest.get("metrics", {}))
    libraries = ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items())
    console.print(f"libraries: {libraries}")


def print_metrics(metrics: dict[str, Any]) -> None:
    """Print the per-model metrics a training run recorded: the hold-out, then its cold-start slice."""
    per_model: dict[str, dict[str, Any]] = metrics.get("models", {})
    if not per_model:
        return
    names = list(dict.fromkeys(k for scores in per_model.values() for k in scores))
    overall = [k for k in names if not k.startswith("cold/") and k != "users"]
    cold = [k for k in names if k.startswith("cold/") and k != "cold/users"][:2]
    best = metrics.get("best")
    _metrics_table("Hold-out (future-event split)", per_model, [*overall, "users"], best)
    if cold:
        _metrics_table(
            "Cold-start slice (events without training interactions)", per_model, [*cold, "cold/users"], best
        )


def _metrics_table(title: str, per_model: dict[str, dict[str, Any]], columns: list[str], best: Any) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("model", no_wrap=True)
    for column in columns:
        table.add_column(column.removeprefix("cold/"), justify="right", no_wrap=True)
    for model, scores in per_model.items():
        label = f"[bold]{model}[/]" if model == best else model
        table.add_row(label, *(_cell(scores.get(c)) for c in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


@app.command("promote")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Artefact name.")],
    version: Annotated[str, typer.Argument(help="Version to make active (see `recsys models list`).")],
) -> None:
    """Validate a version and make it the active one (the current one is kept for rollback)."""
    from recsys.artifacts import ArtifactError

    registry = _registry(ctx)
    try:
        before = registry.active_version(name)
        registry.promote(name, version)
    except ArtifactError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]✓[/] {name}: {version} is active" + (f" (was {before})" if before else ""))


@app.command("rollback")
def rollback(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Artefact name.")]) -> None:
    """Make the previously active version active again."""
    from recsys.artifacts import ArtifactError

    registry = _registry(ctx)
    try:
        before = registry.active_version(name)
        artifact = registry.rollback(name)
    except ArtifactError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]✓[/] {name}: {artifact.version} is active again (was {before})")
