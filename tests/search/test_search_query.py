"""The boolean query language: parsing, error positions, local evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from litsift.errors import InputError
from litsift.models import Record
from litsift.search.query import (
    And,
    Not,
    Or,
    QuerySyntaxError,
    Scope,
    Term,
    evaluate,
    parse,
    render,
)
from litsift.store import load_query

ROOT = Path(__file__).resolve().parents[2]


def rec(
    title: str = "", abstract: str = "", year: int | None = 2020, doc_type: str | None = None
) -> Record:
    return Record.build(source="t", title=title, abstract=abstract, year=year, doc_type=doc_type)


def test_precedence_not_and_or() -> None:
    tree = parse("a OR b c NOT d")
    assert isinstance(tree, Or)
    right = tree.children[1]
    assert isinstance(right, And) and isinstance(right.children[2], Not)
    assert render(tree) == "a OR (b AND c AND NOT d)"


def test_phrases_wildcards_and_scopes() -> None:
    tree = parse('title:"large language model*" AND abstract:(fast OR quick) optimi*')
    assert isinstance(tree, And)
    phrase = tree.children[0]
    assert isinstance(phrase, Term) and phrase.phrase and phrase.wildcard
    assert phrase.words == ("large", "language", "model") and phrase.scope is Scope.TITLE
    group = tree.children[1]
    assert isinstance(group, Or) and all(t.scope is Scope.ABSTRACT for t in group.children)
    assert render(tree) == (
        'title:"large language model*" AND (abstract:fast OR abstract:quick) AND optimi*'
    )


@pytest.mark.parametrize(
    ("text", "pos", "message"),
    [
        ("(a OR b", 0, "unbalanced parenthesis: '(' is never closed"),
        ("a OR b)", 6, "unbalanced parenthesis: ')' without '('"),
        ('"open phrase', 0, "unterminated quoted phrase"),
        ("a AND", 5, "query ends after an operator"),
        ("OR a", 0, "operator OR needs a term"),
        ("opt*mi", 3, "only at the end"),
        ("ab*", 0, "shorter than 3"),
        ("venue:x", 0, "unknown field 'venue'"),
        ("()", 0, "empty parentheses"),
        ("", 0, "empty query"),
    ],
)
def test_syntax_errors_have_positions(text: str, pos: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert err.value.pos == pos and message in err.value.message


def test_error_names_file_line_and_column(tmp_path: Path) -> None:
    text = (
        "name: x\n"
        "description: broken on purpose\n"
        "query: >-\n"
        '  ("large language model*" OR LLM*)\n'
        "  AND ((optimi* OR accelerat*)\n"
        "fields: title-abstract\n"
    )
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_query(path)
    assert str(err.value) == f"{path}:5: col 7: unbalanced parenthesis: '(' is never closed"


def test_error_position_in_quoted_scalar(tmp_path: Path) -> None:
    path = tmp_path / "y.yaml"
    path.write_text('name: y\nquery: "a AND b) OR c"\n')
    with pytest.raises(InputError, match=r"y.yaml:2: col 16: unbalanced"):
        load_query(path)


def test_file_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "z.yaml"
    path.write_text("name: z\nquery: a\ntypes: [article, poster]\n")
    with pytest.raises(InputError, match=r"z.yaml:3: types.1"):
        load_query(path)
    path.write_text("name: z\nquery: a\nfeilds: title\n")
    with pytest.raises(InputError, match="feilds"):
        load_query(path)


def test_flagship_query_loads_and_matches() -> None:
    query = load_query(ROOT / "queries" / "llm-optimisation.yaml")
    hit = rec("Efficient inference of large language models on GPUs")
    assert query.matches(hit)
    assert not query.matches(rec("Efficient inference of convolutional networks"))
    assert not query.matches(rec("Efficient LLM inference", year=2016))  # year range
    assert not query.matches(rec("Efficient LLM inference", doc_type="thesis"))  # type
    assert query.matches(rec("LLM serving", "We improve throughput."))  # across fields


def test_evaluation_words_phrases_wildcards() -> None:
    r = rec("Fine-tuning GPT-3 with LoRA", "Parameter efficient training; Ünïcode naïve.")
    assert evaluate(parse('"fine tuning"'), r)
    assert evaluate(parse("fine-tuning"), r)
    assert evaluate(parse("gpt*"), r)
    assert not evaluate(parse("gp"), r)  # whole words only
    assert evaluate(parse("naive unicode"), r)  # accents folded
    assert evaluate(parse("title:lora NOT abstract:lora"), r)
    assert not evaluate(parse("abstract:lora"), r)
    assert not evaluate(parse('"lora parameter"'), r)  # no phrase across title/abstract
    assert evaluate(parse('"efficient train*"'), r)
    assert evaluate(parse("lora"), r, Scope.TITLE)
    assert not evaluate(parse("training"), r, Scope.TITLE)


def test_missing_year_or_type_passes_limits() -> None:
    query = load_query(ROOT / "queries" / "llm-optimisation.yaml")
    assert query.matches(rec("LLM inference latency", year=None, doc_type=None))


words = st.sampled_from(["alpha", "beta", "gamma", "delta"])


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(words)
    op = draw(st.sampled_from(["AND", "OR"]))
    left, right = draw(trees(depth + 1)), draw(trees(depth + 1))
    neg = "NOT " if draw(st.booleans()) else ""
    return f"({left} {op} {neg}{right})"


@given(trees(), st.lists(words, max_size=4))
def test_render_round_trips_and_evaluates_like_python(text: str, present: list[str]) -> None:
    tree = parse(text)
    assert parse(render(tree)) == tree
    r = rec(" ".join(present))
    expr = text.replace("AND", "and").replace("OR", "or").replace("NOT", "not")
    for w in ("alpha", "beta", "gamma", "delta"):
        expr = expr.replace(w, str(w in present))
    assert evaluate(tree, r) == eval(expr)
