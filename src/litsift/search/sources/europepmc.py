"""Europe PMC REST search: Lucene-style query with TITLE:/ABSTRACT:, cursorMark paging.

https://europepmc.org/RestfulWebService and https://europepmc.org/searchsyntax:
`search?query=...&format=json&resultType=core&pageSize=1000&cursorMark=*`; each answer
carries `hitCount` and `nextCursorMark`, and the last page hands back the cursor it was
given (or no results), which ends the search. `synonym=false` keeps Europe PMC from
adding MeSH synonyms the query did not ask for. Fields: `TITLE:`, `ABSTRACT:` (title and
abstract is their OR), `"phrases"`, trailing `*` (not inside a phrase), AND / OR / NOT,
`PUB_YEAR:[2017 TO 2023]`. Records keep MeSH headings, keywords and publication types.
"""

from __future__ import annotations

from typing import Any

from litsift.models import Record
from litsift.search.query import DocType, Node, Query, Scope, Term
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
    render_grouped,
    strip_jats_title,
    translation,
)
from litsift.search.sources.pubmed import strip_outer

BASE = "https://www.ebi.ac.uk/europepmc/webservices/rest/search"
DIALECT = Dialect("Europe PMC", scopes={s: s for s in Scope}, prefix=True, nots="and")
_FIELDS = {Scope.TITLE: ("TITLE",), Scope.ABSTRACT: ("ABSTRACT",)}
_FIELDS[Scope.TITLE_ABSTRACT] = ("TITLE", "ABSTRACT")
_TYPES = {
    "review": "review",
    "systematic review": "review",
    "review-article": "review",
    "preprint": "preprint",
    "editorial": "editorial",
    "letter": "letter",
    "published erratum": "erratum",
    "correction": "erratum",
    "retraction of publication": "retraction",
    "congress": "conference-paper",
    "journal article": "article",
    "research-article": "article",
}


def _term(t: Term) -> str:
    text = " ".join(t.words) if t.wildcard else t.text.replace('"', " ")
    body = text + ("*" if t.wildcard else "")
    body = f'"{body}"' if t.phrase else body
    parts = [f"{f}:{body}" for f in _FIELDS[t.scope or Scope.TITLE_ABSTRACT]]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def render(node: Node) -> str:
    """Europe PMC syntax with every group parenthesised."""
    return render_grouped(node, _term, " AND NOT ")


class EuropePmc(ApiSource):
    dialect = DIALECT
    api = "europepmc"
    platform = "Europe PMC"
    rate = 5.0  # no documented figure; Europe PMC asks for reasonable use
    page_size = 1000  # documented maximum pageSize

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        text = strip_outer(render(tree))
        if query.spec.years:
            y = query.spec.years
            text = f"({text}) AND (PUB_YEAR:[{y.start} TO {y.end}])"
        extra: tuple[str, ...] = ()
        if query.spec.types:
            extra = ("Europe PMC publication types differ from litsift's: types applied locally",)
        return translation(text, relaxed, tree, extra=extra)

    def limits_exact(self, query: Query) -> bool:
        return not query.spec.types

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        size = min(page_size or self.page_size, self.page_size)
        params = (
            ("query", self.translate(query, vocabulary).text),
            ("format", "json"),
            ("resultType", "core"),
            ("synonym", "false"),
            ("pageSize", str(size)),
            ("cursorMark", "*"),
        )
        return Request(self.api, BASE, params)

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        cursor = dict(request.params).get("cursorMark")
        if not page.next or not page.raw_count or page.next == cursor:
            return None  # the last page hands back the cursor it was given
        if page.total is not None and retrieved >= page.total:
            return None
        return request.with_params(request.page + 1, cursorMark=page.next)

    def parse(self, body: str, source: str | None = None) -> Page:
        data = load_json(body, self.api)
        if not isinstance(data, dict):
            raise ApiError("europepmc: unexpected response")
        error = data.get("errMsg") or data.get("errorMessage") or data.get("error")
        if error and "resultList" not in data:
            raise ApiError(f"europepmc: {clean(str(error))}"[:300])
        results = dig(data, "resultList", "result")
        if "resultList" not in data:
            raise ApiError("europepmc: response has no resultList")
        results = results if isinstance(results, list) else []
        records = tuple(r for r in (parse_result(x, source or self.api) for x in results) if r)
        nxt = data.get("nextCursorMark")
        return Page(
            records,
            total=as_int(data.get("hitCount")),
            next=nxt if isinstance(nxt, str) else None,
            raw_count=len(results),
        )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [c for c in (clean(v) for v in value or [] if isinstance(v, str)) if c]


def _authors(result: dict) -> list[str]:
    out = []
    for a in dig(result, "authorList", "author") or []:
        if not isinstance(a, dict):
            continue
        family, given = clean(a.get("lastName")), clean(a.get("firstName") or a.get("initials"))
        name = f"{family}, {given}" if family and given else family
        name = name or clean(a.get("fullName")) or clean(a.get("collectiveName"))
        if name:
            out.append(name)
    if not out and isinstance(result.get("authorString"), str):
        out = [n for n in (clean(p) for p in result["authorString"].rstrip(".").split(",")) if n]
    return out


def _doc_type(result: dict, types: list[str]) -> str | None:
    if result.get("source") == "PPR":
        return DocType.PREPRINT.value
    found = [_TYPES[t.lower()] for t in types if t.lower() in _TYPES]
    specific = [t for t in found if t != "article"]
    if specific or found:
        return (specific or found)[0]
    return DocType.OTHER.value if types else None


def _mesh(result: dict) -> list[str]:
    out: list[str] = []
    for h in dig(result, "meshHeadingList", "meshHeading") or []:
        name = clean(dig(h, "descriptorName"))
        if not name:
            continue
        quals = [
            clean(dig(q, "qualifierName"))
            for q in dig(h, "meshQualifierList", "meshQualifier") or []
        ]
        out.extend([f"{name}/{q}" for q in quals if q] or [name])
    return out


def parse_result(result: Any, source: str = "europepmc") -> Record | None:
    """One Europe PMC result ('core' result type) as a Record; None without an id."""
    if not isinstance(result, dict) or not result.get("id"):
        return None
    key = f"{result.get('source') or 'EPMC'}:{result['id']}"
    types = _strings(dig(result, "pubTypeList", "pubType"))
    journal = dig(result, "journalInfo") or {}
    pmid = result.get("pmid") if isinstance(result.get("pmid"), str) else None
    return Record.build(
        source=source,
        origin=f"{source}:{key}",
        source_key=key,
        pmid=pmid,
        title=clean(result.get("title")),
        abstract=strip_jats_title(clean(result.get("abstractText"))),
        authors=_authors(result),
        year=as_int(result.get("pubYear")) or as_int(dig(journal, "yearOfPublication")),
        venue=clean(dig(journal, "journal", "title"))
        or clean(dig(result, "bookOrReportDetails", "publisher")),
        doi=result.get("doi") if isinstance(result.get("doi"), str) else None,
        volume=clean(dig(journal, "volume")),
        issue=clean(dig(journal, "issue")),
        pages=clean(result.get("pageInfo")),
        language=clean(result.get("language")),
        doc_type=_doc_type(result, types),
        url=f"https://europepmc.org/article/{result.get('source') or 'MED'}/{result['id']}",
        keywords=_strings(dig(result, "keywordList", "keyword")),
        mesh_terms=_mesh(result),
        publication_types=types,
        cited_by_count=as_int(result.get("citedByCount")),
    )
