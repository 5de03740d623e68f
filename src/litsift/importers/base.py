"""What every importer shares: the result types, a draft entry, and field cleaning.

A format module turns text into `Draft`s (one per entry, with the line where it starts and
the Record fields it found); `assemble` turns drafts into records and rejections, so the
accounting rule (read = imported + rejected) holds for every format in one place.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from litsift import ids
from litsift.errors import LitsiftError
from litsift.models import Record
from litsift.vocab import DocType

# ------------------------------------------------------------------ closed vocabularies

DOC_TYPES: tuple[str, ...] = tuple(DocType)  # declared once, in litsift.vocab

# Lower-cased type labels of every supported format -> DOC_TYPES. One table for all formats.
_TYPE_LABELS: dict[str, str] = {
    # BibTeX entry types
    "article": "article",
    "inproceedings": "conference-paper",
    "conference": "conference-paper",
    "proceedings": "book",
    "book": "book",
    "inbook": "book-chapter",
    "incollection": "book-chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "unpublished": "preprint",
    "misc": "other",
    "online": "other",
    "manual": "report",
    "booklet": "book",
    # RIS TY codes
    "jour": "article",
    "jfull": "article",
    "ejour": "article",
    "mgzn": "article",
    "news": "article",
    "inpr": "article",
    "conf": "conference-paper",
    "cpaper": "conference-paper",
    "ebook": "book",
    "edbook": "book",
    "chap": "book-chapter",
    "echap": "book-chapter",
    "thes": "thesis",
    "rprt": "report",
    "unpb": "preprint",
    "gen": "other",
    "elec": "other",
    "ser": "book",
    "stand": "report",
    # free-text labels (Scopus, Web of Science, PubMed, Springer, IEEE)
    "journal article": "article",
    "journal articles": "article",
    "letter": "article",
    "note": "article",
    "short survey": "review",
    "review": "review",
    "systematic review": "review",
    "meta-analysis": "review",
    "conference paper": "conference-paper",
    "proceedings paper": "conference-paper",
    "conference proceeding": "conference-paper",
    "conference review": "other",
    "book chapter": "book-chapter",
    "chapter": "book-chapter",
    "erratum": "erratum",
    "correction": "erratum",
    "published erratum": "erratum",
    "retraction": "retraction",
    "retracted publication": "retraction",
    "retraction of publication": "retraction",
    "editorial": "editorial",
    "editorial material": "editorial",
    "comment": "editorial",
    "book review": "book-review",
    "preprint": "preprint",
    "preprints": "preprint",
    "dissertation": "thesis",
    "reports - research": "report",
    "data paper": "article",
    "early access": "article",
    "ieee journals": "article",
    "ieee magazines": "article",
    "ieee conferences": "conference-paper",
    "ieee early access articles": "article",
    "ieee standards": "report",
    "ieee books": "book",
    "std": "report",  # RIS standards (IEEE Xplore)
    "j": "article",
    "b": "book",
    "s": "book",
    "p": "report",
}

_TYPE_LABELS.update({t: t for t in DOC_TYPES})  # litsift's own exports write these


# ------------------------------------------------------------------ result types


@dataclass(frozen=True)
class Rejection:
    """An entry that could not become a record, with the line where it starts."""

    file: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """Everything one file gave: records, rejections and repaired oddities."""

    file: str
    format: str
    encoding: str
    records: tuple[Record, ...]
    rejected: tuple[Rejection, ...]
    warnings: tuple[str, ...]

    @property
    def read(self) -> int:
        """Entries read from the file: imported plus rejected."""
        return len(self.records) + len(self.rejected)


@dataclass
class Draft:
    """One entry as a format parser read it, before it becomes a Record."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # repaired oddities
    error: str | None = None  # the entry itself is unreadable -> rejection


class FormatError(LitsiftError):
    """Raised inside a parser for a whole-file problem; read_file adds the file name."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


# ------------------------------------------------------------------ field cleaning

_WS = re.compile(r"\s+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")


# control characters (Unicode category Cc) but tab and line feed
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object) -> str | None:
    """Whitespace collapsed, HTML entities decoded, blank -> None."""
    if value is None:
        return None
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    text = _CONTROL.sub("", text.replace("\u00a0", " ").replace("\ufeff", ""))
    return " ".join(text.split()) or None  # str.split and re's \s: the same whitespace


def parse_year(value: object) -> int | None:
    """The first plausible four-digit year in a date string ('2002 Sep', '2014//')."""
    if value is None:
        return None
    m = _YEAR.search(str(value))
    return int(m.group(1)) if m else None


def known_doc_type(*labels: str | None) -> str | None:
    """Like `doc_type`, but None (not "other") when no label is a known one."""
    kind = doc_type(*labels)
    if kind == "other" and not any(
        _TYPE_LABELS.get(part.strip().lower()) == "other" or _publisher_collection(part)
        for label in labels
        for part in (label or "").split(";")
    ):
        return None
    return kind


def doc_type(*labels: str | None) -> str | None:
    """The DOC_TYPES value for a format's type labels (';'-separated parts allowed)."""
    found: list[str] = []
    seen = False
    for label in labels:
        for part in (label or "").split(";"):
            key = part.strip().lower()
            seen = seen or bool(key)
            if key in _TYPE_LABELS:
                found.append(_TYPE_LABELS[key])
            elif kind := _publisher_collection(key):
                found.append(kind)
    # "Journal Article; Review" is a review: a specific type beats the generic ones
    specific = [t for t in found if t not in ("article", "other")]
    if specific or found:
        return (specific or found)[0]
    return "other" if seen else None


