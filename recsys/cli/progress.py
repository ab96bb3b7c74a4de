"""Progress bars and console output shared by the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console()
errors = Console(stderr=True)


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """Yield a rich progress display that is removed from the screen when done.

    Without a terminal (CI, pipes) rich prints nothing for the bar, so logs
    stay readable.
    """
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield progress


def advance_to(progress: Progress, task: TaskID, done: int, total: int) -> None:
    """Set a task's completed count (for callbacks that report absolute progress)."""
    progress.update(task, completed=done, total=total)
