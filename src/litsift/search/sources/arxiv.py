"""arXiv: `search_query` with ti:/abs: prefixes, AND/OR/ANDNOT, start/max_results paging.

Documented limits: one request every 3 seconds, at most 2000 results per request and
30000 per search. Responses are Atom XML; an error comes back as a feed whose one entry
points at https://arxiv.org/api/errors.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

from litsift.models import Record
from litsift.search.query import DocType, Node, Not, Or, Query, Scope, Term
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
    translation,
    year_of,
)

BASE = "https://export.arxiv.org/api/query"
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
}
_PREFIX = {Scope.TITLE: ("ti",), Scope.ABSTRACT: ("abs",), Scope.TITLE_ABSTRACT: ("ti", "abs")}
_ID_RE = re.compile(r"arxiv\.org/abs/(.+?)(v(\d+))?$")
# The manual documents ti:/abs: prefixes, AND, OR, ANDNOT, quotes and parentheses, but no
# wildcard: a truncation is expanded from the vocabulary and also sent as written.
DIALECT = Dialect("arXiv", scopes={s: s for s in Scope}, wildcard_as_written=True, nots="and")


class Arxiv(ApiSource):
    """arXiv API, https://info.arxiv.org/help/api/user-manual.html (search_query)."""

    dialect = DIALECT
    needs_vocabulary = True
    api = "arxiv"
    platform = "arXiv"
    rate = 1 / 3  # documented: no more than one request every three seconds
    page_size = 500  # the API allows up to 2000; smaller pages time out less
    max_results = 30000  # documented cap on start + max_results
    content_type = "xml"

    def _render(self, node: Node) -> str:
        if isinstance(node, Term):
            text = " ".join(node.words) if node.wildcard else node.text
            body = text + ("*" if node.wildcard else "")
            body = f'"{body}"' if node.phrase else body
            parts = [f"{p}:{body}" for p in _PREFIX[node.scope or Scope.TITLE_ABSTRACT]]
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self._render(c) for c in node.children) + ")"
        if isinstance(node, Not):  # relax() leaves NOTs only beside a positive part
            return self._render(node.child)
        pos = [c for c in node.children if not isinstance(c, Not)]
        neg = [c for c in node.children if isinstance(c, Not)]
        text = " AND ".join(self._render(c) for c in pos)
        for n in neg:
            text += " ANDNOT " + self._render(n)
        return f"({text})"

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        relaxed = relax(query.tree, DIALECT, query.scope, vocabulary)
        tree = checked(relaxed, self.platform, query)
        text = self._render(tree)
        if text.startswith("(") and _balanced_outer(text):
            text = text[1:-1]
        if query.spec.years:
            y = query.spec.years
            text = f"({text}) AND submittedDate:[{y.start}01010000 TO {y.end}12312359]"
        extra: tuple[str, ...] = ()
        if query.spec.types and DocType.PREPRINT not in query.spec.types:
            extra = ("arXiv holds preprints only; the type filter is applied locally",)
        return translation(text, relaxed, tree, extra=extra)

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        size = min(page_size or self.page_size, 2000)
        return Request(
            self.api,
            BASE,
            (
                ("search_query", self.translate(query, vocabulary).text),
                ("start", "0"),
                ("max_results", str(size)),
                ("sortBy", "submittedDate"),
                ("sortOrder", "ascending"),
            ),
        )

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        if page.next is None:
            return None
        start = int(page.next)
        if self.max_results is not None and start >= self.max_results:
            return None
        return request.with_params(request.page + 1, start=str(start))

    def parse(self, body: str, source: str | None = None) -> Page:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise TruncatedBody(f"arxiv: response is not complete XML ({e})") from e
        entries = root.findall("a:entry", NS)
        for entry in entries:
            eid = entry.findtext("a:id", "", NS)
            if "/api/errors" in eid or entry.findtext("a:title", "", NS).strip() == "Error":
                raise ApiError(f"arxiv: {clean(entry.findtext('a:summary', '', NS))}")
        total = as_int(root.findtext("os:totalResults", None, NS))
        start = as_int(root.findtext("os:startIndex", None, NS)) or 0
        records = tuple(r for r in (parse_entry(e, source or self.api) for e in entries) if r)
        end = start + len(entries)
        nxt = str(end) if entries and total is not None and end < total else None
        return Page(records, total=total, next=nxt, raw_count=len(entries))


def _balanced_outer(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "c": "\u0327",
    "v": "\u030c",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "H": "\u030b",
}
_ACCENT_RE = re.compile(r"""\\(['`^"~=.]|[cvuH](?=[\s{]))\s*\{?\\?([A-Za-z])\}?""")
_CMD_RE = re.compile(
    r"\\(?:emph|textbf|textit|texttt|textrm|mathrm|mathbf|mathit|mathcal|"
    r"text|bf|it|rm)\s*\{([^{}]*)\}"
)
_SYMBOLS = {
    r"\&": "&",
    r"\%": "%",
    r"\_": "_",
    r"\#": "#",
    r"\$": "$",
    "~": " ",
    "--": "-",
    r"\ldots": "...",
    r"\times": "x",
}


def delatex(text: str | None) -> str | None:
    """Light LaTeX clean-up of arXiv titles and abstracts: accents, font commands, math $."""
    if not text:
        return None

    def accent(m: re.Match[str]) -> str:
        return unicodedata.normalize("NFC", m.group(2) + _ACCENTS[m.group(1)])

    text = _ACCENT_RE.sub(accent, text)
    text = re.sub(r"\\unicode\{x([0-9a-fA-F]{2,6})\}", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"~?\\cite[pt]?\*?(\[[^\]]*\])?\{[^{}]*\}", "", text)
    text = re.sub(r"\\href\{[^{}]*\}\{([^{}]*)\}", r"\1", text)
    for _ in range(3):  # nested commands
        text = _CMD_RE.sub(r"\1", text)
    for src, dst in _SYMBOLS.items():
        text = text.replace(src, dst)
    text = re.sub(r"\\(url|[A-Za-z]+)\s*\{([^{}]*)\}", r"\2", text)  # other one-argument commands
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)  # bare commands keep their name
    text = re.sub(r"(?<!\\)\$", "", text)
    text = re.sub(r"(?<!\\)[{}]", "", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    return clean(text)


def split_id(url: str) -> tuple[str | None, int | None]:
    """('2301.00306', 4) from 'http://arxiv.org/abs/2301.00306v4'."""
    m = _ID_RE.search(url.strip())
    if not m:
        return None, None
    return m.group(1), as_int(m.group(3))


def parse_entry(entry: ET.Element, source: str = "arxiv") -> Record | None:
    """One Atom entry as a Record."""
    arxiv_id, _version = split_id(entry.findtext("a:id", "", NS))
    if not arxiv_id:
        return None
    authors = [clean(a.findtext("a:name", "", NS)) for a in entry.findall("a:author", NS)]
    return Record.build(
        source=source,
        origin=f"{source}:{arxiv_id}",
        source_key=arxiv_id,
        title=delatex(entry.findtext("a:title", None, NS)),
        abstract=delatex(entry.findtext("a:summary", None, NS)),
        authors=[a for a in authors if a],
        year=year_of(entry.findtext("a:published", None, NS)),
        venue=clean(entry.findtext("arxiv:journal_ref", None, NS)),
        doi=entry.findtext("arxiv:doi", None, NS),
        arxiv_id=arxiv_id,
        doc_type=DocType.PREPRINT.value,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        keywords=[c.get("term", "") for c in entry.findall("a:category", NS) if c.get("term")],
    )
