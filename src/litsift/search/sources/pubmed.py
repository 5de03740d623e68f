"""PubMed through NCBI E-utilities: esearch on the history server, then efetch PubMed XML.

https://www.ncbi.nlm.nih.gov/books/NBK25499/ (E-utilities in depth) and
https://pubmed.ncbi.nlm.nih.gov/help/ (search syntax). The first request is
`esearch.fcgi?db=pubmed&term=...&usehistory=y&retmax=0`, whose answer holds the hit count,
a WebEnv and a query_key; each following request is `efetch.fcgi?...&WebEnv=..&query_key=..
&retstart=N&retmax=200&retmode=xml`. NCBI allows 3 requests/s without a key and 10 with
NCBI_API_KEY (sent as `api_key=`); every request names the tool, and the contact e-mail
when one is set. PubMed returns at most 10,000 records of one search.

Search syntax: `word[ti]`, `"a phrase"[tiab]`, `optimi*[tiab]` (truncation needs at least
four letters), AND / OR / NOT evaluated left to right, so every group is parenthesised.
PubMed has no abstract-only tag: `abstract:` terms are searched in [tiab] and filtered
locally. MeSH headings, keywords and publication types become record fields.

Quirk: the WebEnv expires after some hours; a search resumed later than that gets an
error from efetch and is best started again with `litsift search --update`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from litsift.models import Record
from litsift.search.query import DocType, Node, Query, Scope, Term
from litsift.search.relax import Dialect, Vocabulary, relax
from litsift.search.sources.base import (
    ApiError,
    ApiSource,
    Page,
    Request,
    Translation,
    TruncatedBody,
    as_int,
    checked,
    clean,
    render_grouped,
    translation,
)

EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
ESEARCH = f"{EUTILS}/esearch.fcgi"
EFETCH = f"{EUTILS}/efetch.fcgi"
TOOL = "litsift"
_TAG = {Scope.TITLE: "ti", Scope.TITLE_ABSTRACT: "tiab"}
DIALECT = Dialect(
    "PubMed",
    scopes={
        Scope.TITLE: Scope.TITLE,
        Scope.TITLE_ABSTRACT: Scope.TITLE_ABSTRACT,
        Scope.ABSTRACT: Scope.TITLE_ABSTRACT,
    },
    negatable=frozenset({Scope.TITLE, Scope.TITLE_ABSTRACT}),
    prefix=True,
    min_stem=4,
    phrase_prefix=True,
    nots="and",
)

# PubMed publication types -> litsift document types; the most specific one wins
_TYPES = {
    "review": "review",
    "systematic review": "review",
    "meta-analysis": "review",
    "preprint": "preprint",
    "editorial": "editorial",
    "comment": "editorial",
    "letter": "letter",
    "published erratum": "erratum",
    "retraction of publication": "retraction",
    "retracted publication": "article",
    "congress": "conference-paper",
    "clinical conference": "conference-paper",
    "dataset": "dataset",
    "journal article": "article",
}
_ORDER = list(dict.fromkeys(_TYPES.values()))


def _term(t: Term) -> str:
    text = " ".join(t.words) if t.wildcard else t.text.replace('"', " ")
    body = text + ("*" if t.wildcard else "")
    body = f'"{body}"' if t.phrase else body
    return f"{body}[{_TAG[t.scope or Scope.TITLE_ABSTRACT]}]"


def render(node: Node) -> str:
    """PubMed search syntax, every group in parentheses (PubMed reads left to right)."""
    return render_grouped(node, _term, " NOT ")


def strip_outer(text: str) -> str:
    """Drop one pair of parentheses around the whole string."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


