"""`litsift search --translate DB`: advanced-search strings checked against each database's
documented syntax (field codes, phrases and proximity, truncation, NOT), never narrower
than the query; CoLRev's search-query parses the PubMed and Web of Science strings as an
independent check; the strings are logged per database and the export imports as it."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import given, settings
from test_search_translate_superset import corpora as corpora_strategy
from test_search_translate_superset import (
    evaluate,
    fields,
    known_examples,
    phrase_in,
    records,
    stem,
    trees,
    whole_word,
)
from typer.testing import CliRunner

from fakeapi import write_review
from litsift import runner
from litsift.cli import app
from litsift.errors import InputError
from litsift.ids import fold
from litsift.models import Record
from litsift.report import methods
from litsift.search.query import QuerySpec, Scope, Term, build_query
from litsift.search.relax import ExactTerm, Vocabulary
from litsift.search.translate import TARGETS, translate_for, translations
from litsift.store import Review

FLAG = dict(years={"start": 2017, "end": 2023}, types=["article", "conference-paper"])
QUERY = '("large language model*" OR LLM*) AND title:(inference OR serving) NOT title:survey'


def q(text: str = QUERY, **kw: object):
    return build_query(QuerySpec(name="q", query=text, **kw))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- per database


def test_scopus() -> None:
    ds = translate_for(q(**FLAG), "scopus")
    assert ds.text == (
        "((TITLE-ABS-KEY(large PRE/0 language PRE/0 model* OR llm*) AND "
        "TITLE(inference OR serving)) AND NOT TITLE({survey})) "
        "AND PUBYEAR > 2016 AND PUBYEAR < 2024 AND (DOCTYPE(ar) OR DOCTYPE(cp))"
    )
    # a phrase with a wildcard is PRE/0 (wildcards are punctuation inside quotes);
    # a word under NOT is {exact}: Scopus would also exclude its plural
    assert not ds.exact and any("TITLE-ABS-KEY" in n for n in ds.notes)
    neg = translate_for(q('llm NOT "position paper" NOT survey*'), "scopus").text
    assert neg == (
        "TITLE-ABS-KEY(llm) AND NOT ((TITLE({position paper}) OR ABS({position paper})) "
        "OR (TITLE(survey*) OR ABS(survey*)))"
    )


def test_web_of_science() -> None:
    ds = translate_for(q(**FLAG), "wos")
    assert ds.text == (
        '((TS=("large language model*" OR llm*) AND TI=(inference OR serving)) '
        'NOT TI="survey") AND PY=(2017-2023) AND DT=("Article" OR "Proceedings Paper")'
    )
    # quotes turn lemmatization off: NOT "survey" does not also drop "surveys"
    assert translate_for(q("llm NOT abstract:survey*"), "wos").text == "TS=llm NOT AB=survey*"


def test_pubmed() -> None:
    ds = translate_for(q(years={"start": 2017, "end": 2023}), "pubmed")
    assert ds.text == (
        '((("large language model*"[tiab] OR llm[tiab]) AND (inference[ti] OR serving[ti])) '
        "NOT survey[ti]) AND (2017:2023[dp])"
    )
    assert any(w.startswith("LLM*: PubMed cannot truncate") for w in ds.warnings)
    expanded = translate_for(q(), "pubmed", Vocabulary({"llm": 3, "llms": 2, "llama": 1}))
    assert "OR llm[tiab] OR llms[tiab])" in expanded.text and not expanded.warnings


def test_embase_ovid() -> None:
    ds = translate_for(q(years={"start": 2017, "end": 2023}), "embase")
    assert ds.text == (
        "1. ((large language model* or llm*).ti,ab. and (inference or serving).ti.) "
        "not (survey).ti.\n"
        '2. limit 1 to yr="2017 - 2023"'
    )
    # a phrase holding an operator word is quoted; a stop word under NOT is not sent
    ds = translate_for(q('"search and rescue" NOT "state of the art"'), "embase")
    assert ds.text.startswith('1. ("search and rescue").ti,ab.')
    assert any("stop words" in n for n in ds.notes)


def test_ieee_xplore() -> None:
    ds = translate_for(q(), "ieee")
    assert ds.text == (
        '((("Document Title":"large language model*" OR "Abstract":"large language model*") '
        'OR ("Document Title":llm* OR "Abstract":llm*)) AND '
        '("Document Title":inference OR "Document Title":serving)) NOT "Document Title":"survey"'
    )


def test_acm_dl_drops_not_it_would_stem() -> None:
    ds = translate_for(q(), "acm")
    assert "survey" not in ds.text and "Title:(inference OR serving)" in ds.text
    assert any("NOT title:survey" in n and "stems" in n for n in ds.notes)
    assert "(Title:(llm*) OR Abstract:(llm*))" in ds.text  # no group across two fields


def test_google_scholar() -> None:
    vocab = Vocabulary({"model": 5, "models": 4, "modelling": 1, "llm": 2, "llms": 1})
    ds = translate_for(q(), "scholar", vocab)
    assert ds.text == (
        '("large language model" OR "large language modelling" OR "large language models" '
        "OR llm OR llms) (intitle:inference OR intitle:serving) -intitle:survey"
    )
    assert not ds.warnings and any("full text" in n for n in ds.notes)
    long = translate_for(q(" OR ".join(f"word{i}" for i in range(60))), "scholar")
    assert any("256" in w for w in long.warnings)


def test_unknown_database_and_aliases() -> None:
    with pytest.raises(InputError, match="known: acm, embase"):
        translate_for(q(), "nosuch")
    assert translate_for(q(), "web-of-science").target == "wos"


def test_translations_are_data_for_every_query_and_database() -> None:
    rows = translations([q()], list(TARGETS))
    assert [r["target"] for r in rows] == list(TARGETS)
    assert {"string", "database", "notes", "warnings", "exact", "query"} <= set(rows[0])


# --------------------------------------------------------------------------- never narrower


OVID_STOP = {"the", "of", "and", "or", "not", "a", "an", "is", "to", "in"}


def _scope_tokens(flds, t) -> list[str]:
    return flds[t.scope or Scope.TITLE_ABSTRACT]


def target_term(key: str):
    """Each database's documented matching of one term (ExactTerm: written to match as is)."""
    stemmed = key in {"scopus", "wos", "ieee", "acm"}

    def match(t, flds) -> bool:
        exact = isinstance(t, ExactTerm) or not stemmed

        def word(tok: str, w: str, wild: bool) -> bool:
            if wild:
                return tok.startswith(w)
            return tok == w if exact else stem(tok) == stem(w)

        tokens = _scope_tokens(flds, t)
        if key == "embase":  # stop words in an Ovid phrase are not counted
            kept = tuple(w for w in t.words if w not in OVID_STOP) or t.words
            return phrase_in(
                [x for x in tokens if x not in OVID_STOP], kept, t.wildcard, whole_word
            )
        if key in {"pubmed", "scholar"}:
            return phrase_in(tokens, t.words, t.wildcard, whole_word)
        return phrase_in(tokens, t.words, t.wildcard, word)

    return match


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=trees(), pairs=corpora_strategy)
@known_examples
def test_every_database_string_is_never_narrower(text: str, pairs: list) -> None:
    query = q(text)
    recs = records(pairs)
    expected = {r.id for r in recs if query.matches_text(r)}
    for key in TARGETS:
        try:
            ds = translate_for(query, key, Vocabulary.from_records(recs))
        except InputError:
            continue  # unanchored: lint refuses these
        got = {r.id for r in recs if evaluate(ds.tree, fields(r), target_term(key))}
        assert expected <= got, (key, ds.text, text)


