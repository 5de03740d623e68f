"""Whole-review commands: init, run, status, check, report, freeze."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from litsift.vocab import PipelineStage

ROOT_HELP = "Review folder (the one holding review.yaml, or a folder below it)."


def init(
    directory: Path = typer.Argument(..., help="Folder to create the new review in."),
    force: bool = typer.Option(False, help="Allow a non-empty folder (never overwrites)."),
) -> None:
    """Scaffold a new, working review folder with an example protocol, query and import."""
    from litsift.store import skeleton

    written = skeleton.create(directory, force=force)
    typer.echo(f"created {len(written)} files in {directory}", err=True)
    typer.echo(f"next: cd {directory} && litsift run", err=True)


def run(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    until: PipelineStage = typer.Option(None, help="Stop after this stage."),
    fresh: bool = typer.Option(
        False, "--fresh", help="Recompute every stage, even those whose inputs did not change."
    ),
) -> None:
    """Run every stage in order (import, search replay, dedup, screen, tag, report, kb)."""
    from litsift import runner
    from litsift.cli.progress import progress_bar
    from litsift.store import Review

    with progress_bar("dedup") as progress:
        result = runner.run(Review.find(root), until=until, fresh=fresh, progress=progress)
    for stage, line in result.summary():
        typer.echo(f"{stage:>9}: {line}")
    for warning in result.warnings:
        typer.echo(warning, err=True)


def report(root: Path = typer.Option(Path("."), help=ROOT_HELP)) -> None:
    """Regenerate build/report/ (PRISMA diagram, tables, HTML) from the review's files."""
    from litsift import runner
    from litsift.store import Review

    result = runner.run(Review.find(root), until=PipelineStage.REPORT)
    for path in result.written:
        typer.echo(str(path))


def status(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Where the review stands: records per stage, pending decisions, agreement."""
    from litsift.status import status as review_status
    from litsift.store import Review

    info = review_status(Review.find(root)).to_dict()
    if json_out:
        typer.echo(json.dumps(info, indent=2, sort_keys=True))
        return
    for key, value in info.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {_plain(v)}" for k, v in value.items()) or "none"
            typer.echo(f"{key}: {inner}")
        else:
            typer.echo(f"{key}: {value}")


def _plain(value: object) -> str:
    """A value as `status` prints it: a list as its items, separated by semicolons."""
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def check(root: Path = typer.Option(Path("."), help=ROOT_HELP)) -> None:
    """Exit 1 listing every inconsistency (missing reasons, conflicts, broken audit, ...)."""
    from litsift.checks import check_review
    from litsift.store import Review

    report = check_review(Review.find(root))
    problems = report.problems
    for problem in problems:
        typer.echo(problem)
    for warning in report.warnings:
        typer.echo(warning, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo("review is consistent", err=True)


def freeze(
    name: str = typer.Argument(..., help="Version name, e.g. v1 (letters, digits, . _ -)."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    date: str = typer.Option(
        None, help="Date the version is frozen (YYYY-MM-DD); default: today (UTC)."
    ),
) -> None:
    """Freeze this version of the review into data/versions/NAME.yaml, so that an update
    (`update_of: NAME` in review.yaml) reports its studies as the previous-studies arm."""
    from litsift.store import Review
    from litsift.updates import freeze as freeze_version

    review = Review.find(root)
    try:
        day = dt.date.fromisoformat(date) if date else dt.datetime.now(dt.UTC).date()
    except ValueError:
        msg = f"'{date}' is not a YYYY-MM-DD date"
        raise typer.BadParameter(msg, param_hint="--date") from None
    path = freeze_version(review, name, day)
    typer.echo(str(path))
    typer.echo(
        f"next: add `update_of: {name}` to review.yaml, then `litsift search --update` or "
        "import new files; `litsift run` will report the update",
        err=True,
    )
