"""A retracted article is shown as retracted wherever a reviewer or reader meets it.

Dedup marks the cluster of an article retracted when a retraction notice of it is among
the records found (tests/dedup/test_dedup_notices.py). This follows the mark through a
small review: the entry `screen next` writes, the workbench's record, `litsift status`,
`litsift check`'s warnings, and the report's included-studies table, CSV and warning.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.ids import normalise_doi, record_id
from litsift.models import Decision, Record
from litsift.screen import RETRACTED_NOTE
from litsift.store.screening import render_entry
from minireview import make_review

RUNNER = CliRunner()
# a title with markup in it: the report must show it as text
TITLE = "Speculative decoding with <b>draft heads</b> for serving transformer language models"
ARTICLE = f"""
@article{{ret1,
  title = {{{TITLE} [Retraction in: J Fast Inference. 2022 Jan;13(1):5]}},
  author = {{Moreau, Luc and Okafor, Chidi}},
  year = {{2021}}, journal = {{Journal of Fast Inference}},
  volume = {{11}}, number = {{2}}, pages = {{100-110}}, doi = {{10.5555/ret.1}}
}}
"""
NOTICE = f"""
@article{{ret2,
  title = {{Retraction notice to: {TITLE}}},
  author = {{Moreau, Luc}},
  year = {{2022}}, journal = {{Journal of Fast Inference}},
  volume = {{13}}, number = {{1}}, pages = {{5}}
}}
"""
RETRACTED = record_id(doi=normalise_doi("10.5555/ret.1"))


def cli(root: Path, *args: str) -> str:
    out = RUNNER.invoke(app, [*args, "--root", str(root)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    return out.stdout


def review(tmp_path: Path, notice: bool) -> Path:
    root = make_review(tmp_path / "r", n=4)
    bib = root / "data" / "imports" / "mini" / "mini.bib"
    bib.write_text(bib.read_text() + ARTICLE + (NOTICE if notice else ""), encoding="utf-8")
    return root


def decide(path: Path, include: set[str]) -> None:
    """Fill every blank decision of a reviewer file: include `include`, exclude the rest."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    head, *items = text.split("\n- id: ")
    out = [head]
    for entry, item in zip(entries, items, strict=True):
        if entry["id"] in include:
            item = item.replace("  decision:\n", "  decision: include\n", 1)
        else:
            item = item.replace("  decision:\n", "  decision: exclude\n", 1)
            item = item.replace("  reason:\n", "  reason: E1\n", 1)
        out.append(item)
    path.write_text("\n- id: ".join(out), encoding="utf-8")


def screen_through(root: Path, include: set[str]) -> None:
    for stage in ("title-abstract", "full-text"):
        path = Path(cli(root, "screen", "next", "-r", "ann", "--stage", stage).strip())
        decide(path, include)


def test_screen_next_marks_the_retracted_record_and_says_what_the_mark_means(tmp_path) -> None:
    root = review(tmp_path, notice=True)
    path = Path(cli(root, "screen", "next", "-r", "ann").strip())
    text = path.read_text(encoding="utf-8")
    assert f"# {RETRACTED_NOTE}\n" in text
    entries = yaml.safe_load(text)
    marked = [e["id"] for e in entries if "retracted" in e]
    assert marked == [RETRACTED] and len(entries) == 5  # 4 studies + the article
    article = next(e for e in entries if e["id"] == RETRACTED)
    assert article["retracted"] is True
    assert list(article)[:3] == ["id", "title", "retracted"]  # read beside the title
    Decision.model_validate(article)  # the reviewer file still reads back


def test_an_included_retracted_study_is_flagged_in_status_and_report(tmp_path) -> None:
    root = review(tmp_path, notice=True)
    screen_through(root, {RETRACTED})
    cli(root, "run")
    info = json.loads(cli(root, "status", "--json"))
    assert info["after deduplication"]["records with a retraction notice"] == 1
    assert info["included"]["retracted"] == [RETRACTED]
    assert f"retracted {RETRACTED}" in cli(root, "status")
    check = RUNNER.invoke(app, ["check", "--root", str(root)])
    assert f"warning: included study {RETRACTED} has a retraction notice" in check.stderr
    html = (root / "build" / "report" / "index.html").read_text(encoding="utf-8")
    assert '<p class="warning">1 included study has a retraction notice' in html
    assert "&lt;b&gt;draft heads&lt;/b&gt;" in html and "<b>draft heads</b>" not in html
    assert '<span class="tag retracted">retracted</span>' in html
    (table,) = (root / "build").rglob("included-studies.csv")
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [(r["id"], r["retraction"]) for r in rows] == [(RETRACTED, "retracted")]


def test_without_a_notice_nothing_says_retracted(tmp_path) -> None:
    root = review(tmp_path, notice=False)
    path = Path(cli(root, "screen", "next", "-r", "ann").strip())
    assert "retracted" not in path.read_text(encoding="utf-8")
    screen_through_rest(root, path)
    cli(root, "run")
    info = json.loads(cli(root, "status", "--json"))
    assert "records with a retraction notice" not in info["after deduplication"]
    assert "retracted" not in info["included"]
    assert "retraction" not in RUNNER.invoke(app, ["check", "--root", str(root)]).output
    html = (root / "build" / "report" / "index.html").read_text(encoding="utf-8")
    assert 'class="warning"' not in html and "tag retracted" not in html


def screen_through_rest(root: Path, first: Path) -> None:
    decide(first, {RETRACTED})
    path = Path(cli(root, "screen", "next", "-r", "ann", "--stage", "full-text").strip())
    decide(path, {RETRACTED})


def test_an_entry_shows_retracted_only_when_true() -> None:
    fields = {"id": "r1", "title": "T", "year": 2020, "retracted": True}
    assert render_entry(fields).splitlines()[:3] == ["- id: r1", "  title: T", "  retracted: true"]
    assert "retracted" not in render_entry(fields | {"retracted": None})


@pytest.mark.parametrize("retracted", [True, False])
def test_the_workbench_record_says_whether_it_is_retracted(retracted: bool) -> None:
    from litsift.workbench.app import record_view
    from litsift.workbench.terms import Marker

    record = Record(id="r1", source="s", title="T", abstract="A")
    session = SimpleNamespace(
        records={"r1": record},
        marker=Marker(()),
        stage=None,
        scores={},
        adjudicator=False,
        retracted=frozenset({"r1"} if retracted else ()),
    )
    assert record_view(session, "r1")["retracted"] is retracted
