"""Differential test: the compiled SQL on DuckDB finds exactly what the local evaluator finds.

The snapshot is built in tmp from the real OpenAlex works of ../shared/realworld plus
generated works, in JSON Lines and in Parquet form; every operator of the query language
is exercised by a fixed list, and hypothesis draws random query trees on top.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snapshot_fixtures import generated_works, write_snapshot

from conftest import REALWORLD
from litsift.search.query import QuerySpec, build_query
from litsift.search.snapshot import (
    DuckDBEngine,
    build_index,
    default_folder,
    open_index,
    open_snapshot,
    search,
)
from litsift.search.snapshot.works import to_record

REALWORLD_WORKS = ("api/openalex/search-page-2026.json", "api/openalex/cursor-page-1.json")

# (query, fields, years, types): every operator, scope, wildcard, phrase and limit
QUERIES = [
    ("model", "title-abstract", None, ()),
    ("models", "title", None, ()),
    ("model*", "abstract", None, ()),
    ('"large language model"', "title-abstract", None, ()),
    ('"large language model*"', "title-abstract", None, ()),
    ('"language model*" AND NOT title:survey', "title-abstract", None, ()),
    ("LLM* OR GPT*", "title-abstract", None, ()),
    ("title:(optimi* OR accelerat*) AND abstract:latency", "title-abstract", None, ()),
    ("tiab:inference ti:serving", "abstract", None, ()),
    ("a OR b AND c", "title-abstract", None, ()),
    ("training OR inference NOT serving", "title-abstract", None, ()),
    ("NOT model*", "title-abstract", None, ()),
    ("NOT (model* OR learning)", "title", None, ()),
    ("(deep OR machine) AND learning NOT (survey OR review)", "title-abstract", None, ()),
    ('"state of the art"', "title-abstract", None, ()),
    ("state-of-the-art", "title-abstract", None, ()),
    ("optimizacion OR modele OR naive", "title-abstract", None, ()),
    ("Optimización", "title-abstract", None, ()),
    ('"fine tuning"', "title-abstract", None, ()),
    ('"large language"', "title-abstract", None, ()),
    ("gpt 4", "title-abstract", None, ()),
    ("llm s", "title-abstract", None, ()),
    ("uber", "title-abstract", None, ()),
    ("lang*", "title-abstract", None, ()),
    ("model*", "title-abstract", (2017, 2023), ()),
    ("model*", "title-abstract", None, ("article", "conference-paper")),
    ("NOT model*", "title-abstract", (2015, 2020), ("preprint", "thesis", "review")),
    (
        '("large language model*" OR LLM* OR "transformer model*" OR GPT*) AND (optimi* OR '
        'accelerat* OR efficien* OR "high performance" OR throughput OR latency) AND '
        "(training OR inference OR serving)",
        "title-abstract",
        (2017, 2023),
        ("article", "conference-paper", "preprint"),
    ),
    ("covid* OR pandemic", "title-abstract", None, ()),
    ("zzzunknownword", "title-abstract", None, ()),
]


def _query(text, fields="title-abstract", years=None, types=()):
    spec = {"name": "q", "query": text, "fields": fields, "types": list(types)}
    if years:
        spec["years"] = {"start": years[0], "end": years[1]}
    return build_query(QuerySpec.model_validate(spec))


def _real_works(realworld: Path) -> list[dict]:
    works = []
    for rel in REALWORLD_WORKS:
        works += json.loads((realworld / rel).read_text(encoding="utf-8"))["results"]
    return works


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    real = _real_works(REALWORLD) if REALWORLD.is_dir() else []
    if not real:
        pytest.skip("../shared/realworld is absent")
    # the same work twice in two partitions: the snapshot keeps the newest copy
    return [*real, *generated_works(260, seed=7)]


@pytest.fixture(scope="module", params=["openalex-jsonl", "openalex-parquet"])
def indexed(request, corpus, tmp_path_factory):
    fmt = request.param
    root = write_snapshot(tmp_path_factory.mktemp(fmt), corpus, fmt, per_file=70)
    snap = open_snapshot(root, fmt)
    folder = default_folder(root, fmt)
    build_index(snap, folder)
    engine = DuckDBEngine()
    index = open_index(snap, folder)
    engine.load(index.files())
    yield index, engine
    engine.close()


def _expected(corpus: list[dict], query) -> list[str]:
    records = (to_record(w, "x") for w in corpus)
    return sorted({r.openalex_id for r in records if r and query.matches(r)})


def _found(indexed, query) -> list[str]:
    index, engine = indexed
    return sorted(r.openalex_id for r in search(index, engine, query, "local").records)


@pytest.mark.parametrize(("text", "fields", "years", "types"), QUERIES)
def test_duckdb_matches_local_evaluator(indexed, corpus, text, fields, years, types):
    query = _query(text, fields, years, types)
    assert _found(indexed, query) == _expected(corpus, query)


def test_the_fixed_queries_are_not_trivial(corpus):
    """Guard the differential test itself: most queries match some works but not all."""
    sizes = [len(_expected(corpus, _query(*q))) for q in QUERIES]
    assert sum(0 < s < len(corpus) for s in sizes) >= len(QUERIES) - 3


def test_records_are_parsed_as_the_api_source_parses_them(indexed, corpus):
    query = _query('"large language model*" OR LLM*')
    index, engine = indexed
    got = {r.openalex_id: r for r in search(index, engine, query, "openalex-local").records}
    want = {r.openalex_id: r for r in (to_record(w, "openalex-local") for w in corpus) if r}
    assert got
    for wid, record in got.items():
        assert record == want[wid]


def test_phrase_does_not_span_title_and_abstract(indexed, corpus):
    query = _query('"large language models"')
    spanning = [w for w in corpus if (w.get("title") or "").endswith(" large")]
    assert spanning
    found = set(_found(indexed, query))
    for work in spanning:
        record = to_record(work, "x")
        assert (record.openalex_id in found) == query.matches(record)


# --------------------------------------------------------------------------- hypothesis

WORDS = [
    "model",
    "models",
    "language",
    "large",
    "llm",
    "gpt",
    "training",
    "inference",
    "serving",
    "survey",
    "deep",
    "learning",
    "optimization",
    "the",
    "art",
    "state",
]


def _leaf():
    word = st.sampled_from(WORDS)
    term = st.one_of(
        word,
        word.filter(lambda w: len(w) >= 3).map(lambda w: w[: max(3, len(w) - 2)] + "*"),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
        st.lists(word, min_size=2, max_size=2).map(lambda ws: '"' + " ".join(ws) + '*"'),
    )
    scope = st.sampled_from(["", "ti:", "ab:", "tiab:"])
    return st.tuples(scope, term).map("".join)


def _tree():
    return st.recursive(
        _leaf(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR ", " "]), inner).map(
                lambda t: f"({t[0]}{t[1]}{t[2]})"
            ),
            inner.map(lambda q: f"NOT {q}"),
        ),
        max_leaves=6,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_tree(), fields=st.sampled_from(["title", "abstract", "title-abstract"]))
def test_random_query_trees_agree(indexed, corpus, text, fields):
    query = _query(text, fields)
    assert _found(indexed, query) == _expected(corpus, query)
