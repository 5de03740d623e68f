"""Semantic Scholar bulk search: `+ | -`, quotes, prefix `*`, token paging (1000 a page).

https://api.semanticscholar.org/api-docs/graph (paper bulk search): the query is matched
against title and abstract together, every term is stemmed in English, `+` is AND, `|`
OR, `-` negates a term, quotes make a phrase, `*` matches a prefix. So field scopes are
widened to title and abstract, and a NOT is left to the local filter (a stemmed `-survey`
would also drop "surveys"), unless it negates a truncated word. The API key, when set,
travels in the x-api-key header; the documented limit for a key is one request per second.
"""

from __future__ import annotations

from typing import Any

from litsift.models import Record
from litsift.search.query import DocType, Query, Scope, Term
from litsift.search.relax import Dialect, Vocabulary, relax
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

BASE = "https://api.semanticscholar.org/graph/v1/paper/search/bulk"
FIELDS = (
    "paperId,externalIds,title,abstract,year,venue,authors,publicationTypes,publicationDate,"
    "journal,citationCount"
)
_TYPES_OUT = {
    DocType.ARTICLE: "JournalArticle",
    DocType.CONFERENCE_PAPER: "Conference",
    DocType.REVIEW: "Review",
    DocType.BOOK: "Book",
    DocType.BOOK_CHAPTER: "BookSection",
    DocType.DATASET: "Dataset",
    DocType.EDITORIAL: "Editorial",
    DocType.LETTER: "LettersAndComments",
}
_TYPES_IN = {v: k.value for k, v in _TYPES_OUT.items()}


def _term(t: Term) -> str:
    text = " ".join(t.words) if t.wildcard else t.text.replace('"', " ")
    body = text + ("*" if t.wildcard else "")
    return f'"{body}"' if t.phrase else body


DIALECT = Dialect(
    "Semantic Scholar",
    scopes={s: Scope.TITLE_ABSTRACT for s in Scope},
    negatable=frozenset({Scope.TITLE_ABSTRACT}),
    prefix=True,
    min_stem=1,
    stemmed=True,
    nots="and",
    not_groups=False,  # '-' negates a term
)


class SemanticScholar(ApiSource):
    dialect = DIALECT
    api = "semanticscholar"
    platform = "Semantic Scholar"
    rate = 1.0  # documented limit for an API key: 1 request per second
    page_size = 1000  # bulk search returns up to 1000 papers per call
    max_results = 10_000_000  # documented cap of bulk search
    key_env = "S2_API_KEY"
    key_header = "x-api-key"

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        text = render_boolean(tree, _term, " + ", " | ", "-")
        return translation(text, relaxed, tree, self.limits_exact(query))

    def limits_exact(self, query: Query) -> bool:
        return all(t in _TYPES_OUT for t in query.spec.types)

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        params = [("query", self.translate(query, vocabulary).text), ("fields", FIELDS)]
        if query.spec.years:
            params.append(("year", f"{query.spec.years.start}-{query.spec.years.end}"))
        if query.spec.types and self.limits_exact(query):
            params.append(
                ("publicationTypes", ",".join(sorted(_TYPES_OUT[t] for t in query.spec.types)))
            )
        return Request(self.api, BASE, tuple(params))

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        if not page.next or not page.raw_count:
            return None
        return request.with_params(request.page + 1, token=page.next)

    def parse(self, body: str, source: str | None = None) -> Page:
        data = load_json(body, self.api)
        if (
            isinstance(data, dict)
            and ("error" in data or "message" in data)
            and "data" not in data
            and "paperId" not in data
        ):
            detail = clean(str(data.get("error") or data.get("message")))
            raise ApiError(f"semanticscholar: {detail}")
        if not isinstance(data, dict):
            raise ApiError("semanticscholar: unexpected response")
        if "paperId" in data:
            items: list[Any] = [data]
        else:
            items = data.get("data") or []
            if not isinstance(items, list):
                raise ApiError("semanticscholar: 'data' is not a list")
            # citation/reference endpoints wrap each paper
            items = [
                i.get("citingPaper") or i.get("citedPaper") or i if isinstance(i, dict) else i
                for i in items
            ]
        records = tuple(r for r in (parse_paper(p, source or self.api) for p in items) if r)
        nxt = data.get("token")
        if nxt is None and as_int(data.get("next")) is not None:
            nxt = str(data["next"])
        return Page(
            records,
            total=as_int(data.get("total")),
            next=nxt if isinstance(nxt, str) else None,
            raw_count=len(items),
        )


def _doc_type(paper: dict) -> str | None:
    types = paper.get("publicationTypes")
    if not isinstance(types, list) or not types:
        return None
    for raw in (
        "Review",
        "Conference",
        "JournalArticle",
        "BookSection",
        "Book",
        "Dataset",
        "Editorial",
        "LettersAndComments",
    ):
        if raw in types:
            return _TYPES_IN[raw]
    return DocType.OTHER.value


def parse_paper(paper: Any, source: str = "semanticscholar") -> Record | None:
    """One Semantic Scholar paper as a Record (None without a paperId)."""
    if not isinstance(paper, dict) or not isinstance(paper.get("paperId"), str):
        return None
    pid = paper["paperId"]
    ext = paper.get("externalIds") if isinstance(paper.get("externalIds"), dict) else {}
    authors = [clean(dig(a, "name")) for a in paper.get("authors") or []]
    venue = clean(paper.get("venue")) or clean(dig(paper, "journal", "name"))
    return Record.build(
        source=source,
        origin=f"{source}:{pid}",
        source_key=pid,
        s2_id=pid,
        title=clean(paper.get("title")),
        abstract=clean(paper.get("abstract")),
        authors=[a for a in authors if a],
        year=as_int(paper.get("year")),
        venue=venue,
        doi=ext.get("DOI") if isinstance(ext.get("DOI"), str) else None,
        arxiv_id=ext.get("ArXiv") if isinstance(ext.get("ArXiv"), str) else None,
        pmid=str(ext["PubMed"]) if ext.get("PubMed") else None,
        dblp_key=ext.get("DBLP") if isinstance(ext.get("DBLP"), str) else None,
        pages=clean(dig(paper, "journal", "pages")),
        doc_type=_doc_type(paper),
        url=f"https://www.semanticscholar.org/paper/{pid}",
        cited_by_count=as_int(paper.get("citationCount")),
    )
