"""What every source shares: requests, pages, translations, and text clean-up helpers.

A source is pure: it builds requests from a query and parses response bodies into records.
Paging, retries, rate limits and the cache live in search/executor.py.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

from litsift.errors import SearchError
from litsift.models import Record
from litsift.search.query import And, Node, Not, Or, Query, Term
from litsift.search.relax import Dialect, Relaxation, Vocabulary


@dataclass(frozen=True)
class Request:
    """One GET request, without identification or keys (the executor adds those)."""

    api: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    page: int = 1  # 1-based page number within one search

    def display(self) -> str:
        """The full URL as it is sent (without API key or contact e-mail)."""
        return f"{self.url}?{urlencode(self.params)}" if self.params else self.url

    def cache_key(self, snapshot: str = "") -> str:
        """Content address of the request: sha256 of the snapshot id, URL and parameters."""
        basis = json.dumps([snapshot, self.url, sorted(self.params)], ensure_ascii=False)
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()

    def with_params(self, page: int, **changes: str) -> Request:
        """Copy with some parameters replaced (paging), order kept."""
        params = [(k, changes.pop(k) if k in changes else v) for k, v in self.params]
        params.extend(changes.items())
        return Request(self.api, self.url, tuple(params), page)


@dataclass(frozen=True)
class Page:
    """One parsed response page."""

    records: tuple[Record, ...]
    total: int | None = None  # hits the API reports for the whole search
    next: str | None = None  # cursor, token or offset of the next page; None when done
    raw_count: int = 0  # items on the page before parsing
    index_only: bool = False  # a search step that returns counts and a cursor, no records


@dataclass(frozen=True)
class Translation:
    """A query translated for one source; `exact` False means results are post-filtered.

    `notes` say which part of the query is applied locally and why; `warnings` say where
    the request may still miss records (a wildcard sent as its stem); `tree` is what the
    request expresses (for tests and the log); `expansions` are the words each wildcard
    stem was expanded to, logged so a replay sends the same request.
    """

    text: str
    exact: bool
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    tree: Node | None = None
    expansions: dict[str, list[str] | None] = field(default_factory=dict, compare=False)


class Untranslatable(SearchError):
    """The source can express nothing of the query that would limit what it returns."""


def checked(relaxation: Relaxation, platform: str, query: Query) -> Node:
    """The relaxed tree, or an error when the request would match everything or nothing."""
    tree = relaxation.tree
    if tree is True:
        raise Untranslatable(
            f"{platform}: query {query.name} ({query.path or 'no file'}) cannot be searched "
            f"there: what {platform} can express of it matches every record (a NOT it cannot "
            "send, or NOT under OR); rewrite it with a positive term that every match contains"
        )
    if tree is False:
        raise Untranslatable(
            f"{platform}: query {query.name} ({query.path or 'no file'}) can match nothing "
            f"there (it needs a field {platform} does not have)"
        )
    return tree


def translation(
    text: str,
    relaxation: Relaxation,
    tree: Node,
    limits_exact: bool = True,
    extra: tuple[str, ...] = (),
    info: tuple[str, ...] = (),
) -> Translation:
    """A Translation from a rendered request and the relaxation behind it.

    `extra` notes make the translation inexact (post-filtered); `info` notes do not.
    """
    return Translation(
        text,
        relaxation.exact and limits_exact and not extra,
        tuple(relaxation.notes) + extra + info,
        tuple(relaxation.warnings),
        tree,
        dict(relaxation.expansions),
    )


class ApiError(SearchError):
    """The API answered with an error body (never parsed as a paper)."""


class ApiSource:
    """Base class of the five API sources."""

    api: ClassVar[str]
    platform: ClassVar[str]
    rate: ClassVar[float]  # documented requests per second
    page_size: ClassVar[int]
    max_results: ClassVar[int | None] = None  # documented cap on one search's results
    key_env: ClassVar[str | None] = None
    key_rate: ClassVar[float | None] = None  # documented requests per second with a key
    key_param: ClassVar[str | None] = None  # query parameter carrying the key
    key_header: ClassVar[str | None] = None  # or header carrying the key
    mailto_param: ClassVar[str | None] = None
    default_max_records: ClassVar[int | None] = None
    content_type: ClassVar[str] = "json"
    dialect: ClassVar[Dialect | None] = None  # what its query syntax can express
    # no native truncation: wildcards are expanded from the records retrieved before it
    needs_vocabulary: ClassVar[bool] = False

    def translate(self, query: Query, vocabulary: Vocabulary | None = None) -> Translation:
        raise NotImplementedError

    def first_request(
        self, query: Query, page_size: int | None = None, vocabulary: Vocabulary | None = None
    ) -> Request:
        raise NotImplementedError

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        raise NotImplementedError

    def parse(self, body: str, source: str | None = None) -> Page:
        raise NotImplementedError

    def limits_exact(self, query: Query) -> bool:
        """Whether the API applies the query's year range and types exactly."""
        return True


