"""Print import results: counts and one line per refused record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer

from recsys.cli.progress import console, errors
from recsys.domain.errors import InvalidFieldError, RecordError

#: Errors printed in full before the rest are only counted.
MAX_PRINTED_ERRORS = 50


def print_errors(found: Sequence[RecordError], total: int | None = None) -> None:
    """Print refused records, one line each, to standard error."""
    total = len(found) if total is None else total
    if not total:
        return
    errors.print(f"[bold red]{total} record(s) refused:[/]")
    for error in found[:MAX_PRINTED_ERRORS]:
        errors.print(f"  [red]✗[/] {error.describe()}", markup=True, highlight=False, soft_wrap=True)
    if total > MAX_PRINTED_ERRORS:
        errors.print(f"  ... and {total - MAX_PRINTED_ERRORS} more")


def print_written(what: str, written: int, unchanged: int) -> None:
    """Print how many records were stored and how many were already there."""
    console.print(f"[green]✓[/] {what}: {written:,} stored, {unchanged:,} already stored (unchanged)")


@contextmanager
def refuse_bad_input(option_prefix: str = "") -> Iterator[None]:
    """Turn an :class:`InvalidFieldError` into one clear error line and exit status 2.

    Parameters
    ----------
    option_prefix : str
        Prefix that turns the error's field into the option a person typed
        (``"--"`` for ``--season-end``); empty to show the message as is.

    """
    try:
        yield
    except InvalidFieldError as exc:
        where = f"{option_prefix}{exc.field.replace('_', '-')}: {exc.problem}" if option_prefix else str(exc)
        errors.print(f"[bold red]error:[/] {where}")
        raise typer.Exit(2) from exc
