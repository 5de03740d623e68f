"""Summary tables as rows, written as Markdown and CSV (deterministic, sorted)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class IncludedRow:
    id: str
    title: str
    authors: str
    year: int | None
    venue: str
    doi: str
    arxiv_id: str
    classes: tuple[str, ...]
    families: tuple[str, ...]
    systems: tuple[str, ...]
    kb_key: str
    headline: str


@dataclass(frozen=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()

    def to_markdown(self) -> str:
        def cell(v: str) -> str:
            return v.replace("|", "\\|").replace("\n", " ")

        lines = [
            "| " + " | ".join(self.header) + " |",
            "|" + "|".join("---" for _ in self.header) + "|",
        ]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def included_table(rows: Sequence[IncludedRow]) -> Table:
    body = tuple(
        (
            r.id,
            r.title,
            r.authors,
            str(r.year or ""),
            r.venue,
            r.doi,
            r.arxiv_id,
            "; ".join(r.classes),
            "; ".join(r.families),
            "; ".join(r.systems),
            r.headline,
        )
        for r in sorted(rows, key=lambda r: (r.year or 0, r.id))
    )
    return Table(
        "included-studies",
        (
            "id",
            "title",
            "authors",
            "year",
            "venue",
            "doi",
            "arxiv_id",
            "classes",
            "families",
            "systems",
            "headline result",
        ),
        body,
    )


def class_year_table(rows: Sequence[IncludedRow], classes: Sequence[str]) -> Table:
    """Studies per year and class; a study with two classes counts in both columns."""
    years = sorted({r.year for r in rows if r.year is not None})
    counts = Counter((r.year, c) for r in rows for c in r.classes)
    totals = Counter(r.year for r in rows)
    body = [(str(y), *(str(counts[(y, c)]) for c in classes), str(totals[y])) for y in years]
    body.append(
        ("all", *(str(sum(counts[(y, c)] for y in years)) for c in classes), str(len(rows)))
    )
    return Table("counts-by-class-and-year", ("year", *classes, "studies"), tuple(body))


def family_table(
    rows: Sequence[IncludedRow], families: Sequence[tuple[str, str]], classes: Sequence[str]
) -> Table:
    """Studies per technique family, split by class."""
    body = []
    for fid, label in families:
        members = [r for r in rows if fid in r.families]
        body.append(
            (
                fid,
                label,
                *(str(sum(c in r.classes for r in members)) for c in classes),
                str(len(members)),
            )
        )
    return Table("counts-by-family", ("family", "label", *classes, "studies"), tuple(body))


def source_table(per_source: Sequence[tuple[str, str, int, int, int]]) -> Table:
    """Per-source yield: records identified, records in included studies, unique includes."""
    body = tuple(
        (name, kind, str(n), str(inc), str(uniq)) for name, kind, n, inc, uniq in per_source
    )
    return Table(
        "sources",
        (
            "source",
            "arm",
            "records identified",
            "included studies",
            "included only via this source",
        ),
        body,
    )
