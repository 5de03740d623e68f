"""Start the workbench: load the session, bind the socket, print the URL, serve."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable

from litsift.errors import LitsiftError
from litsift.store import Review
from litsift.vocab import Stage
from litsift.workbench.app import Access, create_app
from litsift.workbench.session import Session

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port).

    Created as IPPROTO_TCP, not protocol 0: asyncio sets TCP_NODELAY only on sockets that
    say they are TCP, and without it the body of every answer (written after its headers)
    waited for the browser's delayed ACK, about 40 ms a request. TCP_NODELAY is also set
    on the listening socket, which accepted connections inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise LitsiftError(f"cannot listen on {host}:{port}: {e.strerror}") from e
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(
    review: Review,
    stage: Stage,
    reviewer: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    echo: Callable[[str], None] = print,
) -> None:
    """Run the workbench until interrupted; the URL (with its token) goes to `echo`."""
    import uvicorn

    session = Session(review, stage, reviewer)
    print(f"loading the review for {reviewer} at {stage.value} ...", file=sys.stderr, flush=True)
    session.load()
    sock = bind(host, port)
    port = sock.getsockname()[1]
    access = Access.for_address(host, port)
    if not access.hosts:
        print(
            f"warning: listening on every interface ({host}); the token is the only guard",
            file=sys.stderr,
            flush=True,
        )
    app = create_app(session, access)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else url_host(host)
    echo(f"http://{shown}:{port}/?token={access.token}")
    counts = session.counts()
    print(
        f"{counts['left']} records to screen, {counts['screened']} decided; "
        "open the URL above, Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        session.close()
        sock.close()
