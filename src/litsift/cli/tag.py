"""`litsift tag`: classify included studies; `tag eval` scores the taggers; `tag classify`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift.vocab import ImportFormat, PipelineStage

app = typer.Typer(
    help="Classify included studies into the taxonomy, with evidence.", invoke_without_command=True
)

ROOT_HELP = "Review folder (the one holding review.yaml, or a folder below it)."


@app.callback()
def tag(
    ctx: typer.Context,
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    evidence: bool = typer.Option(False, help="Show the phrases behind each label."),
) -> None:
    """Tag every included study and print its classes and families (overrides applied)."""
    if ctx.invoked_subcommand is not None:
        return
    from litsift import runner
    from litsift.store import Review

    result = runner.run(Review.find(root), until=PipelineStage.TAG)
    for sid, t in sorted(result.tags.items()):
        who = f" [override: {t.overridden_by}]" if t.overridden_by else ""
        classes = ",".join(t.class_ids()) or "unclassified"
        typer.echo(f"{sid}\t{classes}\t{','.join(t.family_ids())}{who}")
        if evidence:
            if t.unclassified:
                typer.echo(f"    unclassified: {t.unclassified}")
            for a in (*t.classes, *t.families):
                ev = "; ".join(f"{e.field}: {e.phrase}" for e in a.evidence)
                typer.echo(f"    {a.label} {a.confidence:.2f}  {ev}")


@app.command("eval")
def evaluate(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score the term and the learned tagger: cross-validated on the curated studies and on
    the independent set in data/kb/eval/, per class and per family, with confusion matrices."""
    from litsift.store import Review
    from litsift.tag.evaluation import render
    from litsift.views import evaluate_tagger

    ev = evaluate_tagger(Review.find(root))
    if json_out:
        typer.echo(json.dumps(ev.as_dict(), indent=2))
    else:
        typer.echo(render(ev), nl=False)


@app.command("classify")
def classify(
    file: Path = typer.Argument(..., help="An export file (BibTeX, RIS, CSV, WoS, ...)."),
    fmt: ImportFormat = typer.Option(ImportFormat.AUTO, "--format", help="Its format."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per record."),
) -> None:
    """Tag the records of any export file with the review's tagger (no review decision is
    read or written): classes, families and the words behind each."""
    from litsift.store import Review
    from litsift.views import classify_file

    found = classify_file(Review.find(root), file, str(fmt))
    for problem in found.problems:
        typer.echo(problem, err=True)
    for row in found.rows:
        if json_out:
            typer.echo(json.dumps(row, ensure_ascii=False, sort_keys=False))
        else:
            classes = ",".join(c["label"] for c in row["classes"]) or "unclassified"
            families = ",".join(f["label"] for f in row["families"])
            typer.echo(f"{row['id']}\t{classes}\t{families}\t{row['title']}")
    typer.echo(f"{len(found.rows)} record(s) tagged by the {found.tagger} tagger", err=True)
