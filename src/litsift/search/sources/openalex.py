"""OpenAlex works: `filter=<scope>.search:<boolean>` with cursor paging (per_page <= 200)."""

from __future__ import annotations

from typing import Any

from litsift.models import Record
from litsift.search.query import And, DocType, Node, Query, Scope, Term, terms
from litsift.search.sources.base import (
    ApiError,
    ApiSource,
    Page,
    Request,
    Translation,
    _Notes,
    as_int,
    broaden_phrase_wildcards,
    clean,
    dig,
    load_json,
    render_boolean,
)

BASE = "https://api.openalex.org/works"
_FILTER_FIELD = {
    Scope.TITLE: "title.search",
    Scope.ABSTRACT: "abstract.search",
    Scope.TITLE_ABSTRACT: "title_and_abstract.search",
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
    "primary_location,biblio,abstract_inverted_index"
)


def _term(t: Term) -> str:
    # commas separate filters and '|' means OR of values in a filter: keep them out
    text = t.text.replace(",", " ").replace("|", " ")
    body = text + ("*" if t.wildcard else "")
    return f'"{body}"' if t.phrase else body


def _scope_of(node: Node, default: Scope) -> Scope | None:
    scopes = {t.scope or default for t in terms(node)}
    return scopes.pop() if len(scopes) == 1 else None


class OpenAlex(ApiSource):
    api = "openalex"
    platform = "OpenAlex"
    rate = 10.0  # the API allows 100/s per key; 10/s keeps a search polite
    page_size = 200  # documented maximum per_page
    key_env = "OPENALEX_API_KEY"
    key_param = "api_key"
    mailto_param = "mailto"

    def _filters(self, query: Query) -> tuple[list[str], _Notes]:
        notes = _Notes()
        tree = broaden_phrase_wildcards(query.tree, notes)
        if any(t.wildcard for t in terms(tree)):
            notes.lose("OpenAlex does not document wildcards; results are post-filtered")
        parts = list(tree.children) if isinstance(tree, And) else [tree]
        scoped = [(_scope_of(p, query.scope), p) for p in parts]
        if any(s is None for s, _ in scoped):
            notes.lose("terms with different field scopes under OR: searched in title and abstract")
            scoped = [(Scope.TITLE_ABSTRACT, tree)]
        groups: dict[Scope, list[Node]] = {}
        for scope, part in scoped:
            groups.setdefault(scope, []).append(part)  # type: ignore[arg-type]
        filters = []
        for scope, nodes in groups.items():
            node = nodes[0] if len(nodes) == 1 else And(tuple(nodes))
            filters.append(f"{_FILTER_FIELD[scope]}:{render_boolean(node, _term)}")
        return filters, notes

    def _limits(self, query: Query) -> list[str]:
        out = []
        if query.spec.years:
            out.append(f"publication_year:{query.spec.years.start}-{query.spec.years.end}")
        types = sorted({_TYPES_OUT[t] for t in query.spec.types})
        if types:
            out.append("type:" + "|".join(types))
        return out

    def translate(self, query: Query) -> Translation:
        filters, notes = self._filters(query)
        if DocType.CONFERENCE_PAPER in query.spec.types:
            notes.notes.append("OpenAlex types conference papers as 'article'")
        return Translation(",".join(filters + self._limits(query)), notes.exact, tuple(notes.notes))

    def first_request(self, query: Query, page_size: int | None = None) -> Request:
        filt = self.translate(query).text
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
    )


def _pmid(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value.rstrip("/").rsplit("/", 1)[-1]
    return None
