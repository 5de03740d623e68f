"""OpenAlex works: `filter=<field>.search.no_stem:<boolean>`, cursor paging (per_page <= 200)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litsift.models import Record
from litsift.search.query import And, DocType, Node, Not, Or, Query, Scope, Term, render
from litsift.search.relax import Dialect, Relaxation, Vocabulary, relax, scopes_of
from litsift.search.sources.base import (
    ApiError,
    ApiSource,
    Page,
    Request,
    Translation,
    as_int,
    checked,
    clean,
    dig,
    load_json,
    render_boolean,
    translation,
)

BASE = "https://api.openalex.org/works"
_FILTER_FIELD = {
    Scope.TITLE: "title.search.no_stem",
    Scope.ABSTRACT: "abstract.search.no_stem",
    Scope.TITLE_ABSTRACT: "title_and_abstract.search.no_stem",
}
_TYPES_OUT = {
    DocType.ARTICLE: "article",
    DocType.CONFERENCE_PAPER: "article",
    DocType.PREPRINT: "preprint",
    DocType.REVIEW: "review",
    DocType.BOOK: "book",
    DocType.BOOK_CHAPTER: "book-chapter",
    DocType.THESIS: "dissertation",
    DocType.DATASET: "dataset",
    DocType.REPORT: "report",
    DocType.EDITORIAL: "editorial",
    DocType.ERRATUM: "erratum",
    DocType.RETRACTION: "retraction",
    DocType.LETTER: "letter",
    DocType.OTHER: "other",
}
_TYPES_IN = {
    "article": "article",
    "preprint": "preprint",
    "review": "review",
    "book": "book",
    "book-chapter": "book-chapter",
    "dissertation": "thesis",
    "dataset": "dataset",
    "report": "report",
    "editorial": "editorial",
    "erratum": "erratum",
    "retraction": "retraction",
    "letter": "letter",
}
SELECT = (
    "id,doi,title,display_name,publication_year,type,language,ids,authorships,"
    "primary_location,biblio,abstract_inverted_index,cited_by_count"
)


def _term(t: Term) -> str:
    # commas separate filters and '|' means OR of values in a filter: keep them out
    text = " ".join(t.words) if t.wildcard else t.text
    text = text.replace(",", " ").replace("|", " ").replace('"', " ")
    return f'"{text}"' if t.phrase else text


# Elasticsearch's default English stop words: OpenAlex documents that it drops stop words
_STOPWORDS = (
    "a an and are as at be but by for if in into is it no not of on or such that the "
    "their then there these they this to was will with"
)
STOPWORDS = frozenset(_STOPWORDS.split())
# `.search.no_stem` filters: whole words, no stemming (what the local evaluator does)
DIALECT = Dialect(
    "OpenAlex",
    scopes={s: s for s in Scope},
    stopwords=STOPWORDS,
    nots="and",  # Lucene-style NOT inside OR does not mean what it says
)
_ONE_FIELD = Dialect(
    "one OpenAlex filter",
    scopes={s: Scope.TITLE_ABSTRACT for s in Scope},
    negatable=frozenset({Scope.TITLE_ABSTRACT}),
    stopwords=STOPWORDS,
    nots="and",
)


class OpenAlex(ApiSource):
    """OpenAlex works, https://developers.openalex.org/guides/searching.

    One `<field>.search.no_stem:<boolean>` filter per field (filters are ANDed): title,
    abstract, or title_and_abstract. OpenAlex matches whole words only, drops stop words
    and has no wildcards, so a wildcard is expanded from the words of records already
    retrieved; `.no_stem` makes a NOT exclude exactly the word written.
    """

    dialect = DIALECT
    needs_vocabulary = True
    api = "openalex"
    platform = "OpenAlex"
    rate = 10.0  # the API allows 100/s per key; 10/s keeps a search polite
    page_size = 200  # documented maximum per_page
    key_env = "OPENALEX_API_KEY"
    key_param = "api_key"
    mailto_param = "mailto"

    def _filters(
        self, query: Query, vocabulary: Vocabulary | None
    ) -> tuple[list[str], Node, Relaxation]:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        groups: dict[Scope, list[Node]] = {}
        for part in tree.children if isinstance(tree, And) else (tree,):
            scopes = scopes_of(part, query.scope)
            if len(scopes) > 1:
                wide = relax(part, _ONE_FIELD, query.scope, vocabulary)
                relaxed.notes.extend(n for n in wide.notes if n not in relaxed.notes)
                relaxed.note(
                    f"{render(part, top=False)}: fields mixed inside one group; the group is "
                    "searched in title and abstract and its fields applied locally"
                )
                if isinstance(wide.tree, bool):
                    continue
                part, scopes = wide.tree, {Scope.TITLE_ABSTRACT}
            groups.setdefault(scopes.pop(), []).append(part)
        filters, sent = [], []
        for scope in (Scope.TITLE_ABSTRACT, Scope.TITLE, Scope.ABSTRACT):
            parts = groups.get(scope, [])
            if parts and all(isinstance(p, Not) for p in parts):
                for p in parts:
                    relaxed.note(
                        f"{render(p, top=False)}: OpenAlex cannot exclude on the "
                        f"{scope.value} without a term searched there; left out of the request "
                        "and applied locally"
                    )
                continue
            if parts:
                node = parts[0] if len(parts) == 1 else And(tuple(parts))
                filters.append(f"{_FILTER_FIELD[scope]}:{render_boolean(node, _term)}")
                sent.append(_rescope(node, scope))
        if not filters:
            checked(Relaxation(True), self.platform, query)
        return filters, sent[0] if len(sent) == 1 else And(tuple(sent)), relaxed

    def _limits(self, query: Query) -> list[str]:
        out = []
        if query.spec.years:
            out.append(f"publication_year:{query.spec.years.start}-{query.spec.years.end}")
        types = sorted({_TYPES_OUT[t] for t in query.spec.types})
        if types:
            out.append("type:" + "|".join(types))
        return out

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        filters, tree, relaxed = self._filters(query, vocabulary)
        info: tuple[str, ...] = ()
        if DocType.CONFERENCE_PAPER in query.spec.types:
            info = ("OpenAlex types conference papers as 'article'",)
        text = ",".join(filters + self._limits(query))
        return translation(text, relaxed, tree, info=info)

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        filt = self.translate(query, vocabulary).text
        size = min(page_size or self.page_size, self.page_size)
        return Request(
            self.api,
            BASE,
            (("filter", filt), ("select", SELECT), ("per_page", str(size)), ("cursor", "*")),
        )

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        if not page.next or not page.raw_count:
            return None
        return request.with_params(request.page + 1, cursor=page.next)

    def parse(self, body: str, source: str | None = None) -> Page:
        data = load_json(body, self.api)
        if isinstance(data, dict) and "error" in data and "results" not in data:
            raise ApiError(
                f"openalex: {clean(data.get('error'))}: {(clean(data.get('message')) or '')[:300]}"
            )
        if isinstance(data, dict) and "results" not in data and "id" in data:
            results = [data]  # a single work
        elif isinstance(data, dict) and isinstance(data.get("results"), list):
            results = data["results"]
        else:
            raise ApiError("openalex: response has neither 'results' nor a work")
        records = tuple(r for r in (parse_work(w, source or self.api) for w in results) if r)
        return Page(
            records,
            total=as_int(dig(data, "meta", "count")),
            next=dig(data, "meta", "next_cursor"),
            raw_count=len(results),
        )


def abstract_from_index(index: Any) -> str | None:
    """Rebuild an abstract from OpenAlex's inverted index {word: [positions]}."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions if isinstance(positions, list) else ():
            if isinstance(pos, int):
                slots[pos] = word
    return clean(" ".join(slots[i] for i in sorted(slots)))


