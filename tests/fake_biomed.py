"""A local fake of NCBI E-utilities (esearch + efetch) and Europe PMC search, on 127.0.0.1.

It serves a fixed list of works in each API's own format and paging (history server
WebEnv/query_key and retstart/retmax; cursorMark), with injectable faults per page:
429 (+ Retry-After), 500, 503, and timeouts. `session_factory()` sends each API's real
URL here, so the sources under test build the same requests as in production.
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
    "pubmed": "https://eutils.ncbi.nlm.nih.gov",
    "europepmc": "https://www.ebi.ac.uk",
}


@dataclass(frozen=True)
class Paper:
    key: int
    title: str
    abstract: str
    year: int

    @property
    def pmid(self) -> str:
        return str(30000000 + self.key)


def papers(n: int) -> list[Paper]:
    return [
        Paper(i, f"Fast inference of a large language model, part {i}",
              f"We speed up large language model training and inference (case {i}).",
              2018 + i % 6)
        for i in range(n)
    ]  # fmt: skip


@dataclass
class Fault:
    api: str
    page: int  # 1-based; for PubMed page 1 is the esearch
    kind: str  # 429 | 500 | 503 | timeout
    times: int = 1
    retry_after: str | None = None


@dataclass
class Hit:
    api: str
    page: int
    status: int
    params: dict[str, list[str]] = field(default_factory=dict)
    path: str = ""


class FakeBiomed:
    def __init__(self, works: list[Paper], faults: list[Fault] | None = None, hang: float = 1.0):
        self.works, self.faults, self.hang = works, list(faults or []), hang
        self.hits: list[Hit] = []
        self.counts: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBiomed:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def session_factory(self) -> Any:
        server = self.url

        class _Session(requests.Session):
            def get(self, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
                for api, base in BASES.items():
                    if url.startswith(base):
                        url = f"{server}/{api}{url[len(base) :]}"
                return super().get(url, **kwargs)

        return lambda api: _Session()

    def fault(self, api: str, page: int) -> Fault | None:
        with self.lock:
            n = self.counts.get((api, page), 0)
            self.counts[(api, page)] = n + 1
        return next(
            (f for f in self.faults if f.api == api and f.page == page and n < f.times), None
        )

    def of(self, api: str) -> list[Hit]:
        return [h for h in self.hits if h.api == api]


def _one(q: dict[str, list[str]], name: str, default: str) -> str:
    return (q.get(name) or [default])[0]


def _pubmed(fake: FakeBiomed, path: str, q: dict[str, list[str]]) -> tuple[int, bytes, str]:
    if path.endswith("esearch.fcgi"):
        ids = "".join(f"<Id>{w.pmid}</Id>" for w in fake.works[: int(_one(q, "retmax", "20"))])
        body = (
            '<?xml version="1.0" encoding="UTF-8" ?><eSearchResult>'
            f"<Count>{len(fake.works)}</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
            "<QueryKey>1</QueryKey><WebEnv>MCID_fake</WebEnv>"
            f"<IdList>{ids}</IdList></eSearchResult>"
        )
        return 1, body.encode(), "text/xml"
    start, size = int(_one(q, "retstart", "0")), int(_one(q, "retmax", "20"))
    if _one(q, "WebEnv", "") != "MCID_fake":
        return (
            2 + start // size,
            b"<eFetchResult><ERROR>Unknown WebEnv</ERROR></eFetchResult>",
            "text/xml",
        )
    arts = "".join(
        "<PubmedArticle><MedlineCitation><PMID>" + w.pmid + "</PMID><Article>"
        f"<Journal><JournalIssue><PubDate><Year>{w.year}</Year></PubDate></JournalIssue>"
        "<Title>Journal of Fakes</Title></Journal>"
        f"<ArticleTitle>{escape(w.title)}</ArticleTitle>"
        f"<Abstract><AbstractText>{escape(w.abstract)}</AbstractText></Abstract>"
        "<AuthorList><Author><LastName>Lovelace</LastName><ForeName>Ada</ForeName></Author>"
        "</AuthorList><PublicationTypeList><PublicationType>Journal Article</PublicationType>"
        "</PublicationTypeList></Article></MedlineCitation></PubmedArticle>"
        for w in fake.works[start : start + size]
    )
    return 2 + start // size, f"<PubmedArticleSet>{arts}</PubmedArticleSet>".encode(), "text/xml"


def _europepmc(fake: FakeBiomed, path: str, q: dict[str, list[str]]) -> tuple[int, bytes, str]:
    cursor, size = _one(q, "cursorMark", "*"), int(_one(q, "pageSize", "25"))
    start = 0 if cursor == "*" else int(cursor[1:])
    chunk = fake.works[start : start + size]
    end = start + len(chunk)
    results = [
        {
            "id": w.pmid, "source": "MED", "pmid": w.pmid, "title": w.title,
            "abstractText": w.abstract, "pubYear": str(w.year),
            "authorList": {"author": [{"lastName": "Lovelace", "firstName": "Ada"}]},
        }
        for w in chunk
    ]  # fmt: skip
    # like Europe PMC, the last page hands back the cursor it was given
    nxt = f"c{end}" if end < len(fake.works) else cursor
    body = {"hitCount": len(fake.works), "nextCursorMark": nxt, "resultList": {"result": results}}
    return 1 + start // size, json.dumps(body).encode(), "application/json"


_RENDER = {"pubmed": _pubmed, "europepmc": _europepmc}


def _handler(fake: FakeBiomed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            api = parts.path.strip("/").split("/", 1)[0]
            q = parse_qs(parts.query)
            page, body, ctype = _RENDER[api](fake, parts.path, q)
            fault = fake.fault(api, page)
            if fault is not None:
                status = 599 if fault.kind == "timeout" else int(fault.kind)
                fake.hits.append(Hit(api, page, status, q, parts.path))
                if fault.kind == "timeout":
                    time.sleep(fake.hang)
                    return self._send(200, body, ctype)
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return self._send(status, b"busy", "text/plain", headers)
            fake.hits.append(Hit(api, page, 200, q, parts.path))
            self._send(200, body, ctype)

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler
