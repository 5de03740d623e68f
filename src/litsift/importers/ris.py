"""RIS exports (Scopus, IEEE Xplore, EndNote, Zotero; ASReview RIS with label notes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from litsift.importers.base import (
    Draft,
    authors_from,
    doc_type,
    ids_from_urls,
    parse_year,
)
from litsift.languages import language

_TAG = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*)|\s*)$")
_LITSIFT_NOTE = re.compile(r"^litsift-(decision|reason|stage):\s*(.+)$")
_MULTI = {"AU", "A1", "KW", "UR", "L1", "L2", "N1", "AD"}
_ASREVIEW_NOTE = re.compile(r"^ASReview_(relevant|irrelevant|not_seen)\b")
_ASREVIEW_LABEL = {"relevant": "1", "irrelevant": "0"}


class _Entry:
    """Tags of one RIS record in file order; single-valued tags keep their first value."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.tags: dict[str, list[str]] = {}
        self.last: str | None = None
        self.notes: list[str] = []

    def add(self, tag: str, value: str) -> None:
        self.tags.setdefault(tag, []).append(value)
        self.last = tag

    def cont(self, text: str) -> None:
        if self.last:
            values = self.tags[self.last]
            values[-1] = f"{values[-1]} {text}".strip()

    def one(self, *tags: str) -> str | None:
        return next((v[0] for t in tags if (v := [x for x in self.tags.get(t, []) if x])), None)

    def many(self, *tags: str) -> list[str]:
        return [x for t in tags for x in self.tags.get(t, []) if x]


def _entries(text: str) -> Iterator[_Entry]:
    current: _Entry | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        m = _TAG.match(line.lstrip("\ufeff"))
        tag, value = (m.group(1), (m.group(2) or "").strip()) if m else (None, "")
        if tag == "TY":
            if current is not None:
                current.notes.append("record has no ER line; closed at the next TY")
                yield current
            current = _Entry(number)
            current.add("TY", value)
        elif tag == "ER":
            if current is not None:
                yield current
            current = None
        elif current is None:
            continue  # numbering or junk between records ("1.", blank lines)
        elif tag:
            current.add(tag, value)
        elif line.strip():
            current.cont(line.strip())
    if current is not None:
        current.notes.append("record has no ER line at the end of the file")
        yield current


def _draft(e: _Entry) -> Draft:
    draft = Draft(line=e.line, notes=list(e.notes))
    for tag, values in e.tags.items():
        if tag not in _MULTI and len(values) > 1 and len(set(values)) > 1:
            draft.notes.append(f"repeated {tag} tag; kept the first value")
    start, end = e.one("SP"), e.one("EP")
    doi = (
        e.one("DO", "DI", "M3")
        if re.search(r"10\.\d", e.one("DO", "DI", "M3") or "")
        else e.one("DO", "DI")
    )
    urls = e.many("UR", "L1", "L2", "L3", "LK")
    short_title = None
    if not e.one("TI", "T1", "CT", "BT") and e.one("ST"):
        short_title = e.one("ST")
        draft.notes.append("no TI tag; title taken from ST (short title)")
    draft.fields.update(
        title=e.one("TI", "T1", "CT", "BT") or short_title,
        abstract=e.one("AB", "N2"),
        authors=authors_from(e.many("AU", "A1")),
        year=parse_year(e.one("PY", "Y1", "DA")),
        venue=e.one("T2", "JF", "JO", "JA", "J2", "T3"),
        doi=doi,
        volume=e.one("VL", "VO"),
        issue=e.one("IS", "CP"),
        pages=f"{start}-{end}" if start and end and start != end else start,
        publisher=e.one("PB"),
        language=language(e.one("LA")),
        doc_type=doc_type(e.one("TY"), e.one("M3")),
        url=urls[0] if urls else None,
        keywords=[k for kw in e.many("KW") for k in kw.split(";") if k.strip()],
        source_key=e.one("AN", "ID"),
    )
    ids_from_urls(draft, urls)
    labels: dict[str, str] = {}
    for note in e.many("N1"):
        m = _ASREVIEW_NOTE.match(note)
        if m and m.group(1) in _ASREVIEW_LABEL:
            labels["asreview"] = _ASREVIEW_LABEL[m.group(1)]
        own = _LITSIFT_NOTE.match(note)  # litsift's own export: the screening outcome
        if own:
            labels.setdefault(own.group(1), own.group(2).strip())
    if labels:
        draft.fields["labels"] = labels
    return draft


def parse(text: str) -> list[Draft]:
    """One draft per TY..ER record."""
    return [_draft(e) for e in _entries(text)]