# --------------------------------------------------------------------------- helpers


class TruncatedBody(SearchError):
    """A response body that does not parse: truncated in transit, retried by the executor."""


def load_json(body: str, api: str) -> Any:
    """Decode a JSON body; a truncated or non-JSON body is a (retryable) SearchError."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as e:
        raise TruncatedBody(
            f"{api}: response is not complete JSON ({e.msg} at char {e.pos})"
        ) from e


_BLOCK_TAG_RE = re.compile(
    r"</?(?:jats:|mml:)?(?:p|title|sec|list|list-item|br|div|li|ul|ol)"
    r"\b[^>]*>",
    re.I,
)
_TAG_RE = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_SPACE_RE = re.compile(r"\s+")


def clean(text: Any) -> str | None:
    """Markup stripped (JATS, HTML), entities decoded, whitespace collapsed; None if empty."""
    if not isinstance(text, str):
        return None
    text = _BLOCK_TAG_RE.sub(" ", text)
    text = _TAG_RE.sub("", text)
    text = html.unescape(html.unescape(text))
    text = _SPACE_RE.sub(" ", text).strip()
    return text or None


def strip_jats_title(text: str | None) -> str | None:
    """Drop a leading 'Abstract' heading that JATS abstracts carry as their first title."""
    if text and re.match(r"^abstract\b[\s:.]*", text, re.I):
        text = re.sub(r"^abstract\b[\s:.]*", "", text, flags=re.I).strip()
    return text or None


def as_int(value: Any) -> int | None:
    """An int from an int or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def dig(data: Any, *path: str | int) -> Any:
    """Nested lookup that tolerates nulls and wrong types anywhere: None when absent."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not -len(data) <= part < len(data):
                return None
            data = data[part]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(part)
    return data


def first_str(value: Any) -> str | None:
    """A string, or the first string of a list (Crossref titles are lists)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value if isinstance(value, str) and value.strip() else None


def year_of(date: Any) -> int | None:
    """Year from 'YYYY-MM-DD...' strings."""
    if isinstance(date, str) and re.match(r"^\d{4}", date):
        return int(date[:4])
    return as_int(date)


# --------------------------------------------------------------------------- rendering


def render_boolean(
    node: Node,
    term: Any,
    and_: str = " AND ",
    or_: str = " OR ",
    not_: str = "NOT ",
    top: bool = True,
) -> str:
    """Render a tree with the given operators; `term(Term) -> str` renders leaves."""
    if isinstance(node, Term):
        return term(node)
    if isinstance(node, Not):
        return not_ + render_boolean(node.child, term, and_, or_, not_, top=False)
    joiner = and_ if isinstance(node, And) else or_
    text = joiner.join(render_boolean(c, term, and_, or_, not_, top=False) for c in node.children)
    return text if top else f"({text})"


def render_grouped(node: Node, term: Any, not_: str) -> str:
    """Render a tree with every group in parentheses, for engines that read left to right
    and know NOT only as a binary operator (PubMed's `A NOT B`, Europe PMC's `A AND NOT
    B`): an AND's negated children (relax() leaves NOTs only beside a positive part of an
    AND) follow its positive ones as `(head<not_>excluded)`."""
    if isinstance(node, Term):
        return term(node)
    if isinstance(node, Not):
        return render_grouped(node.child, term, not_)
    if isinstance(node, Or):
        return "(" + " OR ".join(render_grouped(c, term, not_) for c in node.children) + ")"
    pos = [render_grouped(c, term, not_) for c in node.children if not isinstance(c, Not)]
    neg = [render_grouped(c, term, not_) for c in node.children if isinstance(c, Not)]
    head = " AND ".join(pos)
    if not neg:
        return f"({head})"
    head = f"({head})" if len(pos) > 1 else head
    excluded = neg[0] if len(neg) == 1 else "(" + " OR ".join(neg) + ")"
    return f"({head}{not_}{excluded})"


__all__ = [
    "And",
    "ApiError",
    "ApiSource",
    "Node",
    "Not",
    "Or",
    "Page",
    "Request",
    "Term",
    "Translation",
    "TruncatedBody",
    "Untranslatable",
    "Vocabulary",
]
