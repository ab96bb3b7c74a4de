"""``recsys segments``, ``recsys audience`` and ``recsys experiments``: the marketer tools on the command line.

Every command calls the same library functions an API router would
(:mod:`recsys.marketing`); the data folder's catalogue, interaction log and
active model are read through ``training.marketing_context`` (lazily: this is
the composition root). Bad input -- an invalid definition, an unknown
segment, an audience too small for an id list -- ends with one clear line
and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from recsys.cli.context import CliContext
from recsys.cli.progress import console, errors

if TYPE_CHECKING:
    from recsys.marketing.preview import MixEntry
    from training.marketing_context import MarketingContext

segments_app = typer.Typer(
    help="Audience segments: create (versioned), list, show, size and preview.", no_args_is_help=True
)
experiments_app = typer.Typer(
    help="A/B/n experiments: create, list, results (with an HTML page) and a simulation.", no_args_is_help=True
)

#: Saved segments an audience is counted in (the first, by name).
MAX_COUNTED_SEGMENTS = 20

AsOf = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="See the data as of this moment (UTC; default now): later interactions are ignored.",
    ),
]


@contextmanager
def _bad_input() -> Iterator[None]:
    """One error line and exit 2 for bad input; exit 1 when the data folder cannot serve the request."""
    from recsys.artifacts import ArtifactError
    from recsys.domain.errors import InvalidFieldError, StoreError, UnknownEntityError
    from recsys.marketing.errors import AudienceTooSmallError, ModelRequiredError, NotFoundError

    try:
        yield
    except (InvalidFieldError, NotFoundError, UnknownEntityError, AudienceTooSmallError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except (ArtifactError, ModelRequiredError, StoreError) as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc


def _read_json(source: str) -> Any:
    """A JSON document from a file, ``-`` (standard input) or inline text starting with ``{``."""
    from recsys.domain.errors import InvalidFieldError

    try:
        if source == "-":
            text, where = sys.stdin.read(), "standard input"
        elif source.lstrip().startswith("{"):
            text, where = source, "the definition"
        else:
            text, where = Path(source).read_text(encoding="utf-8"), source
    except OSError as exc:
        raise InvalidFieldError("definition", f"cannot read {source}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFieldError(
            "definition", f"{where} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc


def _as_of(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.UTC)


def _context(ctx: typer.Context, as_of: dt.datetime | None, with_model: bool = True) -> MarketingContext:
    from recsys.stores.workspace import Workspace
    from training.marketing_context import load_context

    settings: CliContext = ctx.obj
    with Workspace.from_env(settings.data_dir) as workspace:
        return load_context(workspace, as_of=_as_of(as_of), with_model=with_model)


def _data_dir(ctx: typer.Context) -> Path:
    settings: CliContext = ctx.obj
    return settings.data_dir


# -- segments ---------------------------------------------------------------------------------------


@segments_app.command("create")
def segments_create(
    ctx: typer.Context,
    definition: Annotated[str, typer.Argument(help="JSON file, '-' for standard input, or the JSON itself.")],
) -> None:
    """Validate a segment definition and save it as the next version of its name."""
    from recsys.marketing.segments import Segments

    with _bad_input():
        saved = Segments(_data_dir(ctx)).save(_read_json(definition))
    if saved.new:
        rules = len(saved.definition.rule.rules)
        console.print(f"[green]✓[/] segment {saved.name} v{saved.version} saved ({rules} rule(s))")
    else:
        console.print(f"segment {saved.name} unchanged: v{saved.version} already holds this definition")


@segments_app.command("list")
def segments_list(ctx: typer.Context) -> None:
    """List the saved segments (latest versions)."""
    from recsys.marketing.segments import Segments

    with _bad_input():
        saved = Segments(_data_dir(ctx)).list()
    if not saved:
        console.print("No segments yet; create one with [bold]recsys segments create FILE.json[/].")
        return
    table = Table(title="Segments", title_justify="left")
    for column in ("name", "version", "match", "rules", "needs model", "created", "description"):
        table.add_column(column)
    for s in saved:
        d = s.definition
        table.add_row(
            d.name,
            str(s.version),
            d.match,
            str(len(d.rule.rules)),
            "yes" if d.needs_model else "",
            s.created.strftime("%Y-%m-%d %H:%M"),
            d.description,
        )
    console.print(table)


@segments_app.command("show")
def segments_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Segment name.")],
    version: Annotated[int | None, typer.Option("--version", help="A version (default: the latest).")] = None,
    versions: Annotated[bool, typer.Option("--versions", help="List every version instead.")] = False,
) -> None:
    """Print a segment's definition (JSON), or its versions."""
    from recsys.marketing.segments import Segments

    with _bad_input():
        segments = Segments(_data_dir(ctx))
        if versions:
            table = Table(title=f"Versions of {name}", title_justify="left")
            for column in ("version", "created", "rules", "description"):
                table.add_column(column)
            for s in segments.versions(name):
                created = s.created.strftime("%Y-%m-%d %H:%M:%S")
                table.add_row(str(s.version), created, str(len(s.definition.rule.rules)), s.definition.description)
            console.print(table)
            return
        saved = segments.get(name, version)
    console.print_json(json.dumps(saved.to_dict(), ensure_ascii=False))


@segments_app.command("size")
def segments_size(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Segment name.")],
    sample: Annotated[
        int | None, typer.Option("--sample", min=1, help="Estimate from this many random users (default: exact).")
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="A version (default: the latest).")] = None,
    as_of: AsOf = None,
) -> None:
    """Count a segment's members (exactly, or estimated from a sample with a 95% interval)."""
    from recsys.marketing.segments import Segments

    with _bad_input():
        segments = Segments(_data_dir(ctx))
        saved = segments.get(name, version)
        context = _context(ctx, as_of, with_model=saved.definition.needs_model)
        size = segments.size(saved.definition, context.data, context.model, sample=sample)
    if size.method == "exact":
        console.print(
            f"[bold]{name}[/] v{saved.version}: [bold]{size.estimate:,.0f}[/] of {size.population:,} users "
            f"({size.share:.1%}); {size.with_consent:,.0f} consented to personalisation"
        )
    else:
        console.print(
            f"[bold]{name}[/] v{saved.version}: about [bold]{size.estimate:,.0f}[/] of {size.population:,} users "
            f"({size.share:.1%}), {size.confidence:.0%} interval {size.low:,.0f} to {size.high:,.0f} "
            f"(from {size.sampled:,} sampled users); about {size.with_consent:,.0f} consented"
        )
    console.print(f"  as of {context.data.as_of:%Y-%m-%d %H:%M} UTC")


