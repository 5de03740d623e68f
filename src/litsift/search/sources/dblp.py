"""DBLP publication search: words ANDed by spaces, `a|b` for OR, prefix matching by default.

https://dblp.org/faq/13501473.html and the search page's help: every word matches as a
prefix, space is AND, `|` is OR; the phrase and NOT operators are disabled. DBLP has no
abstracts either, so the query is sent as an AND of OR-groups of single words (always
broader than the query on titles) and the retrieved titles are post-filtered. A query
whose only limits are negations (`X OR NOT Y`) cannot be sent at all. Documented caps:
h <= 1000 hits a page, f + h <= 10000.
"""

from __future__ import annotations

from typing import Any

from litsift.models import Record
from litsift.search.query import And, DocType, Node, Not, Or, Query, Scope, Term
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
    translation,
)

BASE = "https://dblp.org/search/publ/api"
_TYPES_IN = {
    "Journal Articles": "article",
    "Conference and Workshop Papers": "conference-paper",
    "Informal and Other Publications": "preprint",
    "Informal Publications": "preprint",
    "Books and Theses": "book",
    "Parts in Books or Collections": "book-chapter",
    "Editorship": "other",
    "Reference Works": "other",
    "Data and Artifacts": "dataset",
}


# titles only: abstract terms cannot match a DBLP record, title-abstract ones are titles
DIALECT = Dialect(
    "DBLP",
    scopes={Scope.TITLE: Scope.TITLE, Scope.TITLE_ABSTRACT: Scope.TITLE},
    negatable=frozenset({Scope.TITLE}),
    absent=frozenset({Scope.ABSTRACT}),
    prefix=True,
    min_stem=1,
    phrases=False,
    nots="none",
)


def _word(term: Term) -> str:
    """The most selective word of a term (DBLP matches word prefixes)."""
    return max(term.words, key=len)


def _representative(node: Node) -> str | None:
    """One word implied by the node (broader), or None when nothing is implied."""
    if isinstance(node, Term):
        return _word(node)
    if isinstance(node, Not):
        return None
    if isinstance(node, And):  # any child is implied: take the most selective one
        words = [w for c in node.children if (w := _representative(c)) and "|" not in w]
        return max(words, key=len) if words else _representative(node.children[0])
    words = [_representative(c) for c in node.children]
    return None if None in words else "|".join(dict.fromkeys(w for w in words if w))


def _clauses(node: Node) -> list[str]:
    if isinstance(node, And):
        return [c for child in node.children for c in _clauses(child)]
    if isinstance(node, Term):
        return list(node.words)
    word = _representative(node) if isinstance(node, Or) else None
    return [word] if word else []


def _as_tree(clauses: list[str]) -> Node:
    """What the request matches: an AND of OR-groups of title-word prefixes."""
    groups = [
        Or(tuple(Term(w, (w,), wildcard=True, scope=Scope.TITLE) for w in c.split("|")))
        for c in clauses
    ]
    return groups[0] if len(groups) == 1 else And(tuple(groups))


class Dblp(ApiSource):
    dialect = DIALECT
    api = "dblp"
    platform = "DBLP"
    rate = 1.0  # no documented figure; DBLP asks for moderate use and sends 429s
    page_size = 1000  # documented maximum h
    max_results = 10000  # documented cap on f + h

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        clauses = list(dict.fromkeys(_clauses(tree)))
        if not clauses:
            checked(type(relaxed)(True), self.platform, query)
        notes = [
            "DBLP searches titles (and authors, venues) by word prefix, with no NOT, "
            "phrases or nesting: sent as a broader AND of OR-groups, titles post-filtered"
        ]
        if query.spec.years or query.spec.types:
            notes.append("year range and types applied locally")
        return translation(" ".join(clauses), relaxed, _as_tree(clauses), extra=tuple(notes))

    def limits_exact(self, query: Query) -> bool:
        return False

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        size = min(page_size or self.page_size, self.page_size)
        return Request(
            self.api,
            BASE,
            (
                ("q", self.translate(query, vocabulary).text),
                ("format", "json"),
                ("h", str(size)),
                ("f", "0"),
                ("c", "0"),
            ),
        )

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        if page.next is None:
            return None
        first = int(page.next)
        size = int(dict(request.params).get("h", self.page_size))
        if self.max_results is not None and first >= self.max_results:
            return None
        size = min(size, self.max_results - first) if self.max_results else size
        return request.with_params(request.page + 1, f=str(first), h=str(size))

    def parse(self, body: str, source: str | None = None) -> Page:
        data = load_json(body, self.api)
        result = dig(data, "result")
        code = dig(result, "status", "@code")
        if not isinstance(result, dict) or (code is not None and str(code) != "200"):
            raise ApiError(f"dblp: {clean(str(dig(result, 'status', 'text') or data))}"[:300])
        hits = dig(result, "hits") or {}
        items = hits.get("hit") if isinstance(hits, dict) else None
        if isinstance(items, dict):
            items = [items]
        items = items if isinstance(items, list) else []
        records = tuple(r for r in (parse_hit(h, source or self.api) for h in items) if r)
        total = as_int(hits.get("@total")) if isinstance(hits, dict) else None
        first = as_int(hits.get("@first")) if isinstance(hits, dict) else 0
        end = (first or 0) + len(items)
        nxt = str(end) if items and total is not None and end < total else None
        return Page(records, total=total, next=nxt, raw_count=len(items))


def _authors(info: dict) -> list[str]:
    """DBLP gives one author as a bare value and several as a list; each a str or {text}."""
    value = dig(info, "authors", "author")
    values = value if isinstance(value, list) else [value] if value is not None else []
    out = []
    for a in values:
        name = a.get("text") if isinstance(a, dict) else a
        name = clean(name) if isinstance(name, str) else None
        if name:
            out.append(_strip_homonym(name))
    return out


def _strip_homonym(name: str) -> str:
    """'Wei Wang 0001' -> 'Wei Wang' (DBLP disambiguation number)."""
    parts = name.rsplit(" ", 1)
    return parts[0] if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) == 4 else name


def parse_hit(hit: Any, source: str = "dblp") -> Record | None:
    """One DBLP hit as a Record (None without a key)."""
    info = dig(hit, "info")
    if not isinstance(info, dict) or not isinstance(info.get("key"), str):
        return None
    key = info["key"]
    title = clean(info.get("title"))
    if title and title.endswith(".") and not title.endswith(".."):
        title = title[:-1]  # DBLP ends every title with a period
    venue = info.get("venue")
    venue = ", ".join(v for v in venue if isinstance(v, str)) if isinstance(venue, list) else venue
    ee = info.get("ee")
    ee = next((e for e in ee if isinstance(e, str)), None) if isinstance(ee, list) else ee
    return Record.build(
        source=source,
        origin=f"{source}:{key}",
        source_key=key,
        dblp_key=key,
        title=title,
        authors=_authors(info),
        year=as_int(info.get("year")),
        venue=clean(venue),
        doi=info.get("doi") if isinstance(info.get("doi"), str) else None,
        arxiv_id=_arxiv_from_ee(ee),
        volume=clean(info.get("volume")),
        issue=clean(info.get("number")),
        pages=clean(info.get("pages")),
        doc_type=_TYPES_IN.get(info.get("type"), DocType.OTHER.value) if info.get("type") else None,
        url=info.get("url") if isinstance(info.get("url"), str) else None,
    )


def _arxiv_from_ee(ee: Any) -> str | None:
    if isinstance(ee, str) and "arxiv.org/abs/" in ee:
        return ee
    return None
