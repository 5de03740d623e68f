"""Derive the flagship's candidate-pool import files from the shared real-world data.

The flagship review reuses two kinds of real records as its candidate pool:

* the database exports of another team's published search (LLMinMDE2025, under
  `realworld/exports/slr-llm-in-mde/`), one litsift source per database;
* every entry of the EfficientPaper paper list (`realworld/llm-efficiency-papers/
  efficientpaper.jsonl`), as the source `efficientpaper`.

Only facts are written (title, authors, year, venue, volume, issue, pages, publisher, DOI,
arXiv id, the database's own record id, document type, language): no abstract, no keyword,
no note, so the files are derived records, not copies of the exports. Each file starts with
an @comment giving its provenance. The script re-imports every file it writes with
litsift's own importer and stops if a fact read back differs from the export's.

    .venv/bin/python tools/derive_pool.py [--shared ../shared/realworld] [--root .]

Run it again after changing it; the output is byte-identical for the same inputs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from litsift import ids
from litsift.importers.export import latex_escape
from litsift.models import Record
from litsift.store.imports import read_file

ROOT = Path(__file__).resolve().parents[1]
MDE = "exports/slr-llm-in-mde"
MDE_COMMIT = "0c39fe7ff32f"
EP_COMMIT = "6a930067b029"

# The facts compared after re-import; everything else in an export is left behind.
FACTS = (
    "title",
    "authors",
    "year",
    "venue",
    "volume",
    "issue",
    "pages",
    "publisher",
    "doi",
    "arxiv_id",
    "language",
    "doc_type",
)


@dataclass(frozen=True)
class Export:
    """One database export of the LLMinMDE2025 search and the litsift source it becomes."""

    source: str
    file: str  # under realworld/exports/slr-llm-in-mde/
    repo_path: str  # where the export sits in Wilson008/LLMinMDE2025
    platform: str
    note: str = ""


EXPORTS = (
    Export(
        "llminmde-scopus",
        "scopus.bib",
        "First_Search_Initial_String/scopus.bib",
        "Scopus",
    ),
    Export(
        "llminmde-wos",
        "web_of_science.bib",
        "web_of_science.bib",
        "Web of Science Core Collection",
        "This export sits at the top of the repository, not in the folder of the first "
        "search string, so it may come from a later version of the string.",
    ),
    Export(
        "llminmde-acm",
        "acm_1.bib",
        "First_Search_Initial_String/ACM/acm_1.bib",
        "ACM Digital Library",
        "The repository holds further ACM export pages; only this first page is in the "
        "shared data.",
    ),
    Export(
        "llminmde-ieee",
        "ieee_xplore_citation_download.ris",
        "First_Search_Initial_String/IEEE Xplore/"
        "IEEE Xplore Citation RIS Download 2025.9.5.10.14.22.ris",
        "IEEE Xplore",
        "The same 25 records were also exported as BibTeX (Exported Items - 1.bib); they "
        "carry the same DOIs, so only the RIS download is used, to count each database "
        "record once. The repository holds further IEEE Xplore export pages; only this "
        "first page is in the shared data.",
    ),
    Export(
        "llminmde-sciencedirect",
        "ScienceDirect_citations.bib",
        "ScienceDirect_citations.bib",
        "ScienceDirect",
    ),
)

_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_WOS_UID = re.compile(r"^WOS:\w+$")
_SD_PII = re.compile(r"sciencedirect\.com/science/article/pii/(\w+)")
_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
_BIB_TYPE = {
    "article": "article",
    "review": "article",
    "editorial": "article",
    "conference-paper": "inproceedings",
    "preprint": "misc",
    "book": "book",
    "book-chapter": "incollection",
}


def _header(lines: Sequence[str]) -> str:
    text = textwrap.fill(" ".join(lines), width=92).replace("{", "(").replace("}", ")")
    return "@comment{" + text + "}\n"


def _field(name: str, value: str | None) -> str:
    return f"  {name} = {{{value}}},\n" if value else ""


def bib_entry(key: str, rec: Record, extra: Sequence[tuple[str, str]] = ()) -> str:
    """One derived BibTeX entry holding only the record's facts."""
    kind = _BIB_TYPE.get(rec.doc_type or "", "misc")
    authors = " and ".join(
        f"{{{latex_escape(a)}}}" if re.search(r"\sand\s", a, re.I) else latex_escape(a)
        for a in rec.authors
    )
    body = "".join(
        (
            _field("author", authors),
            _field("title", f"{{{latex_escape(rec.title)}}}" if rec.title else ""),
            _field("year", str(rec.year or "")),
            _field(_VENUE_FIELD.get(kind, "howpublished"), latex_escape(rec.venue or "")),
            _field("volume", latex_escape(rec.volume or "")),
            _field("number", latex_escape(rec.issue or "")),
            _field("pages", latex_escape(rec.pages or "")),
            _field("publisher", latex_escape(rec.publisher or "")),
            _field("doi", rec.doi),
            _field("eprint", rec.arxiv_id),
            _field("archiveprefix", "arXiv" if rec.arxiv_id else ""),
            _field("url", rec.url),
            _field("language", rec.language),
            _field("type", rec.doc_type),
            *(_field(k, v) for k, v in extra),
        )
    )
    return f"@{kind}{{{key},\n{body}}}\n"