@segments_app.command("preview")
def segments_preview(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Segment name.")],
    sample: Annotated[int, typer.Option("--sample", min=1, help="Members whose lists are computed.")] = 200,
    n: Annotated[int, typer.Option("--n", min=1, max=100, help="Events per list.")] = 10,
    version: Annotated[int | None, typer.Option("--version", help="A version (default: the latest).")] = None,
    as_of: AsOf = None,
) -> None:
    """What the segment gets recommended: mix of disciplines, regions, organisers; share of small organisers."""
    from recsys.marketing.errors import ModelRequiredError
    from recsys.marketing.segments import Segments

    with _bad_input():
        segments = Segments(_data_dir(ctx))
        saved = segments.get(name, version)
        context = _context(ctx, as_of)
        if context.model is None:
            raise ModelRequiredError("a preview needs a trained model; run recsys train --promote first")
        preview = segments.preview(saved.definition, context.data, context.model, sample=sample, n=n)
    console.print(
        f"[bold]{name}[/] v{saved.version}: {preview.members:,} members, {preview.eligible:,} with a personal list; "
        f"top-{preview.list_size} of {preview.sampled:,} sampled members over {preview.open_events:,} open events "
        f"({preview.model} {preview.model_version})"
    )
    console.print(
        f"  {preview.distinct_events:,} distinct events from {preview.distinct_organizers:,} organisers; "
        f"small organisers (≤ {preview.small_organizer_max_events} events): "
        f"[bold]{preview.small_organizer_share:.1%}[/] of recommendations "
        f"(of all open events: {preview.open_small_organizer_share:.1%})"
    )
    _mix_table("Disciplines", preview.disciplines[:12])
    _mix_table("Regions", preview.regions)
    _mix_table("Organisers (most recommended)", preview.organizers)


