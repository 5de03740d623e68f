"""CSL-JSON: what Zotero ("Export Library... > CSL JSON"), Mendeley and most reference
managers read and write (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html).

A file is a JSON array of items; each has `type`, `id`, `title`, `author` ([{family, given}
or {literal}]), `issued` ({"date-parts": [[y, m, d]]} or {"raw"/"literal"}),
`container-title`, `volume`, `issue`, `page`, `publisher`, `DOI`, `URL`, `abstract`,
`language`, `keyword` and `note`. Zotero writes its Extra field into `note`, one
"Key: value" per line ("PMID: 123", "arXiv: 2309.06180"); litsift writes a record's
screening decision there too ("litsift-decision: exclude", "litsift-reason: E2",
"litsift-stage: title-abstract") and as `keyword` tags ("litsift:exclude"), so a library
exported from litsift, kept in Zotero and exported again comes back with its decisions
(as record labels, which `litsift import --reviewer` turns into decisions).
"""

from __future__ import annotations

import json
import re
from typing import Any

from litsift.importers.base import Draft, FormatError, ids_from_urls, parse_year
from litsift.languages import language

# CSL types -> litsift document types (importers.DOC_TYPES)
TYPES_IN = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "conference-paper",
    "book": "book",
    "chapter": "book-chapter",
    "thesis": "thesis",
    "report": "report",
    "review": "review",
    "review-book": "book-review",
    "manuscript": "preprint",
    "post-weblog": "other",
    "webpage": "other",
    "dataset": "other",
    "article": "other",  # Zotero's preprints export as "article": see _doc_type
}
DECISION_KEYS = ("decision", "reason", "stage")  # record labels the note and tags carry
_NOTE_LINE = re.compile(r"^\s*([A-Za-z][\w -]*?)\s*:\s*(.+?)\s*$")
_TAG = re.compile(r"^litsift:(include|exclude|undecided|reason:.+|stage:.+)$")


def _items(text: str) -> list[tuple[int, Any]]:
    """(line, item) for each element of the top-level array (or the one object)."""
    decoder = json.JSONDecoder()
    i = len(text) - len(text.lstrip())
    if text[i : i + 1] == "{":
        try:
            value, _ = decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise FormatError(f"not valid JSON: {e.msg}", e.lineno) from e
        if isinstance(value, dict) and isinstance(value.get("items"), list):
            return [(1, item) for item in value["items"]]
        return [(text.count("\n", 0, i) + 1, value)]
    if text[i : i + 1] != "[":
        raise FormatError("CSL-JSON is a JSON array of items", 1)
    out: list[tuple[int, Any]] = []
    i += 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text):
            raise FormatError("the JSON array is never closed", text.count("\n") + 1)
        if text[i] == "]":
            return out
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise FormatError(f"not valid JSON: {e.msg}", e.lineno) from e
        out.append((text.count("\n", 0, i) + 1, value))
        i = end


def _str(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None


def _author(name: Any) -> str | None:
    if not isinstance(name, dict):
        return None
    family, given = _str(name.get("family")), _str(name.get("given"))
    particle = _str(name.get("non-dropping-particle"))
    if particle and family:
        family = f"{particle} {family}"
    if family and given:
        return f"{family}, {given}"
    return family or _str(name.get("literal"))


def _year(date: Any) -> int | None:
    if not isinstance(date, dict):
        return parse_year(date)
    parts = date.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return parse_year(parts[0][0])
    return parse_year(date.get("raw") or date.get("literal") or date.get("season"))


def note_fields(note: str | None) -> dict[str, str]:
    """'Key: value' lines of a CSL note (Zotero's Extra), keys lower-cased."""
    out: dict[str, str] = {}
    for line in (note or "").splitlines():
        m = _NOTE_LINE.match(line)
        if m:
            out.setdefault(m.group(1).strip().lower(), m.group(2))
    return out


def _keywords(value: Any) -> list[str]:
    if isinstance(value, list):
        return [k for k in (_str(v) for v in value) if k]
    return [k.strip() for k in re.split(r"[;,]", _str(value) or "") if k.strip()]


def _labels(note: dict[str, str], tags: list[str]) -> dict[str, str]:
    labels = {k: note[f"litsift-{k}"] for k in DECISION_KEYS if f"litsift-{k}" in note}
    for tag in tags:
        m = _TAG.match(tag)
        if not m:
            continue
        kind, _, value = m.group(1).partition(":")
        if value:
            labels.setdefault(kind, value)
        else:
            labels.setdefault("decision", kind)
    return labels


def _doc_type(item: dict, arxiv: str | None) -> str | None:
    kind = _str(item.get("type"))
    if kind is None:
        return None
    if kind == "article" and (
        arxiv or re.search(r"arxiv|preprint", str(item.get("publisher")), re.I)
    ):
        return "preprint"
    return TYPES_IN.get(kind, "other")


def _draft(line: int, item: Any) -> Draft:
    draft = Draft(line=line)
    if not isinstance(item, dict):
        draft.error = "not a CSL-JSON item (an object with type and title)"
        return draft
    note = note_fields(_str(item.get("note")))
    tags = _keywords(item.get("keyword"))
    arxiv = note.get("arxiv") or _arxiv_number(item)
    authors = [a for a in (_author(n) for n in item.get("author") or []) if a]
    draft.fields.update(
        source_key=_str(item.get("id")),
        title=_str(item.get("title")),
        abstract=_str(item.get("abstract")),
        authors=authors,
        year=_year(item.get("issued")) or _year(item.get("original-date")),
        venue=_str(item.get("container-title")) or _str(item.get("event-title")),
        doi=_str(item.get("DOI")) or note.get("doi"),
        arxiv_id=arxiv,
        pmid=_str(item.get("PMID")) or note.get("pmid"),
        volume=_str(item.get("volume")),
        issue=_str(item.get("issue")),
        pages=_str(item.get("page")),
        publisher=_str(item.get("publisher")),
        language=language(_str(item.get("language"))),
        doc_type=_doc_type(item, arxiv),
        url=_str(item.get("URL")),
        keywords=[t for t in tags if not _TAG.match(t)],
        openalex_id=note.get("openalex"),
        s2_id=note.get("s2id"),
        dblp_key=note.get("dblp"),
    )
    labels = _labels(note, tags)
    if labels:
        draft.fields["labels"] = labels
    ids_from_urls(draft, [_str(item.get("URL"))])
    return draft


def _arxiv_number(item: dict) -> str | None:
    number = _str(item.get("number")) or ""
    m = re.match(r"^\s*arxiv:\s*(\S+)", number, re.I)
    return m.group(1) if m else None


def parse(text: str) -> list[Draft]:
    """One draft per CSL-JSON item, with the line where the item starts."""
    return [_draft(line, item) for line, item in _items(text)]
