"""`litsift audit`: verify the hash-chained audit log, sign it, anchor it in git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Verify, sign and anchor the tamper-evident audit log of screening decisions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

RootOption = Annotated[Path, typer.Option("--root", help="Review folder (or a folder inside it).")]


@app.callback()
def _group() -> None:
    """Verify, sign and anchor the tamper-evident audit log of screening decisions."""


@app.command("verify")
def verify(
    root: RootOption = Path("."),
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Verify data/audit/log.jsonl: exit 1 listing each edited, deleted, reordered or
    truncated entry, each bad or missing signature and each anchor it no longer matches;
    then say which entries are signed, by whom, and where the chain was anchored."""
    from litsift.store import Review

    review = Review.find(root)
    report = review.audit.inspect()
    where = review.rel(review.audit.log)
    if json_out:
        data = {
            "log": where,
            "problems": report.problems,
            "entries": report.entries,
            "signed": dict(sorted(report.signed.items())),
            "unsigned": report.unsigned,
            "keys": {a: {"key": fp, "since": s} for a, (fp, s) in sorted(report.keys.items())},
            "anchors": report.anchors,
        }
        typer.echo(json.dumps(data, indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem)
        for line in report.summary(where):
            typer.echo(line)
    if report.problems:
        typer.echo(f"audit log: {len(report.problems)} problem(s)", err=True)
        raise typer.Exit(1)


@app.command("key")
def key(
    reviewer: Annotated[str, typer.Option("--reviewer", "-r", help="Reviewer id.")],
    root: RootOption = Path("."),
) -> None:
    """Register the Ed25519 key in LITSIFT_SIGNING_KEY (or the file LITSIFT_SIGNING_KEY_FILE
    names) as the reviewer's: from then on their audit entries are signed with it."""
    from litsift import signing
    from litsift.errors import LitsiftError
    from litsift.store import Review

    signer = signing.from_environment()
    if signer is None:
        raise LitsiftError(
            f"set {signing.KEY_ENV} (or {signing.KEY_FILE_ENV}) to the reviewer's private key"
        )
    review = Review.find(root)
    with review.lock():
        added = review.audit.register_key(reviewer, signer)
    state = "registered" if added else "already registered"
    typer.echo(f"{reviewer}: key {signer.fingerprint} {state}", err=True)


@app.command("anchor")
def anchor(
    commit: Annotated[
        bool,
        typer.Option(
            "--commit", help="Commit data/audit/ with the head in the message, instead of a tag."
        ),
    ] = False,
    root: RootOption = Path("."),
) -> None:
    """Record the head of the audit chain (its last entry's seq and hash) in an annotated
    git tag on HEAD, or in a commit; push it so that others hold it too."""
    from litsift.store import Review

    review = Review.find(root)
    with review.lock():
        made = review.audit.anchor(commit=commit)
    typer.echo(f"anchored {made.describe()}", err=True)
    typer.echo(made.ref)
