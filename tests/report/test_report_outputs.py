"""Tables in four formats, plots, methods text and checklist, and whole-report determinism."""

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from test_report import COUNTS, PROTOCOL, TAXONOMY, XSS, row, write_report

from litsift import runner
from litsift.models import Protocol, Screening
from litsift.report import ReportData, checklists
from litsift.report.methods import MethodsFacts, TagFacts, methods_paragraphs
from litsift.report.plots import nice_axis, source_overlap, studies_per_year, taxonomy_coverage
from litsift.report.tables import (
    IncludedRow,
    Table,
    latex_escape,
    overlap_table,
    systems_table,
    yield_table,
)
from litsift.store import Review

SVG = "{http://www.w3.org/2000/svg}"
RECORD_SOURCES = {"c1": ("curated", "openalex"), "c2": ("openalex",), "c3": ("curated",)}


def test_latex_is_booktabs_with_every_special_character_escaped():
    t = Table("t", ("name", "value"), (("a_b & c", "50% of $x^2$ {#1} ~ \\ <i>"),))
    tex = t.to_latex()
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex
    assert "\\begin{tabular}{ll}" in tex
    assert "a\\_b \\& c & 50\\% of \\$x\\textasciicircum{}2\\$ \\{\\#1\\} " in tex
    assert latex_escape("\\") == "\\textbackslash{}"  # not re-escaped into \\textbackslash\\{\\}


def test_markdown_table_shows_markup_as_text():
    md = Table("t", ("a|b",), ((XSS + "|x\ny",),)).to_markdown()
    assert md.splitlines()[0] == "| a\\|b |"
    assert md.splitlines()[2] == "| &lt;img src=x onerror=alert(1)&gt;\\|x y |"


def test_html_table_escapes_cells():
    html = Table("t", ("h<1>",), ((XSS,),)).to_html()
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<th>h&lt;1&gt;</th>" in html


def sys_row(i, systems, classes, year, headline=""):
    base = row(i, f"t{i}", classes, year)
    return IncludedRow(**{**base.__dict__, "systems": systems, "headline": headline})


def test_systems_table_groups_studies_per_system():
    t = systems_table(
        [
            sys_row(1, ("vLLM", "FlexGen"), ("inference",), 2023, "throughput: 24 x"),
            sys_row(2, ("vLLM",), ("serving",), 2023),
            sys_row(3, (), ("training",), 2021),
        ]
    )
    assert [r[0] for r in t.rows] == ["FlexGen", "vLLM"]
    vllm = t.rows[1]
    assert vllm[1] == "inference; serving" and vllm[3] == "2023" and vllm[-1] == "2"
    assert vllm[4] == "throughput: 24 x"


def test_overlap_and_yield_count_deduplicated_records():
    o = overlap_table(RECORD_SOURCES, ["openalex", "curated"])
    assert o.rows == (("openalex", "2", "1"), ("curated", "1", "2"))
    y = yield_table(
        (("openalex", "database", 5, 1, 0), ("curated", "other", 3, 1, 1)), RECORD_SOURCES
    )
    # distinct records, also found elsewhere, found only here
    assert [r[3:6] for r in y.rows] == [("2", "1", "1"), ("2", "1", "1")]


def test_plots_are_valid_svg_carrying_their_numbers():
    rows = [
        row(1, "a", ("inference", "serving"), 2022),
        row(2, "b", ("inference",), 2022),
        row(3, "c", ("training",), 2021),
    ]
    root = ET.fromstring(studies_per_year(rows, ["training", "inference", "serving"]))
    bars = {
        (r.get("data-year"), r.get("data-class")): int(r.get("data-n"))
        for r in root.iter(SVG + "rect")
        if r.get("data-n")
    }
    assert bars == {("2021", "training"): 1, ("2022", "inference"): 2, ("2022", "serving"): 1}
    root = ET.fromstring(source_overlap(RECORD_SOURCES, ["openalex", "curated"]))
    cells = {
        (r.get("data-a"), r.get("data-b")): int(r.get("data-n"))
        for r in root.iter(SVG + "rect")
        if r.get("data-a")
    }
    assert cells[("openalex", "curated")] == 1 and cells[("curated", "curated")] == 2
    fam = [IncludedRow(**{**r.__dict__, "families": ("quant",)}) for r in rows[:2]]
    svg = taxonomy_coverage(
        fam, [("quant", "Quantisation <8-bit>"), ("moe", "MoE")], ["inference", "serving"]
    )
    root = ET.fromstring(svg)
    assert "Quantisation <8-bit>" in [t.text for t in root.iter(SVG + "text")]
    assert "no study" in svg  # an empty family is flagged, not hidden


def facts(**kw) -> MethodsFacts:
    base = dict(
        protocol=PROTOCOL,
        prisma=COUNTS,
        per_source={"openalex": 50, "curated": 30},
        classes=3,
        families=2,
    )
    return MethodsFacts(**(base | kw))


