"""The PRISMA 2020 flow, end to end on small hand-made reviews: every box of the SVG, the
interactive HTML and the PRISMA2020 CSV, for each arm and combination of arms."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from prisma2020 import prisma_data, read_csv

from litsift import checks, runner
from litsift.cli import app
from litsift.errors import ConsistencyError, InputError
from litsift.report.csvtemplate import read_names, safe_name
from litsift.store import Review

SVG = "{http://www.w3.org/2000/svg}"
TAXONOMY = """\
classes:
  - {id: training, label: Training, definition: d, indicators: [training]}
  - {id: inference, label: Inference, definition: d, indicators: [inference]}
"""
CRITERIA = """\
criteria:
  - {code: I1, kind: include, text: Relevant.}
  - {code: E1, kind: exclude, text: 'Off topic, or not a study; see the notes'}
  - {code: E2, kind: exclude, stage: full-text, text: Not about efficiency.}
reviewers:
  - {id: ann}
"""


def bib(*entries: tuple[str, str, str, int]) -> str:
    """BibTeX of (key, arXiv id, title, year) entries."""
    return "\n".join(
        f"@article{{{key}, title = {{{title}}}, author = {{Writer, Ann}}, year = {{{year}}}, "
        f"eprint = {{{arxiv}}}, archiveprefix = {{arXiv}}}}"
        for key, arxiv, title, year in entries
    )


def build(
    root: Path,
    sources: str,
    files: dict[str, str],
    ta: list[str],
    ft: list[str],
    extra: str = "",
) -> Review:
    """A review folder: review.yaml with `sources`, import files, ann's decisions."""
    (root / "data").mkdir(parents=True)
    (root / "review.yaml").write_text(
        "title: Flow test\nquestion: q\ndate_range: {start: 2017, end: 2023}\n"
        "eligibility: {years: {start: 2017, end: 2023}}\n"
        + "sources:\n"
        + textwrap.indent(textwrap.dedent(sources), "  ")
        + CRITERIA
        + extra
    )
    (root / "data" / "taxonomy.yaml").write_text(TAXONOMY)
    for name, text in files.items():
        path = root / "data" / "imports" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for stage, lines in (("title-abstract", ta), ("full-text", ft)):
        if lines:
            path = root / "data" / "screening" / stage / "ann.yaml"
            path.parent.mkdir(parents=True)
            path.write_text("\n".join(f"- {line}" for line in lines) + "\n")
    return Review(root)


def decided(arxiv: str, decision: str, reason: str = "") -> str:
    return f"{{id: arxiv-{arxiv}, decision: {decision}" + (
        f", reason: {reason}}}" if reason else "}"
    )


