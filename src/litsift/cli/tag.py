"""`litsift tag`: classify included studies; `tag eval` against the curated tags."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift.vocab import PipelineStage

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
        typer.echo(f"{sid}\t{','.join(t.class_ids())}\t{','.join(t.family_ids())}{who}")
        if evidence:
            for a in (*t.classes, *t.families):
                ev = "; ".join(f"{e.field}: {e.phrase}" for e in a.evidence)
                typer.echo(f"    {a.label} {a.confidence:.2f}  {ev}")


@app.command("eval")
def evaluate(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Compare the automatic tagger with the curated classes of the knowledge base."""
    from litsift.store import Review
    from litsift.views import evaluate_tagger

    ev = evaluate_tagger(Review.find(root))
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "studies": ev.studies,
                    "macro_f1": ev.macro_f1,
                    "per_class": {k: vars(v) for k, v in ev.per_class.items()},
                    "kappa": dict(ev.kappa),
                    "disagreements": list(ev.disagreements),
                },
                indent=2,
            )
        )
        return
    typer.echo(f"{'class':<12}{'precision':>10}{'recall':>8}{'f1':>8}{'kappa':>8}{'n':>5}")
    for label, s in ev.per_class.items():
        k = ev.kappa[label]
        typer.echo(
            f"{label:<12}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}"
            f"{(k if k is not None else float('nan')):>8.3f}{s.support:>5}"
        )
    typer.echo(
        f"macro-F1 {ev.macro_f1:.3f} over {ev.studies} studies; "
        f"{len(ev.disagreements)} studies differ"
    )
