"""A review.yaml `snapshot:` source end to end: litsift search, the PRISMA-S log, citations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from snapshot_fixtures import generated_works, write_snapshot
from typer.testing import CliRunner

from litsift.cli import app
from litsift.errors import InputError
from litsift.search import citation_plan, run_search
from litsift.search.snapshot import build_index, default_folder, open_snapshot
from litsift.search.snapshot.works import to_record
from litsift.store import Review, load_query

QUERY = '("language model*" OR llm*) AND (inference OR training) NOT title:survey'


def _review(
    root: Path, snapshot: str, citations: bool = False, extra: str = "", tail: str = ""
) -> Path:
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
        "queries: [queries/q.yaml]\n" + tail,
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
    records = review.search.records()["openalex-local"]
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
    path = review.search.records_file("openalex-local")
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


NO_LIMITS = "search:\n  citations: {years: {start: 1900, end: 2100}, eligibility: false}\n"


def _chase(tmp_path: Path, works: list[dict], tail: str = NO_LIMITS, n: int = 4):
    """Index the works, chase n of them (and an arXiv seed the snapshot lacks)."""
    root = write_snapshot(tmp_path / "snapshot", works, per_file=50)
    build_index(open_snapshot(root), default_folder(root, "openalex-jsonl"))
    review = Review(_review(tmp_path / "review", "../snapshot", citations=True, tail=tail))
    seeds = [w for w in works if w["doi"] and w["referenced_works"]][:n]
    report = run_search(
        review, citations=True, seeds=[_Seed(w["doi"]) for w in seeds] + [_Seed(None, "2401.12345")]
    )
    entries = yaml.safe_load(report.log_path.read_text())["sources"]
    return review, seeds, entries


def _links(works: list[dict], seeds: list[dict]) -> tuple[dict, dict]:
    """seed id -> records it references, seed id -> records citing it (by the works)."""
    by_id = {w["id"]: to_record(w, "citations") for w in works}
    backward = {s["id"]: [by_id[r] for r in s["referenced_works"]] for s in seeds}
    forward = {
        s["id"]: [by_id[w["id"]] for w in works if s["id"] in w["referenced_works"]] for s in seeds
    }
    return backward, forward


def test_citation_chasing_through_referenced_works(tmp_path, works):
    review, seeds, entries = _chase(tmp_path, works)
    backward, forward = _links(works, seeds)
    expected = {r.openalex_id for links in (backward, forward) for rs in links.values() for r in rs}
    found = {r.openalex_id for r in review.search.records()["citations"]}
    assert found == expected
    assert found
    assert [e["query_name"] for e in entries] == [
        "references of 4 included studies (snapshot)",
        "citations of 4 included studies (snapshot)",
    ]
    assert entries[0]["snapshot"]["seeds_found"] == 4
    assert entries[0]["dropped"] == entries[1]["dropped"] == {}
    assert "not in the snapshot" in entries[1]["warnings"][0]  # the arXiv seed


def test_citation_limits_apply_to_a_snapshot_chase(tmp_path, works):
    """review.yaml `search: citations:` defaults: the date range and eligibility rules."""
    review, seeds, entries = _chase(tmp_path, works, tail="", n=60)
    backward, forward = _links(works, seeds)
    found = {r.openalex_id for r in review.search.records()["citations"]}
    expected, counts = set(), []
    for links in (backward, forward):
        linked = {r.openalex_id: r for rs in links.values() for r in rs}
        years = [r for r in linked.values() if r.year is not None and not 2017 <= r.year <= 2023]
        untitled = [r for r in linked.values() if r not in years and not r.title]
        expected |= set(linked) - {r.openalex_id for r in years + untitled}
        counts.append(
            {
                k: v
                for k, v in (
                    ("outside 2017-2023", len(years)),
                    ("ineligible: no-title", len(untitled)),
                )
                if v
            }
        )
    assert found == expected and found
    assert [e["dropped"] for e in entries] == counts
    # the generated works cross both limits
    assert {k for e in entries for k in e["dropped"]} == {
        "outside 2017-2023",
        "ineligible: no-title",
    }
    assert [e["kept"] for e in entries] == [
        e["retrieved"] - sum(e["dropped"].values()) for e in entries
    ]
    log = yaml.safe_load(next(review.search.log_folder.glob("*.yaml")).read_text())
    assert log["citation_limits"][0] == "publication years 2017-2023 (unknown years kept)"


def test_the_cap_per_seed_keeps_the_most_cited_then_the_first_id(tmp_path, works):
    tail = (
        "search:\n  citations: {years: {start: 1900, end: 2100}, eligibility: false, per_seed: 1}\n"
    )
    review, seeds, entries = _chase(tmp_path, works, tail=tail, n=60)
    expected = set()
    for links in _links(works, seeds):
        for rs in links.values():
            ranked = sorted(rs, key=lambda r: (-(r.cited_by_count or 0), r.id, r.origin))
            expected |= {r.openalex_id for r in ranked[:1]}
    found = {r.openalex_id for r in review.search.records()["citations"]}
    assert found == expected
    (reason,) = {k for e in entries for k in e["dropped"]}
    assert reason == "over the cap of 1 per seed (kept the most-cited)"
    assert [e["kept"] + sum(e["dropped"].values()) for e in entries] == [
        e["retrieved"] for e in entries
    ]


def test_citations_explain_shows_the_snapshot_sql(tmp_path):
    """The plan needs no snapshot on disk: it names the SQL, not OpenAlex requests."""
    review = Review(_review(tmp_path / "review", "../snapshot", citations=True))
    plan = citation_plan(review, [_Seed("10.9999/gen.1")])
    assert plan["resolve requests (OpenAlex, by DOI)"] == []
    assert plan["example requests"][0].startswith("SELECT DISTINCT s.id AS seed")
    assert plan["limits"][0] == "publication years 2017-2023 (unknown years kept)"


def test_the_methods_text_names_the_snapshot_release(review):
    from litsift.report.methods import _search_sentence

    run_search(review)
    (row,) = review.search.summary()
    sentence = _search_sentence(row)
    assert sentence.startswith("OpenAlex snapshot (release 2026-06-24, duckdb) was searched on")
    assert f"\u201c{QUERY}\u201d" in sentence  # the query as written, not the SQL
