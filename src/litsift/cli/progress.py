"""A progress bar on stderr for long runs (rich): only when the command line shows progress
(a terminal, not CI, no -q/--quiet anywhere on the line; see `litsift.progress`).

Data goes to stdout; the bar is drawn on stderr and removed when the run ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[str, int, int], None]  # stage, done, total


@contextmanager
def progress_bar(title: str) -> Iterator[Progress | None]:
    """Yield a `progress(stage, done, total)` callback drawing one bar per stage, or None
    when progress is not shown."""
    from litsift import progress

    if not progress.shown():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bars = Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, object] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(f"{title}: {stage}", total=total)
        bars.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

    with bars:
        yield update