def _mix_table(title: str, rows: Sequence[MixEntry]) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("recommendations", justify="right")
    table.add_column("share", justify="right")
    for row in rows:
        label = row.label if row.label == row.key else f"{row.label} ({row.key})"
        table.add_row(label, f"{row.count:,}", f"{row.share:.1%}")
    console.print(table)


# -- audience ---------------------------------------------------------------------------------------


def audience(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="An event id, or a production id (all its events).")],
    segment: Annotated[str | None, typer.Option("--segment", help="Only members of this saved segment.")] = None,
    production: Annotated[
        bool, typer.Option("--production", help="Score all events of the event's production.")
    ] = False,
    top_share: Annotated[
        float, typer.Option("--top-share", min=0.0001, max=1.0, help="Share of eligible users in the audience.")
    ] = 0.05,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many users.")] = None,
    ids: Annotated[
        bool, typer.Option("--ids", help="List the pseudonymous ids (refused below the privacy minimum).")
    ] = False,
    min_audience: Annotated[
        int, typer.Option("--min-audience", min=1, help="Smallest audience whose ids may be listed.")
    ] = 50,
    as_of: AsOf = None,
) -> None:
    """The users most likely to be interested in an event or production: counts per region and segment."""
    from recsys.marketing.audience import event_audience, resolve_events
    from recsys.marketing.errors import ModelRequiredError
    from recsys.marketing.segments import Segments
    from training.marketing_context import place_new_events

    with _bad_input():
        context = _context(ctx, as_of)
        if context.model is None:
            raise ModelRequiredError("an audience needs a trained model; run recsys train --promote first")
        event_ids, production_id = resolve_events(context.data, event_id, production=production)
        context = place_new_events(context, event_ids)
        assert context.model is not None
        segments = Segments(_data_dir(ctx))
        within = None
        if segment is not None:
            within = segments.members(segments.get(segment).definition, context.data, context.model)
        masks = {
            saved.name: segments.members(saved.definition, context.data, context.model)
            for saved in segments.list()[:MAX_COUNTED_SEGMENTS]
        }
        result = event_audience(
            context.data,
            context.model,
            event_ids,
            production_id=production_id,
            within=within,
            within_name=segment,
            segments=masks,
            top_share=top_share,
            limit=limit,
            include_ids=ids,
            min_audience=min_audience,
        )
    what = f"production {result.production_id} ({len(result.event_ids)} events)" if result.production_id else event_id
    console.print(
        f"Audience of [bold]{what}[/]: [bold]{result.size:,}[/] users"
        + (f" in segment {segment} ({result.segment_members:,} eligible members)" if segment else "")
        + f"; top {result.top_share:.1%} of {result.eligible:,} eligible users ({result.model} {result.model_version})"
    )
    regions = Table(title="Per region", title_justify="left")
    regions.add_column("region")
    regions.add_column("users", justify="right")
    regions.add_column("share", justify="right")
    for row in result.by_region:
        regions.add_row(row.key, f"{row.count:,}", f"{row.share:.1%}")
    console.print(regions)
    if result.by_segment:
        table = Table(title="Per segment", title_justify="left")
        table.add_column("segment")
        table.add_column("users", justify="right")
        table.add_column("share", justify="right")
        for row in result.by_segment:
            table.add_row(row.key, f"{row.count:,}", f"{row.share:.1%}")
        console.print(table)
    if result.user_ids is not None:
        console.print(f"{len(result.user_ids):,} pseudonymous ids, most likely first:")
        for user_id in result.user_ids:
            console.print(user_id, highlight=False)


# -- experiments ------------------------------------------------------------------------------------


@experiments_app.command("create")
def experiments_create(
    ctx: typer.Context,
    definition: Annotated[str, typer.Argument(help="JSON file, '-' for standard input, or the JSON itself.")],
) -> None:
    """Validate an experiment definition and save it as the next version of its id."""
    from recsys.marketing.experiments import Experiments

    with _bad_input():
        saved = Experiments(_data_dir(ctx)).save(_read_json(definition))
    d = saved.definition
    split = ", ".join(f"{a.name} {a.weight / sum(d.weights):.0%}" for a in d.arms)
    if saved.new:
        console.print(f"[green]✓[/] experiment {d.id} v{saved.version} saved ({d.status.value}; {split})")
    else:
        console.print(f"experiment {d.id} unchanged: v{saved.version} already holds this definition")


