"""`litsift import` and `litsift export`: export files in, records out."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from litsift import importers
from litsift.errors import InputError
from litsift.importers import ImportResult
from litsift.models import Decision, Stage
from litsift.review import Review
from litsift.yamlio import read_yaml

app = typer.Typer(help="Import export files; export records.", no_args_is_help=False)

STAGES = ("included", "screened", "all")
# Typer offers choices through enums; these are built from the one closed list in importers.
ImportFormat = StrEnum("ImportFormat", {f: f for f in importers.IMPORT_FORMATS})
ExportFormat = StrEnum("ExportFormat", {f: f for f in importers.EXPORT_FORMATS})
ExportStage = StrEnum("ExportStage", {s: s for s in STAGES})


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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_into(review: Review, source: str, path: Path) -> Path | None:
    """Copy an export unchanged into data/imports/<source>/; None when already there."""
    dest = review.imports_dir / source / path.name
    if dest.exists():
        if _sha256(dest) == _sha256(path):
            return None
        raise InputError(
            dest,
            f"a different file with this name is already imported; rename "
            f"{path.name} or remove the old one",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, dest)
    return dest


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
    from litsift.screen.files import append_entries

    count = 0
    for stage, decisions in sorted(importers.label_decisions(result).items()):
        path = review.screening_dir / Stage(stage).value / f"{reviewer}.yaml"
        written: set[str] = set()
        if path.exists():
            data, _ = read_yaml(path, path.read_text(encoding="utf-8"))
            written = {str(e.get("id")) for e in data or [] if isinstance(e, dict)}
        source = "ASReview label" if result.format == "asreview" else "decision"
        entries = [
            Decision(id=rid, decision=verdict, reason=reason, note=f"{source} from {result.file}")
            for rid, (verdict, reason) in sorted(decisions.items())
            if rid not in written
        ]
        count += append_entries(path, entries, header=f"imported from {result.file}")
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
    ] = ImportFormat.auto,
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
    review = Review.find(root)
    _check_reviewer(review, reviewer)
    results = []
    for path in files:
        name = source or source_slug(path)
        _check_source(review, name)
        result = importers.read_file(path, source=name, fmt=str(fmt))
        declared = review.protocol.source(name)
        if declared is not None and declared.translate:
            from litsift.runner import filter_hand_search  # the runner imports this module

            result = filter_hand_search(review, result, declared.translate)
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
        copy_into(review, name, path)
        if reviewer:
            count = record_decisions(review, reviewer, result)
            kind = "ASReview decisions" if result.format == "asreview" else "decisions"
            typer.echo(f"  {count} {kind} appended for {reviewer}", err=True)


def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    stage: Annotated[
        ExportStage, typer.Option(help="Which records: included, screened or all.")
    ] = ExportStage.included,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    root: Annotated[
        Path, typer.Option("--root", help="Review folder (or a folder below it).")
    ] = Path("."),
) -> None:
    """Export records of a stage as BibTeX, RIS, CSV, ASReview CSV or CSL-JSON (Zotero),
    with each record's screening decision, exclusion reason and stage."""
    from litsift.runner import export_stage  # the runner imports this module's stage

    records, labels, outcomes = export_stage(Review.find(root), str(stage))
    text = importers.export_records(records, str(fmt), labels, outcomes)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(records)} records written to {output}", err=True)


app.command("import")(import_files)
app.command("export")(export_command)
