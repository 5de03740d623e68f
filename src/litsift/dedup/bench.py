"""Measuring deduplication on a labelled set (the layout of bib-dedupe's data folders).

A labelled set is a folder with `records_pre_merged.csv` (one row per record, an `ID`
column and bibliographic columns) and `merged_record_ids.csv` (one row per duplicate
cluster, ids joined by `;`). Accuracy is pairwise: every pair of records in one cluster.

The labels group errata and replies with the article they concern; the issue defines them
as not duplicates. `run_corrected_bench` also scores against the labels without those pairs
(each listed with its evidence), so both views can be shown side by side.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from litsift.dedup.core import DIFFERENT, SAME, DedupConfig, DedupResult, deduplicate
from litsift.dedup.features import erratum_locations, locator_of, title_kind
from litsift.errors import InputError
from litsift.models import Record
from litsift.vocab import DedupLevel

RECORDS_FILE = "records_pre_merged.csv"
LABELS_FILE = "merged_record_ids.csv"
SOURCE = "labelled"
REQUIRED_COLUMNS = ("ID", "title")
# CSV column -> Record field; a column absent from a set is simply not used.
_COLUMNS = {
    "title": "title",
    "journal": "venue",
    "container_title": "venue",
    "booktitle": "venue",
    "volume": "volume",
    "number": "issue",
    "issue": "issue",
    "pages": "pages",
    "doi": "doi",
    "abstract": "abstract",
    "ENTRYTYPE": "doc_type",
}


Level = DedupLevel  # what counts as 'the same' when scoring (declared in litsift.vocab)


class BenchResult(BaseModel):
    precision: float
    recall: float
    f1: float
    false_merges: int
    records: int
    seconds: float


def load_records(folder: Path) -> list[Record]:
    """Records of a labelled set; the member key is 'labelled:<ID>'."""
    path = folder / RECORDS_FILE
    frame = _read_csv(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
    ids = frame["ID"].astype(str)
    repeated = ids[ids.duplicated(keep=False)]
    if len(repeated):
        rows = [int(i) + 2 for i in repeated.index[repeated == repeated.iloc[0]][:2]]
        raise InputError(
            path, f"ID {repeated.iloc[0]} is on rows {rows[0]} and {rows[1]} (the header is row 1)"
        )
    return [_record(row) for row in frame.to_dict("records")]


def _record(row: dict[str, object]) -> Record:
    fields: dict[str, object] = {}
    for column, name in _COLUMNS.items():
        value = _text(row.get(column))
        if value and name not in fields:
            fields[name] = value
    year = _text(row.get("year"))
    fields["year"] = int(float(year)) if year and year.replace(".", "", 1).isdigit() else None
    fields["authors"] = [a.strip() for a in (_text(row.get("author")) or "").split(" and ")]
    return Record.build(source=SOURCE, origin=str(row["ID"]), **fields)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=True)
    except FileNotFoundError as e:
        raise InputError(path, "file not found") from e
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError(path, f"not a readable CSV file ({e})") from e


def load_labels(folder: Path) -> list[tuple[str, ...]]:
    """True duplicate clusters: tuples of record ids."""
    path = folder / LABELS_FILE
    frame = _read_csv(path)
    if "merged_ids" not in frame.columns:
        raise InputError(path, "missing column(s): merged_ids", 1)
    clusters: list[tuple[str, ...]] = []
    row_of: dict[str, int] = {}
    for row, value in frame["merged_ids"].items():
        if not isinstance(value, str) or not value.strip():
            continue
        line = int(row) + 2  # the header is line 1; one cluster a line
        ids = tuple(sorted(x.strip() for x in value.split(";") if x.strip()))
        for x in ids:
            if x in row_of:
                raise InputError(
                    path, f"id {x} is in two clusters (lines {row_of[x]} and {line})", line
                )
            row_of[x] = line
        clusters.append(ids)
    return clusters


def check_labels(
    records: Sequence[Record], clusters: Sequence[Sequence[str]], folder: Path
) -> None:
    """Every labelled id must be a record of the set."""
    known = {r.origin for r in records}
    for cluster in clusters:
        for x in cluster:
            if x not in known:
                raise InputError(folder / LABELS_FILE, f"id {x} is not in {RECORDS_FILE}")


def pairs_of(clusters: Iterable[Sequence[str]]) -> set[tuple[str, str]]:
    """Every unordered pair of ids in one cluster, as sorted tuples."""
    return {tuple(sorted(p)) for c in clusters for p in itertools.combinations(c, 2)}  # type: ignore[misc]


def predicted_clusters(result: DedupResult, level: str = "report") -> list[tuple[str, ...]]:
    """Groups of labelled-set ids (member origins): clusters, or whole studies."""
    groups: dict[str, list[str]] = {}
    for c in result.clusters:
        groups.setdefault(c.id if level == "report" else c.study, []).extend(
            m.origin for m in c.members
        )
    return [tuple(g) for g in groups.values() if len(g) > 1]


def score(
    truth: set[tuple[str, str]], found: set[tuple[str, str]], records: int, seconds: float
) -> BenchResult:
    """Pairwise precision, recall, F1 and false merges (pairs found but not labelled)."""
    hits = len(truth & found)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BenchResult(
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        false_merges=len(found - truth),
        records=records,
        seconds=round(seconds, 3),
    )


def run_bench(
    folder: Path,
    config: DedupConfig = DedupConfig(),  # noqa: B008
    level: str = "report",
) -> tuple[BenchResult, DedupResult]:
    """Deduplicate a labelled set and score it against its labels.

    level "report": pairs in one cluster (the duplicates removed); "study": pairs in one
    study (also counting reports linked as one study: preprint, abstract, erratum).
    """
    records = load_records(folder)
    labels = load_labels(folder)
    check_labels(records, labels, folder)
    truth = pairs_of(labels)
    start = time.perf_counter()
    result = deduplicate(records, config=config)
    seconds = time.perf_counter() - start
    found = pairs_of(predicted_clusters(result, level))
    return score(truth, found, len(records), seconds), result


def simulate_review(folder: Path, rounds: int = 3) -> tuple[BenchResult, int]:
    """Answer every uncertain pair from the labels, as a reviewer would, and re-run.

    Measures the workflow with a human in the loop: returns the report-level score after
    the answers and the number of questions asked.
    """
    records = load_records(folder)
    truth = pairs_of(load_labels(folder))
    origins: dict[str, list[str]] = {}
    for r in records:
        origins.setdefault(r.id, []).append(r.origin)
    answers: dict[frozenset[str], str] = {}
    start = time.perf_counter()
    result = deduplicate(records)
    for _ in range(rounds):
        if not result.uncertain:
            break
        for pair in result.uncertain:
            same = any(
                tuple(sorted((x, y))) in truth for x in origins[pair.a] for y in origins[pair.b]
            )
            answers[frozenset((pair.a, pair.b))] = SAME if same else DIFFERENT
        result = deduplicate(records, answers=answers)
    seconds = time.perf_counter() - start
    found = pairs_of(predicted_clusters(result))
    return score(truth, found, len(records), seconds), len(answers)


# --------------------------------------------------------------------------- label-corrected view

_NOT_DUPLICATE = {
    "erratum": "erratum",
    "retraction": "erratum",
    "reply": "reply",
    "comment": "reply",
}


class Excluded(BaseModel):
    """A labelled pair that is not a duplicate by the issue's definition, with its evidence."""

    a: str
    b: str
    kind: str  # erratum | reply
    evidence: str
    titles: tuple[str, str]