class PubMed(ApiSource):
    dialect = DIALECT
    api = "pubmed"
    platform = "PubMed"
    rate = 3.0  # documented: 3 requests/s without a key
    key_rate = 10.0  # ... and 10 with one
    page_size = 200  # records per efetch
    max_results = 10_000  # PubMed serves at most the first 10,000 records of a search
    key_env = "NCBI_API_KEY"
    key_param = "api_key"
    mailto_param = "email"
    content_type = "xml"

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        extra: tuple[str, ...] = ()
        if query.spec.types:
            extra = ("PubMed publication types differ from litsift's: types applied locally",)
        return translation(strip_outer(render(tree)), relaxed, tree, extra=extra)

    def limits_exact(self, query: Query) -> bool:
        return not query.spec.types

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        # retmax is also the efetch page size: esearch returns that many ids, unused
        size = min(page_size or self.page_size, self.page_size)
        params = [
            ("db", "pubmed"),
            ("term", self.translate(query, vocabulary).text),
            ("usehistory", "y"),
            ("retmax", str(size)),
        ]
        if query.spec.years:
            y = query.spec.years
            params += [("datetype", "pdat"), ("mindate", str(y.start)), ("maxdate", str(y.end))]
        params.append(("tool", TOOL))
        return Request(self.api, ESEARCH, tuple(params))

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        p = dict(request.params)
        size = int(p.get("retmax") or self.page_size)
        if request.url == ESEARCH:
            if page.next is None:
                return None
            webenv, key = page.next.split("|")
            start = 0
        else:
            if page.raw_count < size:
                return None  # a short page is the last one
            webenv, key, start = p["WebEnv"], p["query_key"], int(p["retstart"]) + size
        if start >= self.max_results:
            return None
        params = (
            ("db", "pubmed"),
            ("query_key", key),
            ("WebEnv", webenv),
            ("retstart", str(start)),
            ("retmax", str(min(size, self.max_results - start))),
            ("retmode", "xml"),
            ("tool", TOOL),
        )
        return Request(self.api, EFETCH, params, request.page + 1)

    def parse(self, body: str, source: str | None = None) -> Page:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise TruncatedBody(f"pubmed: response is not complete XML ({e})") from e
        error = root.findtext("ERROR") or root.findtext(".//ERROR")
        if error and re.search(r"empty result", error, re.I):
            return Page((), raw_count=0)  # efetch past the last record
        if error and error.strip():
            raise ApiError(f"pubmed: {clean(error)}")
        if root.tag == "eSearchResult":
            return _search_page(root)
        if root.tag == "PubmedArticleSet":
            return _fetch_page(root, source or self.api)
        raise ApiError(f"pubmed: unexpected response <{root.tag}>")


def _search_page(root: ET.Element) -> Page:
    count = as_int(root.findtext("Count")) or 0
    webenv, key = root.findtext("WebEnv"), root.findtext("QueryKey")
    if count and not (webenv and key):
        raise ApiError("pubmed: esearch answered without a history server WebEnv/QueryKey")
    nxt = f"{webenv}|{key}" if count else None
    return Page((), total=count, next=nxt, raw_count=0, index_only=True)


def _fetch_page(root: ET.Element, source: str) -> Page:
    articles = [a for a in root if a.tag in ("PubmedArticle", "PubmedBookArticle")]
    records = tuple(r for r in (parse_article(a, source) for a in articles) if r)
    return Page(records, raw_count=len(articles))


def _text(el: ET.Element | None) -> str | None:
    """All text inside an element (titles carry <i>, <sup> ...), cleaned."""
    return clean("".join(el.itertext())) if el is not None else None


def _abstract(parent: ET.Element | None) -> str | None:
    if parent is None:
        return None
    parts = []
    for el in parent.findall("AbstractText"):
        text = _text(el)
        label = el.get("Label")
        if text:
            parts.append(f"{label}: {text}" if label and label.upper() != "UNLABELLED" else text)
    return " ".join(parts) or None


