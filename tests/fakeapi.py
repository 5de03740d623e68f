"""A local fake of the five APIs for tests and the benchmark (127.0.0.1, never the network).

`FakeApis` serves a fixed list of works in each API's own response format and paging
style, with injectable faults (429 + Retry-After, 500/503, timeouts, truncated bodies,
empty pages in mid-run, cursors that end early) and a per-response latency.
`session_factory()` gives sessions that send each API's real URL to the fake server.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import requests

BASES = {
    "openalex": "https://api.openalex.org",
    "crossref": "https://api.crossref.org",
    "arxiv": "https://export.arxiv.org",
    "semanticscholar": "https://api.semanticscholar.org",
    "dblp": "https://dblp.org",
}


@dataclass(frozen=True)
class Work:
    key: int
    title: str
    abstract: str
    year: int
    authors: tuple[str, ...] = ("Ada Lovelace",)

    @property
    def doi(self) -> str:
        return f"10.5555/fake.{self.key}"


@dataclass
class Fault:
    """`kind` on page `page` (1-based) of `api`, for the first `times` requests of it."""

    api: str
    page: int
    kind: str  # 429 | 500 | 503 | timeout | truncated | empty | end-early | quota
    times: int = 1
    retry_after: str | None = None


@dataclass
class Served:
    api: str
    page: int
    status: int
    query: dict[str, list[str]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the request arrived


def route_to(server: str) -> Any:
    """A session_factory whose sessions send each API's real URL to `server` instead."""

    class _Session(requests.Session):
        def get(self, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            for api, base in BASES.items():
                if url.startswith(base):
                    url = f"{server}/{api}{url[len(base) :]}"
                    break
            return super().get(url, **kwargs)

    return lambda api: _Session()


def make_works(n: int, *, matching_every: int = 1) -> list[Work]:
    """n works; all match `"language model" AND (inference OR training)` but every k-th."""
    out = []
    for i in range(n):
        if matching_every > 1 and i % matching_every == matching_every - 1:
            title, abstract = f"Graph coloring heuristics {i}", "A study of graph colouring."
        else:
            title = f"Fast inference for a large language model, part {i}"
            abstract = f"We speed up language model training and inference (case {i})."
        out.append(Work(i, title, abstract, 2018 + i % 6))
    return out


class FakeApis:
    """The fake server; use as a context manager."""

    def __init__(
        self,
        works: list[Work],
        *,
        faults: list[Fault] | None = None,
        latency: float = 0.0,
        hang: float = 2.0,
    ) -> None:
        self.works = works
        self.faults = list(faults or [])
        self.latency = latency
        self.hang = hang  # how long a 'timeout' fault stalls
        self.served: list[Served] = []
        self.hits: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeApis:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def session_factory(self) -> Any:
        """A session_factory for Executor/run_search that routes real URLs here."""
        return route_to(self.url)

    def requests_for(self, api: str) -> list[Served]:
        return [s for s in self.served if s.api == api]

    # ------------------------------------------------------------------ serving

    def fault_for(self, api: str, page: int) -> Fault | None:
        with self.lock:
            n = self.hits.get((api, page), 0)
            self.hits[(api, page)] = n + 1
        for f in self.faults:
            if f.api == api and f.page == page and n < f.times:
                return f
        return None

    def slice(self, offset: int, size: int) -> list[Work]:
        return self.works[offset : offset + size]


# Status each non-HTTP fault kind is logged under in `FakeApis.served` (599: no answer in time).
_FAULT_STATUS = {"timeout": 599, "quota": 429}


def _handler(fake: FakeApis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            api = parts.path.strip("/").split("/", 1)[0]
            query = parse_qs(parts.query)
            render = _RENDER.get(api)
            if render is None:
                self._send(404, b"{}", "application/json")
                return
            offset, size = _paging(api, query)
            page = offset // size + 1 if size else 1
            fault = fake.fault_for(api, page)
            arrived = time.monotonic()
            if fake.latency:
                time.sleep(fake.latency)
            status = _FAULT_STATUS.get(fault.kind) if fault else None
            if status is None and fault and fault.kind.isdigit():
                status = int(fault.kind)
            if status is not None:
                # Record before answering: the client may act on the reply before this
                # thread runs again, and tests read `served` right after the call returns.
                fake.served.append(Served(api, page, status, query, arrived))
                self._fault(fault)
                return
            works = [] if fault and fault.kind == "empty" else fake.slice(offset, size)
            end = offset + len(works)
            more = end < len(fake.works) and not (fault and fault.kind == "end-early")
            body, ctype = render(works, offset, end if more else None, len(fake.works))
            if fault and fault.kind == "truncated":
                body = body[: len(body) // 2]
            fake.served.append(Served(api, page, 200, query, arrived))
            self._send(200, body, ctype)

        def _fault(self, fault: Fault) -> None:
            if fault.kind == "timeout":
                time.sleep(fake.hang)
                self._send(200, b"{}", "application/json")
            elif fault.kind == "quota":
                body = b'{"error": "Rate limit exceeded", "message": "daily credits used"}'
                self._send(429, body, "application/json", {"X-RateLimit-Remaining": "0"})
            else:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._send(int(fault.kind), b'{"error": "fault"}', "application/json", headers)

        def _send(
            self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout fault)

    return Handler


def _one(query: dict[str, list[str]], name: str, default: str) -> str:
    return (query.get(name) or [default])[0]


def _paging(api: str, q: dict[str, list[str]]) -> tuple[int, int]:
    if api == "openalex":
        cursor = _one(q, "cursor", "*")
        return (0 if cursor == "*" else int(cursor[1:])), int(_one(q, "per_page", "25"))
    if api == "crossref":
        cursor = _one(q, "cursor", "*")
        return (0 if cursor == "*" else int(cursor[1:])), int(_one(q, "rows", "20"))
    if api == "arxiv":
        return int(_one(q, "start", "0")), int(_one(q, "max_results", "10"))
    if api == "semanticscholar":
        token = _one(q, "token", "")
        return (int(token[1:]) if token else 0), 1000
    return int(_one(q, "f", "0")), int(_one(q, "h", "30"))


def _openalex(works: list[Work], offset: int, nxt: int | None, total: int) -> tuple[bytes, str]:
    results = []
    for w in works:
        index: dict[str, list[int]] = {}
        for pos, word in enumerate(w.abstract.split()):
            index.setdefault(word, []).append(pos)
        results.append(
            {
                "id": f"https://openalex.org/W{1000 + w.key}",
                "doi": f"https://doi.org/{w.doi}",
                "title": w.title,
                "publication_year": w.year,
                "type": "article",
                "authorships": [{"author": {"display_name": a}} for a in w.authors],
                "abstract_inverted_index": index,
                "primary_location": None,
            }
        )
    meta = {"count": total, "next_cursor": f"c{nxt}" if nxt is not None else None}
    return json.dumps({"meta": meta, "results": results}).encode(), "application/json"


def _crossref(works: list[Work], offset: int, nxt: int | None, total: int) -> tuple[bytes, str]:
    items = [
        {
            "DOI": w.doi,
            "title": [w.title],
            "abstract": f"<jats:p>{w.abstract}</jats:p>",
            "issued": {"date-parts": [[w.year]]},
            "type": "journal-article",
            "author": [{"given": a.split()[0], "family": a.split()[-1]} for a in w.authors],
        }
        for w in works
    ]
    # like Crossref, a cursor is always handed out; an empty page ends the run
    cursor = f"c{nxt}" if nxt is not None else f"c{offset + len(works)}"
    message = {"total-results": total, "items": items, "next-cursor": cursor}
    return (
        json.dumps({"status": "ok", "message-type": "work-list", "message": message}).encode(),
        "application/json",
    )


def _arxiv(works: list[Work], offset: int, nxt: int | None, total: int) -> tuple[bytes, str]:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/2301.{10000 + w.key:05d}v2</id>"
        f"<title>{escape(w.title)}</title><summary>{escape(w.abstract)}</summary>"
        f"<published>{w.year}-05-01T00:00:00Z</published>"
        + "".join(f"<author><name>{escape(a)}</name></author>" for a in w.authors)
        + "</entry>"
        for w in works
    )
    shown = total if nxt is not None or works else offset
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{shown}</opensearch:totalResults>"
        f"<opensearch:startIndex>{offset}</opensearch:startIndex>{entries}</feed>"
    )
    return feed.encode(), "application/atom+xml"


def _s2(works: list[Work], offset: int, nxt: int | None, total: int) -> tuple[bytes, str]:
    data = [
        {
            "paperId": f"{w.key:040x}",
            "title": w.title,
            "abstract": w.abstract,
            "year": w.year,
            "externalIds": {"DOI": w.doi},
            "authors": [{"name": a} for a in w.authors],
        }
        for w in works
    ]
    body = {"total": total, "data": data, "token": f"t{nxt}" if nxt is not None else None}
    return json.dumps(body).encode(), "application/json"


def _dblp(works: list[Work], offset: int, nxt: int | None, total: int) -> tuple[bytes, str]:
    hits = [
        {
            "info": {
                "key": f"journals/fake/W{w.key}",
                "title": w.title + ".",
                "year": str(w.year),
                "doi": w.doi,
                "type": "Journal Articles",
                "authors": {"author": w.authors[0] if len(w.authors) == 1 else list(w.authors)},
            }
        }
        for w in works
    ]
    shown = total if nxt is not None else offset + len(works)
    result = {
        "status": {"@code": "200"},
        "hits": {"@total": str(shown), "@first": str(offset), "hit": hits},
    }
    return json.dumps({"result": result}).encode(), "application/json"


_RENDER = {
    "openalex": _openalex,
    "crossref": _crossref,
    "arxiv": _arxiv,
    "semanticscholar": _s2,
    "dblp": _dblp,
}


QUERY = '"language model" AND (inference OR training)'


def write_review(root: Any, apis: list[str], query: str = QUERY) -> None:
    """A minimal review folder (review.yaml + one query) searching the given APIs."""
    from pathlib import Path

    root = Path(root)
    (root / "queries").mkdir(parents=True, exist_ok=True)
    sources = "\n".join(f"  - {{name: {a}, platform: {a}, api: {a}}}" for a in apis)
    sources += "\n  - {name: citations, kind: citation, platform: citation chasing}"
    (root / "review.yaml").write_text(
        "title: t\nquestion: q\ndate_range: {start: 2017, end: 2023}\n"
        f"sources:\n{sources}\n"
        "criteria:\n  - {code: I1, kind: include, text: x}\n"
        "reviewers:\n  - {id: r1}\n"
        "queries: [queries/q.yaml]\n",
        encoding="utf-8",
    )
    (root / "queries" / "q.yaml").write_text(
        f"name: q\nquery: {json.dumps(query)}\nfields: title-abstract\n", encoding="utf-8"
    )
