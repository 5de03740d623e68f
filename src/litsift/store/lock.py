"""One lock per review folder, so that two litsift commands never write the review at once.

`ReviewLock` holds an exclusive `fcntl.flock` on `.litsift.lock` in the review root for as
long as a command writes. The kernel drops a flock when its process dies, so a lock left by
a killed command (kill -9, a crash, a power cut) is never in the way: the next command takes
it. The file also records who holds the lock (pid, command, start time), for the message the
waiting command prints: "another litsift command is running (pid N: litsift run, since ...)".

Locks nest within a thread (a command that runs another step keeps one lock); two threads
of one process (the workbench's request handlers) each take the lock in turn, as two
processes do. A command may wait for the lock (`timeout`) rather than fail at once, and
every command waits a little (`BRIEF_WAIT`) when the holder is one that takes the lock for
one write at a time (the workbench saves each decision so): a `litsift run` started while a
reviewer presses a key runs a moment later instead of failing.

Waiting is fair: a waiter first takes a second lock, the gate (`.litsift.lock.wait`), and
holds it while it waits for the review's lock; a holder that releases the lock and at once
asks for it again (a loop of `litsift run`) waits at the gate behind it, so a workbench
save is never starved.
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
GATE_FILE = ".litsift.lock.wait"  # held by whoever waits next for the lock
WORKBENCH = "litsift screen serve"  # the workbench's writes name themselves so
BRIEF_HOLDERS = frozenset({WORKBENCH})  # commands that hold the lock for one write at a time
BRIEF_WAIT = 10.0  # seconds a command waits for such a holder


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
        self.command = command or _command_line()

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
        start = time.monotonic()
        gate_path = self.path.with_name(GATE_FILE)
        # at the gate, wait for a brief holder of the lock or a brief waiter before us
        gate = self._take(gate_path, start, (self.path, gate_path))
        try:
            self._record(gate)
            fd = self._take(self.path, start, (self.path,))
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
            os.close(gate)
        self._record(fd)
        return fd

    def _record(self, fd: int) -> None:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        record = json.dumps({"pid": os.getpid(), "command": self.command, "since": stamp})
        os.ftruncate(fd, 0)
        os.pwrite(fd, (record + "\n").encode("utf-8"), 0)

    def _take(self, path: Path, start: float, records: tuple[Path, ...]) -> int:
        """An exclusive flock on `path` (the gate or the lock), waiting as `_acquire` says:
        past the timeout, only while one of `records` names a brief holder."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = start + self.timeout
        pause = 0.002  # short at first: a writer holds the lock for milliseconds
        settled = False  # a command that has just taken the lock writes its record right
        # after: read the record only once the lock was still held a moment past the deadline
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            now = time.monotonic()
            if now >= deadline and not settled:
                settled = True
                time.sleep(0.02)
                continue
            if now >= deadline:
                holder = read_holder(self.path)
                brief = any(_brief(read_holder(r)) for r in records)
                if not (brief and now < start + BRIEF_WAIT):
                    os.close(fd)
                    who = f" ({holder.describe()})" if holder else ""
                    raise LockedError(
                        f"another litsift command is running{who}; wait for it to finish "
                        "and run this command again"
                    )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


def _command_line() -> str:
    """'litsift screen next': the command words of this process (its options left out)."""
    words = []
    for arg in sys.argv[1:]:
        if arg.startswith("-") or len(words) == 2:
            break
        words.append(arg)
    return " ".join(["litsift", *words])


def _brief(holder: Holder | None) -> bool:
    # no record yet: a holder that has just taken the lock writes it a moment later
    return holder is None or holder.command in BRIEF_HOLDERS


def read_holder(path: Path) -> Holder | None:
    """Who wrote the lock file last (None when unreadable or empty)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return Holder(int(data["pid"]), str(data["command"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def locked_by(root: Path) -> Holder | None:
    """Who holds the review's lock now, when another process or thread does (None when it
    is free, or held by this thread); takes nothing."""
    path = Path(root) / LOCK_FILE
    if is_held(root) or not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return read_holder(path) or Holder(0, "litsift", "unknown")
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def is_held(root: Path) -> bool:
    """Whether this thread holds the review's lock (for asserts in writers)."""
    with _guard:
        return (Path(root) / LOCK_FILE, threading.get_ident()) in _held
