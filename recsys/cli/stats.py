"""``recsys stats``: a readable summary of what a data folder holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from rich.table import Table

from recsys.cli.progress import console
from recsys.domain.interactions import InteractionKind
from recsys.domain.taxonomy import default_taxonomy
from recsys.stores.protocols import Catalogue, InteractionLog

TOP = 12


def print_stats(catalogue: Catalogue, interactions: InteractionLog, title: str) -> None:
    """Print counts, events per discipline and municipality, interactions per kind."""
    counts = catalogue.counts()
    n_interactions = interactions.count()
    summary = Table(title=title, show_header=False, title_justify="left")
    for name, value in (*counts.items(), ("interactions", n_interactions)):
        summary.add_row(name, f"{value:,}")
    console.print(summary)
    events = catalogue.events_table()
    if events.num_rows:
        _print_event_tables(events)
    if n_interactions:
        _print_interaction_tables(interactions.export(["user_id", "event_id", "kind", "timestamp"]))
    users = catalogue.users_table()
    if users.num_rows:
        counted = pc.value_counts(pc.fill_null(users.column("age_band"), "unknown")).flatten()
        bands = sorted(zip(counted[0].to_pylist(), counted[1].to_pylist(), strict=True))
        _counter_table("Users per age band", "age band", bands, users.num_rows)


def _print_event_tables(events: pa.Table) -> None:
    taxonomy = default_taxonomy()
    types = Counter(taxonomy.label(t, "nl") if t else "(no type)" for t in events.column("type_id").to_pylist())
    _counter_table("Events per discipline", "event type", types.most_common(TOP), events.num_rows)
    places = Counter(m or "(unknown)" for m in events.column("municipality").to_pylist())
    _counter_table("Events per municipality", "municipality", places.most_common(TOP), events.num_rows)
    starts = pc.min_max(events.column("start")).as_py()
    if starts["min"] is not None:
        console.print(f"Event dates: {starts['min']:%Y-%m-%d} to {starts['max']:%Y-%m-%d}")
    organizers = Counter(o for o in events.column("organizer_id").to_pylist() if o)
    if organizers:
        top = sum(c for _, c in organizers.most_common(max(1, len(organizers) // 20)))
        single = sum(1 for c in organizers.values() if c <= 2)
        console.print(
            f"Organisers: {len(organizers):,}; the top 5% organise {top / sum(organizers.values()):.0%} of events; "
            f"{single:,} organise one or two"
        )
    free = pc.sum(pc.cast(events.column("is_free"), "int64")).as_py() or 0
    console.print(f"Free events: {free:,} ({free / events.num_rows:.0%})")


def _print_interaction_tables(log: pa.Table) -> None:
    counted = pc.value_counts(log.column("kind")).flatten()
    kinds = {InteractionKind(k).label: n for k, n in zip(counted[0].to_pylist(), counted[1].to_pylist(), strict=True)}
    order = [k.label for k in InteractionKind if k.label in kinds]
    _counter_table("Interactions per kind", "kind", [(k, kinds[k]) for k in order], log.num_rows)
    span = pc.min_max(log.column("timestamp")).as_py()
    users = pc.count_distinct(log.column("user_id")).as_py()
    events = pc.count_distinct(log.column("event_id")).as_py()
    console.print(
        f"Interactions from {span['min']:%Y-%m-%d} to {span['max']:%Y-%m-%d} by {users:,} users on {events:,} events "
        f"({log.num_rows / max(users, 1):.1f} per user)"
    )


def _counter_table(title: str, label: str, rows: Iterable[tuple[str, int]], total: int) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for name, count in rows:
        table.add_row(str(name), f"{count:,}", f"{count / max(total, 1):.1%}")
    console.print(table)
