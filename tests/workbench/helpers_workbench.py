"""Helpers of the workbench tests (and its benchmark): sessions, HTTP clients, a server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from litsift.models import Stage
from litsift.store import Review
from litsift.workbench.app import Access, create_app
from litsift.workbench.session import Session

TOKEN = "test-token-0123456789"


def open_session(review: Review, reviewer: str = "ann", stage: Stage = Stage.TITLE_ABSTRACT):
    session = Session(review, stage, reviewer)
    session.load()
    return session


def client_for(session: Session) -> TestClient:
    access = Access(TOKEN, frozenset({"testserver"}), "litsift_token_test")
    return TestClient(create_app(session, access), headers={"x-litsift-token": TOKEN})


class Server:
    """`litsift screen serve` in a child process; `url` is the line it printed."""

    def __init__(self, root: Path, reviewer: str, stage: str = "title-abstract") -> None:
        cmd = [sys.executable, "-m", "litsift", "screen", "serve", "--root", str(root)]
        cmd += ["--reviewer", reviewer, "--stage", stage, "--port", "0"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"the workbench did not start: {self.url!r} {err}")
        self.base, _, self.token = self.url.partition("/?token=")
        self.http = httpx.Client(base_url=self.base, headers={"x-litsift-token": self.token})

    def post(self, path: str, body: dict) -> httpx.Response:
        return self.http.post(path, json=body, timeout=30)

    def kill(self) -> None:
        """SIGKILL the server and its ranking worker (the whole process group)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def wait_until(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")
