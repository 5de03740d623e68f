"""`litsift import` and `litsift export`: export files in, records out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from litsift.vocab import ExportFormat, ExportStage, ImportFormat

if TYPE_CHECKING:
    from litsift.importers import ImportResult
    from litsift.importing import Preview

app = typer.Typer(help="Import export files; export records.", no_args_is_help=False)


def summary_line(result: ImportResult) -> str:
    """'scopus.csv: csv utf-8-sig, 120 read, 118 imported, 2 rejected'."""
    return (
        f"{result.file}: {result.format} {result.encoding}, {result.read} read, "
        f"{len(result.records)} imported, {len(result.rejected)} rejected"
    )


def result_json(result: ImportResult, extra: dict[str, object] | None = None) -> str:
    """One JSON line per file, as `--json` prints it."""
    return json.dumps(
        {
            "file": result.file,
            "format": result.format,
            "encoding": result.encoding,
            "records": len(result.records),
            "rejected": len(result.rejected),
            "warnings": list(result.warnings),
            **(extra or {}),
        },
        ensure_ascii=False,
        sort_keys=False,
    )


PREVIEW_RECORDS = 5


def _report(result: ImportResult) -> None:
    """Summary, rejections and warnings to stderr."""
    from litsift.errors import printable

    typer.echo(summary_line(result), err=True)
    for rej in result.rejected:
        typer.echo(f"  rejected {rej.file}:{rej.line}: {printable(rej.reason, 200)}", err=True)
    for warning in result.warnings:
        typer.echo(f"  warning {printable(warning, 200)}", err=True)


def _preview(previews: list[Preview], json_out: bool) -> None:
    """What a dry run prints: per file its summary, notes and first records."""
    from litsift.errors import printable

    for p in previews:
        _report(p.result)
        for note in p.notes:
            typer.echo(f"  note {note}", err=True)
        first = [
            {"id": r.id, "year": r.year, "title": printable(r.title or "", 100)}
            for r in p.result.records[:PREVIEW_RECORDS]
        ]
        if json_out:
            typer.echo(result_json(p.result, {"notes": list(p.notes), "first_records": first}))
            continue
        for row in first:
            typer.echo(f"{p.path.name}\t{row['id']}\t{row['year'] or ''}\t{row['title']}")


def import_files(
    files: Annotated[
        list[Path],
        typer.Argument(help="Export files to import.", exists=True, dir_okay=False, readable=True),
    ],
    fmt: Annotated[
        ImportFormat, typer.Option("--format", help="File format; auto detects it.")
    ] = ImportFormat.AUTO,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding (utf-8, gbk, cp1252, ...); default: detected."),
    ] = None,
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
    reason: Annotated[
        str | None,
        typer.Option(
            help="Exclusion code recorded for excluded records that carry no reason "
            "(ASReview labels)."
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Read any file and show its format, counts, first records and warnings; "
            "write nothing (no review needed).",
        ),
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON summary line per file.")
    ] = False,
    root: Annotated[
        Path, typer.Option("--root", help="Review folder (or a folder below it).")
    ] = Path("."),
) -> None:
    """Import export files (BibTeX, RIS, CSV, WoS, MEDLINE, ASReview, CSL-JSON) as sources."""
    from litsift import importing
    from litsift.store import Review

    options = importing.Options(str(fmt), encoding, source, reviewer, reason)
    if dry_run:
        _preview(importing.preview(root, files, options), json_out)
        return
    review = Review.find(root)
    with review.lock():
        prepared = importing.prepare(review, files, options)
        for item in prepared:
            _report(item.result)
            if json_out:
                typer.echo(result_json(item.result))
            _, count = importing.commit(review, item, options)
            if reviewer:
                kind = "ASReview decisions" if item.result.format == "asreview" else "decisions"
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
