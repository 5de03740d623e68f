"""`litsift search` and `litsift records parse`, end to end through Typer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_search_run import make_review, run, settings
from typer.testing import CliRunner

from conftest import realworld_file
from fakeapi import FakeApis, make_works
from litsift.cli import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "search"
KEYS = {"id", "source", "title", "abstract", "authors", "year", "venue", "doi", "arxiv_id"}
runner = CliRunner()


def parse_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_records_parse_own_fixture() -> None:
    result = runner.invoke(
        app, ["records", "parse", "--source", "arxiv", str(FIX / "arxiv-page.xml")]
    )
    assert result.exit_code == 0, result.output
    rows = parse_lines(result.stdout)
    assert len(rows) == 2 and set(rows[0]) >= KEYS
    assert rows[0]["arxiv_id"] == "2208.07339" and rows[1]["doi"] is None
    assert rows[0]["doi"] == "10.48550/arxiv.2208.07339"


@pytest.mark.parametrize(
    ("api", "name", "count"),
    [
        ("openalex", "search-page-2026.json", 50),
        ("crossref", "works-field-queries.json", 20),
        ("arxiv", "search-2026.xml", 50),
        ("semanticscholar", "relevance-search-2026.json", 50),
        ("dblp", "search-publ-30-hits.json", 30),
    ],
)
def test_records_parse_real(api: str, name: str, count: int) -> None:
    path = realworld_file(f"api/{api}/{name}")
    result = runner.invoke(app, ["records", "parse", "--source", api, str(path)])
    assert result.exit_code == 0, result.output
    rows = parse_lines(result.stdout)
    assert len(rows) == count and all(set(r) >= KEYS for r in rows)
    assert all(r["source"] == api for r in rows)
    assert all(r["doi"] is None or r["doi"] == r["doi"].lower() for r in rows)


@pytest.mark.parametrize(
    ("api", "name"),
    [
        ("arxiv", "error-400-bad-id.xml"),
        ("openalex", "error-400-bad-filter.json"),
        ("crossref", "error-404-bad-cursor.json"),
        ("semanticscholar", "error-400-bad-params.json"),
    ],
)
def test_records_parse_error_bodies_are_errors(api: str, name: str) -> None:
    path = realworld_file(f"api/{api}/{name}")
    result = runner.invoke(app, ["records", "parse", "--source", api, str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.output.startswith("error: ")  # the API's own message, on one line


def test_records_parse_unknown_source() -> None:
    result = runner.invoke(
        app, ["records", "parse", "--source", "scopus", str(FIX / "arxiv-page.xml")]
    )
    assert result.exit_code == 2
    assert "'scopus' is not one of" in result.output and "openalex" in result.output


def test_explain_prints_each_request(flagship: Path) -> None:
    result = runner.invoke(app, ["search", "--root", str(flagship), "--explain"])
    assert result.exit_code == 0, result.output
    requests = [x for x in result.stdout.splitlines() if x.startswith("http")]
    assert len(requests) == 5
    assert requests[0].startswith("https://api.openalex.org/works?filter=title_and_abstract")
    assert "export.arxiv.org/api/query?search_query=" in result.stdout
    assert not (flagship / "data" / "search").exists()  # nothing sent, nothing written


def test_offline_replay_through_cli(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex", "dblp"])
    with FakeApis(make_works(14)) as fake:
        run(review, fake, settings=settings(page_size=None))  # the CLI's default page size
    result = runner.invoke(app, ["search", "--root", str(review.root), "--offline"])
    assert result.exit_code == 0, result.output
    assert "openalex\tq\thits=14\tretrieved=14" in result.stdout
    assert "0 new records" in result.stderr


def test_cached_file_parses_as_response(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["semanticscholar"])
    with FakeApis(make_works(3)) as fake:
        run(review, fake)
    cached = next((review.search_dir / "cache" / "semanticscholar").glob("*.json"))
    result = runner.invoke(app, ["records", "parse", "-s", "semanticscholar", str(cached)])
    assert len(parse_lines(result.stdout)) == 3


def test_every_command_has_help() -> None:
    for args in (["search", "--help"], ["records", "parse", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and len(result.stdout) > 100