@experiments_app.command("list")
def experiments_list(ctx: typer.Context) -> None:
    """List the experiments (latest versions) with their exposures so far."""
    from recsys.marketing.experiments import Experiments

    with _bad_input():
        service = Experiments(_data_dir(ctx))
        saved = service.list()
    if not saved:
        console.print("No experiments yet; create one with [bold]recsys experiments create FILE.json[/].")
        return
    table = Table(title="Experiments", title_justify="left")
    for column in ("id", "version", "status", "arms", "control", "logged", "description"):
        table.add_column(column)
    for s in saved:
        d = s.definition
        total = sum(d.weights)
        table.add_row(
            d.id,
            str(s.version),
            d.status.value,
            ", ".join(f"{a.name} {a.weight / total:.0%}" for a in d.arms),
            d.control,
            "yes" if service.log(d.id).has_exposures() else "",
            d.description,
        )
    console.print(table)


@experiments_app.command("results")
def experiments_results(
    ctx: typer.Context,
    experiment_id: Annotated[str, typer.Argument(help="Experiment id.")],
    out: Annotated[Path | None, typer.Option("--out", help="Also write the results page (HTML) here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Per-arm rates with intervals, tests against the control, sample-ratio check and guardrails."""
    from recsys.marketing.experiments import Experiments
    from recsys.marketing.report import saved_experiment_report, write_report
    from recsys.marketing.results import experiment_results
    from recsys.marketing.truth import load_truth

    with _bad_input():
        service = Experiments(_data_dir(ctx))
        definition = service.get(experiment_id).definition
        results = experiment_results(definition, service.read_log(experiment_id))
        truth = load_truth(service.folder(experiment_id))
    if as_json:
        console.print_json(json.dumps(results.to_dict(), ensure_ascii=False))
    else:
        print_results(results, _built_in(truth.expected(), definition.control) if truth else None)
    if out is not None:
        # A simulated experiment (simulate --save) shows its built-in difference, as the simulation's own page.
        write_report(out, saved_experiment_report(service, experiment_id))
        console.print(f"[green]✓[/] results page written to {out}")


def _built_in(expected: dict[str, dict[str, float]], control: str) -> dict[str, dict[str, float]] | None:
    """Per arm but the control, the built-in difference from the control of each metric.

    ``None`` when the simulation did not run the current control arm (the experiment was saved again since).
    """
    if control not in expected:
        return None
    return {
        arm: {m: value - expected[control][m] for m, value in rates.items()}
        for arm, rates in expected.items()
        if arm != control
    }


def print_results(results: Any, built_in: dict[str, dict[str, float]] | None = None) -> None:
    """Print an :class:`~recsys.marketing.results.ExperimentResults` as tables."""
    level = f"{results.confidence:.0%}"
    table = Table(title=f"Experiment {results.experiment['id']}: arms ({level} Wilson intervals)", title_justify="left")
    for column in ("arm", "users", "click-through", "conversion", "dismiss rate", "coverage"):
        table.add_column(column, justify="left" if column == "arm" else "right")
    for arm in results.arms:
        table.add_row(
            arm.name + (" (control)" if arm.name == results.experiment["control"] else ""),
            f"{arm.users:,}",
            *(f"{r.value:.2%} [{r.low:.2%}, {r.high:.2%}]" for r in (arm.ctr, arm.conversion, arm.dismiss_rate)),
            f"{arm.coverage:.0%}",
        )
    console.print(table)
    diffs = Table(title="Against the control (two-proportion z-test)", title_justify="left")
    for column in ("arm", "metric", "difference", "interval", "p", "significant", *(["built in"] if built_in else [])):
        diffs.add_column(column, justify="left" if column in ("arm", "metric") else "right")
    for c in results.comparisons:
        t = c.test
        row = [c.arm, c.metric, f"{t.difference * 100:+.2f} pp", f"[{t.low * 100:+.2f}, {t.high * 100:+.2f}]"]
        row += [f"{t.p_value:.3g}", "[bold]yes[/]" if c.significant else "no"]
        if built_in:
            value = built_in.get(c.arm, {}).get(c.metric)
            row.append("" if value is None else f"{value * 100:+.2f} pp")
        diffs.add_row(*row)
    console.print(diffs)
    srm = results.srm
    verdict = "[bold red]MISMATCH[/]" if srm.flagged else "ok"
    console.print(
        f"sample ratio: users {srm.observed} vs expected {[round(e, 1) for e in srm.expected]}, "
        f"p = {srm.p_value:.3g}: {verdict}; chi-square over all arms: click-through p = {results.ctr_test.p_value:.3g}, "
        f"conversion p = {results.conversion_test.p_value:.3g}"
    )
    for g in results.guardrails:
        state = "[bold red]BREACHED[/]" if g.breached else "holds"
        console.print(
            f"guardrail {g.metric} ({g.arm}): {g.control:.2%} -> {g.value:.2%}, degradation "
            f"{g.degradation * 100:+.2f} pp (allowed {g.max_degradation * 100:.2f}): {state}"
        )
    for note in results.notes:
        console.print(f"[yellow]note:[/] {note}")


@experiments_app.command("simulate")
def experiments_simulate(
    ctx: typer.Context,
    users: Annotated[int, typer.Option("--users", min=10, help="Users of the synthetic season.")] = 2_000,
    out: Annotated[Path, typer.Option("--out", help="Where to write the results page (HTML).")] = Path(
        "simulated-experiment.html"
    ),
    arm: Annotated[
        list[str] | None,
        typer.Option(
            "--arm",
            help="name=model[:diversity=0.5][:weight=1], model als or popularity; the first is the control. "
            "Default: control=popularity, treatment=als.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the season, the models and the draws.")] = 7,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="Length of the experiment.")] = 14,
    list_size: Annotated[int, typer.Option("--list-size", min=1, max=50, help="Events per list.")] = 10,
    start: Annotated[
        dt.datetime | None,
        typer.Option("--start", formats=["%Y-%m-%d"], help="Start (training data ends); default 2026-01-12."),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save", help="Keep the experiment, its log and its built-in truth in the data folder (id 'simulated')."
        ),
    ] = False,
) -> None:
    """Simulate an A/B test on the synthetic Flemish season and write its results page."""
    from recsys.marketing.report import simulation_report, write_report
    from recsys.marketing.simulation import ArmPlan, SimulationConfig, simulate_experiment
    from recsys.marketing.truth import TRUTH_METRICS

    with _bad_input():
        options: dict[str, Any] = {"users": users, "seed": seed, "days": days, "list_size": list_size}
        if arm:
            options["arms"] = tuple(ArmPlan.parse(spec) for spec in arm)
        if start is not None:
            options["start"] = start.date()
        config = SimulationConfig(**options)
        with console.status("simulating") as status:
            result = simulate_experiment(
                config, _data_dir(ctx) if save else None, progress=lambda step: status.update(step)
            )
    built_in = _built_in(
        {t.name: {m: getattr(t, m) for m in TRUTH_METRICS} for t in result.truth}, result.truth[0].name
    )
    console.print(
        f"Simulated {config.users:,} users, {len(config.arms)} arms ("
        + "; ".join(f"{a.name}: {a.describe()}" for a in config.arms)
        + f"), lists of {config.list_size} over {result.candidates:,} open events, from {config.start} for {config.days} days"
    )
    expected = Table(title="Built in (expected over all users under each arm)", title_justify="left")
    for column in ("arm", "click-through", "conversion", "dismiss rate"):
        expected.add_column(column, justify="left" if column == "arm" else "right")
    for t in result.truth:
        expected.add_row(t.name, f"{t.ctr:.2%}", f"{t.conversion:.2%}", f"{t.dismiss_rate:.2%}")
    console.print(expected)
    print_results(result.results, built_in)
    write_report(out, simulation_report(result))
    console.print(f"[green]✓[/] results page written to {out}")