# IEEE Xplore names its collections "<publisher> Journals", "... Conferences": the IEEE
# ones are listed above, partners' (IBM, VDE, IET ...) follow the same pattern
_COLLECTIONS = {
    "journals": "article",
    "magazines": "article",
    "conferences": "conference-paper",
    "books": "book",
    "standards": "report",
    "early access articles": "article",
}


def _publisher_collection(label: str) -> str | None:
    for suffix, kind in _COLLECTIONS.items():
        if label.endswith(f" {suffix}") and len(label) > len(suffix) + 1:
            return kind
    return None


# ------------------------------------------------------------------ authors

_INITIALS = re.compile(r"^(?:[A-Z\u00c0-\u00de][a-z]?\.?-?){1,4}$")
# initials beyond doubt: each with its period ("J.", "Th.", "J.-C.") or capitals only ("JC");
# "Li" or "Ng" alone is a family name as often as an initial
_SURE_INITIALS = re.compile(r"^(?:(?:[A-Z\u00c0-\u00de][a-z]?\.-?){1,4}|[A-Z\u00c0-\u00de]{1,3})$")
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "la",
    "le",
    "dos",
    "das",
    "ter",
    "ten",
    "bin",
    "al",
    "el",
    "st.",
}


def author_name(raw: str) -> str | None:
    """One author as 'Family, Given' from 'Family, Given', 'Given Family' or 'Family I.J.'."""
    name = clean(raw.strip().strip("{}"))
    if not name:
        return None
    name = name.strip(" ;,")
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        return f"{family}, {given}" if given else family
    words = name.split(" ")
    if len(words) == 1:
        return name
    if _SURE_INITIALS.match(words[-1]) and not _SURE_INITIALS.match(words[0]):
        # Scopus/PubMed short form "Phillips J.C.", "Mangalam H" or "Li F."
        return f"{' '.join(words[:-1])}, {words[-1]}"
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return f"{' '.join(words[start:])}, {' '.join(words[:start])}"


# what closes a truncated author list: BibTeX's "and others", "et al." in RIS and CSV cells
_ET_AL = re.compile(r"^(?:and\s+)?(?:others|et\.?\s*al\.?|\[?et al\.?\]?)$", re.I)


def authors_from(parts: Iterable[str]) -> list[str]:
    """Each part normalised with `author_name`, blanks and the "and others" / "et al." that
    mark a truncated list dropped (they are not authors)."""
    out = [author_name(p) for p in parts if not _ET_AL.match((clean(p) or "").strip(" {};,"))]
    return [a for a in out if a]


def split_author_list(value: str | None) -> list[str]:
    """Split an author cell: ';' lists, Scopus 'Family I., Family I.' lists, or one name."""
    text = clean(value)
    if not text:
        return []
    if ";" in text:
        return authors_from(text.split(";"))
    parts = [p.strip() for p in text.split(",") if not _ET_AL.match(p.strip())]
    if len(parts) > 2 and all(_INITIALS.match(p.split(" ")[-1]) for p in parts if p):
        return authors_from(parts)  # "Phillips J.C., Braun R., ..."
    if len(parts) == 2 and " " in parts[1] and _INITIALS.match(parts[1].split(" ")[-1]):
        return authors_from(parts)  # two short-form names
    return authors_from([", ".join(parts)])


_RUN_TOGETHER = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de][a-z\u00df-\u00ff])")
_NAME_PREFIXES = ("Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le", "Van", "Von", "O")


def split_run_together(value: str) -> list[str]:
    """Springer's 'Andy SmithTom Weber' -> ['Andy Smith', 'Tom Weber'] (not 'McDonald')."""
    pieces: list[str] = []
    for piece in _RUN_TOGETHER.split(value):
        last_word = pieces[-1].rsplit(" ", 1)[-1] if pieces else ""
        if pieces and last_word in _NAME_PREFIXES:
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


# ------------------------------------------------------------------ identifiers in URLs

