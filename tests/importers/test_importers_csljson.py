"""CSL-JSON (Zotero): import a library as Zotero writes it, export one Zotero reads, and
round-trip screening decisions and exclusion reasons; BibTeX, RIS and CSV exports carry the
decisions too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.errors import InputError
from litsift.importers import Screened, export_records, label_decisions, read_bytes
from litsift.importers.csljson import TYPES_IN
from litsift.models import Record, Verdict
from litsift.store.imports import read_file

LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "zotero-library.json"
# the item types Zotero's CSL JSON translator accepts on import (its detectImport list)
ZOTERO_CSL_TYPES = set(TYPES_IN) | {"document", "entry", "figure", "graphic", "interview"}


def test_zotero_library_imports_every_item() -> None:
    result = read_file(LIBRARY, source="zotero")
    assert result.format == "csljson" and result.read == 5 and not result.rejected
    paged, flexgen, review, gpt4, doi_only = result.records
    assert paged.doc_type == "conference-paper" and paged.year == 2023
    assert paged.authors[0] == "Kwon, Woosuk" and len(paged.authors) == 9
    assert paged.doi == "10.1145/3600006.3613165" and paged.pages == "611-626"
    assert paged.venue == "Proceedings of the 29th Symposium on Operating Systems Principles"
    assert paged.origin == "zotero-library.json:2"  # the line where the item starts
    assert paged.source_key.startswith("http://zotero.org/users/local/")
    assert flexgen.doc_type == "preprint" and flexgen.arxiv_id == "2303.06865"
    assert flexgen.labels == {"decision": "include", "stage": "full-text"}
    assert review.labels == {"decision": "exclude", "reason": "E3", "stage": "title-abstract"}
    assert review.authors[1] == "Szénási, Sándor" and review.volume == "12"
    assert gpt4.authors == ("OpenAI",) and gpt4.arxiv_id == "2303.08774"
    assert doi_only.title is None and doi_only.doi
    assert any("no title" in w for w in result.warnings)


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "lib.json"
    bad.write_text('[\n\t{"id": "a", "type": "book", "title": "x"},\n\t{"id": "b",,}\n]')
    with pytest.raises(InputError) as err:
        read_file(bad, source="z")
    assert "lib.json:3" in str(err.value) and "not valid JSON" in str(err.value)
    rows = read_bytes(b'[{"id": 1}, 7]', name="x.json", source="z")
    assert rows.read == 2 and len(rows.rejected) == 2  # no title, not an item


OUTCOMES = {
    "include": Screened("include", None, "full-text"),
    "exclude": Screened("exclude", "E2", "title-abstract"),
    "pending": Screened("undecided", None, "title-abstract"),
}


def records() -> list[Record]:
    return [
        Record.build(source="s", title="Paged attention", authors=["Kwon, Woosuk"], year=2023,
                     doi="10.1145/3600006.3613165", doc_type="conference-paper"),
        Record.build(source="s", title="FlexGen", authors=["Sheng, Ying"], year=2023,
                     arxiv_id="2303.06865", doc_type="preprint", keywords=["offloading"]),
        Record.build(source="s", title="A survey of LLMs", authors=["Zhao, Wayne Xin"],
                     year=2023, pmid="37000000", doc_type="review", abstract="Many models."),
    ]  # fmt: skip


def outcomes(recs: list[Record]) -> dict[str, Screened]:
    return dict(zip((r.id for r in recs), OUTCOMES.values(), strict=True))


def test_csljson_export_is_what_zotero_reads_and_byte_stable() -> None:
    recs = records()
    text = export_records(recs, "csljson", outcomes=outcomes(recs))
    assert text == export_records(list(reversed(recs)), "csljson", outcomes=outcomes(recs))
    assert text.startswith("[\n\t{") and text.endswith("]\n")  # tab-indented, as Zotero writes
    items = json.loads(text)
    assert all(i["type"] in ZOTERO_CSL_TYPES and i["id"] and i["title"] for i in items)
    by_title = {i["title"]: i for i in items}
    paged = by_title["Paged attention"]
    assert paged["type"] == "paper-conference" and paged["issued"] == {"date-parts": [[2023]]}
    assert paged["author"] == [{"family": "Kwon", "given": "Woosuk"}]
    assert paged["note"] == "litsift-decision: include\nlitsift-stage: full-text"
    assert "litsift:include" in paged["keyword"]
    flexgen = by_title["FlexGen"]
    assert flexgen["type"] == "article" and flexgen["number"] == "arXiv:2303.06865"
    assert "litsift-reason: E2" in flexgen["note"] and "litsift:reason:E2" in flexgen["keyword"]
    survey = by_title["A survey of LLMs"]
    assert "litsift-decision: undecided" in survey["note"] and survey["PMID"] == "37000000"


def test_a_library_round_trips_with_its_decisions() -> None:
    recs = records()
    text = export_records(recs, "csljson", outcomes=outcomes(recs))
    again = read_bytes(text.encode(), name="library.json", source="zotero")
    assert sorted(r.id for r in again.records) == sorted(r.id for r in recs)
    labels = {r.id: r.labels for r in again.records}
    assert labels[recs[1].id] == {"decision": "exclude", "reason": "E2", "stage": "title-abstract"}
    assert recs[1].keywords == next(r for r in again.records if r.id == recs[1].id).keywords
    decided = label_decisions(again)
    assert decided == {
        "full-text": {recs[0].id: (Verdict.INCLUDE, None)},
        "title-abstract": {recs[1].id: (Verdict.EXCLUDE, "E2")},
    }
    # exporting what was imported, with the decisions it carried, writes the same notes
    carried = {
        r.id: Screened(r.labels["decision"], r.labels.get("reason"), r.labels.get("stage"))
        for r in again.records
    }
    notes = {i["id"]: i["note"] for i in json.loads(text)}
    again_text = export_records(again.records, "csljson", outcomes=carried)
    assert {i["id"]: i["note"] for i in json.loads(again_text)} == notes


@pytest.mark.parametrize("fmt,name", [("bibtex", "out.bib"), ("ris", "out.ris")])
def test_bibtex_and_ris_exports_carry_decisions_and_reasons(fmt: str, name: str) -> None:
    recs = records()
    text = export_records(recs, fmt, outcomes=outcomes(recs))
    assert "E2" in text
    again = read_bytes(text.encode(), name=name, source="again")
    labels = {r.id: r.labels for r in again.records}
    assert labels[recs[1].id] == {"decision": "exclude", "reason": "E2", "stage": "title-abstract"}
    assert labels[recs[0].id]["decision"] == "include"


def test_csv_export_carries_decisions_and_reasons() -> None:
    recs = records()
    rows = list(csv.DictReader(io.StringIO(export_records(recs, "csv", outcomes=outcomes(recs)))))
    by_id = {r["id"]: r for r in rows}
    assert (by_id[recs[1].id]["decision"], by_id[recs[1].id]["reason"]) == ("exclude", "E2")
    assert by_id[recs[2].id]["decision"] == "undecided" and by_id[recs[2].id]["stage"]


def test_import_reviewer_records_the_library_decisions(flagship: Path, tmp_path: Path) -> None:
    recs = records()
    lib = tmp_path / "library.json"
    lib.write_text(export_records(recs, "csljson", outcomes=outcomes(recs)))
    text = (flagship / "review.yaml").read_text()
    (flagship / "review.yaml").write_text(
        text.replace(
            "sources:\n", "sources:\n  - {name: zotero, kind: website, platform: Zotero}\n"
        )
    )
    result = CliRunner().invoke(
        app,
        [
            "import",
            str(lib),
            "--source",
            "zotero",
            "--reviewer",
            "reviewer2",
            "--root",
            str(flagship),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 decisions appended for reviewer2" in result.output
    ta = yaml.safe_load((flagship / "data/screening/title-abstract/reviewer2.yaml").read_text())
    (entry,) = [e for e in ta if e["id"] == recs[1].id]
    assert entry["decision"] == "exclude" and entry["reason"] == "E2"
    ft = yaml.safe_load((flagship / "data/screening/full-text/reviewer2.yaml").read_text())
    assert [e["decision"] for e in ft if e["id"] == recs[0].id] == ["include"]
    # a file without decisions cannot be recorded as a reviewer's
    plain = tmp_path / "plain.json"
    plain.write_text(export_records(recs, "csljson"))
    refused = CliRunner().invoke(
        app,
        [
            "import",
            str(plain),
            "--source",
            "zotero",
            "--reviewer",
            "reviewer2",
            "--root",
            str(flagship),
        ],
    )
    assert refused.exit_code == 2 and "has none" in refused.output


def test_export_command_writes_csljson_with_decisions(flagship: Path) -> None:
    result = CliRunner().invoke(
        app, ["export", "--format", "csljson", "--stage", "all", "--root", str(flagship)]
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    notes = [i.get("note", "") for i in items]
    assert any("litsift-decision: include" in n for n in notes)
    assert any("litsift-decision: exclude" in n and "litsift-reason: E" in n for n in notes)
