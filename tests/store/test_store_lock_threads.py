"""The review lock between threads of one process: each thread waits its turn."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from litsift.store.lock import LockedError, ReviewLock, is_held


def test_a_second_thread_waits_for_the_first(tmp_path: Path):
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with ReviewLock(tmp_path):
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    assert not is_held(tmp_path)  # the other thread holds it, not this one
    with pytest.raises(LockedError), ReviewLock(tmp_path):
        pass
    threading.Timer(0.2, release.set).start()
    with ReviewLock(tmp_path, timeout=10):
        order.append("second in")
        assert is_held(tmp_path)
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_threads_never_hold_it_together(tmp_path: Path):
    holders: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        for _ in range(20):
            with ReviewLock(tmp_path, timeout=30):
                holders.append(1)
                if len(holders) > 1:
                    overlaps.append(len(holders))
                time.sleep(0.001)
                holders.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
