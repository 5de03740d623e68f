"""The workbench's web app (Starlette): one page, a JSON API, one static script.

Security, for a server any page in the same browser could try to reach:
- it binds to 127.0.0.1 unless told otherwise, and answers only requests whose Host is the
  address it serves (a DNS-rebinding page has another Host);
- every request carries the per-run token of the URL printed at start: as `?token=` (the
  first visit, which sets a cookie and redirects to drop it from the address bar), the
  cookie, or the `X-Litsift-Token` header;
- a request that changes anything (POST) must carry the token in the header, which a page
  of another origin cannot send without a CORS preflight this server never grants, and an
  `Origin`, when the browser sends one, must be this server's own;
- every piece of record metadata reaches the page as JSON and is put in the page with
  `textContent`; the page's Content-Security-Policy allows no inline script.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

from litsift.errors import LitsiftError
from litsift.models import Record, Stage
from litsift.workbench.session import Session

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
HEADER = "x-litsift-token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
Scope = MutableMapping[str, Any]
ASGI = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


@dataclass(frozen=True)
class Access:
    """Who may talk to the server: the token, and the Host values it answers to."""

    token: str
    hosts: frozenset[str]  # "127.0.0.1:8765", ...; empty: any (bound to every interface)
    cookie: str  # cookie name, per port (cookies are shared by every port of a host)

    @classmethod
    def for_address(cls, host: str, port: int, token: str | None = None) -> Access:
        names = {host}
        if host in ("127.0.0.1", "localhost", "::1"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        hosts = (
            frozenset() if host in ("0.0.0.0", "::") else frozenset(f"{h}:{port}" for h in names)
        )
        return cls(token or secrets.token_urlsafe(24), hosts, f"litsift_token_{port}")

    def origin_ok(self, origin: str | None, host: str) -> bool:
        return origin is None or origin == f"http://{host}"

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())


def guard(app: ASGI, access: Access) -> ASGI:
    """ASGI middleware refusing requests without the token, from another Host or Origin."""

    async def guarded(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        problem = _refusal(scope, headers, host, access)
        if problem is not None:
            status, message = problem
            await JSONResponse({"error": message}, status_code=status)(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


def _refusal(
    scope: Scope, headers: dict[str, str], host: str, access: Access
) -> tuple[int, str] | None:
    if access.hosts and host not in access.hosts:
        return 421, f"this server does not answer for host {host!r}"
    if not access.origin_ok(headers.get("origin"), host):
        return 403, "requests from another origin are refused"
    if scope["method"] not in ("GET", "HEAD"):
        if not access.token_ok(headers.get(HEADER)):
            return 403, "missing or wrong token header: reload the page from litsift's URL"
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = headers.get(HEADER) or (query.get("token") or [None])[0] or _cookie(headers, access)
    if not access.token_ok(given):
        return 403, "missing or wrong token: open the URL `litsift screen serve` printed"
    return None


def _cookie(headers: dict[str, str], access: Access) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == access.cookie:
            return value
    return None


# --------------------------------------------------------------------------- views


def links(record: Record, stage: Stage) -> list[dict[str, str]]:
    """Identifier links (DOI, arXiv, PubMed); at full text, the full text too."""
    out = []
    if record.doi:
        out.append(
            {"label": f"DOI {record.doi}", "href": "https://doi.org/" + quote(record.doi, safe="/")}
        )
    if record.arxiv_id:
        arxiv = quote(record.arxiv_id, safe="/.")
        out.append({"label": f"arXiv {record.arxiv_id}", "href": f"https://arxiv.org/abs/{arxiv}"})
        if stage is Stage.FULL_TEXT:
            out.append({"label": "full text: arXiv PDF", "href": f"https://arxiv.org/pdf/{arxiv}"})
    if record.pmid:
        pmid = quote(record.pmid, safe="")
        out.append(
            {"label": f"PubMed {record.pmid}", "href": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"}
        )
    if record.url and record.url.lower().startswith(("https://", "http://")):
        label = "full text: URL" if stage is Stage.FULL_TEXT else "URL"
        out.append({"label": label, "href": record.url})
    return out


def record_view(session: Session, record_id: str) -> dict[str, object]:
    record = session.records[record_id]
    mark = session.marker.segments
    view: dict[str, object] = {
        "id": record.id,
        "title": mark(record.title or "(no title)"),
        "abstract": mark(record.abstract),
        "keywords": list(record.keywords),
        "venue": record.venue,
        "year": record.year,
        "authors": list(record.authors),
        "links": links(record, session.stage),
        "score": session.scores.get(record.id),
        "retracted": record.id in session.retracted,
    }
    if session.adjudicator:
        view["votes"] = session.votes(record.id)
    return view


def state_view(session: Session) -> dict[str, object]:
    """What the page shows now: the record, counts, and any problem."""
    error = session.check()
    current = session.current()
    return {
        "record": record_view(session, current) if current and not error else None,
        "counts": session.counts(),
        "error": error,
        "warnings": list(session.warnings),
        "can_undo": bool(session.history),
    }


def progress_view(session: Session) -> dict[str, object]:
    info = session.refresh_progress()
    return {
        "counts": session.counts(),
        "stopping": info.stopping,
        "agreement": info.agreement,
        "ranked_decisions_ago": session.decisions - info.ranked_at,
        "blind": not session.adjudicator,
    }


# --------------------------------------------------------------------------- the app


def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        keep_trailing_newline=True,
    )


def page_config(session: Session) -> dict[str, object]:
    protocol = session.review.protocol
    keys = protocol.workbench.keys.as_map()
    if session.stage is not Stage.FULL_TEXT or session.adjudicator:
        keys.pop("not_retrieved")
    return {
        "reviewer": session.reviewer,
        "stage": session.stage.value,
        "adjudicator": session.adjudicator,
        "keys": keys,
        "reasons": session.reasons(),
        "file": session.rel,
    }


def create_app(session: Session, access: Access) -> ASGI:
    """The workbench app for one session, behind the token guard."""
    env = _templates()
    protocol = session.review.protocol

    def page(request: Request) -> HTMLResponse | RedirectResponse:
        if "token" in request.query_params:  # first visit: keep the token in a cookie only
            response: HTMLResponse | RedirectResponse = RedirectResponse("/", status_code=303)
        else:
            config = page_config(session) | {"token": access.token}  # for the POST header
            html = env.get_template("workbench.html.j2").render(
                config=config,
                protocol=protocol,
                terms=session.marker.terms,
                stage=session.stage.value,
            )
            response = HTMLResponse(html)
            response.headers["content-security-policy"] = CSP
        response.set_cookie(access.cookie, access.token, httponly=True, samesite="strict")
        response.headers["cache-control"] = "no-store"
        return response

    def static(request: Request) -> FileResponse:
        name = request.path_params["name"]
        if name not in ("workbench.js", "workbench.css"):
            raise HTTPException(404, "not found")
        return FileResponse(HERE / "static" / name, headers={"cache-control": "no-store"})

    def api_state(request: Request) -> JSONResponse:
        return _json(state_view(session))

    def api_progress(request: Request) -> JSONResponse:
        return _json(progress_view(session))

    async def api_decide(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _act(
            session,
            lambda: session.decide(
                str(body.get("id", "")),
                str(body.get("decision", "")),
                _opt(body.get("reason")),
                _opt(body.get("note")),
            ),
        )

    async def api_undo(request: Request) -> JSONResponse:
        return await _act(session, session.undo)

    async def api_skip(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _act(session, lambda: session.skip(str(body.get("id", ""))) or {})

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/static/{name}", static),
            Route("/api/state", api_state),
            Route("/api/progress", api_progress),
            Route("/api/decide", api_decide, methods=["POST"]),
            Route("/api/undo", api_undo, methods=["POST"]),
            Route("/api/skip", api_skip, methods=["POST"]),
        ],
    )
    return guard(app, access)


def _json(data: object, status: int = 200) -> JSONResponse:
    response = JSONResponse(data, status_code=status)
    response.headers["cache-control"] = "no-store"
    response.headers["x-content-type-options"] = "nosniff"
    return response


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


async def _act(session: Session, action: Callable[[], dict[str, object]]) -> JSONResponse:
    """Run a writing action (on a worker thread); answer what was saved and the new
    state, or why not."""

    def run() -> tuple[dict[str, object], int]:
        try:
            saved = action()
        except LitsiftError as e:  # Refused, a file's problem, the lock held too long
            return {"error": str(e), "state": state_view(session)}, 409
        return {"saved": saved, "state": state_view(session)}, 200

    body, status = await run_in_threadpool(run)
    return _json(body, status)
