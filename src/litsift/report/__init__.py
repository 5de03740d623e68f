"""The report stage: PRISMA diagram, tables and the HTML report, written into build/report/.

`write_report` is the only function here that touches files; everything it writes is a
pure function of `ReportData`, so two runs on the same review give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from litsift import __version__
from litsift.fileio import atomic_write_text
from litsift.models import KBEntry, Protocol, Taxonomy
from litsift.report import plots
from litsift.report.csvtemplate import prisma_csv
from litsift.report.mermaid import prisma_markdown
from litsift.report.prisma import PHASES, PrismaCounts, main_boxes, render_svg, side_boxes
from litsift.report.tables import (
    IncludedRow,
    Table,
    class_year_table,
    family_table,
    included_table,
    md_escape,
    overlap_table,
    source_table,
    systems_table,
    yield_table,
)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TABLE_FORMATS = ("md", "csv", "tex", "html")


@dataclass(frozen=True)
class ReportData:
    protocol: Protocol
    taxonomy: Taxonomy
    prisma: PrismaCounts
    included: tuple[IncludedRow, ...]
    kb: tuple[KBEntry, ...]
    per_source: tuple[tuple[str, str, int, int, int], ...]
    methods: tuple[str, ...]
    included_bibtex: str
    titles: Mapping[str, str] = field(default_factory=dict)  # record id -> title
    record_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dedup record
    checklist: Table | None = None


@dataclass(frozen=True)
class BoxView:
    """One PRISMA box for the interactive diagram: its key, heading, count and records."""

    key: str
    phase: str
    heading: str
    n: int
    records: tuple[tuple[str, str], ...]  # (record id, title)
    side: bool


def tables(data: ReportData) -> list[Table]:
    """Every summary table; the first is the included-studies table."""
    classes = data.taxonomy.class_ids()
    families = [(f.id, f.label) for f in data.taxonomy.families]
    sources = [s.name for s in data.protocol.sources]
    out = [
        included_table(data.included),
        class_year_table(data.included, classes),
        family_table(data.included, families, classes),
        source_table(data.per_source),
        yield_table(data.per_source, data.record_sources),
        overlap_table(data.record_sources, sources),
        systems_table(data.included),
    ]
    return out + ([data.checklist] if data.checklist else [])


def table_text(table: Table, fmt: str) -> str:
    return {
        "md": table.to_markdown,
        "csv": table.to_csv,
        "tex": table.to_latex,
        "html": table.to_html,
    }[fmt]()


def plot_svgs(data: ReportData) -> dict[str, str]:
    """File name -> SVG for every plot."""
    classes = data.taxonomy.class_ids()
    families = [(f.id, f.label) for f in data.taxonomy.families]
    sources = [s.name for s in data.protocol.sources]
    return {
        "studies-per-year.svg": plots.studies_per_year(data.included, classes),
        "source-overlap.svg": plots.source_overlap(data.record_sources, sources),
        "taxonomy-coverage.svg": plots.taxonomy_coverage(data.included, families, classes),
    }


def box_views(data: ReportData) -> list[BoxView]:
    """The PRISMA boxes in reading order, each with the records behind it."""
    c = data.prisma
    side = side_boxes(c)
    views = []
    for key, (head, _, n) in main_boxes(c).items():
        views.append(BoxView(key, PHASES.get(key, ""), head, n, _records(data, key), False))
        if key in side:
            skey, shead, _, sn = side[key]
            views.append(BoxView(skey, "", shead, sn, _records(data, skey), True))
    return views


def _records(data: ReportData, key: str) -> tuple[tuple[str, str], ...]:
    ids = data.prisma.members.get(key, ())
    return tuple(sorted(((i, data.titles.get(i, "")) for i in ids), key=lambda t: (t[1], t[0])))


def environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """Jinja2 with autoescaping on: every piece of metadata is escaped in HTML."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def write_report(data: ReportData, out: Path, template_dirs: Sequence[Path] = ()) -> list[Path]:
    """Write every report artefact under `out` (build/report) and return their paths."""
    svg = render_svg(data.prisma, data.protocol.title)
    files: dict[Path, str] = {
        out / "prisma.svg": svg,
        out / "prisma.csv": prisma_csv(data.prisma),
        out / "prisma.md": prisma_markdown(data.prisma, data.protocol.title),
    }
    all_tables = tables(data)
    for t in all_tables:
        for fmt in TABLE_FORMATS:
            files[out / "tables" / f"{t.name}.{fmt}"] = table_text(t, fmt)
    svgs = plot_svgs(data)
    files |= {out / "plots" / name: text for name, text in svgs.items()}
    files[out / "methods.md"] = methods_markdown(data)
    env = environment([*template_dirs, PACKAGE_TEMPLATES])
    context = {
        "version": __version__,
        "protocol": data.protocol,
        "prisma_svg": svg,
        "boxes": box_views(data),
        "methods": data.methods,
        "checklist": data.checklist,
        "included": data.included,
        "classes": data.taxonomy.classes,
        "families": data.taxonomy.families,
        "count_tables": all_tables[1:],
        "plots": svgs,
        "kb": data.kb,
        "kb_years": sorted({e.year for e in data.kb}),
    }
    files[out / "index.html"] = env.get_template("report.html.j2").render(**context)
    files[out / "prisma.html"] = env.get_template("prisma.html.j2").render(**context)
    files[out.parent / "included.bib"] = data.included_bibtex
    for path, text in files.items():
        atomic_write_text(path, text)
    return list(files)


def methods_markdown(data: ReportData) -> str:
    """The methods paragraphs and the checklist table, as Markdown."""
    parts = ["# Methods", "", *(md_escape(p) + "\n" for p in data.methods)]
    if data.checklist:
        parts += ["## PRISMA 2020 and PRISMA-S items answered from the data", ""]
        parts.append(data.checklist.to_markdown())
    return "\n".join(parts)
