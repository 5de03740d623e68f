"""The curated knowledge base: data/kb/<key>.yaml files, built into SQLite with FTS5.

The YAML files are the source of truth (curated by hand, one per included study); the
database at build/kb.sqlite is derived from them and can be deleted at any time.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from litsift import ids
from litsift.errors import LitsiftError
from litsift.models import KBEntry, Record

SCHEMA_VERSION = 2


def missing_results(entries: Iterable[KBEntry]) -> list[str]:
    """Keys of entries with neither a quantitative result nor a note saying why."""
    return [e.key for e in entries if not e.results and e.results_note is None]


def link_records(entries: Sequence[KBEntry], records: Iterable[Record]) -> dict[str, str]:
    """Map KB key -> record id of the matching record (DOI, arXiv id, then folded title)."""
    by_doi: dict[str, str] = {}
    by_arxiv: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for rec in sorted(records, key=lambda r: r.id):
        if rec.doi:
            by_doi.setdefault(rec.doi, rec.id)
        if rec.arxiv_id:
            by_arxiv.setdefault(rec.arxiv_id, rec.id)
        if rec.title:
            by_title.setdefault(ids.fold(rec.title), rec.id)
    links = {}
    for e in entries:
        rid = (
            (by_doi.get(e.doi) if e.doi else None)
            or (by_arxiv.get(e.arxiv_id) if e.arxiv_id else None)
            or by_title.get(ids.fold(e.title))
        )
        if rid:
            links[e.key] = rid
    return links


# --------------------------------------------------------------------------- SQLite

_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (
    key TEXT PRIMARY KEY, record_id TEXT, title TEXT NOT NULL, authors TEXT NOT NULL,
    year INTEGER NOT NULL, venue TEXT, arxiv_id TEXT, doi TEXT, summary TEXT NOT NULL,
    model_scale TEXT, code_url TEXT, verification TEXT NOT NULL, results_note TEXT);
CREATE TABLE study_labels (key TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE results (key TEXT NOT NULL, metric TEXT NOT NULL, value TEXT NOT NULL,
    unit TEXT, baseline TEXT, setting TEXT);
CREATE INDEX study_labels_kind ON study_labels (kind, value);
CREATE VIRTUAL TABLE studies_fts USING fts5(
    key UNINDEXED, title, summary, systems, techniques, hardware, results,
    tokenize = 'porter unicode61');
"""

_LABEL_KINDS = ("class", "family", "system", "technique", "hardware")
_LABEL_NAMES = {
    "class": "classes",
    "family": "families",
    "system": "systems",
    "technique": "techniques",
    "hardware": "hardware",
}


def build_database(entries: Sequence[KBEntry], links: Mapping[str, str]) -> bytes:
    """The knowledge base as an SQLite database image; the same entries give the same bytes."""
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(_DDL)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        for e in sorted(entries, key=lambda e: e.key):
            _insert(con, e, links.get(e.key))
        con.commit()
        con.execute("INSERT INTO studies_fts(studies_fts) VALUES ('optimize')")
        con.commit()
        return con.serialize()
    finally:
        con.close()


def _insert(con: sqlite3.Connection, e: KBEntry, record_id: str | None) -> None:
    con.execute(
        "INSERT INTO studies VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            e.key,
            record_id,
            e.title,
            json.dumps(list(e.authors), ensure_ascii=False),
            e.year,
            e.venue,
            e.arxiv_id,
            e.doi,
            e.summary,
            e.model_scale,
            e.code_url,
            json.dumps(e.verification.model_dump(), ensure_ascii=False),
            json.dumps(e.results_note.model_dump(mode="json")) if e.results_note else None,
        ),
    )
    for kind, values in zip(
        _LABEL_KINDS, (e.classes, e.families, e.systems, e.techniques, e.hardware), strict=True
    ):
        con.executemany(
            "INSERT INTO study_labels VALUES (?,?,?)", [(e.key, kind, v) for v in values]
        )
    con.executemany(
        "INSERT INTO results VALUES (?,?,?,?,?,?)",
        [(e.key, r.metric, str(r.value), r.unit, r.baseline, r.setting) for r in e.results],
    )
    results_text = "; ".join(_result_text(r) for r in e.results)
    con.execute(
        "INSERT INTO studies_fts VALUES (?,?,?,?,?,?,?)",
        (
            e.key,
            e.title,
            e.summary,
            " ".join(e.systems),
            "; ".join(e.techniques),
            "; ".join(e.hardware),
            results_text,
        ),
    )