# --------------------------------------------------------------------------- search-query

sq_parser = pytest.importorskip("search_query.parser")


def _quiet(fn, *args, **kw):
    """search-query prints its linter report to stdout."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kw)


def _eval_sq(node, record: Record) -> bool:
    """Evaluate a search-query generic tree with whole-word matching per field."""
    op = (node.value or "").upper() if node.operator else None
    if op == "AND":
        return all(_eval_sq(c, record) for c in node.children)
    if op == "OR":
        return any(_eval_sq(c, record) for c in node.children)
    if op == "NOT":
        first, *rest = node.children
        return _eval_sq(first, record) and not any(_eval_sq(c, record) for c in rest)
    assert not node.operator, node.value
    field = node.field.value if node.field is not None else "title"
    text = {"title": record.title, "abstract": record.abstract}.get(field.strip("[]"), "")
    value = fold(node.value.strip('"'))
    words = value.split()
    wild = node.value.rstrip('"').endswith("*")
    return phrase_in(fold(text).split(), tuple(words), wild, whole_word)


@pytest.mark.parametrize("key,platform", [("pubmed", "pubmed"), ("wos", "wos")])
@settings(max_examples=30, deadline=None, derandomize=True)
@given(text=trees(), pairs=corpora_strategy)
def test_search_query_parses_pubmed_and_wos_strings_as_a_superset(
    key: str, platform: str, text: str, pairs: list
) -> None:
    query = q(text)
    recs = records(pairs)
    try:
        ds = translate_for(query, key, Vocabulary.from_records(recs))
    except InputError:
        return
    if key == "wos" and isinstance(ds.tree, Term):
        return  # search-query 0.15 fails on a WoS string of one term ("Root node ... replaced")
    parsed = _quiet(sq_parser.parse, ds.text, platform=platform)
    generic = _quiet(parsed.translate, "generic")
    # Web of Science TS= also searches keywords: the corpus has none
    expected = {r.id for r in recs if query.matches_text(r)}
    got = {r.id for r in recs if _eval_sq(_strip_keywords(generic), r)}
    assert expected <= got, (ds.text, text)


def _strip_keywords(node):
    """Drop the keyword fields TS= expands to (the corpus has no keywords)."""
    if node.operator:
        kids = [c for c in node.children if c.operator or "keywords" not in str(node_field(c))]
        node.children = [_strip_keywords(c) for c in kids]
    return node


def node_field(node) -> str:
    return node.field.value if node.field is not None else ""


def test_search_query_lints_the_flagship_strings_without_errors() -> None:
    query = build_query(
        QuerySpec.model_validate(
            yaml.safe_load(
                (
                    Path(__file__).resolve().parents[2] / "queries" / "llm-optimisation.yaml"
                ).read_text()
            )
        )
    )
    for key, platform in (("pubmed", "pubmed"), ("wos", "wos")):
        text = translate_for(query, key).text
        body = re.sub(r" AND \((2017:2023\[dp\])\)$| AND PY=\(2017-2023\)$", "", text)
        parsed = _quiet(sq_parser.parse, body, platform=platform)
        assert parsed.to_string().count("OR") >= 10


# --------------------------------------------------------------------------- log and import


def scopus_review(tmp_path: Path) -> Review:
    root = tmp_path / "r"
    write_review(root, [], query='"language model" AND (inference OR training)')
    text = (root / "review.yaml").read_text()
    text = text.replace(
        "sources:\n", "sources:\n  - {name: scopus, platform: Scopus, translate: scopus}\n"
    )
    (root / "review.yaml").write_text(text)
    return Review(root)


def test_translate_logs_the_string_and_the_export_imports_as_that_source(tmp_path: Path) -> None:
    review = scopus_review(tmp_path)
    result = CliRunner().invoke(
        app, ["search", "--translate", "scopus", "--root", str(review.root)]
    )
    assert result.exit_code == 0, result.output
    assert 'TITLE-ABS-KEY("language model" AND (inference OR training))' in result.output
    (log,) = sorted((review.search_dir / "log").glob("*.yaml"))
    data = yaml.safe_load(log.read_text())
    assert data["mode"] == "translated"
    (entry,) = data["sources"]
    assert entry["source"] == "scopus" and entry["status"] == "translated"
    assert entry["query_sent"].startswith("TITLE-ABS-KEY(")
    rows = [r for r in review.search.summary() if r["source"] == "scopus"]
    assert rows and rows[0]["query_sent"] == entry["query_sent"]
    # the methods text records the string per database
    text = methods.search_paragraph(
        SimpleNamespace(protocol=review.protocol, searches=rows, imports=())
    )
    assert "Scopus was searched on " in text and "with the string \u201cTITLE-ABS-KEY(" in text
    assert "export imported as scopus" in text
    # the reviewer's export: one record the query matches, one the broader string let in
    export = review.root / "scopus.ris"
    export.write_text(
        "TY  - JOUR\nTI  - Inference for a language model\nAB  - We study it.\n"
        "PY  - 2020\nER  - \n\n"
        "TY  - JOUR\nTI  - Language models for poetry\nAB  - Keywords: inference.\nPY  - 2020\n"
        "KW  - language model\nER  - \n\n"
        "TY  - JOUR\nTI  - Graph colouring\nPY  - 2020\nER  - \n"
    )
    imported = CliRunner().invoke(
        app, ["import", str(export), "--source", "scopus", "--root", str(review.root)]
    )
    assert imported.exit_code == 0, imported.output
    assert "3 read, 2 imported, 1 rejected" in imported.output
    assert "the scopus string is broader" in imported.output
    ident = runner.identify(review)
    assert ident.per_source["scopus"] == 2
    (res,) = ident.imports
    assert len(res.rejected) == 1 and res.read == 3


def test_translate_a_replay_lineage_is_not_disturbed(tmp_path: Path) -> None:
    review = scopus_review(tmp_path)
    CliRunner().invoke(app, ["search", "--translate", "all", "--root", str(review.root)])
    offline = CliRunner().invoke(app, ["search", "--offline", "--root", str(review.root)])
    assert offline.exit_code == 2 and "no earlier search to replay" in offline.output


def test_review_yaml_names_the_same_databases_and_apis_as_the_code() -> None:
    """review.yaml's `api:` and `translate:` take the closed lists of litsift.vocab, which
    must name exactly the sources and databases the code has."""
    from litsift.models import Source
    from litsift.search.sources import SOURCES
    from litsift.vocab import Api, TranslateTarget

    assert set(TranslateTarget) == set(TARGETS)
    assert set(Api) == set(SOURCES)
    assert Source.model_fields["translate"].annotation == TranslateTarget | None
    assert Source.model_fields["api"].annotation == Api | None
