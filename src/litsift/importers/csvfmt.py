"""CSV exports: Scopus, IEEE Xplore, Springer, litsift's own CSV, generic CSV and ASReview CSV."""

from __future__ import annotations

import csv
import io
import re

from litsift.errors import printable
from litsift.importers.base import (
    Draft,
    FormatError,
    authors_from,
    doc_type,
    ids_from_urls,
    parse_year,
    split_author_list,
    split_run_together,
)
from litsift.languages import language

# lower-cased column name -> Record field; the first column present wins
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "document title",
        "item title",
        "article title",
        "primary title",
        "publication title (article)",
        "ti",
    ),
    "abstract": ("abstract", "abstract note", "ab", "description"),
    "authors": ("authors", "author", "author full names", "author names", "creators", "au"),
    "year": ("year", "publication year", "py", "pubyear", "publication date", "date"),
    "venue": (
        "source title",
        "publication title",
        "journal",
        "journal title",
        "venue",
        "secondary title",
        "booktitle",
        "so",
    ),
    "doi": ("doi", "item doi", "di"),
    "arxiv_id": ("arxiv_id", "arxiv id", "eprint"),
    "pmid": ("pmid", "pubmed id"),
    "volume": ("volume", "journal volume", "vl"),
    "issue": ("issue", "journal issue", "number", "is"),
    "pages": ("pages", "page range"),
    "page_start": ("page start", "start page", "bp"),
    "page_end": ("page end", "end page", "ep"),
    "publisher": ("publisher", "pu"),
    "language": ("language of original document", "language", "la"),
    "doc_type": (
        "document type",
        "content type",
        "type",
        "item type",
        "document identifier",
        "publication type",
        "dt",
    ),
    "url": ("url", "link", "pdf link"),
    "keywords": ("author keywords", "keywords", "de"),
    "source_key": ("eid", "record_id", "id", "key", "ut (unique wos id)", "accession number"),
}
# label columns ASReview itself writes (their presence marks a file as ASReview's) ...
ASREVIEW_LABEL_COLUMNS = (
    "label_included",
    "included",
    "final_included",
    "label",
    "included_label",
    "included_final",
    "asreview_label",
)
# ... and every column whose labels are read, generic names included
LABEL_COLUMNS = (*ASREVIEW_LABEL_COLUMNS, "included_flag", "include")
_LABELS = {
    "1": "1",
    "1.0": "1",
    "true": "1",
    "yes": "1",
    "0": "0",
    "0.0": "0",
    "false": "0",
    "no": "0",
}
# Scopus writes one column per funding text but names only the first in the header.
_OVERFLOW_COLUMNS = ("funding text 1",)


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) rows; the delimiter is ',', ';' or tab by the header line."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # huge author cells
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        header = next(reader, [])
        rows, start = [], reader.line_num + 1
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:
        raise FormatError(f"CSV cannot be read: {e}", line=reader.line_num) from e
    return [h.strip().lstrip("\ufeff").strip() for h in header], rows


def _align(header: list[str], row: list[str], draft: Draft) -> dict[str, str]:
    """Column -> cell; extra cells after Scopus' 'Funding Text 1' are merged into it."""
    lowered = [h.lower() for h in header]
    while len(row) > len(header) and not row[-1].strip():
        row = row[:-1]  # trailing delimiters (Web of Science, Excel)
    extra = len(row) - len(header)
    if extra > 0:
        anchor = next((lowered.index(c) for c in _OVERFLOW_COLUMNS if c in lowered), None)
        if anchor is not None:
            merged = " ".join(c for c in row[anchor : anchor + extra + 1] if c.strip())
            row = [*row[:anchor], merged, *row[anchor + extra + 1 :]]
            draft.notes.append(f"{extra} extra cell(s) merged into '{header[anchor]}'")
        else:
            draft.notes.append(f"{extra} cell(s) beyond the header ignored")
    elif extra < 0:
        draft.notes.append(f"{-extra} missing cell(s) read as empty")
    return {h.lower(): c.strip() for h, c in zip(header, row, strict=False) if h}


def _get(cells: dict[str, str], name: str) -> str | None:
    return next((cells[c] for c in COLUMNS[name] if cells.get(c)), None)


def _authors(cells: dict[str, str], draft: Draft, springer: bool) -> list[str]:
    value = _get(cells, "authors")
    if springer and value and ";" not in value and "," not in value:
        pieces = split_run_together(value)
        if len(pieces) > 1:
            draft.notes.append("authors run together; split at case changes")
        return authors_from(pieces)
    return split_author_list(value)


def _label(cells: dict[str, str], draft: Draft) -> dict[str, str]:
    for column in LABEL_COLUMNS:
        if column in cells:
            value = cells[column].strip().lower()
            if value in _LABELS:
                return {"asreview": _LABELS[value]}
            if value not in ("", "-1", "-1.0", "nan", "none"):
                draft.notes.append(f"label {cells[column]!r} is not 1 or 0; left unlabelled")
            return {}
    return {}


def _draft(line: int, cells: dict[str, str], draft: Draft, springer: bool) -> Draft:
    start, end = _get(cells, "page_start"), _get(cells, "page_end")
    pages = _get(cells, "pages") or (f"{start}-{end}" if start and end else start)
    doi = _get(cells, "doi")
    draft.fields.update(
        title=_get(cells, "title"),
        abstract=_get(cells, "abstract"),
        authors=_authors(cells, draft, springer),
        year=parse_year(_get(cells, "year")),
        venue=_get(cells, "venue"),
        doi=doi,
        arxiv_id=_get(cells, "arxiv_id"),
        pmid=_get(cells, "pmid"),
        volume=_get(cells, "volume"),
        issue=_get(cells, "issue"),
        pages=pages,
        publisher=_get(cells, "publisher"),
        language=language(_get(cells, "language")),
        doc_type=doc_type(_get(cells, "doc_type")),
        url=_get(cells, "url"),
        keywords=[k for k in re.split(r";", _get(cells, "keywords") or "") if k.strip()],
        source_key=_get(cells, "source_key"),
    )
    labels = _label(cells, draft)
    if labels:
        draft.fields["labels"] = labels
    ids_from_urls(draft, [draft.fields["url"]])
    return draft


def parse(text: str) -> list[Draft]:
    """One draft per non-empty row; the header names the columns."""
    header, rows = _rows(text)
    lowered = {h.lower() for h in header}
    if not any(c in lowered for c in COLUMNS["title"] + COLUMNS["doi"]):
        raise FormatError(
            f"CSV header has no title or DOI column: {printable(', '.join(header), 120)}",
            line=1,
        )
    springer = {"item title", "content type"} <= lowered
    drafts = []
    for line, row in rows:
        draft = Draft(line=line)
        drafts.append(_draft(line, _align(header, row, draft), draft, springer))
    return drafts
