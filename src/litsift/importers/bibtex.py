"""BibTeX exports (ACM, DBLP, IEEE, Scopus, WoS, ScienceDirect), read with bibtexparser v2."""

from __future__ import annotations

import html
import logging
import re

import bibtexparser
from bibtexparser import model
from bibtexparser.library import Library
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexWalkerError

from litsift.importers.base import (
    Draft,
    authors_from,
    doc_type,
    ids_from_urls,
    known_doc_type,
    parse_year,
)
from litsift.languages import language

_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&#])")
# applied per entry, so entries with duplicate keys are cleaned like the others
_REMOVE_ENCLOSING = RemoveEnclosingMiddleware(allow_inplace_modification=True)
# entry types that are a whole book, whose booktitle is the book's own title
_WHOLE_BOOKS = {"book", "mvbook", "proceedings", "mvproceedings", "collection", "booklet"}
_VENUE_FIELDS = (
    "journal",
    "journaltitle",
    "booktitle",
    "series",
    "howpublished",
    "school",
    "institution",
)


# What plain text needs of LaTeX: escaped specials, ligatures, braces and ties. Doing this
# without pylatexenc matters: it is ~100x slower, and most fields need nothing more.
_PLAIN = re.compile(r"\\([%&#_${}])|(---|--|``|''|[?!]`)|([{}~])")
_ESCAPES = re.compile(r"\\[%&#_${}]")
_LIGATURES = {
    "---": "\u2014",
    "--": "\u2013",
    "``": "\u201c",
    "''": "\u201d",
    "?`": "\u00bf",
    "!`": "\u00a1",
}


def _plain(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1)
    if m.group(2):
        return _LIGATURES[m.group(2)]
    return " " if m.group(3) == "~" else ""


def latex_to_unicode(value: str) -> str:
    """LaTeX accents and escapes to Unicode; braces dropped; '%' and '&' kept literally."""
    text = html.unescape(value)
    if not re.search(r"[\\$]", _ESCAPES.sub("", text)):
        return _PLAIN.sub(_plain, text)
    text = _BARE_SPECIAL.sub(r"\\\1", text).replace(r"\^{}", "\x01")
    try:
        out = _LATEX.latex_to_text(text)
    except (LatexWalkerError, IndexError, KeyError, ValueError, TypeError, AttributeError):
        # pylatexenc gives up on some malformed macros; keep the text without braces
        out = re.sub(r"\\([%&#_${}])", r"\1", text)
        out = re.sub(r"\\[A-Za-z]+\*?", "", out).replace("{", "").replace("}", "")
    return out.replace("\x01", "^").replace("\u00a0", " ")


def _split_authors(value: str) -> list[str]:
    """'A and B and {C and D}' split on top-level 'and' only."""
    parts, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(value[start : m.start()])
            start = m.end()
    parts.append(value[start:])
    return [latex_to_unicode(p) for p in parts if p.strip()]


def _fields(entry: model.Entry, draft: Draft) -> dict[str, str]:
    """Field name (lower case) -> string value; a repeated field keeps its first value."""
    out: dict[str, str] = {}
    for f in entry.fields:
        key = f.key.strip().lower()
        value = f.value if isinstance(f.value, str) else str(f.value)
        if key in out:
            if out[key] != value:
                draft.notes.append(f"repeated field '{key}'; kept the first value")
            continue
        out[key] = value
    return out


def _doc_type(entry_type: str, text: dict[str, str]) -> str | None:
    # an explicit type field beats the entry type: Scopus writes proceedings front matter
    # as @CONFERENCE{..., type = {Conference review}}, which is no conference paper
    declared = known_doc_type(text.get("type"), text.get("document_type"))
    kind = (
        declared
        if declared not in (None, "article")
        else doc_type(text.get("type"), text.get("document_type"), entry_type)
    )
    arxiv = "arxiv" in (text.get("archiveprefix") or text.get("eprinttype") or "").lower()
    return "preprint" if kind == "other" and arxiv else kind


