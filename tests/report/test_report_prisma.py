"""PRISMA flow of a hand-made updated review; the CSV template, Mermaid and the A4 SVG."""

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from litsift import runner
from litsift.errors import ConsistencyError
from litsift.models import Arm, SourceKind
from litsift.report.csvtemplate import DATA_KEYS, prisma_csv
from litsift.report.diagram import diagram
from litsift.report.drawing import layout, to_svg
from litsift.report.flow import ARM_BOXES, ArmFlow, PrismaFlow, SourceCount
from litsift.report.mermaid import prisma_markdown, prisma_mermaid
from litsift.store import Review

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
SVG = "{http://www.w3.org/2000/svg}"

# the keys of inst/extdata/PRISMA.csv in the PRISMA2020 R package (Haddaway et al.)
PRISMA2020_KEYS = {
    "previous_studies", "previous_reports", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "website_results",
    "organisation_results", "citations_results", "duplicates", "excluded_automatic",
    "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports",
    "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded", "new_studies",
    "new_reports", "total_studies", "total_reports", "identification", "screening", "included",
    "total_studies_ma", "total_reports_ma",
}  # fmt: skip


def render_svg(flow: PrismaFlow, title: str) -> str:
    return to_svg(layout(diagram(flow), title))


@pytest.fixture(scope="module")
def updated(tmp_path_factory) -> runner.RunResult:
    """tests/fixtures/report/updated-review: 2 previous studies, 4 new database records."""
    root = tmp_path_factory.mktemp("updated") / "review"
    shutil.copytree(FIXTURES / "updated-review", root)  # a run writes the audit log
    return runner.run(Review(root), until="screen")


def test_updated_review_has_previous_arm_and_new_flow(updated):
    p = updated.prisma
    db = p.databases
    assert (p.previous_studies, p.previous_reports) == (2, 2)
    assert p.identified == 4 and db.identified == 4  # previous arm not counted here
    # the new record of a previous study is a duplicate; nothing else is
    assert db.duplicates == 1 and db.ineligible_automation == 0
    assert (db.screened, db.excluded_screening, db.sought, db.assessed) == (3, 1, 2, 2)
    assert db.excluded_full_text_reasons == {"E2": 1}
    assert (p.included_studies, p.total_studies, p.total_reports) == (1, 3, 3)
    assert p.previous_members == ("arxiv-2101.00001", "arxiv-2101.00002")
    assert p.included_members == ("arxiv-2102.00001",)
    assert db.members["removed"] == ("arxiv-2101.00001",)
    assert tuple(db.box_counts()) == ARM_BOXES and set(db.members) == set(ARM_BOXES)
    assert p.other.identified == 0 and Arm.OTHER not in {a.arm for a in p.arms}


def test_updated_review_draws_previous_arm_everywhere(updated):
    p = updated.prisma
    root = ET.fromstring(render_svg(p, "Update"))
    boxes = {
        g.get("data-box"): int(g.get("data-n")) for g in root.iter(SVG + "g") if g.get("data-box")
    }
    assert boxes["previous"] == 2 and boxes["total"] == 3 and boxes["included"] == 1
    assert boxes["databases-identified"] == 4
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "Previous studies" in texts
    assert "Total studies included in review (n = 3)" in " ".join(texts)
    rows = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO(prisma_csv(p)))}
    assert (rows["previous_studies"], rows["new_studies"], rows["total_studies"]) == ("2", "1", "3")
    assert rows["database_specific_results"] == "Test database, 4"
    assert rows["dbr_excluded"] == "E2: Not about efficiency., 1"
    mermaid = prisma_mermaid(diagram(p))
    assert "previous --> total" in mermaid and 'previous["Studies included in previous' in mermaid


def test_new_review_has_no_previous_arm(updated):
    p = replace(
        updated.prisma,
        previous=(),
        previous_studies=0,
        previous_reports=0,
        previous_members=None,
    )
    svg = render_svg(p, "New")
    assert 'data-box="previous"' not in svg and 'data-box="total"' not in svg
    assert "Studies included in review (n = 1)" in svg
    assert "previous" not in prisma_mermaid(diagram(p))


