import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from litsift.errors import ConsistencyError
from litsift.models import KBEntry, Protocol, SourceKind, Taxonomy
from litsift.report import ReportData, write_report
from litsift.report.prisma import PrismaCounts, SourceCount, render_svg
from litsift.report.tables import IncludedRow, class_year_table

XSS = "<img src=x onerror=alert(1)>"

COUNTS = PrismaCounts(
    sources=(
        SourceCount("openalex", SourceKind.DATABASE, "OpenAlex", 50),
        SourceCount("curated", SourceKind.OTHER, "Hand list", 30),
    ),
    duplicates_removed=10,
    ineligible_automation=5,
    other_removed=0,
    screened=65,
    excluded_screening=20,
    excluded_screening_reasons={"E1": 15, "E3": 5},
    pending_screening=5,
    sought=40,
    not_retrieved=2,
    assessed=38,
    excluded_full_text=3,
    excluded_full_text_reasons={"E6": 3},
    pending_full_text=0,
    included_reports=35,
    included_studies=34,
)

PROTOCOL = Protocol.model_validate(
    {
        "title": f"Review {XSS}",
        "question": "q",
        "date_range": {"start": 2017, "end": 2023},
        "sources": [{"name": "openalex"}, {"name": "curated", "kind": "other"}],
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
    with pytest.raises(ConsistencyError, match="records screened is 64"):
        replace(COUNTS, screened=64).check()
    with pytest.raises(ConsistencyError, match="reports sought"):
        replace(COUNTS, pending_screening=0).check()
    with pytest.raises(ConsistencyError, match="sum of reasons"):
        replace(COUNTS, excluded_screening_reasons={"E1": 1}).check()
    with pytest.raises(ConsistencyError, match="studies from only"):
        replace(COUNTS, included_studies=36).check()


def test_svg_is_valid_xml_with_counts_as_text_and_escaped_title():
    svg = render_svg(COUNTS, PROTOCOL.title)
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    boxes = {
        g.get("data-box"): int(g.get("data-n"))
        for g in root.iterfind(".//s:g", ns)
        if g.get("data-box")
    }
    assert boxes["identified"] == 80 and boxes["screened"] == 65 and boxes["included"] == 34
    texts = " ".join(t.text or "" for t in root.iterfind(".//s:text", ns))
    assert "Hand list (n = 30)" in texts and "Duplicate records (n = 10)" in texts
    assert XSS in texts  # as text, and the raw markup is escaped in the file
    assert XSS not in svg
    assert root.get("width") == "794" and int(root.get("height")) <= 1123


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