_URL_IDS = (
    ("arxiv_id", re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.I)),
    ("pmid", re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(\d+)")),
    ("openalex_id", re.compile(r"openalex\.org/(W\d+)", re.I)),
    ("s2_id", re.compile(r"semanticscholar\.org/paper/(?:[^/\s]+/)?([0-9a-f]{40})", re.I)),
    ("dblp_key", re.compile(r"dblp\.org/rec/([^\s?#]+?)(?:\.html|\.bib)?(?:[?#]|$)")),
    ("doi", re.compile(r"(?:doi\.org|dx\.doi\.org)/(10\.\S+)", re.I)),
)


def ids_from_urls(draft: Draft, urls: Iterable[str | None]) -> None:
    """Fill identifiers the draft lacks from URLs that carry them (arXiv, PubMed, DOI ...)."""
    for url in urls:
        for name, pattern in _URL_IDS:
            m = pattern.search(url or "")
            if m and not draft.fields.get(name):
                draft.fields[name] = m.group(1)


# ------------------------------------------------------------------ assembling

_TEXT_FIELDS = (
    "title",
    "abstract",
    "venue",
    "volume",
    "issue",
    "pages",
    "publisher",
    "url",
    "source_key",
    "pmid",
    "openalex_id",
    "s2_id",
    "dblp_key",
)
_IDENTIFIERS = ("doi", "arxiv_id", "pmid", "openalex_id", "s2_id", "dblp_key")


def _record_fields(draft: Draft) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in draft.fields.items():
        if name in _TEXT_FIELDS:
            out[name] = clean(value)
        elif name in ("authors", "keywords", "mesh_terms", "publication_types"):
            out[name] = [v for v in (clean(x) for x in value or ()) if v]
        else:
            out[name] = value
    return out


def _check_identifiers(fields: dict[str, Any], notes: list[str]) -> None:
    """Report identifiers that needed repair or had to be dropped."""
    doi = fields.get("doi")
    if doi and not ids.normalise_doi(doi):
        notes.append(f"DOI {doi!r} is not a DOI; dropped")
        fields["doi"] = None
    elif doi and re.match(r"\s*(https?:|doi:)", doi, re.I):
        notes.append("DOI given as a URL; reduced to the bare DOI")
    pmid = fields.get("pmid")
    if pmid:
        m = re.fullmatch(r"\s*(?:pmid:?\s*)?(\d+)\s*", str(pmid), re.I)
        if not m:
            notes.append(f"PubMed id {pmid!r} is not a number; dropped")
        fields["pmid"] = m.group(1) if m else None


def _missing(fields: dict[str, Any]) -> str | None:
    has_id = any(fields.get(n) for n in _IDENTIFIERS)
    if not fields.get("title") and not has_id:
        return "no title and no identifier (DOI, arXiv, PubMed, OpenAlex, S2 or DBLP id)"
    return None


def assemble(
    drafts: Sequence[Draft],
    *,
    file: str,
    fmt: str,
    encoding: str,
    source: str,
    batch: str | None,
    warnings: Iterable[str] = (),
) -> ImportResult:
    """Turn parsed drafts into records and rejections; every repair becomes a warning."""
    records: list[Record] = []
    rejected: list[Rejection] = []
    notes = list(warnings)
    for draft in drafts:
        if draft.error:
            rejected.append(Rejection(file, draft.line, draft.error))
            continue
        fields = _record_fields(draft)
        _check_identifiers(fields, draft.notes)
        reason = _missing(fields)
        if reason:
            rejected.append(Rejection(file, draft.line, reason))
            continue
        if not fields.get("title"):
            draft.notes.append("no title; imported on its identifier alone")
        try:
            record = Record.build(
                source=source, origin=f"{file}:{draft.line}", batch=batch or file, **fields
            )
        except ValidationError as e:
            rejected.append(Rejection(file, draft.line, f"invalid field: {e.errors()[0]['msg']}"))
            continue
        records.append(record)
        notes.extend(f"{file}:{draft.line}: {note}" for note in draft.notes)
    return ImportResult(
        file=file,
        format=fmt,
        encoding=encoding,
        records=tuple(records),
        rejected=tuple(rejected),
        warnings=tuple(notes),
    )


def keep_matching(
    result: ImportResult, judge: Callable[[Record], bool | None], reason: str
) -> ImportResult:
    """Move the records `judge` rejects (False) to the rejections, with `reason`.

    For the export of a database searched with a broader string than the query: litsift
    applies the query itself. A record the judge cannot decide (None: a field is missing)
    is kept, for screening to decide.
    """
    kept, rejected = [], list(result.rejected)
    for record in result.records:
        if judge(record) is False:
            rejected.append(Rejection(result.file, _line_of(record), reason))
        else:
            kept.append(record)
    return replace(result, records=tuple(kept), rejected=tuple(rejected))


def _line_of(record: Record) -> int | None:
    line = record.origin.rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else None