class _Boxes(HTMLParser):
    """The interactive HTML's record lists: box key -> (data-n, records listed)."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: dict[str, list[int]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details" and a.get("data-box"):
            self._current = a["data-box"]
            self.boxes[self._current] = [int(a["data-n"] or 0), 0]
        elif tag == "li" and self._current:
            self.boxes[self._current][1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._current = None


def drawn(review: Review) -> tuple[dict[str, int], dict[str, list[int]], str]:
    """Run the review; (SVG box -> n, HTML box -> [n, records listed], CSV text)."""
    runner.run(review)
    out = review.build / "report"
    svg = ET.fromstring((out / "prisma.svg").read_text())
    boxes = {
        g.get("data-box"): int(g.get("data-n")) for g in svg.iter(SVG + "g") if g.get("data-box")
    }
    parser = _Boxes()
    parser.feed((out / "prisma.html").read_text())
    return boxes, parser.boxes, (out / "prisma.csv").read_text()


def check_same(svg: dict[str, int], html: dict[str, list[int]], expected: dict[str, int]) -> None:
    """Every expected box is drawn with its number in the SVG and listed in the HTML."""
    assert {k: svg[k] for k in expected} == expected
    assert set(html) == set(svg)
    for key, (n, listed) in html.items():
        assert n == svg[key], key
        if key.endswith("identified") or key in ("removed",):
            continue
        # study boxes list their reports; every other box lists its records
        assert listed >= n if key in ("included", "total", "previous") else listed == n, key


# --------------------------------------------------------------------------- both arms

BOTH_SOURCES = """\
- {name: scopus, kind: database, platform: 'Scopus, Elsevier; "main"'}
- {name: wos, kind: database, platform: "Web of Science\\nCore Collection"}
- {name: lists, kind: website, platform: Paper lists}
- {name: chase, kind: citation, platform: Citation chasing}
"""


@pytest.fixture
def both(tmp_path: Path) -> Review:
    files = {
        "scopus/a.bib": bib(
            ("a1", "2101.00001", "Pipeline parallel training", 2021),
            ("a2", "2101.00002", "An old study", 2015),
            ("a3", "2101.00003", "Off topic work", 2021),
            ("a4", "2101.00004", "Excluded at full text", 2021),
            ("a5", "2101.00005", "Not retrieved", 2021),
        ),
        "wos/w.bib": bib(
            ("w1", "2101.00001", "Pipeline parallel training", 2021),
            ("b1", "2102.00001", "Quantised inference", 2022),
        ),
        "lists/l.bib": bib(
            ("l1", "2101.00001", "Pipeline parallel training", 2021),
            ("c1", "2103.00001", "Speculative decoding", 2023),
            ("c2", "2103.00002", "A list entry off topic", 2023),
        ),
        "chase/c.bib": bib(
            ("d1", "2104.00001", "Chased but no efficiency result", 2022),
            ("c1b", "2103.00001", "Speculative decoding", 2023),
        ),
    }
    ta = [
        decided("2101.00001", "include"),
        decided("2101.00003", "exclude", "E1"),
        decided("2101.00004", "include"),
        decided("2101.00005", "include"),
        decided("2102.00001", "include"),
        decided("2103.00001", "include"),
        decided("2103.00002", "exclude", "E1"),
        decided("2104.00001", "include"),
    ]
    ft = [
        decided("2101.00001", "include"),
        decided("2101.00004", "exclude", "E2"),
        decided("2101.00005", "not-retrieved"),
        decided("2102.00001", "include"),
        decided("2103.00001", "include"),
        decided("2104.00001", "exclude", "E2"),
    ]
    return build(tmp_path / "both", BOTH_SOURCES, files, ta, ft)


BOTH_EXPECTED = {
    "databases-identified": 7,
    "databases-removed": 2,  # the Web of Science copy of a1, and a2 (2015)
    "databases-screened": 5,
    "databases-excluded_screening": 1,
    "databases-sought": 4,
    "databases-not_retrieved": 1,
    "databases-assessed": 3,
    "databases-excluded_full_text": 1,
    "other-identified": 5,
    "other-removed": 2,  # the list's copy of a1 (kept by the databases arm), c1's second copy
    "other-screened": 3,
    "other-excluded_screening": 1,
    "other-sought": 2,
    "other-not_retrieved": 0,
    "other-assessed": 2,
    "other-excluded_full_text": 1,
    "included": 3,
}


def test_both_arms_every_box_in_svg_and_html(both: Review):
    svg, html, _ = drawn(both)
    check_same(svg, html, BOTH_EXPECTED)
    assert "previous" not in svg and "total" not in svg and "meta-analysis" not in svg
    flow = runner.run(both, until="screen").prisma
    assert flow.other.cross_duplicates == 1 and flow.databases.duplicates == 1
    assert flow.databases.ineligible_reasons == {"years": 1}
    assert flow.other.excluded_full_text_reasons == {"E2": 1}
    assert flow.other.members["removed"] == ("arxiv-2101.00001", "arxiv-2103.00001")


def test_both_arms_svg_draws_two_columns_with_titles(both: Review):
    runner.run(both)
    root = ET.fromstring((both.build / "report" / "prisma.svg").read_text())
    x = {
        g.get("data-box"): float(g.find(SVG + "rect").get("x"))
        for g in root.iter(SVG + "g")
        if g.get("data-box")
    }
    assert x["databases-screened"] < x["databases-excluded_screening"] < x["other-screened"]
    assert x["other-screened"] < x["other-excluded_screening"]
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Identification of new studies via databases and registers" in texts
    assert "Identification of new studies via other methods" in texts
    assert {"Identification", "Screening", "Included"} <= set(texts)
    page_w, page_h = float(root.get("width")), float(root.get("height"))
    assert page_w <= 1123 and page_h <= 794  # A4 landscape at 96 dpi


def test_both_arms_csv_reads_back_as_the_prisma2020_package_reads_it(both: Review):
    _, _, text = drawn(both)
    d = prisma_data(text)
    assert set(d["matches"].values()) == {1}, d["matches"]  # every pattern finds one row
    numbers = {
        "database_results": 7,
        "register_results": None,  # NA: no register searched
        "website_results": 3,
        "organisation_results": None,
        "citations_results": 2,
        "duplicates": 1,
        "excluded_automatic": 1,
        "excluded_other": 0,
        "records_screened": 5,
        "records_excluded": 1,
        "dbr_sought_reports": 4,
        "dbr_notretrieved_reports": 1,
        "dbr_assessed": 3,
        "other_sought_reports": 2,
        "other_notretrieved_reports": 0,
        "other_assessed": 2,
        "new_studies": 3,
        "new_reports": 3,
        "previous_studies": None,
        "previous_reports": None,
        "total_studies_ma": None,
    }
    assert {k: d[k] for k in numbers} == numbers
    names = [(read_names(n), c) for n, c in d["database_specific_results"]]
    assert names == [('Scopus, Elsevier; "main"', 5.0), ("Web of Science Core Collection", 2.0)]
    assert d["dbr_excluded"] == [("E2: Not about efficiency.", 1.0)]
    assert d["other_excluded"] == [("E2: Not about efficiency.", 1.0)]
    assert d["register_specific_results"] == [("", None)]
    assert d["newstud_text"] == "Identification of new studies via databases and registers"
    assert d["new_studies_text"] == "New studies included in review"


@pytest.mark.parametrize(
    "name",
    ["Plain", "A, B", "A; B", 'Say "hi"', "Two\nlines", 'Comma, semicolon; and "quote"\r\n'],
)
def test_names_with_commas_semicolons_quotes_and_newlines_round_trip(name: str):
    safe = safe_name(name)
    assert "," not in safe and ";" not in safe and "\n" not in safe
    assert read_names(safe) == " ".join(name.split())
    quoted = safe.replace('"', '""')
    d = prisma_data(
        "data,node,box,description,boxtext,tooltips,url,n\n"
        f'dbr_excluded,node14,box9,d,Reports excluded,d,u,"{quoted}, 3; Other, 1"\n'
    )
    assert [(read_names(n), c) for n, c in d["dbr_excluded"]] == [
        (" ".join(name.split()), 3.0),
        ("Other", 1.0),
    ]


@pytest.mark.shared
def test_csv_keeps_the_templates_rows_keys_and_labels(both: Review, realworld: Path):
    _, _, text = drawn(both)
    template = read_csv((realworld / "prisma2020" / "PRISMA.csv").read_text())
    ours = read_csv(text)
    assert list(ours[0]) == list(template[0])  # the same columns
    keys = [(r["data"], r["node"], r["box"], r["boxtext"]) for r in ours]
    assert keys == [(r["data"], r["node"], r["box"], r["boxtext"]) for r in template]


# --------------------------------------------------------------------------- one arm only


def test_databases_and_registers_only(tmp_path: Path):
    review = build(
        tmp_path / "db",
        """\
        - {name: db, kind: database, platform: DB}
        - {name: trials, kind: register, platform: ClinicalTrials.gov}
        """,
        {
            "db/a.bib": bib(("a", "2101.00001", "Kept", 2021), ("b", "2101.00002", "Out", 2021)),
            "trials/t.bib": bib(("t", "2105.00001", "Registered trial", 2022)),
        },
        [
            decided("2101.00001", "include"),
            decided("2101.00002", "exclude", "E1"),
            decided("2105.00001", "include"),
        ],
        [decided("2101.00001", "include"), decided("2105.00001", "include")],
    )
    svg, html, text = drawn(review)
    check_same(
        svg,
        html,
        {
            "databases-identified": 3,
            "databases-screened": 3,
            "databases-assessed": 2,
            "included": 2,
        },
    )
    assert not any(k.startswith("other-") for k in svg)
    d = prisma_data(text)
    assert (d["database_results"], d["register_results"]) == (2, 1)
    assert d["register_specific_results"] == [("ClinicalTrials.gov", 1.0)]
    assert (d["website_results"], d["citations_results"], d["other_assessed"]) == (None,) * 3


def test_other_methods_only(tmp_path: Path):
    review = build(
        tmp_path / "other",
        """\
        - {name: web, kind: website, platform: Lists}
        - {name: org, kind: organisation, platform: Standards body}
        """,
        {
            "web/a.bib": bib(("a", "2101.00001", "From a list", 2021)),
            "org/b.bib": bib(("b", "2101.00002", "From an organisation", 2022)),
        },
        [decided("2101.00001", "include"), decided("2101.00002", "include")],
        [decided("2101.00001", "include"), decided("2101.00002", "not-retrieved")],
    )
    svg, html, text = drawn(review)
    check_same(
        svg,
        html,
        {"other-identified": 2, "other-sought": 2, "other-not_retrieved": 1, "included": 1},
    )
    assert not any(k.startswith("databases-") for k in svg)
    d = prisma_data(text)
    assert (d["website_results"], d["organisation_results"], d["citations_results"]) == (
        1,
        1,
        None,
    )
    assert d["database_results"] is None and d["other_notretrieved_reports"] == 1


# --------------------------------------------------------------------------- updates, meta-analysis


def test_update_with_previous_studies_and_meta_analysis(tmp_path: Path):
    review = build(
        tmp_path / "update",
        """\
        - {name: db, kind: database, platform: DB}
        - {name: earlier, kind: previous, platform: Version 1}
        """,
        {
            "earlier/v1.bib": bib(
                ("p1", "2001.00001", "Previous one", 2020),
                ("p2", "2001.00002", "Previous two", 2020),
            ),
            "db/new.bib": bib(
                ("p1b", "2001.00001", "Previous one", 2020),  # a new copy of a previous study
                ("n1", "2201.00001", "New study", 2022),
                ("n2", "2201.00002", "New and pending", 2022),
            ),
        },
        [decided("2201.00001", "include")],
        [decided("2201.00001", "include")],
        extra="meta_analysis: data/meta-analysis.yaml\n",
    )
    (review.data / "meta-analysis.yaml").write_text(
        "studies:\n  - arxiv-2201.00001\n  - arxiv-2001.00002\n"
    )
    svg, html, text = drawn(review)
    check_same(
        svg,
        html,
        {
            "previous": 2,
            "databases-identified": 3,
            "databases-removed": 1,
            "databases-screened": 2,
            "included": 1,
            "total": 3,
            "meta-analysis": 2,
        },
    )
    root = ET.fromstring((review.build / "report" / "prisma.svg").read_text())
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Awaiting a title/abstract decision (n = 1)" in " ".join(texts)
    lines = [p.get("points") for p in root.iter(SVG + "polyline")]
    assert len(lines) == len(set(lines))
    flow = runner.run(review, until="screen").prisma
    # previous -> total, new -> total, total -> meta-analysis are drawn
    from litsift.report.diagram import diagram

    arrows = diagram(flow).arrows
    assert {("previous", "total"), ("included", "total"), ("total", "meta-analysis")} <= set(arrows)
    d = prisma_data(text)
    assert (d["previous_studies"], d["previous_reports"]) == (2, 2)
    assert (d["total_studies"], d["total_reports"], d["total_studies_ma"]) == (3, 3, 2)
    mermaid = (review.build / "report" / "prisma.md").read_text()
    assert "previous --> total" in mermaid and "total --> meta_analysis" in mermaid


def test_meta_analysis_naming_a_study_that_is_not_included_is_an_error(tmp_path: Path):
    review = build(
        tmp_path / "ma",
        "- {name: db, kind: database}\n",
        {"db/a.bib": bib(("a", "2101.00001", "Included", 2021), ("b", "2101.00002", "Out", 2021))},
        [decided("2101.00001", "include"), decided("2101.00002", "exclude", "E1")],
        [decided("2101.00001", "include")],
        extra="meta_analysis: data/ma.yaml\n",
    )
    (review.data / "ma.yaml").write_text("studies:\n  - arxiv-2101.00001\n  - arxiv-2101.00002\n")
    with pytest.raises(InputError, match=r"data/ma.yaml:3: 'arxiv-2101.00002' is not an included"):
        runner.run(review, until="screen")


# --------------------------------------------------------------------------- check and kinds


def test_check_names_the_box_whose_arithmetic_fails(both: Review, monkeypatch, capsys):
    from dataclasses import replace

    from litsift.report import counts

    real = counts.prisma_flow

    def broken(*args, **kwargs):
        flow = real(*args, **kwargs)
        return replace(flow, other=replace(flow.other, sought=flow.other.sought + 1))

    monkeypatch.setattr(counts, "prisma_flow", broken)  # the runner looks it up there
    problems = checks.check(both)
    assert problems == [
        "PRISMA arithmetic (other methods): reports sought for retrieval is 3 but the boxes "
        "before it give 2"
    ]
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["check", "--root", str(both.root)])
    assert result.exit_code == 1 and "reports sought for retrieval is 3" in result.output


def test_kind_other_is_refused_with_the_kinds_to_choose_from(tmp_path: Path):
    review = build(tmp_path / "k", "- {name: x, kind: other}\n", {}, [], [])
    with pytest.raises(InputError, match=r"review.yaml:\d+: sources.0.kind: 'other' is not"):
        review.protocol  # noqa: B018 - loading is the point


def test_flow_check_names_box_and_numbers():
    from litsift.models import Arm, SourceKind
    from litsift.report.flow import ArmFlow, PrismaFlow, SourceCount

    arm = ArmFlow(Arm.DATABASES, (SourceCount("db", SourceKind.DATABASE, "DB", 10),),
                  duplicates=2, screened=8, sought=8, assessed=8, included_reports=8)  # fmt: skip
    PrismaFlow(arm, ArmFlow(Arm.OTHER), included_studies=8).check()
    with pytest.raises(
        ConsistencyError, match=r"\(databases and registers\): records screened is 7"
    ):
        PrismaFlow(
            ArmFlow(**{**arm.__dict__, "screened": 7}), ArmFlow(Arm.OTHER), included_studies=8
        ).check()
    with pytest.raises(ConsistencyError, match="new studies included in review is 9"):
        PrismaFlow(arm, ArmFlow(Arm.OTHER), included_studies=9).check()
    assert re.search(r"\(n = 8\)", "Records screened (n = 8)")
