"""The server process: its ranking worker dies with it, even when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from helpers_workbench import Server, wait_until
from synthetic import make_review


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not path.exists():
        pytest.skip("needs Linux /proc")
    return [int(x) for x in path.read_text().split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_the_ranking_worker_dies_with_a_killed_server(tmp_path) -> None:
    server = Server(make_review(tmp_path / "review", 20), "ann")
    try:
        assert server.http.get("/api/state").status_code == 200
        (worker,) = children(server.proc.pid)
        os.kill(server.proc.pid, signal.SIGKILL)  # the server only, not its group
        server.proc.wait(10)
        assert wait_until(lambda: not alive(worker), timeout=10)
    finally:
        server.stop()
