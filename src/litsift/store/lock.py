"""One lock per review folder, so that two litsift commands never write the review at once.

`ReviewLock` holds an exclusive `fcntl.flock` on `.litsift.lock` in the review root for as
long as a command writes. The kernel drops a flock when its process dies, so a lock left by
a killed command (kill -9, a crash, a power cut) is never in the way: the next command takes
it. The file also records who holds the lock (pid, command, start time), for the message the
waiting command prints: "another litsift command is running (pid N: litsift run, since ...)".

Locks nest within a thread (a command that runs another step keeps one lock); two threads
of one process (the workbench's request handlers) each take the lock in turn, as two
processes do. A command may wait for the lock (`timeout`) rather than fail at once.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from litsift.errors import LitsiftError

LOCK_FILE = ".litsift.lock"


class LockedError(LitsiftError):
    """Another litsift command holds the review's lock."""


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str
    since: str

    def describe(self) -> str:
        return f"pid {self.pid}: {self.command}, since {self.since}"


# (lock path, thread) -> (fd, depth): each thread opens its own descriptor, and flock
# excludes two descriptors of one file even within a process
_held: dict[tuple[Path, int], tuple[int, int]] = {}
_guard = threading.Lock()


class ReviewLock:
    """`with ReviewLock(root): ...` holds the review's write lock for the block."""

    def __init__(self, root: Path, *, timeout: float = 0.0, command: str | None = None) -> None:
        self.path = Path(root) / LOCK_FILE
        self.timeout = timeout
        self.command = command or " ".join(["litsift", *sys.argv[1:2]]).strip()

    def __enter__(self) -> ReviewLock:
        key = (self.path, threading.get_ident())
        with _guard:
            fd, depth = _held.get(key, (-1, 0))
            if depth:
                _held[key] = (fd, depth + 1)
                return self
        fd = self._acquire()
        with _guard:
            _held[key] = (fd, 1)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        key = (self.path, threading.get_ident())
        with _guard:
            fd, depth = _held[key]
            if depth > 1:
                _held[key] = (fd, depth - 1)
                return
            del _held[key]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def _acquire(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        pause = 0.002  # short at first: a writer holds the lock for milliseconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    holder = read_holder(self.path)
                    os.close(fd)
                    who = f" ({holder.describe()})" if holder else ""
                    raise LockedError(
                        f"another litsift command is running{who}; wait for it to finish "
                        "and run this command again"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        record = json.dumps({"pid": os.getpid(), "command": self.command, "since": stamp})
        os.ftruncate(fd, 0)
        os.pwrite(fd, (record + "\n").encode("utf-8"), 0)
        return fd


def read_holder(path: Path) -> Holder | None:
    """Who wrote the lock file last (None when unreadable or empty)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(int(data["pid"]), str(data["command"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_held(root: Path) -> bool:
    """Whether this thread holds the review's lock (for asserts in writers)."""
    with _guard:
        return (Path(root) / LOCK_FILE, threading.get_ident()) in _held
