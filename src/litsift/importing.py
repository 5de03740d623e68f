"""`litsift import`: every file is read and checked before anything is written.

A file the parser reads nothing from, a binary file, an undeclared source or exclusions
without a reason stop the import with nothing copied. Then, under the review's lock, each
file is copied into data/imports/<source>/ with the format it was read with (so every
later run reads it the same way) and its decisions are appended to the reviewer's files.
A dry run (`preview`) reads any file, inside a review or not, and writes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from litsift import importers, progress
from litsift.errors import InputError
from litsift.importers import ImportResult
from litsift.models import Decision, Verdict
from litsift.store import Review
from litsift.store.imports import check_encoding, read_file, require_records
from litsift.vocab import Stage


def source_slug(path: Path) -> str:
    """Default source name of a file: its stem, lower case, ASCII, '-' between words."""
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-_")
    return slug or "import"


@dataclass(frozen=True)
class Options:
    """What the command line gave: format, encoding, source, reviewer and reason."""

    fmt: str = "auto"
    encoding: str | None = None
    source: str | None = None
    reviewer: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One file read and checked, ready to be copied in."""

    path: Path
    source: str
    result: ImportResult


@dataclass(frozen=True)
class Preview:
    """What a dry run found in one file, and what importing it would need."""

    path: Path
    source: str
    result: ImportResult
    notes: tuple[str, ...]


def _encoding(options: Options) -> str | None:
    if options.encoding is None:
        return None
    try:
        return check_encoding(options.encoding)
    except ValueError as e:
        raise InputError("--encoding", str(e)) from None


def _read(path: Path, name: str, options: Options) -> ImportResult:
    return read_file(path, source=name, fmt=options.fmt, encoding=_encoding(options))


def _require(path: Path, result: ImportResult, options: Options) -> ImportResult:
    """Refuse a file that gives no record (read before any filter by the queries)."""
    return require_records(path, result, format_given=options.fmt != "auto")


def _filtered(review: Review | None, name: str, result: ImportResult) -> ImportResult:
    """The export of a database searched by hand keeps what the queries match."""
    declared = review.protocol.source(name) if review is not None else None
    if review is not None and declared is not None and declared.translate:
        from litsift.search import filter_hand_search

        result = filter_hand_search(review.queries(), result, declared.translate)
    return result


def _check_source(review: Review, name: str, given: bool) -> None:
    if review.protocol.source(name) is None:
        hint = "" if given else " (or pass --source NAME)"
        raise InputError(
            review.protocol_path,
            f"source '{name}' is not declared; add `- name: {name}` under `sources`{hint}",
        )


def _check_reviewer(review: Review, reviewer: str | None) -> None:
    if reviewer and reviewer not in {r.id for r in review.protocol.reviewers}:
        raise InputError(
            review.protocol_path, f"reviewer '{reviewer}' is not declared under `reviewers`"
        )


def _check_decisions(review: Review, path: Path, result: ImportResult, options: Options) -> None:
    """--reviewer needs decisions, and every exclusion needs a reason (its own or --reason)."""
    decided = importers.label_decisions(result)
    if not decided:
        raise InputError(
            path,
            "--reviewer needs a file with decisions (ASReview labels, or litsift-decision "
            f"notes of a litsift or Zotero export); this {result.format} file has none",
        )
    for stage, decisions in sorted(decided.items()):
        codes = review.protocol.exclusion_codes(Stage(stage))
        if options.reason is not None and options.reason not in codes:
            raise InputError(
                review.protocol_path,
                f"--reason {options.reason} is not an exclusion code for stage {stage} "
                f"(one of {', '.join(codes)})",
            )
        bare = sum(v is Verdict.EXCLUDE and not r for v, r in decisions.values())
        if bare and options.reason is None:
            raise InputError(
                path,
                f"{bare} exclusion(s) carry no reason; pass --reason CODE (one of "
                f"{', '.join(codes)}) to record them with that exclusion code",
            )


def prepare(review: Review, files: list[Path], options: Options) -> list[Prepared]:
    """Read and check every file; the first problem raises, before anything is written."""
    _check_reviewer(review, options.reviewer)
    out = []
    with progress.task("import", total=len(files)) as task:
        for path in files:
            task.describe(f"import {path.name}")
            name = options.source or source_slug(path)
            _check_source(review, name, options.source is not None)
            result = _filtered(review, name, _require(path, _read(path, name, options), options))
            if options.reviewer:
                _check_decisions(review, path, result, options)
            out.append(Prepared(path, name, result))
            task.advance()
    return out


def commit(review: Review, prepared: Prepared, options: Options) -> tuple[bool, int]:
    """Copy one checked file in and append its decisions (hold the review's lock);
    returns (copied, decisions appended)."""
    added = review.imports.add(
        prepared.source, prepared.path, prepared.result.format, _encoding(options)
    )
    count = 0
    if options.reviewer:
        count = record_decisions(review, options.reviewer, prepared.result, options.reason)
    return added is not None, count


def record_decisions(
    review: Review, reviewer: str, result: ImportResult, reason: str | None = None
) -> int:
    """Append the decisions a file carries to the reviewer's files; returns how many.

    ASReview labels go to the title-abstract file; a litsift export kept in Zotero (or any
    litsift export) carries each decision's stage and reason; an exclusion without one gets
    `reason`. Records already in the reviewer's file are left as the reviewer wrote them.
    """
    count = 0
    for stage, decisions in sorted(importers.label_decisions(result).items()):
        written = review.screening.written_ids(Stage(stage), reviewer)
        source = "ASReview label" if result.format == "asreview" else "decision"
        entries = [
            Decision(
                id=rid,
                decision=verdict,
                reason=why or (reason if verdict is Verdict.EXCLUDE else None),
                note=f"{source} from {result.file}",
            )
            for rid, (verdict, why) in sorted(decisions.items())
            if rid not in written
        ]
        header = f"imported from {result.file}"
        count += review.screening.append(Stage(stage), reviewer, entries, header=header)
    return count


def preview(root: Path, files: list[Path], options: Options) -> list[Preview]:
    """Read each file as an import would, inside a review or not; nothing is written."""
    try:
        review: Review | None = Review.find(root)
    except InputError:
        review = None
    out = []
    for path in files:
        name = options.source or source_slug(path)
        notes = []
        if review is None:
            notes.append("not inside a review: the file was read, nothing checked against one")
        elif review.protocol.source(name) is None:
            notes.append(
                f"source '{name}' is not declared in review.yaml: add `- name: {name}` under "
                "`sources` before importing"
            )
        result = _read(path, name, options)
        try:
            _require(path, result, options)
        except InputError as e:
            notes.append(f"importing this file would be refused: {e}")
        result = _filtered(review, name, result)
        out.append(Preview(path, name, result, tuple(notes)))
    return out
