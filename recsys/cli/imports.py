"""``recsys import``: bring UiTdatabank documents, interactions and users into a data folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from recsys.cli.context import CliContext
from recsys.cli.progress import console
from recsys.cli.report import print_errors, print_written, refuse_bad_input

app = typer.Typer(help="Import events, interactions and users into the data folder.", no_args_is_help=True)

DefaultTz = Annotated[
    str | None,
    typer.Option("--default-tz", help="IANA time zone (e.g. Europe/Brussels) for timestamps written without one."),
]


def _zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Brussels", param_hint="--default-tz"
        ) from None
    return name


@app.command("uitdatabank")
def import_uitdatabank(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="JSON-LD files or folders (single documents, arrays, Search API pages, JSON Lines).", exists=True
        ),
    ],
    keep_all: Annotated[
        bool,
        typer.Option(
            "--keep-all", help="Keep records the public Search API would hide (drafts, members-only, unavailable)."
        ),
    ] = False,
    as_of: Annotated[
        dt.datetime | None, typer.Option("--as-of", help="Apply the Search API filter as of this date instead of now.")
    ] = None,
    default_tz: DefaultTz = None,
) -> None:
    """Import UiTdatabank JSON-LD events, places and organisers."""
    from recsys.data.uitdatabank import import_uitdatabank as run_import
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    zone = _zone(default_tz)
    moment = as_of.replace(tzinfo=as_of.tzinfo or dt.UTC) if as_of else None
    with Workspace.from_env(settings.data_dir) as workspace:
        result = run_import(
            paths,
            keep_all=keep_all,
            as_of=moment,
            default_tz=ZoneInfo(zone) if zone else None,
            resolve_place=workspace.catalogue.get_place,
        )
        # Places and organisers first, so events never point at something missing.
        places = workspace.catalogue.put_places(result.places)
        organizers = workspace.catalogue.put_organizers(result.organizers)
        events = workspace.catalogue.put_events(result.events)
    print_written("places", places.written, places.unchanged)
    print_written("organisers", organizers.written, organizers.unchanged)
    print_written("events", events.written, events.unchanged)
    if result.skipped:
        console.print(
            f"[yellow]•[/] {len(result.skipped)} record(s) skipped (--keep-all keeps those the Search API filter hides):"
        )
        reasons: dict[str, int] = {}
        for skipped in result.skipped:
            key = skipped.reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            console.print(f"    {count:>5} {reason}")
    print_errors(result.errors)


@app.command("interactions")
def import_interactions(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV or Parquet file.", exists=True, dir_okay=False)],
    user_col: Annotated[str, typer.Option(help="Column with user ids.")] = "user_id",
    event_col: Annotated[str, typer.Option(help="Column with event ids.")] = "event_id",
    kind_col: Annotated[
        str | None,
        typer.Option(help="Column with the kind (view, click, like, bookmark, share, ticket, check-in, dismiss)."),
    ] = "kind",
    time_col: Annotated[
        str, typer.Option(help="Column with the time (ISO-8601 with zone, or Unix epoch).")
    ] = "timestamp",
    id_col: Annotated[
        str | None, typer.Option(help="Column with idempotency ids; derived from the row when absent.")
    ] = None,
    value_col: Annotated[str | None, typer.Option(help="Column with a value such as a rating.")] = None,
    placement_col: Annotated[str | None, typer.Option(help="Column with the placement (widget, page).")] = None,
    default_kind: Annotated[str, typer.Option(help="Kind for every row when --kind-col is empty.")] = "view",
    epoch_unit: Annotated[str, typer.Option(help="Unit of numeric timestamps: s, ms or us.")] = "s",
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or parquet (default: from the extension).")
    ] = None,
    default_tz: DefaultTz = None,
) -> None:
    """Import interactions; bad rows are listed and the good rows are stored."""
    from recsys.data.tabular import InteractionColumns, read_interactions
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    columns = InteractionColumns(
        user=user_col,
        event=event_col,
        kind=kind_col or None,
        timestamp=time_col,
        interaction_id=id_col,
        value=value_col,
        placement=placement_col,
        default_kind=default_kind,
    )
    with refuse_bad_input():
        result = read_interactions(
            path, columns, default_tz=_zone(default_tz), epoch_unit=epoch_unit, file_format=file_format
        )
    with Workspace.from_env(settings.data_dir) as workspace:
        written = workspace.interactions.append(result.table)
    print_written("interactions", written.written, written.unchanged)
    print_errors(result.errors.reported, result.errors.total)


@app.command("users")
def import_users(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV or Parquet file.", exists=True, dir_okay=False)],
    user_col: Annotated[str, typer.Option(help="Column with user ids.")] = "user_id",
    age_band_col: Annotated[str | None, typer.Option(help="Column with an age band such as 18-25.")] = None,
    age_col: Annotated[str | None, typer.Option(help="Column with an age in years (stored as a band).")] = None,
    municipality_col: Annotated[str | None, typer.Option(help="Column with the home municipality.")] = None,
    postcode_col: Annotated[str | None, typer.Option(help="Column with the home postcode.")] = None,
    lat_col: Annotated[str | None, typer.Option(help="Column with the home latitude.")] = None,
    lon_col: Annotated[str | None, typer.Option(help="Column with the home longitude.")] = None,
    uitpas_col: Annotated[str | None, typer.Option(help="Column with the UiTPAS flag (yes/no).")] = None,
    consent_col: Annotated[str | None, typer.Option(help="Column with the personalisation consent (yes/no).")] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or parquet (default: from the extension).")
    ] = None,
) -> None:
    """Import users; bad rows are listed and the good rows are stored."""
    from recsys.data.tabular import UserColumns, read_users
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    columns = UserColumns(
        user=user_col,
        age_band=age_band_col,
        age=age_col,
        municipality=municipality_col,
        postcode=postcode_col,
        lat=lat_col,
        lon=lon_col,
        uitpas=uitpas_col,
        consent=consent_col,
    )
    with refuse_bad_input():
        result = read_users(path, columns, file_format=file_format)
    with Workspace.from_env(settings.data_dir) as workspace:
        written = workspace.catalogue.put_users(result.users)
    print_written("users", written.written, written.unchanged)
    print_errors(result.errors.reported, result.errors.total)


@app.command("movielens")
def import_movielens(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The ml-100k folder.", exists=True, file_okay=False)],
) -> None:
    """Import MovieLens 100K (ratings, movies as film offers, users)."""
    from recsys.data.movielens import load_movielens_100k
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    data = load_movielens_100k(folder)
    with Workspace.from_env(settings.data_dir) as workspace:
        events = workspace.catalogue.put_events(data.events)
        users = workspace.catalogue.put_users(data.users)
        interactions = workspace.interactions.append(data.interactions)
    print_written("events", events.written, events.unchanged)
    print_written("users", users.written, users.unchanged)
    print_written("interactions", interactions.written, interactions.unchanged)


@app.command("kaggle-events")
def import_kaggle_events(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="Folder with train.csv, test.csv and users.csv.", exists=True, file_okay=False)
    ],
) -> None:
    """Import the Kaggle Event Recommendation Engine Challenge (train impressions and users)."""
    from recsys.data.kaggle_events import load_kaggle_events
    from recsys.stores.workspace import Workspace

    settings: CliContext = ctx.obj
    data = load_kaggle_events(folder)
    with Workspace.from_env(settings.data_dir) as workspace:
        users = workspace.catalogue.put_users(data.users)
        interactions = workspace.interactions.append(data.train)
    print_written("users", users.written, users.unchanged)
    print_written("interactions", interactions.written, interactions.unchanged)