def _report_kind(record: Record, located: dict[tuple[str, str, str], str]) -> tuple[str, str]:
    """The kind of a labelled record and why: from its title, or from an erratum notice."""
    kind = title_kind(record.title)
    if kind != "article":
        return kind, f"{record.origin}'s title marks it as {kind}"
    at = locator_of(record)
    if at in located:
        return "erratum", (
            f"{record.origin} is printed at {at[0]}({at[1]}):{at[2]}, where "
            f"{located[at]}'s title says its erratum appears"
        )
    return "article", ""


def non_duplicates(records: Sequence[Record], truth: set[tuple[str, str]]) -> list[Excluded]:
    """Labelled pairs of two kinds of report (erratum or reply with an article).

    The issue defines errata and replies as not duplicates of the article they concern;
    the labelled sets group them. Each pair carries the evidence for its kind.
    """
    by_id = {r.origin: r for r in records}
    members = sorted({x for pair in truth for x in pair if x in by_id})
    located = {at: members[i] for at, i in erratum_locations([by_id[x] for x in members])}
    out = []
    for a, b in sorted(truth):
        if a not in by_id or b not in by_id:
            continue
        (ka, wa), (kb, wb) = _report_kind(by_id[a], located), _report_kind(by_id[b], located)
        if ka == kb:
            continue
        kind = _NOT_DUPLICATE.get(ka if ka != "article" else kb, "erratum")
        out.append(
            Excluded(
                a=a,
                b=b,
                kind=kind,
                evidence="; ".join(w for w in (wa, wb) if w),
                titles=(by_id[a].title or "", by_id[b].title or ""),
            )
        )
    return out


def corrected(truth: set[tuple[str, str]], excluded: Sequence[Excluded]) -> set[tuple[str, str]]:
    """The labelled pairs without those the issue defines as non-duplicates."""
    return truth - {(e.a, e.b) for e in excluded}


def run_corrected_bench(
    folder: Path,
    config: DedupConfig = DedupConfig(),  # noqa: B008
) -> tuple[BenchResult, BenchResult, list[Excluded]]:
    """Report-level scores against the labels as given and as corrected, and the exclusions."""
    as_labelled, result = run_bench(folder, config)
    truth = pairs_of(load_labels(folder))
    excluded = non_duplicates(load_records(folder), truth)
    found = pairs_of(predicted_clusters(result))
    fixed = score(corrected(truth, excluded), found, as_labelled.records, as_labelled.seconds)
    return as_labelled, fixed, excluded


# --------------------------------------------------------------------------- labels from DOIs


def doi_labelled(records: Sequence[Record]) -> tuple[list[Record], list[tuple[str, ...]]]:
    """A labelled set from overlapping database exports: the truth from DOIs, then hidden.

    Records with the same DOI are duplicates; records without a DOI are left out (their
    truth is unknown). Every record is returned without its DOI (and without an arXiv id
    taken from a DataCite DOI), so the matcher must find the duplicates from the other
    fields, as it must for exports that carry no DOI. Member origins are '<source>:<n>'.
    """
    kept: list[Record] = []
    by_doi: dict[str, list[str]] = {}
    with_doi = sorted((r for r in records if r.doi), key=lambda r: (r.source, r.origin))
    for n, r in enumerate(with_doi):
        origin = f"{r.source}:{n}"
        by_doi.setdefault(str(r.doi), []).append(origin)
        fields = r.model_dump(exclude={"id", "source", "origin", "doi", "arxiv_id"})
        if r.arxiv_id and not str(r.doi).startswith("10.48550/"):
            fields["arxiv_id"] = r.arxiv_id
        kept.append(Record.build(source=SOURCE, origin=origin, **fields))
    return kept, [tuple(sorted(g)) for g in by_doi.values() if len(g) > 1]