def arm(**kw) -> ArmFlow:
    base = dict(
        arm=Arm.DATABASES,
        sources=(SourceCount("db", SourceKind.DATABASE, "DB", 10),),
        duplicates=2, ineligible_automation=1, other_removed=0, screened=7,
        excluded_screening=3, excluded_screening_reasons={"E1": 3}, pending_screening=0,
        sought=4, not_retrieved=1, assessed=3, excluded_full_text=1,
        excluded_full_text_reasons={"E2": 1}, pending_full_text=0, included_reports=2,
    )  # fmt: skip
    return ArmFlow(**(base | kw))


def flow(**kw) -> PrismaFlow:
    return PrismaFlow(arm(**kw), ArmFlow(Arm.OTHER), included_studies=2)


def test_box_record_lists_must_match_the_counts():
    flow(members={"screened": tuple("abcdefg")}).check()
    with pytest.raises(ConsistencyError, match="box 'screened' counts 7 records but lists 6"):
        flow(members={"screened": tuple("abcdef")}).check()
    with pytest.raises(ConsistencyError, match="unknown box 'nowhere'"):
        flow(members={"nowhere": ()}).check()


def test_csv_has_every_template_key_and_the_template_columns():
    text = prisma_csv(flow())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "data",
        "node",
        "box",
        "description",
        "boxtext",
        "tooltips",
        "url",
        "n",
    ]
    assert {r["data"] for r in rows} - {"NA"} == PRISMA2020_KEYS == set(DATA_KEYS)
    n = {r["data"]: r["n"] for r in rows}
    assert (n["duplicates"], n["records_screened"], n["dbr_notretrieved_reports"]) == (
        "2",
        "7",
        "1",
    )
    assert n["dbr_excluded"] == "E2, 1"  # no label known: the code stands in
    with pytest.raises(ConsistencyError):
        prisma_csv(flow(screened=8))


def test_mermaid_escapes_labels_and_markdown_fences_it():
    d = diagram(flow(sources=(SourceCount("db", SourceKind.DATABASE, 'A "quoted" <b>DB</b>', 10),)))
    text = prisma_mermaid(d)
    assert text.startswith("flowchart TD\n")
    assert "<b>" not in text and "#quot;quoted#quot;" in text and "#lt;b#gt;DB" in text
    assert "databases_identified --> databases_screened" in text
    assert "databases_assessed --> databases_excluded_full_text" in text
    md = prisma_markdown(d, "T <x>")
    assert md.startswith("# PRISMA 2020 flow diagram: T &lt;x&gt;\n") and "```mermaid\n" in md


def test_tall_diagram_is_scaled_to_a4_not_clipped():
    many = tuple(SourceCount(f"s{i}", SourceKind.DATABASE, f"Source {i}", 1) for i in range(80))
    svg = render_svg(flow(sources=many, duplicates=72), "Tall")
    root = ET.fromstring(svg)
    view_h = float(root.get("viewBox").split()[3])
    assert view_h > 1123  # the content is taller than a page ...
    assert float(root.get("height")) <= 1123 and float(root.get("width")) < 794  # ... scaled


def test_updated_review_report_lists_previous_and_new_studies(tmp_path):
    root = tmp_path / "review"
    shutil.copytree(FIXTURES / "updated-review", root)
    review = Review(root)
    runner.run(review, until="report")
    out = review.build / "report"
    rows = list(csv.DictReader((out / "tables" / "included-studies.csv").open()))
    assert sorted(r["title"] for r in rows) == [
        "New study included",
        "Pipeline schedules for trillion-parameter training",
        "Sparse attention kernels for long contexts",
    ]
    assert sorted(r["review version"] for r in rows) == ["new", "previous", "previous"]
    template = {r["data"]: r["n"] for r in csv.DictReader((out / "prisma.csv").open())}
    assert template["total_studies"] == str(len(rows))
    html = (out / "index.html").read_text()
    assert 'id="box-previous"' in html and "Review version 1 (n = 2)" in html


def test_ineligible_records_are_itemised_by_rule_and_must_add_up():
    svg = render_svg(flow(ineligible_reasons={"years": 1}), "Rules")
    assert "years (n = 1)" in svg
    with pytest.raises(
        ConsistencyError, match=r"ineligible by automation tools \(sum of rules\) is 1"
    ):
        flow(ineligible_reasons={"years": 1, "language": 1}).check()
