"""The review's write lock: exclusive across processes, nested within one, freed by a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from litsift.store.lock import LockedError, ReviewLock, is_held, read_holder

HOLD = """
import sys, time
from litsift.store.lock import ReviewLock
with ReviewLock(sys.argv[1], command="litsift run"):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_child(root: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_second_command_is_refused_naming_the_holder(tmp_path: Path):
    child = hold_in_child(tmp_path)
    try:
        refused = pytest.raises(LockedError, match=rf"running \(pid {child.pid}: litsift run")
        with refused, ReviewLock(tmp_path):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path):
    child = hold_in_child(tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert read_holder(tmp_path / ".litsift.lock").pid == child.pid  # stale record only
    with ReviewLock(tmp_path, command="litsift check"):
        assert read_holder(tmp_path / ".litsift.lock").command == "litsift check"


def test_waiting_takes_the_lock_when_it_is_released(tmp_path: Path):
    child = hold_in_child(tmp_path)
    started = time.monotonic()
    killer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import os,time,signal; time.sleep(0.5); os.kill({child.pid}, signal.SIGTERM)",
        ]
    )
    with ReviewLock(tmp_path, timeout=20):
        assert time.monotonic() - started >= 0.4
    killer.wait()
    child.wait()


def test_locks_nest_within_a_process(tmp_path: Path):
    with ReviewLock(tmp_path):
        with ReviewLock(tmp_path):
            assert is_held(tmp_path)
        assert is_held(tmp_path)
    assert not is_held(tmp_path)