def _doc_type(work: dict) -> str | None:
    raw = work.get("type")
    if raw == "article" and dig(work, "primary_location", "source", "type") == "conference":
        return DocType.CONFERENCE_PAPER.value
    if raw is None:
        return None
    return _TYPES_IN.get(raw, DocType.OTHER.value)


def parse_work(work: Any, source: str = "openalex") -> Record | None:
    """One OpenAlex work as a Record (None for a non-object)."""
    if not isinstance(work, dict):
        return None
    wid = (work.get("id") or "").rsplit("/", 1)[-1] or None
    authors = [
        clean(dig(a, "author", "display_name")) or clean(dig(a, "raw_author_name"))
        for a in work.get("authorships") or []
    ]
    pages = "-".join(
        p
        for p in (dig(work, "biblio", "first_page"), dig(work, "biblio", "last_page"))
        if isinstance(p, str) and p
    )
    return Record.build(
        source=source,
        origin=f"{source}:{wid}",
        source_key=wid,
        title=clean(work.get("title") or work.get("display_name")),
        abstract=abstract_from_index(work.get("abstract_inverted_index")),
        authors=[a for a in authors if a],
        year=as_int(work.get("publication_year")),
        venue=clean(dig(work, "primary_location", "source", "display_name")),
        doi=work.get("doi") if isinstance(work.get("doi"), str) else None,
        arxiv_id=None,
        pmid=_pmid(dig(work, "ids", "pmid")),
        openalex_id=wid,
        volume=clean(dig(work, "biblio", "volume")),
        issue=clean(dig(work, "biblio", "issue")),
        pages=pages or None,
        language=clean(work.get("language")),
        doc_type=_doc_type(work),
        url=dig(work, "primary_location", "landing_page_url") or None,
        cited_by_count=as_int(work.get("cited_by_count")),
    )


def _pmid(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value.rstrip("/").rsplit("/", 1)[-1]
    return None


def _rescope(node: Node, scope: Scope) -> Node:
    """The tree with every term's field made explicit (what one filter searches)."""
    if isinstance(node, Term):
        return node if node.scope == scope else replace(node, scope=scope)
    if isinstance(node, Not):
        return Not(_rescope(node.child, scope))
    kind = And if isinstance(node, And) else Or
    return kind(tuple(_rescope(c, scope) for c in node.children))
