"""A translation is never narrower than the query: a property test over random query trees.

For every API source, the request it would send (`Translation.tree`, what the rendered
request expresses) is evaluated on a random local corpus with a model of that source's
*documented* matching rules, written here independently of litsift's code:

- OpenAlex `.search.no_stem`: whole words, no stemming, stop words dropped (a stop word in a
  phrase holds a place and matches any word), per field.
- Semantic Scholar bulk search: title and abstract together, every word stemmed, `*` a prefix.
- arXiv: whole words per field; `*` is undocumented, so modelled as matching nothing.
- DBLP: titles only (no abstracts), every word a prefix.
- Crossref: any of the words, anywhere.
- PubMed E-utilities: whole words in [ti] / [tiab], `*` a prefix of at least 4 characters.
- Europe PMC: whole words per field, `*` a prefix, no truncation inside phrases.

Every record the query matches (the local evaluator; for DBLP on titles, since DBLP has no
abstracts) must be matched by the request. The vocabulary for wildcard expansion is the
corpus itself: records "already retrieved".
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from litsift.ids import fold
from litsift.models import Record
from litsift.search.query import And, Node, Not, QuerySpec, Scope, Term, build_query, render
from litsift.search.relax import Vocabulary, anchored
from litsift.search.sources import SOURCES
from litsift.search.sources.base import Untranslatable
from litsift.search.sources.openalex import STOPWORDS

WORDS = [
    "model", "models", "modeling", "language", "languages", "llm", "llms", "train",
    "training", "trained", "inference", "survey", "surveys", "surveyed", "fast", "faster",
    "gpu", "optimise", "optimiser", "optimization", "serving", "serve", "the", "of",
]  # fmt: skip
STEMS = ["mod", "model", "lang", "llm", "trai", "survey", "opti", "optimi", "fast", "serv"]
SCOPES = [None, "title", "abstract", "title-abstract"]


def stem(word: str) -> str:
    """A crude English stemmer: the model of a stemming engine (only ever broadens)."""
    for suffix in ("ing", "ed", "es", "s", "er", "ation", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# --------------------------------------------------------------------------- query trees


@st.composite
def term_text(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["word", "phrase", "wild", "phrase-wild"]))
    scope = draw(st.sampled_from(SCOPES))
    if kind == "word":
        body = draw(st.sampled_from(WORDS))
    elif kind == "wild":
        body = draw(st.sampled_from(STEMS)) + "*"
    else:
        first = draw(st.sampled_from(WORDS))
        last = draw(st.sampled_from(STEMS if kind == "phrase-wild" else WORDS))
        body = f'"{first} {last}{"*" if kind == "phrase-wild" else ""}"'
    return f"{scope}:{body}" if scope else body


def trees() -> st.SearchStrategy[str]:
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        group = st.lists(children, min_size=2, max_size=3)
        return st.one_of(
            group.map(lambda cs: "(" + " AND ".join(cs) + ")"),
            group.map(lambda cs: "(" + " OR ".join(cs) + ")"),
            children.map(lambda c: f"(NOT {c})"),
        )

    tree = st.recursive(term_text(), extend, max_leaves=6)
    # reviews' queries mostly look like "(A) AND (B) NOT C": make that shape common
    shaped = st.tuples(tree, tree, tree).map(lambda t: f"{t[0]} AND {t[1]} NOT {t[2]}")
    return st.one_of(tree, shaped)


corpus_text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=7).map(" ".join)
corpora = st.lists(st.tuples(corpus_text, corpus_text), min_size=5, max_size=25)


def records(pairs: list[tuple[str, str]]) -> list[Record]:
    return [
        Record.build(source="t", title=t or None, abstract=a or None, openalex_id=f"W{i}")
        for i, (t, a) in enumerate(pairs)
    ]


# --------------------------------------------------------------------------- source models

Fields = dict[Scope, list[str]]


def fields(record: Record, *, abstracts: bool = True) -> Fields:
    title = fold(record.title).split()
    abstract = fold(record.abstract).split() if abstracts else []
    return {
        Scope.TITLE: title,
        Scope.ABSTRACT: abstract,
        Scope.TITLE_ABSTRACT: [*title, "\x00", *abstract],
    }


WordMatch = Callable[[str, str, bool], bool]  # (token, query word, is truncated) -> match


def phrase_in(tokens: list[str], words: tuple[str, ...], last_wild: bool, match: WordMatch) -> bool:
    n = len(words)
    for i in range(len(tokens) - n + 1):
        if all(match(tokens[i + k], w, last_wild and k == n - 1) for k, w in enumerate(words)):
            return True
    return False


def evaluate(node: Node, flds: Fields, term: Callable[[Term, Fields], bool]) -> bool:
    if isinstance(node, Term):
        return term(node, flds)
    if isinstance(node, Not):
        return not evaluate(node.child, flds, term)
    results = [evaluate(c, flds, term) for c in node.children]
    return all(results) if isinstance(node, And) else any(results)


def whole_word(tok: str, word: str, wild: bool) -> bool:
    return tok.startswith(word) if wild else tok == word


def openalex_term(t: Term, flds: Fields) -> bool:
    assert not t.wildcard, "OpenAlex has no wildcards: they must be expanded"
    words = tuple(w for w in t.words)
    if all(w in STOPWORDS for w in words):
        return True  # a query of stop words only constrains nothing

    def match(tok: str, w: str, wild: bool) -> bool:
        return w in STOPWORDS or tok == w

    tokens = [tok for tok in flds[t.scope or Scope.TITLE_ABSTRACT]]
    return phrase_in(tokens, words, False, match)


def s2_term(t: Term, flds: Fields) -> bool:
    def match(tok: str, w: str, wild: bool) -> bool:
        return tok.startswith(w) if wild else stem(tok) == stem(w)

    return phrase_in(flds[Scope.TITLE_ABSTRACT], t.words, t.wildcard, match)


def arxiv_term(t: Term, flds: Fields) -> bool:
    if t.wildcard:
        return False  # undocumented: assume the worst
    return phrase_in(flds[t.scope or Scope.TITLE_ABSTRACT], t.words, False, whole_word)


def dblp_term(t: Term, flds: Fields) -> bool:
    return any(tok.startswith(w) for w in t.words for tok in flds[Scope.TITLE])


def crossref_term(t: Term, flds: Fields) -> bool:
    return any(tok in t.words for tok in flds[Scope.TITLE_ABSTRACT])


def pubmed_term(t: Term, flds: Fields) -> bool:
    assert t.scope in (Scope.TITLE, Scope.TITLE_ABSTRACT), "PubMed has [ti] and [tiab] only"
    assert not t.wildcard or len(t.words[-1]) >= 4, "PubMed truncates 4 letters or more"
    return phrase_in(flds[t.scope], t.words, t.wildcard, whole_word)


def europepmc_term(t: Term, flds: Fields) -> bool:
    assert not (t.wildcard and t.phrase), "Lucene has no truncation inside a phrase"
    return phrase_in(flds[t.scope or Scope.TITLE_ABSTRACT], t.words, t.wildcard, whole_word)


MODELS: dict[str, Callable[[Term, Fields], bool]] = {
    "openalex": openalex_term,
    "semanticscholar": s2_term,
    "arxiv": arxiv_term,
    "dblp": dblp_term,
    "crossref": crossref_term,
    "pubmed": pubmed_term,
    "europepmc": europepmc_term,
}


def check_superset(api: str, text: str, pairs: list[tuple[str, str]]) -> None:
    query = build_query(QuerySpec(name="q", query=text))
    recs = records(pairs)
    source = SOURCES[api]
    abstracts = api != "dblp"
    expected = (
        {r.id for r in recs if query.matches_text(r.model_copy(update={"abstract": None}))}
        if not abstracts
        else {r.id for r in recs if query.matches_text(r)}
    )
    try:
        tr = source.translate(query, Vocabulary.from_records(recs))
    except Untranslatable:
        assert not anchored(query.tree) or not expected, (api, text)
        return
    assert tr.tree is not None
    got = {r.id for r in recs if evaluate(tr.tree, fields(r, abstracts=abstracts), MODELS[api])}
    missing = expected - got
    assert not missing, (
        f"{api}: request {tr.text!r} for {render(query.tree)!r} misses {len(missing)} records"
    )


# the cases the issue found, always tried besides the random ones
KNOWN = [
    ("model NOT models", [("model fast", ""), ("models fast", ""), ("fast", "model")]),
    ("llm NOT title:survey", [("llm", "we survey"), ("llm survey", ""), ("llm surveys", "")]),
    ('gpu NOT "language model*"', [("gpu", "language modeling"), ("gpu language", "model")]),
    ('gpu NOT "state of the art"', [("gpu state in the art", ""), ("gpu state of the art", "")]),
    ("gpu AND (llm OR NOT survey)", [("gpu", ""), ("gpu survey", ""), ("gpu llm survey", "")]),
    ("trai* AND NOT abstract:fast", [("training fast", ""), ("trained", "fast")]),
]


def known_examples(test):
    for text, pairs in KNOWN:
        test = example(text=text, pairs=pairs)(test)
    return test


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=trees(), pairs=corpora)
@known_examples
def test_every_source_translation_is_never_narrower(text: str, pairs: list) -> None:
    for api in MODELS:
        check_superset(api, text, pairs)


def test_every_source_has_a_model() -> None:
    assert set(MODELS) == set(SOURCES)


# --------------------------------------------------------------------------- the bugs


def test_scoped_not_on_semantic_scholar_is_not_sent_unscoped() -> None:
    # before: "-survey" dropped papers with "survey" in the abstract only
    pairs = [("fast llm inference", "we survey nothing here"), ("a survey of llm", "")]
    check_superset("semanticscholar", "llm NOT title:survey", pairs)
    tr = SOURCES["semanticscholar"].translate(
        build_query(QuerySpec(name="q", query="llm NOT title:survey"))
    )
    assert "-" not in tr.text and any("NOT title:survey" in n for n in tr.notes)


def test_x_or_not_y_is_refused_not_narrowed() -> None:
    q = build_query(QuerySpec(name="q", query="llm OR NOT survey"))
    for api in ("dblp", "arxiv", "crossref", "openalex"):
        try:
            tr = SOURCES[api].translate(q)
        except Untranslatable as e:
            assert "NOT under OR" in str(e)
        else:  # pragma: no cover - a source may only answer with a broader request
            raise AssertionError(f"{api} sent {tr.text!r}")
    inner = build_query(QuerySpec(name="q", query="gpu AND (llm OR NOT survey)"))
    assert SOURCES["dblp"].translate(inner).text == "gpu"
    assert SOURCES["arxiv"].translate(inner).text == "ti:gpu OR abs:gpu"
