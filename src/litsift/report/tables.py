"""Summary tables as rows, written as Markdown and CSV (deterministic, sorted)."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Mapping, Sequence
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
    previous: bool = False  # a study of the previous version of an updated review
    tags: str = "automatic"  # where classes and families come from: curated, reviewed, automatic
    retracted: bool = False  # a retraction notice of it is among the records found


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
        """A pipe table; markup in cells is escaped so Markdown renderers show it as text."""
        lines = [
            "| " + " | ".join(md_escape(h) for h in self.header) + " |",
            "|" + "|".join("---" for _ in self.header) + "|",
        ]
        lines += ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_latex(self) -> str:
        """A booktabs tabular (needs \\usepackage{booktabs}); special characters escaped."""
        spec = "l" * len(self.header)
        lines = [
            f"% {self.name}",
            f"\\begin{{tabular}}{{{spec}}}",
            "\\toprule",
            " & ".join(latex_escape(h) for h in self.header) + " \\\\",
            "\\midrule",
        ]
        lines += [" & ".join(latex_escape(v) for v in row) + " \\\\" for row in self.rows]
        lines += ["\\bottomrule", "\\end{tabular}"]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """A standalone <table> fragment, every cell escaped."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n"
            for row in self.rows
        )
        return (
            f'<table class="sortable" data-table="{html.escape(self.name)}">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"
        )


def md_escape(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, pipes escaped, on one line."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters (one pass, so replacements are not re-escaped)."""
    return "".join(_LATEX.get(ch, ch) for ch in text)


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
            r.tags,
            "; ".join(r.systems),
            r.headline,
            "previous" if r.previous else "new",
            "retracted" if r.retracted else "",
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
            "tags",
            "systems",
            "headline result",
            "review version",
            "retraction",
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


def systems_table(rows: Sequence[IncludedRow]) -> Table:
    """Frameworks and systems compared: each named system with its studies, classes, years."""
    by_system: dict[str, list[IncludedRow]] = {}
    for r in rows:
        for name in r.systems:
            by_system.setdefault(name, []).append(r)
    body = []
    for name in sorted(by_system, key=lambda n: (n.casefold(), n)):
        studies = sorted(by_system[name], key=lambda r: (r.year or 0, r.id))
        body.append(
            (
                name,
                "; ".join(sorted({c for r in studies for c in r.classes})),
                "; ".join(sorted({f for r in studies for f in r.families})),
                "; ".join(sorted({str(r.year) for r in studies if r.year})),
                "; ".join(r.headline for r in studies if r.headline),
                str(len(studies)),
            )
        )
    return Table(
        "frameworks-and-systems",
        ("system", "classes", "families", "years", "headline results", "studies"),
        tuple(body),
    )


def overlap_table(record_sources: Mapping[str, Sequence[str]], sources: Sequence[str]) -> Table:
    """Deduplicated records found by both sources of each pair (diagonal: by that source)."""
    sets = [set(v) for v in record_sources.values()]
    body = tuple(
        (a, *(str(sum(a in s and b in s for s in sets)) for b in sources)) for a in sources
    )
    return Table("source-overlap", ("source", *sources), body)


def yield_table(
    per_source: Sequence[tuple[str, str, int, int, int]],
    record_sources: Mapping[str, Sequence[str]],
) -> Table:
    """Per-source yield after deduplication: distinct records, shared and unique ones."""
    sets = [set(v) for v in record_sources.values()]
    body = []
    for name, kind, n, inc, uniq in per_source:
        found = sum(name in s for s in sets)
        only = sum(s == {name} for s in sets)
        body.append(
            (name, kind, str(n), str(found), str(found - only), str(only), str(inc), str(uniq))
        )
    return Table(
        "source-yield",
        (
            "source",
            "arm",
            "records identified",
            "distinct records",
            "also found elsewhere",
            "found only here",
            "included studies",
            "included only via this source",
        ),
        tuple(body),
    )
