"""Progress of long work (import, dedup, search, tagging, ranking), shown on stderr.

Library code reports progress the way it logs: `with progress.task("dedup 50,000
records") as t: ... t.advance()`, and shows nothing by itself. The command line turns the
display on (`enable`) when stderr is a terminal, CI is not set and --quiet was not given;
then a task that is still running after a second gets a transient rich progress line
(a bar when its total is known, a spinner otherwise) that disappears when it ends. Data on
stdout is never touched.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

DELAY = 1.0  # seconds a task runs before it is shown


class Task:
    """A task's handle: count steps done, or change what it says it is doing."""

    def advance(self, steps: int = 1) -> None:
        """`steps` more steps done."""

    def describe(self, text: str) -> None:
        """What the task is doing now."""


_NOTHING = Task()


class _Shown(Task):
    def __init__(self, display: _Display, description: str, total: int | None) -> None:
        self.display, self.description, self.total = display, description, total
        self.done = 0
        self.id: Any = None

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self.display.update(self)

    def count(self) -> str:
        """'3/10' when the total is known, else nothing (the spinner says it is working)."""
        return f"{self.done}/{self.total}" if self.total is not None else ""

    def describe(self, text: str) -> None:
        self.description = text
        self.display.update(self)


class _Display:
    """One rich Progress on stderr, started once a task has run for DELAY seconds."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console

        self.console = Console(file=stream)
        self.lock = threading.Lock()
        self.progress: Any = None
        self.tasks: list[_Shown] = []

    def _start(self) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        with self.lock:
            if self.progress is not None or not self.tasks:
                return
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            for task in self.tasks:
                self._add(task)

    def _add(self, task: _Shown) -> None:
        task.id = self.progress.add_task(
            task.description, total=task.total, completed=task.done, count=task.count()
        )

    def update(self, task: _Shown) -> None:
        with self.lock:
            if self.progress is not None and task.id is not None:
                self.progress.update(
                    task.id, completed=task.done, description=task.description, count=task.count()
                )

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Task]:
        shown = _Shown(self, description, total)
        with self.lock:
            self.tasks.append(shown)
            if self.progress is not None:
                self._add(shown)
        timer = threading.Timer(DELAY, self._start)
        timer.daemon = True
        timer.start()
        try:
            yield shown
        finally:
            timer.cancel()
            with self.lock:
                self.tasks.remove(shown)
                if self.progress is not None:
                    self.progress.remove_task(shown.id)
                    if not self.tasks:
                        self.progress.stop()
                        self.progress = None


_display: _Display | None = None


@contextmanager
def task(description: str, total: int | None = None) -> Iterator[Task]:
    """A unit of long work; shown only when the command line enabled the display."""
    if _display is None:
        yield _NOTHING
        return
    with _display.task(description, total) as handle:
        yield handle


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to show progress: not --quiet, stderr a terminal, and not in CI."""
    stream = stream or sys.stderr
    return not quiet and stream.isatty() and not os.environ.get("CI")


def enable(stream: TextIO | None = None) -> None:
    """Show progress on `stream` (stderr)."""
    global _display
    _display = _Display(stream or sys.stderr)


def shown() -> bool:
    """Whether the command line turned the display on (a terminal, no --quiet, not CI)."""
    return _display is not None


def disable() -> None:
    global _display
    _display = None
