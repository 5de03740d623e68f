"""MEDLINE / PubMed .nbib exports (also ERIC's MEDLINE-style files)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from litsift.importers.base import Draft, authors_from, doc_type, parse_year
from litsift.languages import language

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
_CONT = re.compile(r"^ {2,}\S")
_DOI_MARK = re.compile(r"^(\S+)\s*\[doi\]", re.I)


def _records(text: str) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, tag -> values) per record; records are separated by blank lines."""
    tags: dict[str, list[str]] = {}
    start, last = 0, ""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip().lstrip("\ufeff")
        if not line.strip():
            if tags:
                yield start, tags
            tags, last = {}, ""
            continue
        m = _TAG.match(line)
        if m and not _CONT.match(line):
            if m.group(1) == "PMID" and "PMID" in tags:  # records run together
                yield start, tags
                tags = {}
            if not tags:
                start = number
            last = m.group(1)
            tags.setdefault(last, []).append(m.group(2).strip())
        elif last:
            tags[last][-1] = f"{tags[last][-1]} {line.strip()}".strip()
    if tags:
        yield start, tags


def _doi(tags: dict[str, list[str]]) -> str | None:
    for value in tags.get("AID", []) + tags.get("LID", []):
        m = _DOI_MARK.match(value)
        if m:
            return m.group(1)
    return next((v for v in tags.get("AID", []) if "10." in v), None)


def _fuller(full: list[str], short: list[str]) -> list[str]:
    """Full names (FAU) unless some authors have only a short name (AU)."""
    return full if len(full) >= len(short) else short


def _draft(line: int, tags: dict[str, list[str]]) -> Draft:
    def one(*names: str) -> str | None:
        return next((v[0] for n in names if (v := [x for x in tags.get(n, []) if x])), None)

    draft = Draft(line=line)
    for tag in ("TI", "PMID", "DP"):
        if len(set(tags.get(tag, []))) > 1:
            draft.notes.append(f"repeated {tag} tag; kept the first value")
    doi = _doi(tags)
    draft.fields.update(
        title=one("TI", "BTI"),
        abstract=one("AB"),
        authors=authors_from(_fuller(tags.get("FAU", []), tags.get("AU", []))),
        year=parse_year(one("DP", "DEP", "EDAT")),
        venue=one("JT", "TA", "BTI"),
        doi=doi,
        pmid=one("PMID"),
        volume=one("VI"),
        issue=one("IP"),
        pages=one("PG"),
        publisher=one("PB"),
        language=language(one("LA")),
        doc_type=doc_type(*tags.get("PT", [])),
        keywords=tags.get("OT") or [k.lstrip("*") for k in tags.get("MH", [])],
        mesh_terms=[k.lstrip("*") for k in tags.get("MH", [])],
        publication_types=tags.get("PT", []),
        source_key=one("PMID", "OID"),
    )
    return draft


def parse(text: str) -> list[Draft]:
    """One draft per MEDLINE record."""
    return [_draft(line, tags) for line, tags in _records(text)]