def _result_text(r: object) -> str:
    parts = [
        getattr(r, "metric", ""),
        str(getattr(r, "value", "")),
        getattr(r, "unit", ""),
        getattr(r, "baseline", ""),
        getattr(r, "setting", ""),
    ]
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Hit:
    key: str
    title: str
    year: int
    classes: tuple[str, ...]
    snippet: str
    rank: float


def parse_years(text: str | None) -> tuple[int | None, int | None]:
    """'2020..2023', '2021..', '..2022' or '2022' -> (start, end)."""
    if not text:
        return None, None
    m = re.fullmatch(r"\s*(\d{4})?\s*(\.\.)?\s*(\d{4})?\s*", text)
    if not m or not (m.group(1) or m.group(3)):
        raise LitsiftError(f"--year: expected A..B, A.., ..B or A, got '{text}'")
    start = int(m.group(1)) if m.group(1) else None
    end = int(m.group(3)) if m.group(3) else (start if not m.group(2) else None)
    return start, end


def _fts_query(query: str) -> str:
    """Quote each word so punctuation (GPT-3, int8/fp16) is not read as FTS syntax."""
    out = []
    for token in query.split():
        if token in ("AND", "OR", "NOT"):
            out.append(token)
        elif token.endswith("*") and len(token) > 1:
            out.append('"' + token[:-1].replace('"', '""') + '"*')
        else:
            out.append('"' + token.replace('"', '""') + '"')
    return " ".join(out)


def search(
    con: sqlite3.Connection,
    query: str,
    *,
    cls: str | None = None,
    family: str | None = None,
    years: tuple[int | None, int | None] = (None, None),
    limit: int = 20,
) -> list[Hit]:
    """FTS5 full-text search of build/kb.sqlite (every word must match), for SQL users and
    scripts. `litsift kb search` answers questions with `litsift.kbsearch` instead: any word,
    stop words dropped, spellings and synonyms folded, filters on results."""
    if not query.strip():
        raise LitsiftError("kb search: the query is empty")
    sql = [
        "SELECT s.key, s.title, s.year, bm25(studies_fts, 0, 5.0, 2.0, 3.0, 2.0, 1.0, 1.0)"
        " AS rank, snippet(studies_fts, -1, '[', ']', '...', 12) AS snip"
        " FROM studies_fts JOIN studies s ON s.key = studies_fts.key"
        " WHERE studies_fts MATCH ?"
    ]
    args: list[object] = [_fts_query(query)]
    for kind, value in (("class", cls), ("family", family)):
        if value:
            sql.append("AND s.key IN (SELECT key FROM study_labels WHERE kind = ? AND value = ?)")
            args += [kind, value]
    if years[0] is not None:
        sql.append("AND s.year >= ?")
        args.append(years[0])
    if years[1] is not None:
        sql.append("AND s.year <= ?")
        args.append(years[1])
    sql.append("ORDER BY rank, s.key LIMIT ?")
    args.append(limit)
    rows = con.execute(" ".join(sql), args).fetchall()
    return [
        Hit(
            r["key"],
            r["title"],
            r["year"],
            _labels(con, r["key"], "class"),
            r["snip"],
            round(r["rank"], 4),
        )
        for r in rows
    ]


def _labels(con: sqlite3.Connection, key: str, kind: str) -> tuple[str, ...]:
    rows = con.execute(
        "SELECT value FROM study_labels WHERE key = ? AND kind = ? ORDER BY rowid", (key, kind)
    )
    return tuple(r[0] for r in rows)


