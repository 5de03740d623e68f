import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from litsift.errors import ConsistencyError
from litsift.models import Arm, KBEntry, Protocol, SourceKind, Taxonomy
from litsift.report import ReportData, render_report
from litsift.report.diagram import diagram
from litsift.report.drawing import layout, to_svg
from litsift.report.flow import ArmFlow, PrismaFlow, SourceCount
from litsift.report.tables import IncludedRow, class_year_table

XSS = "<img src=x onerror=alert(1)>"


def write_report(data: ReportData, out: Path) -> list[Path]:
    """Render the report and write it under `out` (a build/report folder), as the store does."""
    written = []
    for rel, content in render_report(data).items():
        path = out.parent / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


COUNTS = PrismaFlow(
    databases=ArmFlow(
        Arm.DATABASES,
        (SourceCount("openalex", SourceKind.DATABASE, "OpenAlex", 50),),
        duplicates=6, ineligible_automation=4, screened=40, excluded_screening=12,
        excluded_screening_reasons={"E1": 9, "E3": 3}, pending_screening=3, sought=25,
        not_retrieved=1, assessed=24, excluded_full_text=2, excluded_full_text_reasons={"E6": 2},
        included_reports=22,
    ),
    other=ArmFlow(
        Arm.OTHER,
        (SourceCount("curated", SourceKind.WEBSITE, "Hand list", 30),),
        duplicates=4, ineligible_automation=1, screened=25, excluded_screening=8,
        excluded_screening_reasons={"E1": 6, "E3": 2}, pending_screening=2, sought=15,
        not_retrieved=1, assessed=14, excluded_full_text=1, excluded_full_text_reasons={"E6": 1},
        included_reports=13,
    ),
    included_studies=34,
)  # fmt: skip

PROTOCOL = Protocol.model_validate(
    {
        "title": f"Review {XSS}",
        "question": "q",
        "date_range": {"start": 2017, "end": 2023},
        "sources": [{"name": "openalex"}, {"name": "curated", "kind": "website"}],
        "criteria": [{"code": "E1", "kind": "exclude", "text": "t"}],
        "reviewers": [{"id": "ann"}],
    }
)
TAXONOMY = Taxonomy.model_validate(
    {
        "classes": [
            {"id": c, "label": c, "definition": "d", "indicators": [c]}
            for c in ("training", "inference", "serving")
        ]
    }
)


def test_consistent_counts_pass_and_every_broken_box_is_named():
    COUNTS.check()
    db, other = COUNTS.databases, COUNTS.other
    with pytest.raises(
        ConsistencyError, match=r"\(databases and registers\): records screened is 39"
    ):
        replace(COUNTS, databases=replace(db, screened=39)).check()
    with pytest.raises(ConsistencyError, match=r"\(other methods\): reports sought"):
        replace(COUNTS, other=replace(other, pending_screening=0)).check()
    with pytest.raises(ConsistencyError, match="sum of reasons"):
        replace(COUNTS, databases=replace(db, excluded_screening_reasons={"E1": 1})).check()
    with pytest.raises(ConsistencyError, match="only 35 reports"):
        replace(COUNTS, included_studies=36).check()


def test_svg_is_valid_xml_with_counts_as_text_and_escaped_title():
    svg = to_svg(layout(diagram(COUNTS), PROTOCOL.title))
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    boxes = {
        g.get("data-box"): int(g.get("data-n"))
        for g in root.iterfind(".//s:g", ns)
        if g.get("data-box")
    }
    assert boxes["databases-identified"] == 50 and boxes["other-identified"] == 30
    assert boxes["databases-screened"] == 40 and boxes["included"] == 34
    texts = " ".join(t.text or "" for t in root.iterfind(".//s:text", ns))
    assert "Hand list (n = 30)" in texts and "Duplicate records (n = 6)" in texts
    assert XSS in texts  # as text, and the raw markup is escaped in the file
    assert XSS not in svg
    assert float(root.get("width")) <= 1123 and float(root.get("height")) <= 794


def row(i, title, classes, year):
    return IncludedRow(
        id=f"r{i}",
        title=title,
        authors="A",
        year=year,
        venue="",
        doi="",
        arxiv_id="",
        classes=classes,
        families=(),
        systems=(),
        kb_key="",
        headline="",
    )


def test_report_files_escape_metadata_and_are_deterministic(tmp_path):
    rows = (row(1, XSS, ("inference",), 2023), row(2, "Plain", ("training", "serving"), 2021))
    entry = KBEntry.model_validate(
        {
            "key": "x2023y",
            "title": XSS,
            "authors": ["<b>Bold</b>"],
            "year": 2023,
            "verification": {"method": "m"},
            "summary": "<script>alert(2)</script>",
            "classes": ["inference"],
        }
    )
    data = ReportData(
        protocol=PROTOCOL,
        taxonomy=TAXONOMY,
        prisma=COUNTS,
        included=rows,
        kb=(entry,),
        per_source=(("openalex", "database", 50, 30, 20),),
        methods=(f"Method {XSS}",),
        included_bibtex="",
    )
    first = {p: p.read_bytes() for p in write_report(data, tmp_path / "a" / "report")}
    html = (tmp_path / "a" / "report" / "index.html").read_text()
    assert XSS not in html and "<script>alert(2)" not in html and "<b>Bold" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    second = write_report(data, tmp_path / "a" / "report")
    assert {p: p.read_bytes() for p in second} == first
    assert (tmp_path / "a" / "report" / "tables" / "included-studies.csv").is_file()


def test_class_year_table_counts_multi_class_studies_in_each_column():
    t = class_year_table(
        [
            row(1, "a", ("inference",), 2023),
            row(2, "b", ("training", "serving"), 2021),
            row(3, "c", ("inference", "serving"), 2023),
        ],
        ["training", "inference", "serving"],
    )
    assert t.rows == (
        ("2021", "1", "0", "1", "1"),
        ("2023", "0", "2", "1", "2"),
        ("all", "1", "2", "2", "3"),
    )
