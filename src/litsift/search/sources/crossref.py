"""Crossref works: relevance `query=` (no boolean syntax) with cursor paging (rows <= 1000).

https://api.crossref.org/swagger-ui/index.html: `query=` is a relevance search over the
bibliographic metadata that matches any of its words. Crossref cannot express the boolean
tree, truncation or NOT, so it is sent the words a match must contain at least one of
(wildcards expanded from the records already retrieved) and every retrieved record is
post-filtered with the local evaluation of the query.
"""

from __future__ import annotations

from typing import Any

from litsift.models import Record
from litsift.search.query import DocType, Or, Query, Scope, Term, terms
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
    first_str,
    load_json,
    strip_jats_title,
    translation,
)

BASE = "https://api.crossref.org/works"
_TYPES_OUT = {
    DocType.ARTICLE: ("journal-article",),
    DocType.CONFERENCE_PAPER: ("proceedings-article",),
    DocType.PREPRINT: ("posted-content",),
    DocType.BOOK: ("book", "monograph", "edited-book"),
    DocType.BOOK_CHAPTER: ("book-chapter",),
    DocType.THESIS: ("dissertation",),
    DocType.DATASET: ("dataset",),
    DocType.REPORT: ("report",),
}
_TYPES_IN = {v: k.value for k, vs in _TYPES_OUT.items() for v in vs}
# only fields Crossref documents as selectable; an unknown one makes the request fail
SELECT = (
    "DOI,title,abstract,author,issued,published-print,published-online,container-title,"
    "type,volume,issue,page,publisher,URL"
)


DIALECT = Dialect(
    "Crossref",
    scopes={s: Scope.TITLE_ABSTRACT for s in Scope},
    phrases=False,
    stemmed=True,
    nots="none",
)


class Crossref(ApiSource):
    dialect = DIALECT
    needs_vocabulary = True
    api = "crossref"
    platform = "Crossref"
    rate = 5.0  # public pool; the polite pool (mailto) allows more, 5/s stays safe
    page_size = 1000  # documented maximum rows
    key_env = "CROSSREF_PLUS_API_TOKEN"
    key_header = "Crossref-Plus-API-Token"
    mailto_param = "mailto"
    default_max_records = 5000  # relevance-ranked: the tail is noise for a boolean query

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        # what is left has no NOT, so every match contains at least one of its words
        tree = checked(relaxed, self.platform, query)
        words = list(dict.fromkeys(w for t in terms(tree) for w in t.words))
        sent = Or(tuple(Term(w, (w,), scope=Scope.TITLE_ABSTRACT) for w in words))
        note = (
            "Crossref has no boolean or field syntax: positive terms "
            "sent as a relevance query, results post-filtered"
        )
        return translation(" ".join(words), relaxed, sent, extra=(note,))

    def _filters(self, query: Query) -> str:
        out = []
        if query.spec.years:
            out += [
                f"from-pub-date:{query.spec.years.start}",
                f"until-pub-date:{query.spec.years.end}",
            ]
        for t in query.spec.types:
            out += [f"type:{v}" for v in _TYPES_OUT.get(t, ())]
        return ",".join(out)

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        params = [("query", self.translate(query, vocabulary).text)]
        if filt := self._filters(query):
            params.append(("filter", filt))
        size = min(page_size or self.page_size, self.page_size)
        params += [("select", SELECT), ("rows", str(size)), ("cursor", "*")]
        return Request(self.api, BASE, tuple(params))

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        # Crossref hands out a cursor even after the last page: stop on an empty page
        if not page.next or not page.raw_count:
            return None
        if page.total is not None and retrieved >= page.total:
            return None
        return request.with_params(request.page + 1, cursor=page.next)

    def parse(self, body: str, source: str | None = None) -> Page:
        data = load_json(body, self.api)
        if not isinstance(data, dict) or data.get("status") != "ok":
            raise ApiError(f"crossref: {_error_text(data)}")
        message = data.get("message")
        if isinstance(message, dict) and isinstance(message.get("items"), list):
            items = message["items"]
        elif isinstance(message, dict) and "DOI" in message:
            items = [message]
        else:
            raise ApiError("crossref: response has no works")
        records = tuple(r for r in (parse_item(i, source or self.api) for i in items) if r)
        return Page(
            records,
            total=as_int(dig(message, "total-results")),
            next=dig(message, "next-cursor"),
            raw_count=len(items),
        )


def _error_text(data: Any) -> str:
    messages = dig(data, "message")
    if isinstance(messages, list):
        return "; ".join(clean(dig(m, "message")) or str(m) for m in messages)[:300]
    return (clean(str(messages)) or "unexpected response")[:300]


def _year(item: dict) -> int | None:
    for key in ("issued", "published", "published-print", "published-online"):
        year = as_int(dig(item, key, "date-parts", 0, 0))
        if year:
            return year
    return None


def _author(a: Any) -> str | None:
    if not isinstance(a, dict):
        return None
    family, given = clean(a.get("family")), clean(a.get("given"))
    if family and given:
        return f"{family}, {given}"
    return family or clean(a.get("name"))


def _doc_type(item: dict) -> str | None:
    raw = item.get("type")
    if raw == "posted-content" and item.get("subtype") not in (None, "preprint"):
        return DocType.OTHER.value
    if raw is None:
        return None
    return _TYPES_IN.get(raw, DocType.OTHER.value)


def parse_item(item: Any, source: str = "crossref") -> Record | None:
    """One Crossref work as a Record (None for a non-object or one without a DOI)."""
    if not isinstance(item, dict) or not isinstance(item.get("DOI"), str):
        return None
    doi = item["DOI"].lower()
    authors = [_author(a) for a in item.get("author") or []]
    return Record.build(
        source=source,
        origin=f"{source}:{doi}",
        source_key=doi,
        title=clean(first_str(item.get("title"))),
        abstract=strip_jats_title(clean(item.get("abstract"))),
        authors=[a for a in authors if a],
        year=_year(item),
        venue=clean(first_str(item.get("container-title"))),
        doi=doi,
        volume=clean(item.get("volume")),
        issue=clean(item.get("issue")),
        pages=clean(item.get("page")),
        publisher=clean(item.get("publisher")),
        language=clean(item.get("language")),
        doc_type=_doc_type(item),
        url=item.get("URL") if isinstance(item.get("URL"), str) else None,
    )
