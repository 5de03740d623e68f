"""`litsift import` and `litsift export`: export files in, records out."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from litsift.errors import InputError
from litsift.vocab import ExportFormat, ExportStage, ImportFormat, Stage

if TYPE_CHECKING:
    from litsift.importers import ImportResult
    from litsift.store import Review

app = typer.Typer(help="Import export files; export records.", no_args_is_help=False)


def source_slug(path: Path) -> str:
    """Default source name of a file: its stem, lower case, ASCII, '-' between words."""
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-_")
    return slug or "import"


def summary_line(result: ImportResult) -> str:
    """'scopus.csv: csv utf-8-sig, 120 read, 118 imported, 2 rejected'."""
    return (
        f"{result.file}: {result.format} {result.encoding}, {result.read} read, "
        f"{len(result.records)} imported, {len(result.rejected)} rejected"
    )


def result_json(result: ImportResult) -> str:
    """One JSON line per file, as `--json` prints it."""
    return json.dumps(
        {
            "file": result.file,
            "format": result.format,
            "encoding": result.encoding,
            "records": len(result.records),
            "rejected": len(result.rejected),
            "warnings": list(result.warnings),
        },
        ensure_ascii=False,
        sort_keys=False,
    )


def _check_source(review: Review, source: str) -> None:
    if review.protocol.source(source) is None:
        raise InputError(
            review.protocol_path,
            f"source '{source}' is not declared; add "
            f"`- name: {source}` under `sources` (or pass --source NAME)",
        )


def _check_reviewer(review: Review, reviewer: str | None) -> None:
    if reviewer and reviewer not in {r.id for r in review.protocol.reviewers}:
        raise InputError(
            review.protocol_path, f"reviewer '{reviewer}' is not declared under `reviewers`"
        )


def record_decisions(review: Review, reviewer: str, result: ImportResult) -> int:
    """Append the decisions a file carries to the reviewer's files; returns how many.

    ASReview labels go to the title-abstract file; a litsift export kept in Zotero (or any
    litsift export) carries each decision's stage and reason. Records already in the
    reviewer's file are left as the reviewer wrote them.
    """
    from litsift import importers
    from litsift.models import Decision

    count = 0
    for stage, decisions in sorted(importers.label_decisions(result).items()):
        written = review.screening.written_ids(Stage(stage), reviewer)
        source = "ASReview label" if result.format == "asreview" else "decision"
        entries = [
            Decision(id=rid, decision=verdict, reason=reason, note=f"{source} from {result.file}")
            for rid, (verdict, reason) in sorted(decisions.items())
            if rid not in written
        ]
        header = f"imported from {result.file}"
        count += review.screening.append(Stage(stage), reviewer, entries, header=header)
    return count


def _report(result: ImportResult, json_out: bool) -> None:
    """Summary, rejections and warnings to stderr; the JSON line to stdout."""
    typer.echo(summary_line(result), err=True)
    for rej in result.rejected:
        typer.echo(f"  rejected {rej.file}:{rej.line}: {rej.reason}", err=True)
    for warning in result.warnings:
        typer.echo(f"  warning {warning}", err=True)
    if json_out:
        typer.echo(result_json(result))


def import_files(
    files: Annotated[
        list[Path],
        typer.Argument(help="Export files to import.", exists=True, dir_okay=False, readable=True),
    ],
    fmt: Annotated[
        ImportFormat, typer.Option("--format", help="File format; auto detects it.")
    ] = ImportFormat.AUTO,
    source: Annotated[
        str | None,
        typer.Option(
            help="Identification source (declared in review.yaml); default: the file name."
        ),
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="Record the file's decisions (ASReview labels, litsift/Zotero notes) as this "
            "reviewer's."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and report; write nothing.")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON summary line per file.")
    ] = False,
    root: Annotated[
        Path, typer.Option("--root", help="Review folder (or a folder below it).")
    ] = Path("."),
) -> None:
    """Import export files (BibTeX, RIS, CSV, WoS, MEDLINE, ASReview, CSL-JSON) as sources."""
    from litsift import importers
    from litsift.search import filter_hand_search
    from litsift.store import Review
    from litsift.store.imports import read_file

    review = Review.find(root)
    _check_reviewer(review, reviewer)
    results = []
    for path in files:
        name = source or source_slug(path)
        _check_source(review, name)
        result = read_file(path, source=name, fmt=str(fmt))
        declared = review.protocol.source(name)
        if declared is not None and declared.translate:
            result = filter_hand_search(review.queries(), result, declared.translate)
        if reviewer and not importers.label_decisions(result):
            raise InputError(
                path,
                f"--reviewer needs a file with decisions (ASReview labels, or litsift-decision "
                f"notes of a litsift or Zotero export); this {result.format} file has none",
            )
        results.append((path, name, result))
    for path, name, result in results:
        _report(result, json_out)
        if dry_run:
            continue
        review.imports.add(name, path)
        if reviewer:
            count = record_decisions(review, reviewer, result)
            kind = "ASReview decisions" if result.format == "asreview" else "decisions"
            typer.echo(f"  {count} {kind} appended for {reviewer}", err=True)


def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    stage: Annotated[
        ExportStage, typer.Option(help="Which records: included, screened or all.")
    ] = ExportStage.INCLUDED,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    root: Annotated[
        Path, typer.Option("--root", help="Review folder (or a folder below it).")
    ] = Path("."),
) -> None:
    """Export records of a stage as BibTeX, RIS, CSV, ASReview CSV or CSL-JSON (Zotero),
    with each record's screening decision, exclusion reason and stage."""
    from litsift import importers
    from litsift.store import Review
    from litsift.views import export_stage

    records, labels, outcomes = export_stage(Review.find(root), stage)
    text = importers.export_records(records, str(fmt), labels, outcomes)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(records)} records written to {output}", err=True)


app.command("import")(import_files)
app.command("export")(export_command)