def _unique_keys(records: Sequence[Record]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for rec in records:
        n = seen.get(rec.id, 0)
        seen[rec.id] = n + 1
        keys.append(rec.id if n == 0 else f"{rec.id}-{n + 1}")
    return keys


def _database_ids(exp: Export, rec: Record) -> list[tuple[str, str]]:
    """The database's own record id: Scopus EID, WoS UID, ScienceDirect PII URL."""
    out = []
    m = _SCOPUS_EID.search(rec.url or "")
    if m:
        out.append(("scopus-eid", m.group(1)))
    if rec.source_key and _WOS_UID.match(rec.source_key):
        out.append(("wos-uid", rec.source_key))
    m = _SD_PII.search(rec.url or "")
    if m:
        out.append(("sciencedirect-pii", m.group(1)))
    out.append(("origin", rec.origin))
    return out


def _facts_only(rec: Record) -> Record:
    return rec.model_copy(update={"abstract": None, "keywords": (), "url": None})


def derive_export(shared: Path, exp: Export) -> tuple[str, list[Record]]:
    """The derived BibTeX text of one export, and the records it was built from."""
    path = shared / MDE / exp.file
    result = read_file(path, source=exp.source)
    if result.rejected:
        raise SystemExit(f"{path}: {len(result.rejected)} entries rejected: {result.rejected}")
    records = list(result.records)
    header = [
        f"Derived by tools/derive_pool.py for the litsift flagship review: {len(records)} "
        f"records of the {exp.platform} export of the LLMinMDE2025 systematic review",
        f"(GitHub Wilson008/LLMinMDE2025, commit {MDE_COMMIT}, file {exp.repo_path}),",
        "a review of large language models in model-driven engineering by another team.",
        "Its search string is not recorded in the exports or in the shared MANIFEST.",
        "These are that team's search results, reused as a real database-arm sample; no",
        "search for the flagship's question was run. Facts only: title, authors, year,",
        "venue, volume, number, pages, publisher, DOI, the database's record id, document",
        "type and language. Abstracts, keywords and notes of the export are left out.",
        "Each entry's origin field gives the export file and line it comes from.",
    ]
    if exp.note:
        header.append(exp.note)
    kept = [_facts_only(r) for r in records]
    entries = [
        bib_entry(key, rec, _database_ids(exp, orig))
        for key, rec, orig in zip(_unique_keys(kept), kept, records, strict=True)
    ]
    return _header(header) + "\n" + "\n".join(entries), kept


# --------------------------------------------------------------------------- EfficientPaper

_EP_JOURNALS = {"JMLR", "TACL", "TC", "NCE", "TMLR"}
_EP_OTHER = {"blog", "github"}
_DOI_IN_URL = re.compile(r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/)?|/article/)(10\.\d{4,9}/[^\s?#]+)")


def ep_doc_type(venue: str) -> str:
    """Document type inferred from the list's venue label (the list states no type)."""
    v = venue.strip()
    if v.lower() == "arxiv":
        return "preprint"
    if not v or v.lower() in _EP_OTHER:
        return "other"
    return "article" if v in _EP_JOURNALS else "conference-paper"


_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "la", "le", "ter"}


def given_first(name: str) -> str:
    """'Zhuohan Li' -> 'Li, Zhuohan': the list writes given names first.

    Written out as 'Family, Given' because litsift's importer reads a short last word
    ('Li', 'He', 'Yu') of an uncommaed name as initials and would swap the parts.
    """
    words = name.split()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    if start == 0:
        return name
    return f"{' '.join(words[start:])}, {' '.join(words[:start])}"


def ep_record(row: dict[str, object]) -> Record | None:
    """A Record of the facts of one EfficientPaper entry; None for a file that is no paper."""
    title = row.get("title")
    if not isinstance(title, str) or not title.strip():
        return None
    url = str(row.get("url") or "") or str(row.get("code_url") or "")
    # some entries hold all their names in one string, separated by commas
    names = [n.strip() for a in row.get("authors") or [] for n in str(a).split(",")]
    authors = [
        given_first(n) for n in names if re.search(r"\w", n) and not re.fullmatch(r"Name\d+", n)
    ]
    venue = str(row.get("venue") or "")
    year = str(row.get("year") or "")
    m = _DOI_IN_URL.search(url)
    arxiv = ids.normalise_arxiv(url) if "arxiv.org" in url else None
    return Record.build(
        source="efficientpaper",
        origin=str(row["file"]),
        title=" ".join(title.split()),
        authors=tuple(authors),
        year=int(year) if year.isdigit() else None,
        venue=venue or None,
        doi=m.group(1) if m else None,
        arxiv_id=arxiv,
        url=url or None,
        doc_type=ep_doc_type(venue),
    )


def derive_efficientpaper(shared: Path) -> tuple[str, list[Record], list[str]]:
    path = shared / "llm-efficiency-papers" / "efficientpaper.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    records, skipped = [], []
    for row in rows:
        rec = ep_record(row)
        if rec is None:
            skipped.append(str(row["file"]))
        else:
            records.append(rec)
    placeholders = [
        str(r["file"])
        for r in rows
        if any(re.fullmatch(r"Name\d+", str(a)) for a in r.get("authors") or [])
    ]
    header = [
        f"Derived by tools/derive_pool.py for the litsift flagship review: {len(records)} "
        "entries of the EfficientPaper paper list (GitHub hustzxd/EfficientPaper,",
        f"commit {EP_COMMIT}, meta/**/*.prototxt, one entry per file), a website listing",
        "efficiency papers. Every paper entry is here, whatever its year: entries outside",
        "2017-2023 fall to the review's automatic eligibility rules. Facts only: title,",
        "authors, year and venue as the list gives them, the arXiv id or DOI read from the",
        "entry's paper URL, and the URL itself (the code URL when the entry has no paper",
        "URL). The document type is inferred from the venue label (arXiv: preprint; blog,",
        "github or no venue: other; JMLR, TACL, TC, NCE, TMLR: article; any other venue:",
        "conference paper). The list's keywords are left out. Each entry's origin field names the",
        "list's file. Author strings that hold several names separated by commas are split;",
        "names, which the list writes given name first, are written family name first.",
        f"Left out, as they hold no paper: {', '.join(skipped)} (search settings of the list).",
        f"Placeholder author names (Name1, Name2) are dropped in: {', '.join(placeholders)};",
        "these two files also carry each other's title (vLLM, SGLang), written as the list has it.",
    ]
    keys = _unique_keys(records)
    entries = [
        bib_entry(k, r.model_copy(update={"source_key": None}), [("origin", r.origin)])
        for k, r in zip(keys, records, strict=True)
    ]
    return _header(header) + "\n" + "\n".join(entries), records, skipped


# --------------------------------------------------------------------------- checks, main


def _facts(rec: Record) -> tuple[object, ...]:
    return tuple(getattr(rec, f) for f in FACTS)


def check_round_trip(path: Path, source: str, expected: Iterable[Record]) -> None:
    """Re-import a written file; every fact must come back as it was read from the export."""
    back = read_file(path, source=source)
    want = [_facts(r) for r in expected]
    got = [_facts(r) for r in back.records]
    if back.rejected or sorted(map(repr, want)) != sorted(map(repr, got)):
        diff = sorted(set(map(repr, want)) ^ set(map(repr, got)))[:4]
        raise SystemExit(f"{path}: facts differ after re-import: {diff}")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {path}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "realworld")
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    imports = args.root / "data" / "imports"
    for exp in EXPORTS:
        text, kept = derive_export(args.shared, exp)
        out = imports / exp.source / f"{exp.source}.bib"
        write(out, text)
        check_round_trip(out, exp.source, kept)
    text, records, _ = derive_efficientpaper(args.shared)
    out = imports / "efficientpaper" / "efficientpaper.bib"
    write(out, text)
    check_round_trip(out, "efficientpaper", records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
