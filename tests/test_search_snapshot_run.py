"""A review.yaml `snapshot:` source end to end: litsift search, the PRISMA-S log, citations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.errors import InputError
from litsift.review import Review
from litsift.search import retrieved_records, run_search
from litsift.search.query import load_query
from litsift.search.snapshot import build_index, default_folder, open_snapshot
from litsift.search.snapshot.testing import generated_works, write_snapshot
from litsift.search.snapshot.works import to_record

QUERY = '("language model*" OR llm*) AND (inference OR training) NOT title:survey'


def _review(root: Path, snapshot: str, citations: bool = False, extra: str = "") -> Path:
    (root / "queries").mkdir(parents=True, exist_ok=True)
    chaser = (
        f"  - {{name: citations, kind: citation, snapshot: {{path: {snapshot}}}}}\n"
        if citations
        else "  - {name: citations, kind: citation}\n"
    )
    (root / "review.yaml").write_text(
        "title: t\nquestion: q\ndate_range: {start: 2017, end: 2023}\n"
        "sources:\n"
        "  - name: openalex-local\n"
        "    kind: database\n"
        "    platform: OpenAlex snapshot\n"
        "    snapshot:\n"
        f"      path: {snapshot}\n"
        "      format: openalex-jsonl\n"
        f"{extra}"
        f"{chaser}"
        "criteria:\n  - {code: I1, kind: include, text: x}\n"
        "reviewers:\n  - {id: r1}\n"
        "queries: [queries/q.yaml]\n",
        encoding="utf-8",
    )
    (root / "queries" / "q.yaml").write_text(
        f"name: q\nquery: {json.dumps(QUERY)}\nfields: title-abstract\n"
        "years: {start: 2012, end: 2024}\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def works() -> list[dict]:
    return generated_works(150, seed=11)


@pytest.fixture
def review(tmp_path, works) -> Review:
    root = write_snapshot(tmp_path / "snapshot", works, per_file=50)
    build_index(open_snapshot(root), default_folder(root, "openalex-jsonl"))
    return Review(_review(tmp_path / "review", "../snapshot"))


def test_search_writes_records_and_a_prisma_s_log(review, works):
    report = run_search(review)
    query = load_query(review.root / "queries" / "q.yaml")
    expected = sorted(
        r.id for r in (to_record(w, "openalex-local") for w in works) if query.matches(r)
    )
    assert expected
    records = retrieved_records(review)["openalex-local"]
    assert sorted(r.id for r in records) == expected
    assert {r.batch for r in records} == {report.run_id}
    assert {r.source for r in records} == {"openalex-local"}
    entry = yaml.safe_load(report.log_path.read_text())["sources"][0]
    assert entry["api"] == "openalex-snapshot"
    assert entry["query_sent"].startswith("SELECT w.id, w.wid FROM oa_works w WHERE")
    assert entry["hits"] == entry["retrieved"] == entry["kept"] == len(expected)
    assert entry["status"] == "complete"
    snap = entry["snapshot"]
    assert snap["release_date"] == "2026-06-24"
    assert snap["engine"] == "duckdb" and snap["format"] == "openalex-jsonl"
    assert snap["query_seconds"] >= 0 and snap["records_seconds"] >= 0
    assert entry["filters"]["years"] == "2012-2024"


def test_a_rerun_adds_nothing_and_rewrites_nothing(review):
    run_search(review)
    path = review.search_dir / "records" / "openalex-local.jsonl"
    before = path.read_bytes()
    report = run_search(review)
    assert report.new_records == {"openalex-local": []}
    assert path.read_bytes() == before


def test_cli_explain_prints_the_sql_and_search_runs(review):
    runner = CliRunner()
    out = runner.invoke(app, ["search", "--explain", "--root", str(review.root)])
    assert out.exit_code == 0, out.output
    assert "# openalex-local (OpenAlex snapshot), query q" in out.output
    assert "SELECT w.id, w.wid FROM oa_works w" in out.output
    out = runner.invoke(app, ["search", "--root", str(review.root)])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("openalex-local\tq\thits=")


def test_an_unindexed_snapshot_says_how_to_index_it(tmp_path, works):
    write_snapshot(tmp_path / "snapshot", works, per_file=50)
    review = Review(_review(tmp_path / "review", "../snapshot"))
    with pytest.raises(InputError, match=r"covers 0 of 3 data files.*litsift snapshot index"):
        run_search(review)


def test_a_missing_snapshot_folder_names_the_review_yaml_line(tmp_path):
    review = Review(_review(tmp_path / "review", "../nowhere"))
    with pytest.raises(InputError, match=r"sources.0.snapshot.path: snapshot folder") as e:
        run_search(review)
    assert e.value.path.endswith("review.yaml") and e.value.line == 9


@pytest.mark.parametrize(
    ("extra", "message", "line"),
    [
        ("      engine: presto\n", "sources.0.snapshot.engine", 11),
        ("      shards: 4\n", "sources.0.snapshot.shards", 11),
        ("    api: openalex\n", "either an api: or a snapshot:", 5),
    ],
)
def test_review_yaml_snapshot_errors_name_file_and_line(tmp_path, extra, message, line):
    review = Review(_review(tmp_path / "review", "../s", extra=extra))
    with pytest.raises(InputError, match=message) as e:
        _ = review.protocol
    assert e.value.line == line


@dataclass
class _Seed:
    doi: str | None
    arxiv_id: str | None = None


def test_citation_chasing_through_referenced_works(tmp_path, works):
    root = write_snapshot(tmp_path / "snapshot", works, per_file=50)
    build_index(open_snapshot(root), default_folder(root, "openalex-jsonl"))
    review = Review(_review(tmp_path / "review", "../snapshot", citations=True))
    seeds = [w for w in works if w["doi"] and w["referenced_works"]][:4]
    seed_ids = {w["id"] for w in seeds}
    backward = {r for w in seeds for r in w["referenced_works"]}
    forward = {w["id"] for w in works if seed_ids & set(w["referenced_works"])}
    report = run_search(
        review, citations=True, seeds=[_Seed(w["doi"]) for w in seeds] + [_Seed(None, "2401.12345")]
    )
    found = {
        f"https://openalex.org/{r.openalex_id}" for r in retrieved_records(review)["citations"]
    }
    assert found == backward | forward
    assert found
    entries = yaml.safe_load(report.log_path.read_text())["sources"]
    assert [e["query_name"] for e in entries] == [
        "references of 4 included studies (snapshot)",
        "citations of 4 included studies (snapshot)",
    ]
    assert entries[0]["snapshot"]["seeds_found"] == 4
    assert "not in the snapshot" in entries[1]["warnings"][0]  # the arXiv seed


def test_the_methods_text_names_the_snapshot_release(review):
    from litsift.report.methods import _search_sentence
    from litsift.search import search_summary

    run_search(review)
    (row,) = search_summary(review)
    sentence = _search_sentence(row)
    assert sentence.startswith("OpenAlex snapshot (release 2026-06-24, duckdb) was searched on")
    assert f"\u201c{QUERY}\u201d" in sentence  # the query as written, not the SQL