def show(con: sqlite3.Connection, key: str) -> dict[str, object]:
    """Everything the knowledge base holds about one study."""
    row = con.execute("SELECT * FROM studies WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise LitsiftError(f"kb show: no study with key '{key}'")
    out: dict[str, object] = dict(row)
    out["authors"] = json.loads(row["authors"])
    out["verification"] = json.loads(row["verification"])
    out["results_note"] = json.loads(row["results_note"]) if row["results_note"] else None
    for kind, name in _LABEL_NAMES.items():
        out[name] = list(_labels(con, key, kind))
    rows = con.execute(
        "SELECT metric, value, unit, baseline, setting FROM results WHERE key = ? ORDER BY rowid",
        (key,),
    )
    out["results"] = [dict(r) for r in rows]
    return out


def stats(con: sqlite3.Connection) -> dict[str, object]:
    """Studies per class, family and year."""

    def count(kind: str) -> dict[str, int]:
        rows = con.execute(
            "SELECT value, COUNT(DISTINCT key) FROM study_labels WHERE kind = ?"
            " GROUP BY value ORDER BY value",
            (kind,),
        )
        return {r[0]: r[1] for r in rows}

    years = con.execute("SELECT year, COUNT(*) FROM studies GROUP BY year ORDER BY year")
    notes = con.execute(
        "SELECT json_extract(results_note, '$.status'), COUNT(*) FROM studies"
        " WHERE results_note IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    with_results = con.execute("SELECT COUNT(DISTINCT key) FROM results").fetchone()[0]
    return {
        "studies": con.execute("SELECT COUNT(*) FROM studies").fetchone()[0],
        "by_class": count("class"),
        "by_family": count("family"),
        "by_year": {str(r[0]): r[1] for r in years},
        "results": {"reported": with_results} | {r[0]: r[1] for r in notes},
        "systems": sorted(count("system")),
    }


def export(
    entries: Sequence[KBEntry], fmt: str, names: Mapping[str, Sequence[str]] | None = None
) -> str:
    """The knowledge base as BibTeX, CSV or a Markdown table.

    `names` maps a key to the linked record's authors as "Family, Given"; BibTeX uses them
    when given, since a "Given Family" string cannot say where a family name like
    "Ben Zaken" starts.
    """
    entries = sorted(entries, key=lambda e: e.key)
    if fmt == "bibtex":
        return "\n".join(_bibtex(e, (names or {}).get(e.key)) for e in entries)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "key",
                "title",
                "authors",
                "year",
                "venue",
                "doi",
                "arxiv_id",
                "classes",
                "families",
                "systems",
                "hardware",
                "model_scale",
                "code_url",
            ]
        )
        for e in entries:
            w.writerow(
                [
                    e.key,
                    e.title,
                    "; ".join(e.authors),
                    e.year,
                    e.venue,
                    e.doi,
                    e.arxiv_id,
                    "; ".join(e.classes),
                    "; ".join(e.families),
                    "; ".join(e.systems),
                    "; ".join(e.hardware),
                    e.model_scale,
                    e.code_url,
                ]
            )
        return buf.getvalue()
    if fmt == "md":
        lines = [
            "| Key | Title | Year | Classes | Families | Systems |",
            "|---|---|---|---|---|---|",
        ]
        for e in entries:
            lines.append(
                f"| {e.key} | {_md(e.title)} | {e.year} | {', '.join(e.classes)} | "
                f"{', '.join(e.families)} | {_md(', '.join(e.systems))} |"
            )
        return "\n".join(lines) + "\n"
    raise LitsiftError(f"kb export: unknown format '{fmt}' (bibtex, csv, md)")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_BIB_SPECIAL = str.maketrans({"&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#", "$": r"\$"})


def bib_escape(text: str) -> str:
    """Escape the characters BibTeX and LaTeX treat specially; braces keep capitals."""
    return text.translate(_BIB_SPECIAL)


def _bibtex(e: KBEntry, names: Sequence[str] | None = None) -> str:
    fields = [
        ("title", "{" + bib_escape(e.title) + "}"),
        (
            "author",
            " and ".join(bib_escape(a) for a in names)
            if names
            else " and ".join(_bib_name(a) for a in e.authors),
        ),
        ("year", str(e.year)),
    ]
    if e.venue:
        fields.append(("howpublished", bib_escape(e.venue)))
    if e.doi:
        fields.append(("doi", e.doi))
    if e.arxiv_id:
        fields += [("eprint", e.arxiv_id), ("archiveprefix", "arXiv")]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{e.key},\n{body}\n}}\n"


def _bib_name(name: str) -> str:
    if "," in name:
        return bib_escape(name)
    parts = name.split()
    if len(parts) < 2:
        return bib_escape(name)
    return bib_escape(f"{parts[-1]}, {' '.join(parts[:-1])}")


def summary_counts(entries: Sequence[KBEntry]) -> dict[str, Counter[str]]:
    """Counts by class and family straight from the YAML (no database needed)."""
    return {
        "class": Counter(c for e in entries for c in e.classes),
        "family": Counter(f for e in entries for f in e.families),
    }