def _authors(parent: ET.Element | None) -> list[str]:
    out = []
    for a in parent.findall("Author") if parent is not None else []:
        family, given = _text(a.find("LastName")), _text(a.find("ForeName"))
        given = given or _text(a.find("Initials"))
        name = (
            f"{family}, {given}" if family and given else family or _text(a.find("CollectiveName"))
        )
        if name:
            out.append(name)
    return out


def _year(date: ET.Element | None) -> int | None:
    if date is None:
        return None
    year = as_int(date.findtext("Year"))
    if year is None:
        m = re.search(r"\b(1[89]\d\d|20\d\d)\b", date.findtext("MedlineDate") or "")
        year = int(m.group(1)) if m else None
    return year


def _doc_type(types: list[str], book: bool) -> str | None:
    found = {_TYPES[t.lower()] for t in types if t.lower() in _TYPES}
    for kind in _ORDER:
        if kind in found and kind != "article":
            return kind
    if book:
        return DocType.BOOK_CHAPTER.value
    return "article" if "article" in found else (DocType.OTHER.value if types else None)


def _ids(article: ET.Element) -> dict[str, str]:
    """Identifiers of the article itself (not of its references)."""
    ids = {}
    for el in article.findall("./PubmedData/ArticleIdList/ArticleId") + article.findall(
        "./PubmedBookData/ArticleIdList/ArticleId"
    ):
        kind, value = el.get("IdType"), (el.text or "").strip()
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def parse_article(article: ET.Element, source: str = "pubmed") -> Record | None:
    """One PubmedArticle (or PubmedBookArticle) as a Record; None without a PMID."""
    book = article.tag == "PubmedBookArticle"
    cit = article.find("BookDocument" if book else "MedlineCitation")
    if cit is None:
        return None
    pmid = (cit.findtext("PMID") or "").strip()
    if not pmid:
        return None
    art = cit if book else cit.find("Article")
    art = art if art is not None else cit
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    ids = _ids(article)
    doi = ids.get("doi") or next(
        (e.text for e in art.findall("ELocationID") if e.get("EIdType") == "doi" and e.text),
        None,
    )
    types = [t for t in (_text(p) for p in art.iter("PublicationType")) if t]
    pages = art.findtext("Pagination/MedlinePgn") or "-".join(
        p for p in (art.findtext("Pagination/StartPage"), art.findtext("Pagination/EndPage")) if p
    )
    title = _text(art.find("ArticleTitle"))
    if book and not title:
        title = _text(art.find("Book/BookTitle"))
    venue = _text(journal.find("Title")) if journal is not None else None
    if book and venue is None:
        venue = _text(art.find("Book/BookTitle"))
    date = issue.find("PubDate") if issue is not None else art.find("Book/PubDate")
    return Record.build(
        source=source,
        origin=f"{source}:{pmid}",
        source_key=pmid,
        pmid=pmid,
        title=title,
        abstract=_abstract(art.find("Abstract")),
        authors=_authors(art.find("AuthorList")),
        year=_year(date),
        venue=venue,
        doi=doi,
        volume=clean(issue.findtext("Volume")) if issue is not None else None,
        issue=clean(issue.findtext("Issue")) if issue is not None else None,
        pages=clean(pages),
        publisher=_text(art.find("Book/Publisher/PublisherName")) if book else None,
        language=clean(art.findtext("Language")),
        doc_type=_doc_type(types, book),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        keywords=[k for k in (_text(e) for e in cit.iter("Keyword")) if k],
        mesh_terms=_mesh(cit),
        publication_types=types,
    )


def _mesh(cit: ET.Element) -> list[str]:
    """'Descriptor' or 'Descriptor/Qualifier' per heading, as PubMed displays them."""
    out: list[str] = []
    for heading in cit.findall("MeshHeadingList/MeshHeading"):
        name = _text(heading.find("DescriptorName"))
        if not name:
            continue
        qualifiers = [q for q in (_text(e) for e in heading.findall("QualifierName")) if q]
        out.extend([f"{name}/{q}" for q in qualifiers] or [name])
    return out
