"""The report stage: PRISMA diagram, tables and the HTML report, written into build/report/.

`write_report` is the only function here that touches files; everything it writes is a
pure function of `ReportData`, so two runs on the same review give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from litsift import __version__
from litsift.models import KBEntry, Protocol, Taxonomy
from litsift.report.prisma import PrismaCounts, render_svg
from litsift.report.tables import (
    IncludedRow,
    Table,
    class_year_table,
    family_table,
    included_table,
    source_table,
)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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


def write_text(path: Path, text: str) -> None:
    """Write atomically (temp file then rename) so a kill never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def tables(data: ReportData) -> list[Table]:
    classes = data.taxonomy.class_ids()
    families = [(f.id, f.label) for f in data.taxonomy.families]
    return [
        included_table(data.included),
        class_year_table(data.included, classes),
        family_table(data.included, families, classes),
        source_table(data.per_source),
    ]


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
    written = []
    svg = render_svg(data.prisma, data.protocol.title)
    written.append(out / "prisma.svg")
    write_text(written[-1], svg)
    all_tables = tables(data)
    for t in all_tables:
        for suffix, text in ((".md", t.to_markdown()), (".csv", t.to_csv())):
            written.append(out / "tables" / (t.name + suffix))
            write_text(written[-1], text)
    env = environment([*template_dirs, PACKAGE_TEMPLATES])
    html = env.get_template("report.html.j2").render(
        version=__version__,
        protocol=data.protocol,
        prisma_svg=svg,
        methods=data.methods,
        included=data.included,
        classes=data.taxonomy.classes,
        count_tables=all_tables[1:],
        kb=data.kb,
    )
    written.append(out / "index.html")
    write_text(written[-1], html)
    written.append(out.parent / "included.bib")
    write_text(written[-1], data.included_bibtex)
    return written
