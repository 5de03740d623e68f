"""`litsift audit`: check the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Check the tamper-evident audit log of screening decisions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

RootOption = Annotated[Path, typer.Option("--root", help="Review folder (or a folder inside it).")]


@app.callback()
def _group() -> None:
    """Check the tamper-evident audit log of screening decisions."""


@app.command("verify")
def verify(root: RootOption = Path(".")) -> None:
    """Verify data/audit/log.jsonl: exit 1 listing each edited, deleted, reordered or
    truncated entry."""
    from litsift.store import Review

    review = Review.find(root)
    problems = review.audit.verify()
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"audit log: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{review.rel(review.audit.log)}: chain intact", err=True)
