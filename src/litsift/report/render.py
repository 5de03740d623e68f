"""Every file of the report, rendered from `ReportData` (see `litsift.report`)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from litsift import __version__
from litsift.models import KBEntry, Protocol, Taxonomy
from litsift.report import checklists, plots
from litsift.report.csvtemplate import prisma_csv
from litsift.report.diagram import Diagram, diagram
from litsift.report.drawing import layout, to_pdf, to_png, to_svg
from litsift.report.flow import PrismaFlow
from litsift.report.mermaid import prisma_markdown
from litsift.report.methods import MethodsFacts
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
    prisma: PrismaFlow
    included: tuple[IncludedRow, ...]
    kb: tuple[KBEntry, ...]
    per_source: tuple[tuple[str, str, int, int, int], ...]
    methods: tuple[str, ...]
    included_bibtex: str
    titles: Mapping[str, str] = field(default_factory=dict)  # record id -> title
    record_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dedup record
    facts: MethodsFacts | None = None  # what the checklists are answered from

    def checklists(self) -> list[tuple[checklists.Checklist, Table]]:
        """Each reporting checklist with its answers (none without the methods facts)."""
        if self.facts is None:
            return []
        return [(c, c.table(self.facts)) for c in checklists.CHECKLISTS]


@dataclass(frozen=True)
class BoxView:
    """One PRISMA box for the interactive diagram: its key, heading, count and records."""

    key: str
    phase: str
    heading: str
    n: int
    records: tuple[tuple[str, str], ...]  # (record id, title)
    side: bool
    arm: str  # "databases and registers", "other methods", or "" for the study boxes


def tables(data: ReportData) -> list[Table]:
    """Every summary table; the first is the included-studies table, the last the checklists."""
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
    return out + [t for _, t in data.checklists()]


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


def box_views(data: ReportData, d: Diagram) -> list[BoxView]:
    """The PRISMA boxes in reading order, each with the records behind it."""
    arms = {"databases": "databases and registers", "other": "other methods"}
    return [
        BoxView(
            b.key,
            b.phase,
            b.heading,
            b.n,
            _records(data, b.members),
            b.side,
            arms.get(b.column.removesuffix("-side"), ""),
        )
        for b in d.boxes
    ]


def _records(data: ReportData, ids: tuple[str, ...] | None) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(((i, data.titles.get(i, "")) for i in ids or ()), key=lambda t: (t[1], t[0]))
    )


def environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """Jinja2 with autoescaping on: every piece of metadata is escaped in HTML."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_report(data: ReportData, template_dirs: Sequence[Path] = ()) -> dict[str, str | bytes]:
    """Every report artefact, by path relative to build/ (report/... and included.bib)."""
    out = Path("report")
    d = diagram(data.prisma)
    drawn = layout(d, data.protocol.title)
    svg = to_svg(drawn)
    files: dict[Path, str | bytes] = {
        out / "prisma.svg": svg,
        out / "prisma.png": to_png(drawn),
        out / "prisma.pdf": to_pdf(drawn),
        out / "prisma.csv": prisma_csv(data.prisma),
        out / "prisma.md": prisma_markdown(d, data.protocol.title),
    }
    all_tables = tables(data)
    for t in all_tables:
        for fmt in TABLE_FORMATS:
            files[out / "tables" / f"{t.name}.{fmt}"] = table_text(t, fmt)
    svgs = plot_svgs(data)
    files |= {out / "plots" / name: text for name, text in svgs.items()}
    files[out / "methods.md"] = methods_markdown(data)
    lists = data.checklists()
    files[out / "checklists.md"] = checklists_markdown(data.protocol.title, lists)
    files[out / "checklists.docx"] = checklists_docx(data.protocol.title, lists)
    env = environment([*template_dirs, PACKAGE_TEMPLATES])
    context = {
        "version": __version__,
        "protocol": data.protocol,
        "prisma_svg": svg,
        "boxes": box_views(data, d),
        "methods": data.methods,
        "checklists": [(c.title, t) for c, t in lists],
        "included": data.included,
        "classes": data.taxonomy.classes,
        "families": data.taxonomy.families,
        "count_tables": all_tables[1 : len(all_tables) - len(lists)],
        "plots": svgs,
        "kb": data.kb,
        "kb_years": sorted({e.year for e in data.kb}),
        "kb_index": _kb_index(data),
        "tag_sources": _tag_sources(data.included),
    }
    files[out / "index.html"] = env.get_template("report.html.j2").render(**context)
    files[out / "prisma.html"] = env.get_template("prisma.html.j2").render(**context)
    files[out / "checklists.html"] = env.get_template("checklists.html.j2").render(**context)
    files[Path("included.bib")] = data.included_bibtex
    return {str(path): content for path, content in files.items()}


def _kb_index(data: ReportData) -> str:
    """The knowledge base's search index as JSON safe inside a <script> element."""
    import json

    from litsift import kbsearch, textnorm

    tx = data.taxonomy
    labels = {c.id: c.label for c in tx.classes} | {f.id: f.label for f in tx.families}
    index = kbsearch.Index.build(
        [kbsearch.from_entry(e, labels) for e in data.kb],
        textnorm.Synonyms.from_phrases(tx.synonyms),
    )
    text = json.dumps(index.index_data(), ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _tag_sources(rows: Sequence[IncludedRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.tags] = out.get(r.tags, 0) + 1
    return dict(sorted(out.items()))


def methods_markdown(data: ReportData) -> str:
    """The methods paragraphs, as Markdown (the checklists are in checklists.md)."""
    parts = ["# Methods", "", *(md_escape(p) + "\n" for p in data.methods)]
    parts.append(
        "The PRISMA 2020, PRISMA 2020 for Abstracts and PRISMA-S checklists, answered from the "
        "data, are in checklists.md (and checklists.docx, to edit).\n"
    )
    return "\n".join(parts)


def checklists_markdown(title: str, lists: Sequence[tuple[checklists.Checklist, Table]]) -> str:
    """The three checklists as Markdown, each item marked as answered or left to the authors."""
    parts = [f"# Reporting checklists: {md_escape(title)}", ""]
    parts.append(
        "Each item is answered from the review's files where they can answer it (`from the "
        "data`, or `partly` when the authors must complete it) and marked `to be written by "
        "the authors` where they cannot. The item summaries are litsift's wording; read the "
        "published checklists for the full text of each item.\n"
    )
    for c, table in lists:
        parts += [f"## {c.title}", "", table.to_markdown()]
    return "\n".join(parts)


DOCX_DATE = (2000, 1, 1, 0, 0, 0)  # fixed zip entry dates: the same bytes on every run


def checklists_docx(title: str, lists: Sequence[tuple[checklists.Checklist, Table]]) -> bytes:
    """The checklists as a Word document a co-author can edit (python-docx), with fixed
    dates so that the bytes are the same on every run."""
    import datetime as dt

    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.author = "litsift"
    props.title = f"Reporting checklists: {title}"
    props.created = props.modified = dt.datetime(2000, 1, 1)
    props.last_modified_by = "litsift"
    props.revision = 1
    doc.add_heading(f"Reporting checklists: {title}", level=1)
    doc.add_paragraph(
        "Answers come from the review's files; items marked \u201cto be written by the "
        "authors\u201d need the authors' text."
    )
    for c, table in lists:
        doc.add_heading(c.title, level=2)
        grid = doc.add_table(rows=1, cols=len(table.header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
            cell.text = text
        for row in table.rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = text
    raw = io.BytesIO()
    doc.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated DOCX_DATE, in the same order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, DOCX_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
