"""Web of Science exports: plain text ('PT J' ... 'ER') and tab-delimited."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator

from litsift.importers.base import Draft, authors_from, doc_type, parse_year
from litsift.languages import language

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_LIST_TAGS = {"AU", "AF", "CR", "C1", "C3", "EM", "RI", "OI", "BA", "BF", "CA", "GP"}

Getter = Callable[[str], list[str]]


def _to_draft(line: int, get: Getter) -> Draft:
    """Map WoS field tags to Record fields; `get(tag)` returns that tag's values."""

    def one(*tags: str) -> str | None:
        return next((v[0] for t in tags if (v := [x for x in get(t) if x.strip()])), None)

    draft = Draft(line=line)
    for tag in ("TI", "PY", "DI", "UT"):
        if len({v for v in get(tag) if v}) > 1:
            draft.notes.append(f"repeated {tag} tag; kept the first value")
    start, end = one("BP"), one("EP")
    pages = f"{start}-{end}" if start and end else (start or one("AR"))
    keywords = one("DE") or one("ID") or ""
    doi = one("DI")
    draft.fields.update(
        title=one("TI"),
        abstract=one("AB"),
        authors=authors_from(get("AF") if len(get("AF")) >= len(get("AU")) else get("AU")),
        year=parse_year(one("PY") or one("EA") or one("PD")),
        venue=one("SO", "SE"),
        doi=doi,
        pmid=one("PM"),
        volume=one("VL"),
        issue=one("IS"),
        pages=pages,
        publisher=one("PU"),
        language=language(one("LA")),
        doc_type=doc_type(one("DT"), one("PT")),
        keywords=[k for k in keywords.split(";") if k.strip()],
        source_key=one("UT"),
    )
    return draft


def _plain_records(text: str) -> Iterator[tuple[int, dict[str, list[str]], list[str]]]:
    tags: dict[str, list[str]] | None = None
    start, last, notes = 0, "", []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip().lstrip("\ufeff")
        if line.startswith("   ") and tags is not None and last:
            value = line.strip()
            if last in _LIST_TAGS:
                tags[last].append(value)
            else:
                tags[last][-1] = f"{tags[last][-1]} {value}".strip()
            continue
        m = _TAG.match(line)
        if not m:
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "PT":
            if tags is not None:
                yield start, tags, [*notes, "record has no ER line; closed at the next PT"]
            tags, start, last, notes = {"PT": [value]}, number, "PT", []
        elif tag in ("ER", "EF"):
            if tags is not None:
                yield start, tags, notes
            tags, last = None, ""
        elif tags is not None:
            tags.setdefault(tag, []).append(value)
            last = tag
    if tags is not None:
        yield start, tags, [*notes, "record has no ER line at the end of the file"]


def parse_plain(text: str) -> list[Draft]:
    """One draft per 'PT' ... 'ER' record of a WoS plain-text export."""
    drafts = []
    for line, tags, notes in _plain_records(text):
        draft = _to_draft(line, lambda t, tags=tags: tags.get(t, []))
        draft.notes[:0] = notes
        drafts.append(draft)
    return drafts


def parse_tab(text: str) -> list[Draft]:
    """One draft per row of a WoS tab-delimited export (header of two-letter tags)."""
    reader = csv.reader(text.split("\n"), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    drafts = []
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        values = dict(zip(header, row, strict=False))

        def get(tag: str, values: dict[str, str] = values) -> list[str]:
            cell = values.get(tag, "").strip()
            if not cell:
                return []
            return [p.strip() for p in cell.split(";")] if tag in _LIST_TAGS else [cell]

        draft = _to_draft(reader.line_num, get)
        while len(row) > len(header) and not row[-1].strip():
            row = row[:-1]  # WoS ends every row with a tab
        if len(row) != len(header):
            draft.notes.append(f"{len(row)} fields where the header has {len(header)}")
        drafts.append(draft)
    return drafts


def parse(text: str) -> list[Draft]:
    """WoS plain text or tab-delimited, told apart by the first line."""
    first = text.lstrip("\ufeff\n ").split("\n", 1)[0]
    return parse_tab(text) if first.startswith("PT\t") else parse_plain(text)
