"""Query lint: findings with file, line and column; surfaced by `litsift search --explain`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakeapi import write_review
from litsift.cli import app
from litsift.search.lint import errors, lint_query_text
from litsift.search.sources import SOURCES

DIALECTS = [s.dialect for s in SOURCES.values() if s.dialect is not None]


def findings(query: str, fields: str = "title-abstract", dialects=()) -> list:
    text = f"name: q\nquery: >-\n  {query}\nfields: {fields}\n"
    return lint_query_text("queries/q.yaml", text, dialects)


def codes(query: str, **kw: object) -> list[str]:
    return [f.code for f in findings(query, **kw)]  # type: ignore[arg-type]


def test_lower_case_operators_are_warned_with_line_and_column() -> None:
    (f,) = findings("llm and (inference or serving)")[:1]
    assert f.level == "warning" and f.code == "lower-case-operator"
    assert (f.path, f.line, f.col) == ("queries/q.yaml", 3, 7)
    assert "write AND" in f.message
    assert codes("llm and (inference or serving)").count("lower-case-operator") == 2
    assert codes('llm "and"') == [] and codes("llm AND android") == []


def test_bare_not_is_an_error() -> None:
    for query in ("NOT survey", "llm OR NOT survey", "(NOT a) AND (NOT b)"):
        found = errors(findings(query))
        assert [f.code for f in found] == ["bare-not"], query
    assert codes("llm AND (gpu OR NOT survey)") == ["not-in-or"]
    assert codes("llm NOT survey") == []


def test_parse_errors_become_findings_with_position() -> None:
    (short,) = findings("llm AND ab*")
    assert short.code == "short-wildcard" and short.level == "error" and short.col == 11
    (empty,) = findings("llm AND ()")
    assert empty.code == "empty-group" and (empty.line, empty.col) == (3, 11)
    (phrase,) = findings('llm AND ""')
    assert phrase.code == "empty-group"


def test_fields_a_source_cannot_search() -> None:
    found = findings("abstract:llm AND title:gpu AND tiab:fast", dialects=DIALECTS)
    messages = [f.message for f in found if f.code == "field-not-searchable"]
    assert any(m.startswith("DBLP records have no abstract") for m in messages)
    assert any(m.startswith("Semantic Scholar cannot search the title") for m in messages)
    assert any(m.startswith("PubMed cannot search the abstract") for m in messages)
    assert any(m.startswith("Crossref cannot search the title") for m in messages)
    assert not any(m.startswith("OpenAlex") for m in messages)


def test_short_stem_for_a_source() -> None:
    found = findings("LLM* AND inference", dialects=DIALECTS)
    (f,) = [f for f in found if f.code == "short-wildcard"]
    assert f.level == "warning" and "PubMed truncates only stems of 4 letters" in f.message
    assert str(f).startswith("queries/q.yaml:3:3: warning: PubMed")


def test_flagship_query_has_no_errors() -> None:
    text = (Path(__file__).resolve().parents[2] / "queries" / "llm-optimisation.yaml").read_text()
    assert errors(lint_query_text("queries/llm-optimisation.yaml", text, DIALECTS)) == []


def review_with(tmp_path: Path, query: str, apis: list[str]) -> Path:
    root = tmp_path / "r"
    write_review(root, apis, query=query)
    return root


def test_explain_shows_lint_and_post_filter_reasons(tmp_path: Path) -> None:
    root = review_with(tmp_path, "llm and inference NOT title:survey", ["semanticscholar", "dblp"])
    result = CliRunner().invoke(app, ["search", "--explain", "--root", str(root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "queries/q.yaml:2:" in out and "lower-case-operator" in out
    assert "# semanticscholar (Semantic Scholar), query q [post-filtered locally]" in out
    assert "post-filtered: NOT title:survey: Semantic Scholar" in out
    assert "https://api.semanticscholar.org/graph/v1/paper/search/bulk?query=" in out


def test_search_refuses_a_bare_not(tmp_path: Path) -> None:
    root = review_with(tmp_path, "llm OR NOT survey", ["dblp"])
    result = CliRunner().invoke(app, ["search", "--root", str(root)])
    assert result.exit_code == 2
    assert "queries/q.yaml:2:" in result.output and "bare-not" in result.output
    explain = CliRunner().invoke(app, ["search", "--explain", "--root", str(root)])
    assert explain.exit_code == 0 and "not searched" in explain.output


@pytest.mark.parametrize("api", sorted(SOURCES))
def test_every_source_has_a_dialect(api: str) -> None:
    assert SOURCES[api].dialect is not None
