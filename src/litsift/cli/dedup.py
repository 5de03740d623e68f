"""`litsift dedup`: the dedup stage, and `dedup bench` on a labelled set."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift.vocab import DedupLevel as Level
from litsift.vocab import PipelineStage

app = typer.Typer(
    help="Deduplicate records: identifiers first, then fuzzy matching. Without a subcommand, "
    "identify and deduplicate the review at --root (the first stages of `litsift run`).",
    no_args_is_help=False,
    pretty_exceptions_show_locals=False,
)


@app.callback(invoke_without_command=True)
def dedup(
    ctx: typer.Context,
    root: Path = typer.Option(Path("."), "--root", help="Review folder (or below it)."),
) -> None:
    """Identify records and deduplicate them (the stages of `litsift run` up to dedup)."""
    if ctx.invoked_subcommand is not None:
        return
    from litsift import runner
    from litsift.cli.progress import progress_bar
    from litsift.store import Review

    review = Review.find(root)
    with progress_bar("dedup") as progress:
        result = runner.run(review, until=PipelineStage.DEDUP, progress=progress)
    for stage, line in result.summary():
        typer.echo(f"{stage}: {line}")
    if result.dedup:
        for rule, n in result.dedup.links_per_rule().items():
            typer.echo(f"  {n:>7} links by {rule}")
    if result.new_uncertain_pairs:
        typer.echo(
            f"{result.new_uncertain_pairs} new uncertain pairs appended to "
            f"{review.rel(review.dedup.pairs)}: answer them with `same` or `different`",
            err=True,
        )


@app.command()
def explain(
    record_id: str = typer.Argument(..., help="A record id, member key or cluster id."),
    root: Path = typer.Option(Path("."), "--root", help="Review folder (or below it)."),
    nearest: int = typer.Option(5, "--nearest", min=0, help="Unmerged candidates to show."),
) -> None:
    """Why a record merged or did not: its cluster, links and nearest candidates."""
    from litsift import runner
    from litsift.dedup.explain import explain as explain_record
    from litsift.dedup.explain import lines
    from litsift.store import Review

    result = runner.run(Review.find(root), until=PipelineStage.DEDUP, record=False)
    assert result.dedup is not None
    records = result.identification.records
    for line in lines(explain_record(records, result.dedup, record_id, nearest)):
        typer.echo(line)


@app.command()
def bench(
    folder: Path = typer.Argument(
        ..., help="Labelled set: records_pre_merged.csv and merged_record_ids.csv."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    label_corrected: bool = typer.Option(
        False,
        "--label-corrected",
        help="Also score against the labels without erratum and reply pairs (not duplicates "
        "by litsift's definition) and list those pairs with their evidence (report level).",
    ),
    level: Level = typer.Option(
        Level.REPORT,
        "--level",
        help="report: pairs in one cluster (duplicates); study: "
        "pairs in one study (also preprint, abstract, "
        "erratum links).",
    ),
) -> None:
    """Measure pairwise precision, recall, F1 and false merges on a labelled set."""
    from litsift.dedup.bench import run_bench

    if label_corrected:
        _corrected(folder, as_json)
        return
    result, _ = run_bench(folder, level=level.value)
    if as_json:
        typer.echo(json.dumps(result.model_dump(), sort_keys=True))
        return
    for name, value in result.model_dump().items():
        typer.echo(f"{name:<13} {value}")


def _corrected(folder: Path, as_json: bool) -> None:
    """Print scores against the labels as given and as corrected, and the pairs removed."""
    from litsift.dedup.bench import run_corrected_bench

    as_labelled, fixed, excluded = run_corrected_bench(folder)
    if as_json:
        data = {
            "as_labelled": as_labelled.model_dump(),
            "label_corrected": fixed.model_dump(),
            "excluded_pairs": [e.model_dump() for e in excluded],
        }
        typer.echo(json.dumps(data, sort_keys=True))
        return
    typer.echo(f"{'':<13} {'as labelled':>12} {'corrected':>12}")
    for name, value in as_labelled.model_dump().items():
        typer.echo(f"{name:<13} {value!s:>12} {getattr(fixed, name)!s:>12}")
    typer.echo(f"\n{len(excluded)} labelled pairs removed (not duplicates):")
    for e in excluded:
        typer.echo(f"{e.a} {e.b} {e.kind}: {e.evidence}")
        typer.echo(f"    {e.titles[0][:90]}\n    {e.titles[1][:90]}")