def _draft(entry: model.Entry, draft: Draft) -> Draft:
    f = _fields(entry, draft)
    text = {
        k: latex_to_unicode(v) for k, v in f.items() if k not in ("doi", "url", "eprint", "pmid")
    }
    raw_doi = (f.get("doi") or "").replace("\\_", "_")
    authors = _split_authors(f.get("author", ""))
    if len(authors) > 1000:
        draft.notes.append(f"{len(authors)} authors")
    title, venue_fields = text.get("title"), _VENUE_FIELDS
    if not title and entry.entry_type.lower() in _WHOLE_BOOKS and text.get("booktitle"):
        # IEEE Xplore exports books as @BOOK with the title only in booktitle
        title, venue_fields = text["booktitle"], tuple(k for k in _VENUE_FIELDS if k != "booktitle")
        draft.notes.append(f"@{entry.entry_type} without title: title taken from booktitle")
    draft.fields.update(
        source_key=entry.key or None,
        title=title,
        abstract=text.get("abstract"),
        authors=authors_from(authors),
        year=parse_year(f.get("year") or f.get("date")),
        venue=next((text[k] for k in venue_fields if text.get(k)), None),
        doi=raw_doi or None,
        arxiv_id=f.get("eprint")
        if "arxiv" in (f.get("archiveprefix") or "arxiv").lower()
        else None,
        pmid=f.get("pmid"),
        openalex_id=f.get("openalex"),
        s2_id=f.get("s2id"),
        dblp_key=f.get("dblp"),
        volume=text.get("volume"),
        issue=text.get("number") or text.get("issue"),
        pages=latex_to_unicode(re.sub("-+", "-", f.get("pages") or "")) or None,
        publisher=text.get("publisher"),
        language=language(text.get("language") or text.get("langid")),
        doc_type=_doc_type(entry.entry_type, text),
        url=f.get("url"),
        keywords=[
            k
            for k in re.split(r"[;,]", text.get("keywords") or text.get("keyword") or "")
            if k.strip()
        ],
    )
    labels = {
        k: text[f"litsift_{k}"] for k in ("decision", "reason", "stage") if text.get(f"litsift_{k}")
    }
    if labels:  # litsift's own export carries the screening outcome
        draft.fields["labels"] = labels
    if draft.fields["year"] is None and (f.get("year") or "").strip():
        draft.notes.append(f"year {f['year']!r} is not a year; left empty")
    ids_from_urls(draft, [f.get("url"), f.get("doi")])
    return draft


def _line(block: model.Block) -> int:
    return (block.start_line or 0) + 1


def _unwrap(entry: model.Entry, library: Library) -> model.Entry:
    """String macros resolved and the outer braces or quotes of every value removed."""
    strings = library.strings_dict
    for f in entry.fields:
        if isinstance(f.value, str) and f.value.strip() in strings:
            f.value = strings[f.value.strip()].value
    return _REMOVE_ENCLOSING.transform_entry(entry, library)


def _block_draft(block: model.Block, library: Library) -> Draft | None:
    if isinstance(block, model.Entry):
        return _draft(_unwrap(block, library), Draft(line=_line(block)))
    if isinstance(block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock):
        inner = block.ignore_error_block
        if isinstance(inner, model.Entry):
            draft = Draft(line=_line(block))
            if isinstance(block, model.DuplicateBlockKeyBlock):
                draft.notes.append(f"entry key '{block.key}' used twice; both entries kept")
            return _draft(_unwrap(inner, library), draft)
    if isinstance(block, model.ParsingFailedBlock):
        error = block.error
        message = getattr(error, "abort_reason", None) or str(error).strip().split("\n")[-1]
        message = message or type(error).__name__
        return Draft(line=_line(block), error=f"unreadable BibTeX entry: {message}")
    return None


def _drop(record: logging.LogRecord) -> bool:
    return False


def parse(text: str) -> list[Draft]:
    """One draft per BibTeX entry (unparseable entries become drafts with an error)."""
    splitter_log = logging.getLogger("bibtexparser.splitter")
    splitter_log.addFilter(_drop)  # its warnings repeat the rejections reported with lines
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    finally:
        splitter_log.removeFilter(_drop)
    drafts = [d for d in (_block_draft(b, library) for b in library.blocks) if d is not None]
    return sorted(drafts, key=lambda d: d.line)