def test_methods_text_reports_searches_dedup_and_agreement():
    search = {
        "source": "openalex", "platform": "OpenAlex", "query": "main",
        "query_sent": "title_and_abstract.search:(llm AND inference)", "date": "2024-01-05",
        "hits": 120, "retrieved": 50,
    }  # fmt: skip
    agreement = {
        "agreement title-abstract": {
            "records rated twice or more": 40,
            "raw agreement": "0.900",
            "cohen kappa": "0.780 [0.600, 0.900]",
        },
        "stopping estimate": {"screened": 10},
    }
    text = "\n".join(
        methods_paragraphs(
            facts(
                searches=[search],
                agreement=agreement,
                duplicate_reasons={"a shared identifier": 7, "fuzzy matching": 3},
                tags=TagFacts(automatic=34),
            )
        )
    )
    assert (
        "OpenAlex was searched on 2024-01-05 with the query "
        "\u201ctitle_and_abstract.search:(llm AND inference)\u201d (120 hits, 50 records retrieved)"
    ) in text
    assert "removed 10 duplicate records (7 by a shared identifier and 3 by fuzzy matching)" in text
    assert (
        "title-abstract (40 records rated twice: raw agreement 0.900; "
        "cohen kappa 0.780 [0.600, 0.900])" in text
    )
    assert "stopping" not in text
    assert "3 classes, 2 technique families" in text
    assert "34 studies carry automatic tags" in text and "no reviewer checked" in text
    assert "confirmed or overridden" not in text  # no reviewer tag file: not claimed


def test_methods_without_searches_says_so_and_checklist_answers_from_data():
    text = " ".join(methods_paragraphs(facts()))
    assert "no search of it and no export from it is recorded" in text
    assert "no agreement figure" in text
    prisma, _, prisma_s = checklists.tables(facts())
    items = {r[0]: (r[4], r[5]) for r in prisma_s.rows}
    assert items["13"] == ("to be written by the authors", "\u2014")
    assert items["16"][1].startswith("10 duplicate records removed")
    flow = {r[0]: (r[4], r[5]) for r in prisma.rows}["16a"]
    assert flow[0] == "from the data"
    assert flow[1].startswith("80 records identified (50 via databases and registers, 30 via")


def test_methods_name_the_reviewers_who_actually_decided():
    text = " ".join(methods_paragraphs(facts()))
    assert "(no reviewer decision recorded yet)" in text
    one = " ".join(methods_paragraphs(facts(screeners={"title-abstract": ("ann",)})))
    assert "by 1 reviewer (ann; one reviewer per record)" in one
    two = PROTOCOL.model_copy(update={"screening": Screening(reviewers_per_record=2)})
    dual = " ".join(
        methods_paragraphs(facts(protocol=two, screeners={"title-abstract": ("ann", "bo")}))
    )
    assert "by 2 reviewers (ann, bo; 2 per record, blind, conflicts adjudicated)" in dual
    sampled = " ".join(
        methods_paragraphs(
            facts(
                screeners={"title-abstract": ("ann", "bo")},
                double_screened={"title-abstract": 12},
            )
        )
    )
    expected = "(ann, bo; one reviewer per record, 12 of them also by a second reviewer, "
    assert expected + "independently)" in sampled


def digest(build: Path) -> dict[str, str]:
    """Hash of every report artefact (build/report and build/included.bib)."""
    files = [*sorted((build / "report").rglob("*")), build / "included.bib"]
    return {
        str(p.relative_to(build / "report")) if p.parent != build else p.name: hashlib.sha256(
            p.read_bytes()
        ).hexdigest()
        for p in files
        if p.is_file()
    }


def test_flagship_report_is_byte_identical_across_runs(flagship):
    review = Review(flagship)
    runner.run(review, until="report")
    first = digest(review.build)
    runner.run(review, until="report")
    assert digest(review.build) == first
    assert "included.bib" in first
    expected = {"prisma.svg", "prisma.csv", "prisma.md", "prisma.html", "index.html", "methods.md"}
    assert expected <= set(first)
    assert {
        "plots/studies-per-year.svg",
        "tables/source-overlap.tex",
        "tables/frameworks-and-systems.html",
    } <= set(first)
    for name in [n for n in first if n.endswith(".svg")]:
        ET.parse(review.build / "report" / name)  # every SVG is well-formed XML
    standalone = (review.build / "report" / "prisma.html").read_text()
    for key in (
        "other-identified",
        "other-removed",
        "databases-screened",
        "other-excluded_screening",
        "included",
    ):
        assert '<details class="box-records' in standalone and f'id="box-{key}"' in standalone
    html = (review.build / "report" / "index.html").read_text()
    # self-contained: nothing fetched from elsewhere (the SVG namespace is a name, not a fetch)
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_report_data_defaults_keep_old_callers_working(tmp_path):
    data = ReportData(
        protocol=Protocol.model_validate(PROTOCOL.model_dump()), taxonomy=TAXONOMY, prisma=COUNTS,
        included=(), kb=(), per_source=(), methods=(), included_bibtex="",
    )  # fmt: skip
    written = write_report(data, tmp_path / "report")
    assert (tmp_path / "report" / "prisma.csv") in written


def test_axis_maximum_is_a_round_number_at_or_above_the_data():
    assert [nice_axis(t) for t in (1, 6, 41, 81, 101)] == [
        (1, 1),
        (6, 2),
        (50, 10),
        (100, 20),
        (150, 50),
    ]
